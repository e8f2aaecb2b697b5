//! What clients asked for, so tests can count API calls. Bounded: a simulator that runs for
//! days (or is flooded) keeps the most recent calls only, each with a short action text.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// One request, as the simulator understood it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// The operation the `SOAPAction` header names (`query`, `update`,
    /// `getZoneInfo`…), or the start of the header's text (at most
    /// [`ACTION_CHARS_KEPT`] characters) when it names none; empty when
    /// there was no header.
    pub action: String,
    /// The entity type: QueryXML's `<entity>`, the first `Entity`'s
    /// `xsi:type` of a write, `psObjectType`/`psTable` of metadata calls.
    pub entity: Option<String>,
}

/// How many calls the log keeps; older ones are dropped (the request count covers all).
pub const CALLS_KEPT: usize = 10_000;
/// How much of a `SOAPAction` header that names no operation a call record keeps.
pub const ACTION_CHARS_KEPT: usize = 100;

#[derive(Debug, Default)]
pub(super) struct CallLog {
    requests: AtomicU64,
    calls: Mutex<VecDeque<CallRecord>>,
}

/// The start of an unrecognised `SOAPAction` text, for a call record.
pub(super) fn action_kept(text: &str) -> String {
    match text.char_indices().nth(ACTION_CHARS_KEPT) {
        Some((cut, _)) => text[..cut].to_owned(),
        None => text.to_owned(),
    }
}

impl CallLog {
    /// Counts a request as it arrives, whatever becomes of it.
    pub(super) fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn record(&self, call: CallRecord) {
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        if calls.len() >= CALLS_KEPT {
            calls.pop_front();
        }
        calls.push_back(call);
    }

    pub(super) fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub(super) fn calls(&self) -> Vec<CallRecord> {
        let calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        calls.iter().cloned().collect()
    }

    pub(super) fn reset(&self) {
        self.requests.store(0, Ordering::Relaxed);
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_the_last_calls_with_short_actions() {
        let log = CallLog::default();
        let long = "x".repeat(60_000);
        for _ in 0..CALLS_KEPT + 5 {
            log.count_request();
            log.record(CallRecord {
                action: action_kept(&long),
                entity: None,
            });
        }
        let calls = log.calls();
        assert_eq!(calls.len(), CALLS_KEPT);
        assert_eq!(calls[0].action.len(), ACTION_CHARS_KEPT);
        assert_eq!(log.request_count(), (CALLS_KEPT + 5) as u64);
        assert_eq!(action_kept("é".repeat(200).as_str()).chars().count(), 100);
    }
}
