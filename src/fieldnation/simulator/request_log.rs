//! What clients asked for, bounded: the last requests in full and a count of all, so that a
//! simulator left running for days does not grow.

use std::collections::VecDeque;
use std::sync::Mutex;

/// One request, as the simulator understood it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    /// The path, without the query (which may carry a token).
    pub path: String,
    /// The endpoint it reached (`create`, `token`…), `control` for `/_sim/`, or `unknown`.
    pub endpoint: &'static str,
    /// The status answered; `None` when no answer was sent (a dropped connection or a hold).
    pub status: Option<u16>,
}

#[derive(Debug)]
pub(super) struct RequestLog {
    state: Mutex<LogState>,
}

#[derive(Debug)]
struct LogState {
    kept: VecDeque<RequestRecord>,
    keep: usize,
    total: u64,
}

impl RequestLog {
    pub(super) fn new(keep: usize) -> Self {
        RequestLog {
            state: Mutex::new(LogState {
                kept: VecDeque::new(),
                keep,
                total: 0,
            }),
        }
    }

    pub(super) fn record(&self, record: RequestRecord) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.total += 1;
        state.kept.push_back(record);
        while state.kept.len() > state.keep {
            state.kept.pop_front();
        }
    }

    pub(super) fn records(&self) -> Vec<RequestRecord> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.kept.iter().cloned().collect()
    }

    pub(super) fn total(&self) -> u64 {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).total
    }
}
