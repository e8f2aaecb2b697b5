//! Event and write-back jobs: a Field Nation event (or the broker's own `workorder.created`
//! after a dispatch) applied back to the record its work order came from: a Ticket, a Task, a
//! ServiceCall. The correlation names the record (an event for a work order it does not know
//! is ignored, never applied to some other record); an event older than the last one applied
//! is skipped; the `on` rules give the changes (a rule whose `when` is false gives none); the
//! record is updated by read-modify-write unless nothing changes, and the notes are created
//! once per delivery (once per work order for `workorder.created`), across retries and
//! crashes ([`super::note_marker`]).

use serde_json::Value as Json;
use tracing::Instrument;

use super::call_audit::JobCalls;
use super::dispatcher::{Dispatcher, Outcome, RunReport};
use super::failure::Failure;
use super::job_payload::{CREATED, EventDelivery};
use super::note_marker::{notes_created, with_marker};
use super::store::{Effect, JobKind, Leased, StoreError};
use super::telemetry::{job_span, record_correlation};
use crate::autotask::load_query_response;
use crate::autotask::soap::CollectedEntity;
use crate::autotask_client::AutotaskClient;
use crate::runtime::outbound::{AutotaskChanges, FieldChange};
use crate::stdlib::context::EvalContext;
use crate::value::record::RecordSet;

impl Dispatcher {
    pub(super) async fn sync_back(
        &self,
        jobs: Vec<Leased>,
        ctx: &EvalContext,
        report: &mut RunReport,
    ) -> Result<(), StoreError> {
        let mut readable = Vec::with_capacity(jobs.len());
        for leased in jobs {
            match EventDelivery::parse(&leased.job.payload) {
                Ok(delivery) => readable.push((leased, delivery)),
                Err(reason) => {
                    self.fail(&leased, Failure::Permanent(reason), report)
                        .await?;
                }
            }
        }
        // Per work order, events apply in the order Field Nation stamped them.
        readable.sort_by_key(|(leased, delivery)| (delivery.timestamp(), leased.job.id));
        let mut trail = Vec::new();
        for (leased, delivery) in &readable {
            let calls = JobCalls::new();
            self.apply_event(leased, delivery, ctx, report, &calls)
                .instrument(job_span(&leased.job))
                .await?;
            let subject = match delivery.work_order_id() {
                Some(id) => format!("workorder:{id}"),
                None => "workorder:?".to_owned(),
            };
            trail.extend(calls.entries(&[(leased.job.id, subject)]));
        }
        self.audit(trail).await?;
        Ok(())
    }

    async fn apply_event(
        &self,
        leased: &Leased,
        delivery: &EventDelivery,
        ctx: &EvalContext,
        report: &mut RunReport,
        calls: &JobCalls,
    ) -> Result<(), StoreError> {
        let client = &calls.autotask(self.fetcher.client());
        let (Some(work_order_id), Some(event_at)) =
            (delivery.work_order_id(), delivery.timestamp())
        else {
            let reason = "the event names no work order id or has no timestamp".to_owned();
            return self.fail(leased, Failure::Permanent(reason), report).await;
        };
        let Some(correlation) = self.store.correlation_for_work_order(work_order_id).await? else {
            let outcome = Outcome::UnknownWorkOrder { work_order_id };
            self.finish(leased, outcome, Vec::new(), report);
            return Ok(());
        };
        record_correlation(&correlation);
        // The broker's own `workorder.created` is not a Field Nation event: it never makes
        // a later event stale, nor is it stale itself.
        let writeback = leased.job.kind == JobKind::Writeback;
        if !writeback
            && correlation
                .last_event_at
                .is_some_and(|last| event_at < last)
        {
            let outcome = Outcome::StaleEvent { work_order_id };
            self.finish(leased, outcome, Vec::new(), report);
            return Ok(());
        }
        // No rule answers this event for this entity: nothing to read or write. Field
        // Nation's own delivery of `workorder.created` is one of these: the broker ran the
        // `workorder.created` rules itself, in the write-back job enqueued with the
        // correlation, and a second run beside it could race it to the notes.
        let from_field_nation_created = !writeback && delivery.name() == Some(CREATED);
        let answered = !from_field_nation_created
            && delivery.name().is_some_and(|name| {
                self.program
                    .has_outbound_rule(name, &correlation.source_entity)
            });
        if !answered {
            let outcome = Outcome::EventApplied {
                work_order_id,
                updated: false,
                notes: 0,
            };
            let effect = Effect::Synced {
                work_order_id,
                event_at: (!writeback).then_some(event_at),
            };
            self.finish(leased, outcome, vec![effect], report);
            return Ok(());
        }
        if !self.hold_lease(leased, report).await? {
            return Ok(());
        }
        let (changes, read) = match self
            .event_changes(
                client,
                &correlation.source_entity,
                correlation.source_id,
                delivery,
                ctx,
            )
            .await
        {
            Ok(c) => c,
            Err(failure) => return self.fail(leased, failure, report).await,
        };
        if changes.updates.is_empty() && changes.notes.is_empty() && changes.skipped > 0 {
            let outcome = Outcome::EventSkipped { work_order_id };
            let effect = Effect::Synced {
                work_order_id,
                event_at: (!writeback).then_some(event_at),
            };
            self.finish(leased, outcome, vec![effect], report);
            return Ok(());
        }
        let schemas = self.program.schemas();
        let updates: Vec<FieldChange> = changes
            .updates
            .iter()
            .filter(|change| !unchanged(change))
            .cloned()
            .collect();
        let updated = !updates.is_empty();
        if updated {
            let fields_only = AutotaskChanges {
                updates,
                notes: Vec::new(),
                ..changes.clone()
            };
            if let Err(error) = client.update_as_read(schemas, &fields_only, &read).await {
                return self.fail(leased, Failure::autotask(&error), report).await;
            }
        }
        let mut notes = 0;
        let marker = delivery.note_marker();
        if !changes.notes.is_empty() && !self.store.is_applied(&marker).await? {
            // An earlier attempt may have created the notes and died before marking them.
            let line = delivery.note_line();
            let noted = if leased.job.attempts > 1 {
                notes_created(client, &changes.notes, &line).await
            } else {
                Ok(false)
            };
            let created = match noted {
                Ok(true) => Ok(Vec::new()),
                Ok(false) => {
                    let marked = with_marker(&changes.notes, &line);
                    client.create_notes(schemas, &marked).await
                }
                Err(error) => Err(error),
            };
            match created {
                Ok(ids) => notes = ids.len(),
                Err(error) => return self.fail(leased, Failure::autotask(&error), report).await,
            }
            // Right away, not with the completion: a crash before it repeats no note.
            self.store
                .mark_applied(&marker, Some(leased.job.id))
                .await?;
        }
        let effect = Effect::Synced {
            work_order_id,
            event_at: (!writeback).then_some(event_at),
        };
        let outcome = Outcome::EventApplied {
            work_order_id,
            updated,
            notes,
        };
        self.finish(leased, outcome, vec![effect], report);
        Ok(())
    }

    /// Reads the record fresh and asks the mapping's `on` rules what the event changes: the
    /// changes, and the record as read (the update is made on it, without reading it again).
    async fn event_changes(
        &self,
        client: &AutotaskClient,
        entity: &str,
        id: i64,
        delivery: &EventDelivery,
        ctx: &EvalContext,
    ) -> Result<(AutotaskChanges, CollectedEntity), Failure> {
        let pages = client
            .query_by_ids(entity, &[id])
            .await
            .map_err(|e| Failure::autotask(&e))?;
        let read = client
            .collect_pages(&pages, Some(entity))
            .map_err(|e| Failure::autotask(&e))?
            .into_iter()
            .find(|e| {
                e.entity_type.eq_ignore_ascii_case(entity)
                    && e.field("id").and_then(|v| v.trim().parse().ok()) == Some(id)
            })
            .ok_or_else(|| Failure::Permanent(format!("{entity} {id} no longer exists")))?;
        let mut records = RecordSet::new();
        for page in &pages {
            load_query_response(&page.xml, self.program.schemas(), &mut records)
                .map_err(|e| Failure::Permanent(format!("reading {entity} {id}: {e}")))?;
        }
        let record = records
            .get(entity, id)
            .ok_or_else(|| Failure::Permanent(format!("{entity} {id} no longer exists")))?;
        let changes = self
            .program
            .on_event(&delivery.body, record, ctx, None)
            .map_err(|e| Failure::Permanent(format!("the event cannot be applied: {e}")))?;
        Ok((changes, read))
    }
}

/// Whether a change sets the value the record already has. Conservative: a value whose old
/// form cannot be compared (a date-time, say) counts as a change.
fn unchanged(change: &FieldChange) -> bool {
    match &change.previous {
        Json::String(s) => *s == change.value,
        Json::Number(n) => n.to_string() == change.value,
        Json::Bool(b) => b.to_string() == change.value,
        _ => false,
    }
}
