//! The audit trail of one job: every Autotask and Field Nation request made while running it
//! (retries, token requests and the probes of a batch fetch included), recorded against the
//! job from the clients' call logs. Only what those logs hold reaches the store: operation,
//! entity, status and a short outcome, never a body, a header or a secret.

use std::sync::Arc;

use super::store::AuditEntry;
use crate::autotask_client::{self, AutotaskClient};
use crate::fieldnation::client::{self as fn_client, FieldNationClient};

/// A job's requests: one call log per API, shared with the clients scoped to the job.
pub(super) struct JobCalls {
    autotask: Arc<autotask_client::CallLog>,
    fieldnation: Arc<fn_client::CallLog>,
}

/// A job's calls are few; the bound only guards against a runaway loop.
const KEPT_PER_JOB: usize = 10_000;

impl JobCalls {
    pub(super) fn new() -> Self {
        JobCalls {
            autotask: Arc::new(autotask_client::CallLog::keeping_last(KEPT_PER_JOB)),
            fieldnation: Arc::new(fn_client::CallLog::keeping_last(KEPT_PER_JOB)),
        }
    }

    /// `client`, recording its calls for this job too.
    pub(super) fn autotask(&self, client: &AutotaskClient) -> AutotaskClient {
        client.with_call_log(self.autotask.clone())
    }

    /// The Autotask log, for a fetch that records into it.
    pub(super) fn autotask_log(&self) -> Arc<autotask_client::CallLog> {
        self.autotask.clone()
    }

    /// `client`, recording its calls for this job too.
    pub(super) fn fieldnation(&self, client: &FieldNationClient) -> FieldNationClient {
        client.with_call_log(self.fieldnation.clone())
    }

    /// The audit entries of the calls, in the order they were sent, for each `(job, target)`
    /// (a batch fetch is made for every job of the batch); the target names what the job is
    /// about (`Ticket:9137`, `workorder:1234567`).
    pub(super) fn entries(&self, jobs: &[(i64, String)]) -> Vec<AuditEntry> {
        let mut entries = Vec::new();
        for call in self.autotask.calls() {
            let operation = match &call.entity {
                Some(entity) => format!("{} {entity}", call.operation),
                None => call.operation.to_string(),
            };
            let outcome = outcome(&call.outcome, call.status, call.attempt);
            for (job, target) in jobs {
                entries.push(AuditEntry {
                    at: call.at,
                    api: "autotask".into(),
                    operation: operation.clone(),
                    target: Some(target.clone()),
                    outcome: outcome.clone(),
                    duration_ms: millis(call.elapsed),
                    job_id: Some(*job),
                });
            }
        }
        for call in self.fieldnation.calls() {
            let outcome = outcome(&call.outcome, call.status, call.attempt);
            for (job, target) in jobs {
                entries.push(AuditEntry {
                    at: call.at,
                    api: "fieldnation".into(),
                    operation: call.operation.to_owned(),
                    target: Some(target.clone()),
                    outcome: outcome.clone(),
                    duration_ms: millis(call.elapsed),
                    job_id: Some(*job),
                });
            }
        }
        entries.sort_by_key(|e| (e.job_id, e.at));
        entries
    }
}

/// `ok`, or the client's few words with the HTTP status when they lack it; a retry says so.
fn outcome(text: &str, status: Option<u16>, attempt: u32) -> String {
    let mut outcome = text.to_owned();
    if let Some(status) = status
        && text != "ok"
        && !text.contains(&status.to_string())
    {
        outcome.push_str(&format!(" (HTTP {status})"));
    }
    if attempt > 1 {
        outcome.push_str(&format!(", retry {}", attempt - 1));
    }
    outcome
}

fn millis(elapsed: std::time::Duration) -> i64 {
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_carry_the_status_and_the_retry() {
        assert_eq!(outcome("ok", Some(200), 1), "ok");
        assert_eq!(outcome("HTTP 503", Some(503), 2), "HTTP 503, retry 1");
        assert_eq!(
            outcome("threshold reached", Some(200), 1),
            "threshold reached (HTTP 200)"
        );
        assert_eq!(outcome("timeout", None, 3), "timeout, retry 2");
    }
}
