//! What the dispatcher tells about each job: a `job` span (id, kind, key, attempt and, once
//! known, the correlation: source entity and id, work order id), an event for its outcome
//! (info; warn for a retry or a lost lease; error for a dead letter), and the counters of
//! [`Metrics`]. The library never installs a subscriber: the binary does.
//!
//! Only ids, names and reasons go into spans and events; reasons come from the clients'
//! errors, which are scrubbed of secrets before they are made.

use tracing::Span;
use tracing::field::Empty;

use super::dispatcher::{Dispatcher, Outcome, RunReport};
use super::metrics::outcome_label;
use super::store::{Correlation, Job};

/// The span a job runs in.
pub(super) fn job_span(job: &Job) -> Span {
    tracing::info_span!(
        "job",
        job.id = job.id,
        job.kind = job.kind.as_str(),
        job.key = job.key.as_str(),
        job.attempt = job.attempts,
        source.entity = Empty,
        source.id = Empty,
        work_order.id = Empty,
    )
}

/// The span of a dispatch job, with the record it names.
pub(super) fn dispatch_span(job: &Job, entity: &str, id: i64) -> Span {
    let span = job_span(job);
    span.record("source.entity", entity);
    span.record("source.id", id);
    span
}

/// Adds a correlation, once found, to the current job span.
pub(super) fn record_correlation(correlation: &Correlation) {
    let span = Span::current();
    span.record("source.entity", correlation.source_entity.as_str());
    span.record("source.id", correlation.source_id);
    span.record("work_order.id", correlation.work_order_id);
}

fn work_order_of(outcome: &Outcome) -> Option<i64> {
    match outcome {
        Outcome::Dispatched { work_order_id, .. }
        | Outcome::AlreadyDispatched { work_order_id }
        | Outcome::EventApplied { work_order_id, .. }
        | Outcome::UnknownWorkOrder { work_order_id }
        | Outcome::EventSkipped { work_order_id }
        | Outcome::StaleEvent { work_order_id } => Some(*work_order_id),
        _ => None,
    }
}

/// The event for a job's outcome.
fn log_outcome(job: &Job, outcome: &Outcome) {
    let label = outcome_label(outcome);
    if let Some(id) = work_order_of(outcome) {
        Span::current().record("work_order.id", id);
    }
    match outcome {
        Outcome::Retried { reason } => {
            tracing::warn!(
                job.id = job.id,
                outcome = label,
                reason = reason.as_str(),
                "job failed; it runs again later"
            );
        }
        Outcome::DeadLettered { reason } => {
            tracing::error!(
                job.id = job.id,
                outcome = label,
                reason = reason.as_str(),
                "job failed for good: a dead letter"
            );
        }
        Outcome::LeaseLost => {
            tracing::warn!(
                job.id = job.id,
                outcome = label,
                "the lease ran out; another worker has the job"
            );
        }
        _ => {
            tracing::info!(
                job.id = job.id,
                outcome = label,
                work_order.id = work_order_of(outcome),
                "job done"
            );
        }
    }
}

impl Dispatcher {
    /// Reports a job's outcome: the event, the metrics, and the run's report.
    pub(super) fn report(&self, job: &Job, outcome: Outcome, report: &mut RunReport) {
        log_outcome(job, &outcome);
        self.metrics
            .observe(job, &outcome, self.store.clock().now());
        report.outcomes.push((job.id, outcome));
    }
}
