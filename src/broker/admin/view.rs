//! Jobs as an operator sees them, in JSON: the same shape from `fieldmap jobs --json` and from
//! the HTTP API. A job whose payload is JSON shows it as JSON; otherwise as the text it is.

use jiff::Timestamp;
use serde_json::{Value as Json, json};

use crate::broker::store::{AuditRecord, Correlation, Job, JobError, Result, Store};
use crate::broker::{DispatchRequest, EventDelivery};

/// At most this many audit calls are shown with a job.
pub const CALLS_SHOWN: u32 = 1000;

/// Everything known about one job: the job, every failed attempt's error, its correlation if
/// it has one, and the calls made for it (newest first).
#[derive(Debug, Clone)]
pub struct JobDetail {
    /// The job, with its payload and its last error (for a dead letter, the whole reason).
    pub job: Job,
    /// Every failed attempt's error, oldest first.
    pub errors: Vec<JobError>,
    /// The work order of the record the job is about, once there is one.
    pub correlation: Option<Correlation>,
    /// The audit trail's calls made for the job, newest first, at most [`CALLS_SHOWN`].
    pub calls: Vec<AuditRecord>,
}

impl JobDetail {
    /// Loads job `id` with its correlation and calls; `None` when there is no such job.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn load(store: &Store, id: i64) -> Result<Option<JobDetail>> {
        let Some(job) = store.job(id).await? else {
            return Ok(None);
        };
        let correlation = correlation_of(store, &job).await?;
        let calls = store.calls(Some(id), CALLS_SHOWN).await?;
        let errors = store.job_errors(id).await?;
        Ok(Some(JobDetail {
            job,
            errors,
            correlation,
            calls,
        }))
    }

    /// The detail as JSON: `{"job", "errors", "correlation", "calls"}`.
    pub fn to_json(&self) -> Json {
        let mut job = job_json(&self.job);
        job["payload"] = payload_json(&self.job.payload);
        json!({
            "job": job,
            "errors": self.errors.iter().map(|e| json!({
                "attempt": e.attempt,
                "at": time(e.at),
                "error": e.error,
            })).collect::<Vec<_>>(),
            "correlation": self.correlation.as_ref().map(correlation_json),
            "calls": self.calls.iter().map(call_json).collect::<Vec<_>>(),
        })
    }
}

/// The correlation of the record a job is about: a dispatch (or write-back) names its record
/// and mapping, an event its work order.
async fn correlation_of(store: &Store, job: &Job) -> Result<Option<Correlation>> {
    if let Ok(request) = DispatchRequest::parse(&job.payload) {
        return store
            .correlation(&request.entity, request.id, &request.mapping)
            .await;
    }
    match EventDelivery::parse(&job.payload)
        .ok()
        .and_then(|d| d.work_order_id())
    {
        Some(work_order_id) => store.correlation_for_work_order(work_order_id).await,
        None => Ok(None),
    }
}

/// A job without its payload (as listed).
pub fn job_json(job: &Job) -> Json {
    json!({
        "id": job.id,
        "kind": job.kind.as_str(),
        "key": job.key,
        "state": job.state.as_str(),
        "attempts": job.attempts,
        "next_run": time(job.next_run),
        "lease_owner": job.lease_owner,
        "lease_expires": job.lease_expires.map(time),
        "last_error": job.last_error,
        "created": time(job.created),
        "updated": time(job.updated),
        "merged_into": job.merged_into,
    })
}

fn payload_json(payload: &str) -> Json {
    serde_json::from_str(payload).unwrap_or_else(|_| Json::String(payload.to_owned()))
}

/// A correlation as JSON.
pub fn correlation_json(c: &Correlation) -> Json {
    json!({
        "source_entity": c.source_entity,
        "source_id": c.source_id,
        "mapping": c.mapping,
        "work_order_id": c.work_order_id,
        "created": time(c.created),
        "last_synced": c.last_synced.map(time),
        "last_event_at": c.last_event_at.map(time),
    })
}

/// An audit call as JSON.
pub fn call_json(call: &AuditRecord) -> Json {
    let e = &call.entry;
    json!({
        "id": call.id,
        "at": time(e.at),
        "api": e.api,
        "operation": e.operation,
        "target": e.target,
        "outcome": e.outcome,
        "duration_ms": e.duration_ms,
    })
}

/// RFC 3339 in UTC, to the millisecond.
fn time(t: Timestamp) -> String {
    format!("{t:.3}")
}
