//! Dispatch jobs, as a batch: the correlation first (a record already dispatched is not
//! created again), then one fetch per mapping for all its records (one ticket query, one per
//! related type), the trigger re-checked on the fresh record (a stale webhook does nothing),
//! the body written by `evaluate_to_json`, the create through the marker (an unknown outcome
//! is looked up, never created blindly; so is every attempt after the first, whose worker may
//! have created the work order and died), and the correlation stored in the transaction that
//! completes the job, with the `Writeback` job that runs the `on workorder.created` rules.

use std::collections::{BTreeMap, HashMap};

use jiff::tz::TimeZone;
use tracing::Instrument;

use super::call_audit::JobCalls;
use super::dispatcher::{Dispatcher, Outcome, RunReport};
use super::failure::Failure;
use super::job_payload::{CREATED, DispatchRequest, EventDelivery, SourceRecord};
use super::problem_trace::trace_problems;
use super::store::{Effect, Leased, NewCorrelation, StoreError};
use super::telemetry::dispatch_span;
use crate::fieldnation::client::{CreateOutcome, Marker, WorkOrder};
use crate::ir::MappingProgram;
use crate::runtime::issue::{Issue, IssueKind};
use crate::stdlib::context::EvalContext;
use crate::value::record::RecordSet;

impl Dispatcher {
    pub(super) async fn dispatch_batch(
        &self,
        jobs: Vec<Leased>,
        ctx: &EvalContext,
        report: &mut RunReport,
    ) -> Result<(), StoreError> {
        let mut readable = Vec::with_capacity(jobs.len());
        for leased in jobs {
            match self.read_request(&leased.job.payload) {
                Ok((index, request)) => readable.push((leased, index, request)),
                Err(reason) => {
                    self.fail(&leased, Failure::Permanent(reason), report)
                        .await?;
                }
            }
        }
        // The correlations first, all in one query: a record dispatched is not created again.
        let records = readable
            .iter()
            .map(|(_, _, r)| (r.entity.clone(), r.id, r.mapping.clone()))
            .collect();
        let known: HashMap<(String, i64, String), i64> = self
            .store
            .correlations(records)
            .await?
            .into_iter()
            .map(|c| ((c.source_entity, c.source_id, c.mapping), c.work_order_id))
            .collect();
        // By mapping, so that each mapping's records are fetched together.
        let mut batches: BTreeMap<usize, Vec<(Leased, DispatchRequest)>> = BTreeMap::new();
        for (leased, index, request) in readable {
            let key = (request.entity.clone(), request.id, request.mapping.clone());
            if let Some(&work_order_id) = known.get(&key) {
                let outcome = Outcome::AlreadyDispatched { work_order_id };
                self.finish(&leased, outcome, Vec::new(), report);
                continue;
            }
            batches.entry(index).or_default().push((leased, request));
        }
        for (index, batch) in batches {
            let Some(mapping) = self.program.mappings().get(index) else {
                continue;
            };
            let ids: Vec<i64> = batch.iter().map(|(_, r)| r.id).collect();
            let fetch_calls = JobCalls::new();
            let fetched = self
                .fetcher
                .fetch_many_logged(mapping.plan(), &ids, fetch_calls.autotask_log())
                .await;
            // The batch's queries were made for every job in it.
            let subjects: Vec<(i64, String)> = batch
                .iter()
                .map(|(leased, request)| (leased.job.id, subject(request)))
                .collect();
            let mut trail = fetch_calls.entries(&subjects);
            let fetched = match fetched {
                Ok(f) => f,
                Err(error) => {
                    let failure = Failure::autotask(&error);
                    for (leased, _) in &batch {
                        self.fail(leased, failure.clone(), report).await?;
                    }
                    self.audit(trail).await?;
                    continue;
                }
            };
            // Work orders created by earlier attempts of the batch's retried jobs: one search.
            let retried: Vec<&(Leased, DispatchRequest)> = batch
                .iter()
                .filter(|(leased, _)| leased.job.attempts > 1)
                .collect();
            let search_calls = JobCalls::new();
            let earlier = self
                .created_by_earlier_attempts(&retried, &search_calls)
                .await;
            let retried_subjects: Vec<(i64, String)> = retried
                .iter()
                .map(|(leased, request)| (leased.job.id, subject(request)))
                .collect();
            trail.extend(search_calls.entries(&retried_subjects));
            for (leased, request) in &batch {
                let calls = JobCalls::new();
                let span = dispatch_span(&leased.job, &request.entity, request.id);
                self.dispatch_one(
                    index,
                    mapping,
                    (&fetched.records, &earlier),
                    (leased, request),
                    &calls,
                    ctx,
                    report,
                )
                .instrument(span)
                .await?;
                trail.extend(calls.entries(&[(leased.job.id, subject(request))]));
            }
            self.audit(trail).await?;
        }
        Ok(())
    }

    /// The mapping's index and the request, or why the payload cannot be dispatched.
    fn read_request(&self, payload: &str) -> Result<(usize, DispatchRequest), String> {
        let request = DispatchRequest::parse(payload)?;
        let index = self
            .program
            .mapping_index(&request.mapping)
            .ok_or_else(|| format!("the program has no mapping named {:?}", request.mapping))?;
        let source = self.program.mappings()[index].source();
        if source != request.entity {
            return Err(format!(
                "mapping {:?} dispatches {source} records, not {}",
                request.mapping, request.entity
            ));
        }
        Ok((index, request))
    }

    #[allow(clippy::too_many_arguments)]
    async fn dispatch_one(
        &self,
        index: usize,
        mapping: &MappingProgram,
        (records, earlier): (&RecordSet, &EarlierCreates),
        (leased, request): (&Leased, &DispatchRequest),
        calls: &JobCalls,
        ctx: &EvalContext,
        report: &mut RunReport,
    ) -> Result<(), StoreError> {
        let fieldnation = calls.fieldnation(&self.fieldnation);
        if records.get(&request.entity, request.id).is_none() {
            self.finish(leased, Outcome::SourceMissing, Vec::new(), report);
            return Ok(());
        }
        // The trigger is judged by the evaluation, on the fresh record and the related records
        // fetched with it (a trigger may read `Account.State`), before any rule's issue counts.
        let mut body = Vec::new();
        let evaluation = match self
            .program
            .evaluate_to_json(records, request.id, ctx, index, &mut body)
        {
            Ok(e) => e,
            Err(error) => {
                let reason = format!("the mapping cannot evaluate: {error}");
                return self.fail(leased, Failure::Permanent(reason), report).await;
            }
        };
        let trigger_failures: Vec<Issue> = evaluation
            .issues
            .iter()
            .filter(|i| matches!(i.kind, IssueKind::TriggerFailed { .. }))
            .cloned()
            .collect();
        if !trigger_failures.is_empty() {
            let reason = format!(
                "a trigger of mapping {:?} cannot be evaluated on {} {}:\n{}",
                mapping.name(),
                request.entity,
                request.id,
                self.describe_issues(&trigger_failures)
            );
            return self.fail(leased, Failure::Permanent(reason), report).await;
        }
        if !evaluation.triggered {
            self.finish(leased, Outcome::NotTriggered, Vec::new(), report);
            return Ok(());
        }
        if evaluation.has_errors() {
            let reason = format!(
                "mapping {:?} found errors in {} {}; no work order was sent:\n{}",
                mapping.name(),
                request.entity,
                request.id,
                self.describe_issues(&evaluation.issues)
            );
            return self.fail(leased, Failure::Permanent(reason), report).await;
        }
        if !self.hold_lease(leased, report).await? {
            return Ok(());
        }
        let marker = Marker::for_record(self.config.marker_field, &request.entity, request.id);
        let earlier = if leased.job.attempts > 1 {
            match earlier {
                Ok(found) => found.get(&marker.value).cloned(),
                Err(failure) => return self.fail(leased, failure.clone(), report).await,
            }
        } else {
            None
        };
        let created = match earlier {
            Some(work_order) => Ok(CreateOutcome {
                work_order,
                found_by_marker: true,
            }),
            None => fieldnation.create_work_order_once(&body, &marker).await,
        };
        match created {
            Ok(created) => {
                let work_order_id = i64::try_from(created.work_order.id).unwrap_or(i64::MAX);
                let mut effects = vec![Effect::Correlate(NewCorrelation {
                    source_entity: request.entity.clone(),
                    source_id: request.id,
                    mapping: request.mapping.clone(),
                    work_order_id,
                })];
                if self.program.has_outbound_rule(CREATED, &request.entity) {
                    let event = EventDelivery::created(
                        work_order_id,
                        created.work_order.json,
                        jiff::Timestamp::now(),
                    );
                    let source = SourceRecord {
                        entity: &request.entity,
                        id: request.id,
                    };
                    effects.push(Effect::Enqueue(event.writeback_job(source)));
                }
                let outcome = Outcome::Dispatched {
                    work_order_id,
                    found_by_marker: created.found_by_marker,
                };
                self.finish(leased, outcome, effects, report);
                Ok(())
            }
            Err(error) => {
                let source = self.config.mapping_source.as_deref();
                let trace = trace_problems(mapping, error.problems(), source);
                self.fail(leased, Failure::fieldnation(&error, &trace), report)
                    .await
            }
        }
    }

    /// A job leased before may have created its work order and then lost its worker (a crash,
    /// a lease that ran out) before the correlation was stored: on every attempt after the
    /// first, the work order is looked up by its marker before anything is created. The
    /// batch's retried jobs are looked up together, in one pass over the work orders created
    /// since the day before the oldest of them was enqueued.
    async fn created_by_earlier_attempts(
        &self,
        retried: &[&(Leased, DispatchRequest)],
        calls: &JobCalls,
    ) -> EarlierCreates {
        let Some(oldest) = retried.iter().map(|(leased, _)| leased.job.created).min() else {
            return Ok(HashMap::new());
        };
        let markers: Vec<Marker> = retried
            .iter()
            .map(|(_, r)| Marker::for_record(self.config.marker_field, &r.entity, r.id))
            .collect();
        let created = oldest.to_zoned_datetime(TimeZone::UTC).date();
        let since = created.yesterday().unwrap_or(created);
        calls
            .fieldnation(&self.fieldnation)
            .find_by_markers(&markers, since)
            .await
            .map_err(|error| Failure::fieldnation(&error, ""))
    }

    /// The issues, one a line, with the line of the rule each came from.
    fn describe_issues(&self, issues: &[Issue]) -> String {
        let source = self.config.mapping_source.as_deref();
        issues
            .iter()
            .map(|issue| match (issue.span, source) {
                (Some(span), Some(text)) => {
                    let (line, column) = span.line_col(text);
                    format!("  line {line}, column {column}: {}", issue.message)
                }
                _ => format!("  {}", issue.message),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The work orders earlier attempts created, by marker value; or why they could not be
/// looked up.
type EarlierCreates = Result<HashMap<String, WorkOrder>, Failure>;

/// What a dispatch job is about, in its audit entries: `Ticket:9137`.
fn subject(request: &DispatchRequest) -> String {
    format!("{}:{}", request.entity, request.id)
}
