//! Why a job failed, sorted by what the worker does next: run it again later, or give up and
//! leave a dead letter with the whole reason.

use crate::autotask_client::ClientError;
use crate::fieldnation::client::FnError;

/// A failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The same job may succeed later (a server error, a time-out, a rate limit, refused
    /// credentials a person may fix): retried on the schedule.
    Retryable(String),
    /// The same job fails again however often it runs (a body Field Nation refuses, a mapping
    /// that cannot evaluate, a payload that is not one): a dead letter at once.
    Permanent(String),
}

impl Failure {
    /// The reason, for the job's `last_error`.
    pub fn reason(&self) -> &str {
        match self {
            Failure::Retryable(reason) | Failure::Permanent(reason) => reason,
        }
    }

    /// An Autotask call that failed.
    pub fn autotask(error: &ClientError) -> Failure {
        let reason = format!("Autotask: {error}");
        if error.is_retryable() || matches!(error, ClientError::Unauthorized { .. }) {
            Failure::Retryable(reason)
        } else {
            Failure::Permanent(reason)
        }
    }

    /// A Field Nation call that failed; `detail` is added to the reason (the mapping rules
    /// behind a validation error's fields).
    pub fn fieldnation(error: &FnError, detail: &str) -> Failure {
        let mut reason = format!("Field Nation: {error}");
        if !detail.is_empty() {
            reason.push('\n');
            reason.push_str(detail);
        }
        if error.is_retryable() || matches!(error, FnError::Authentication { .. }) {
            Failure::Retryable(reason)
        } else {
            Failure::Permanent(reason)
        }
    }
}
