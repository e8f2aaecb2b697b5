//! Watching the three parts while the demo runs: the Autotask simulator's webhook deliveries,
//! Field Nation's, and the broker's jobs as they finish, each a timeline line the first time it
//! is seen. [`Watch::settle`] waits until everything set off has come to rest.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use super::stage::Stage;
use super::timeline::Timeline;
use crate::broker::job_payload::{DispatchRequest, EventDelivery};
use crate::broker::store::{Job, JobFilter, JobKind, JobState};

/// How often the parts are looked at.
const POLL: Duration = Duration::from_millis(25);
/// Looks in a row with nothing new and nothing pending before a step counts as settled.
const QUIET_LOOKS: u32 = 4;

pub(super) struct Watch<'s> {
    stage: &'s Stage,
    records: HashMap<(String, i64), String>,
    work_orders: HashMap<u64, String>,
    hooks: HashSet<(i64, u32)>,
    deliveries: HashSet<(String, u32)>,
    finished: HashSet<i64>,
    retried: HashSet<(i64, u32)>,
    announced: HashSet<i64>,
    failures: Vec<String>,
}

impl<'s> Watch<'s> {
    pub(super) fn new(stage: &'s Stage, records: &[((String, i64), String)]) -> Self {
        Watch {
            stage,
            records: records.iter().cloned().collect(),
            work_orders: HashMap::new(),
            hooks: HashSet::new(),
            deliveries: HashSet::new(),
            finished: HashSet::new(),
            retried: HashSet::new(),
            announced: HashSet::new(),
            failures: Vec::new(),
        }
    }

    /// Names work orders by their records in later lines.
    pub(super) fn label_work_orders(&mut self, work_orders: &[(u64, String)]) {
        for (id, label) in work_orders {
            self.work_orders.insert(*id, label.clone());
        }
    }

    /// Jobs that ended as dead letters, with their reasons.
    pub(super) fn failures(&self) -> Vec<String> {
        self.failures.clone()
    }

    /// Looks until every webhook was answered, every Field Nation event delivered and every
    /// job finished, and nothing new turned up for a moment: the jobs that finished meanwhile.
    pub(super) async fn settle(
        &mut self,
        timeline: &mut Timeline,
        deadline: Instant,
    ) -> Result<Vec<Job>, String> {
        let mut finished = Vec::new();
        let mut quiet = 0;
        loop {
            let (news, pending) = self.look(timeline, &mut finished).await?;
            quiet = if news || pending { 0 } else { quiet + 1 };
            if quiet >= QUIET_LOOKS {
                return Ok(finished);
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "timed out: the broker had not finished after {:.1} s ({})",
                    timeline.elapsed().as_secs_f64(),
                    if pending {
                        "jobs or deliveries still pending"
                    } else {
                        "still busy"
                    }
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// One look: whether anything new was seen, and whether anything is still pending.
    async fn look(
        &mut self,
        timeline: &mut Timeline,
        finished: &mut Vec<Job>,
    ) -> Result<(bool, bool), String> {
        let mut news = false;
        let mut pending = false;
        for hook in self.stage.autotask.hook_deliveries() {
            if !self.hooks.insert((hook.sequence_number, hook.attempt)) {
                continue;
            }
            news = true;
            let answer = match (hook.status, &hook.error) {
                (Some(status), _) => format!("broker {status}"),
                (None, Some(error)) => format!("failed: {error}"),
                (None, None) => "no answer".to_owned(),
            };
            pending |= !hook.status.is_some_and(|s| (200..300).contains(&s));
            let subject = self.record_label(&hook.entity_type, hook.id);
            timeline.note(
                &subject,
                format!(
                    "Autotask webhook #{} {} (signed) → {answer}",
                    hook.sequence_number,
                    hook.action.as_str()
                ),
            );
        }
        // Dispatches first: a work order's events are named by its record from then on.
        let (dispatches, others): (Vec<Job>, Vec<Job>) = self
            .jobs()
            .await?
            .into_iter()
            .partition(|job| job.kind == JobKind::Dispatch);
        for job in dispatches {
            let (new, busy) = self.job(job, timeline, finished).await?;
            news |= new;
            pending |= busy;
        }
        let deliveries = self.stage.fieldnation.deliveries();
        let first_attempts = deliveries.iter().filter(|d| d.attempt == 1).count();
        let raised = self.stage.fieldnation.events();
        let delivered = &self.stage.delivered_events;
        pending |= first_attempts < raised.iter().filter(|(e, _)| delivered.contains(e)).count();
        for delivery in deliveries {
            if !self
                .deliveries
                .insert((delivery.delivery_id.clone(), delivery.attempt))
            {
                continue;
            }
            news = true;
            let answer = match (delivery.status, &delivery.error) {
                (Some(status), _) => format!("broker {status}"),
                (None, Some(error)) => format!("failed: {error}"),
                (None, None) => "no answer".to_owned(),
            };
            let subject = self.work_order_label(delivery.work_order_id);
            timeline.note(
                &subject,
                format!(
                    "Field Nation webhook {} (signed) → {answer}",
                    delivery.event
                ),
            );
        }
        for job in others {
            let (new, busy) = self.job(job, timeline, finished).await?;
            news |= new;
            pending |= busy;
        }
        Ok((news, pending))
    }

    /// A job's line once it finished (or failed and waits for a retry): whether it was new,
    /// whether it is still open.
    async fn job(
        &mut self,
        job: Job,
        timeline: &mut Timeline,
        finished: &mut Vec<Job>,
    ) -> Result<(bool, bool), String> {
        match job.state {
            JobState::Queued | JobState::Leased => {
                let mut news = false;
                if let Some(error) = &job.last_error
                    && self.retried.insert((job.id, job.attempts)) {
                        news = true;
                        let subject = self.job_subject(&job);
                        timeline.note(
                            &subject,
                            format!("broker: job #{} will be retried: {error}", job.id),
                        );
                    }
                Ok((news, true))
            }
            JobState::Done | JobState::Dead => {
                if !self.finished.insert(job.id) {
                    return Ok((false, false));
                }
                self.announce(&job, timeline).await?;
                finished.push(job);
                Ok((true, false))
            }
        }
    }

    /// Every job in the store, oldest first.
    async fn jobs(&self) -> Result<Vec<Job>, String> {
        let store = self.stage.broker.store();
        let mut all = Vec::new();
        let mut after_id = None;
        loop {
            let page = store
                .jobs(&JobFilter {
                    after_id,
                    limit: 500,
                    ..JobFilter::default()
                })
                .await
                .map_err(|e| format!("the store: {e}"))?;
            let full = page.len() == 500;
            after_id = page.last().map(|j| j.id);
            all.extend(page);
            if !full {
                return Ok(all);
            }
        }
    }

    /// The timeline's line for a finished job.
    async fn announce(&mut self, job: &Job, timeline: &mut Timeline) -> Result<(), String> {
        let subject = self.job_subject(job);
        if job.state == JobState::Dead {
            let reason = job.last_error.clone().unwrap_or_default();
            let line = format!("broker: job #{} ({}) failed: {reason}", job.id, job.key);
            timeline.note(&subject, line.clone());
            self.failures.push(line);
            return Ok(());
        }
        let text = match job.kind {
            JobKind::Dispatch => {
                let Ok(request) = DispatchRequest::parse(&job.payload) else {
                    return Ok(());
                };
                let correlation = self
                    .stage
                    .broker
                    .store()
                    .correlation(&request.entity, request.id, &request.mapping)
                    .await
                    .map_err(|e| format!("the store: {e}"))?;
                if let Some(c) = &correlation
                    && let Ok(id) = u64::try_from(c.work_order_id) {
                        self.work_orders.insert(id, subject.clone());
                    }
                match correlation {
                    Some(c) if self.announced.insert(c.work_order_id) => format!(
                        "broker: work order {} created in Field Nation (job #{}, {:?})",
                        c.work_order_id, job.id, request.mapping
                    ),
                    Some(c) => format!(
                        "broker: job #{}: work order {} exists; nothing created",
                        job.id, c.work_order_id
                    ),
                    None => format!(
                        "broker: job #{}: the trigger does not hold on the fresh record; nothing created",
                        job.id
                    ),
                }
            }
            JobKind::Event | JobKind::Writeback => {
                let Ok(delivery) = EventDelivery::parse(&job.payload) else {
                    return Ok(());
                };
                let name = delivery.name().unwrap_or("an event");
                if job.kind == JobKind::Writeback {
                    format!("broker: {name} written back (job #{})", job.id)
                } else {
                    format!("broker: {name} applied (job #{})", job.id)
                }
            }
        };
        timeline.note(&subject, text);
        Ok(())
    }

    fn job_subject(&self, job: &Job) -> String {
        match job.kind {
            JobKind::Dispatch => DispatchRequest::parse(&job.payload)
                .map(|r| self.record_label(&r.entity, r.id))
                .unwrap_or_else(|_| job.key.clone()),
            JobKind::Event | JobKind::Writeback => EventDelivery::parse(&job.payload)
                .ok()
                .and_then(|d| d.work_order_id())
                .and_then(|id| u64::try_from(id).ok())
                .map_or_else(|| job.key.clone(), |id| self.work_order_label(id)),
        }
    }

    fn record_label(&self, entity: &str, id: i64) -> String {
        self.records
            .get(&(entity.to_owned(), id))
            .cloned()
            .unwrap_or_else(|| format!("{entity} {id}"))
    }

    fn work_order_label(&self, id: u64) -> String {
        self.work_orders
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("WO {id}"))
    }
}
