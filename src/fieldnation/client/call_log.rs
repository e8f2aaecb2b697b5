//! A record of the HTTP requests the client sent, bounded: a long-running broker's log must
//! not grow without end, yet its counts cover every request.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// One HTTP request (a retry or a token refresh is a request of its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCall {
    /// `token`, `create`, `get`, `update`, `publish`, `route`, `list`, `types_of_work`,
    /// `custom_fields`.
    pub operation: &'static str,
    /// 1 for the first try, 2 for the first retry…
    pub attempt: u32,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// `ok`, or what went wrong in a few words (never a secret).
    pub outcome: String,
    /// When it was sent.
    pub at: jiff::Timestamp,
    pub elapsed: Duration,
}

impl fmt::Display for ApiCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.operation)?;
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

/// Calls in the order they were sent, the last `keep` in full.
#[derive(Debug)]
pub struct CallLog {
    state: Mutex<LogState>,
}

#[derive(Debug)]
struct LogState {
    calls: VecDeque<ApiCall>,
    keep: usize,
    total: usize,
}

impl CallLog {
    pub fn keeping_last(keep: usize) -> Self {
        CallLog {
            state: Mutex::new(LogState {
                calls: VecDeque::new(),
                keep,
                total: 0,
            }),
        }
    }

    pub fn record(&self, call: ApiCall) {
        let mut state = self.lock();
        state.total += 1;
        state.calls.push_back(call);
        while state.calls.len() > state.keep {
            state.calls.pop_front();
        }
    }

    /// The calls kept, oldest first.
    pub fn calls(&self) -> Vec<ApiCall> {
        self.lock().calls.iter().cloned().collect()
    }

    /// Every request sent, kept or not.
    pub fn total(&self) -> usize {
        self.lock().total
    }

    fn lock(&self) -> MutexGuard<'_, LogState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bounded_log_counts_everything_and_keeps_the_last() {
        let log = CallLog::keeping_last(2);
        for attempt in 1..=3 {
            log.record(ApiCall {
                operation: "create",
                attempt,
                status: Some(503),
                outcome: "HTTP 503".into(),
                at: jiff::Timestamp::UNIX_EPOCH,
                elapsed: Duration::from_millis(4),
            });
        }
        assert_eq!(log.total(), 3);
        let kept = log.calls();
        assert_eq!(kept.len(), 2);
        assert_eq!(
            kept[1].to_string(),
            "create (retry 2): HTTP 503, HTTP 503 in 4 ms"
        );
    }
}
