//! A record of every HTTP request the client sent: what the CLI shows on stderr, and how a
//! fetch counts its API calls.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::autotask::wire::Operation;

/// One HTTP request (a retry is a request of its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCall {
    pub operation: Operation,
    /// The entity the call was about (`Ticket`), when there is one.
    pub entity: Option<String>,
    /// 1 for the first try, 2 for the first retry…
    pub attempt: u32,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// `ok`, or what went wrong in a few words.
    pub outcome: String,
    /// When it was sent.
    pub at: jiff::Timestamp,
    pub elapsed: Duration,
}

impl ApiCall {
    /// Zone discovery goes to the discovery endpoint, unauthenticated, and is counted apart.
    pub fn is_discovery(&self) -> bool {
        self.operation == Operation::GetZoneInfo
    }
}

impl fmt::Display for ApiCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.operation)?;
        if let Some(entity) = &self.entity {
            write!(f, " {entity}")?;
        }
        if self.attempt > 1 {
            write!(f, " (retry {})", self.attempt - 1)?;
        }
        match self.status {
            Some(status) => write!(f, ": HTTP {status}, {}", self.outcome)?,
            None => write!(f, ": {}", self.outcome)?,
        }
        write!(f, " in {} ms", self.elapsed.as_millis())
    }
}

/// Calls in the order they were sent, shared between tasks. A log may keep only the most
/// recent calls (a long-running client's would grow without end); its counts cover all.
#[derive(Debug, Default)]
pub struct CallLog {
    state: Mutex<LogState>,
}

#[derive(Debug, Default)]
struct LogState {
    calls: VecDeque<ApiCall>,
    /// `None`: keep every call.
    keep: Option<usize>,
    api_calls: usize,
    discovery_calls: usize,
}

impl CallLog {
    /// A log that keeps every call.
    pub fn new() -> Self {
        Self::default()
    }

    /// A log that keeps the last `keep` calls in full.
    pub fn keeping_last(keep: usize) -> Self {
        CallLog {
            state: Mutex::new(LogState {
                keep: Some(keep),
                ..LogState::default()
            }),
        }
    }

    pub fn record(&self, call: ApiCall) {
        let mut state = self.lock();
        if call.is_discovery() {
            state.discovery_calls += 1;
        } else {
            state.api_calls += 1;
        }
        state.calls.push_back(call);
        if let Some(keep) = state.keep {
            while state.calls.len() > keep {
                state.calls.pop_front();
            }
        }
    }

    /// The calls kept, oldest first.
    pub fn calls(&self) -> Vec<ApiCall> {
        self.lock().calls.iter().cloned().collect()
    }

    /// Requests sent, retries included, zone discovery not.
    pub fn api_calls(&self) -> usize {
        self.lock().api_calls
    }

    /// Zone discovery requests sent.
    pub fn discovery_calls(&self) -> usize {
        self.lock().discovery_calls
    }

    fn lock(&self) -> MutexGuard<'_, LogState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(operation: Operation) -> ApiCall {
        ApiCall {
            operation,
            entity: Some("Ticket".into()),
            attempt: 2,
            status: Some(503),
            outcome: "HTTP 503".into(),
            at: jiff::Timestamp::UNIX_EPOCH,
            elapsed: Duration::from_millis(7),
        }
    }

    #[test]
    fn a_bounded_log_counts_everything_and_keeps_the_last() {
        let log = CallLog::keeping_last(2);
        log.record(call(Operation::GetZoneInfo));
        for _ in 0..3 {
            log.record(call(Operation::Query));
        }
        assert_eq!((log.api_calls(), log.discovery_calls()), (3, 1));
        assert_eq!(log.calls().len(), 2);
        assert_eq!(
            log.calls()[0].to_string(),
            "query Ticket (retry 1): HTTP 503, HTTP 503 in 7 ms"
        );
    }
}
