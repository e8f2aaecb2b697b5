//! What clients asked for, so tests can count API calls.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// One request, as the simulator understood it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// The operation the `SOAPAction` header names (`query`, `update`,
    /// `getZoneInfo`…), or the header's text when it names none; empty
    /// when there was no header.
    pub action: String,
    /// The entity type: QueryXML's `<entity>`, the first `Entity`'s
    /// `xsi:type` of a write, `psObjectType`/`psTable` of metadata calls.
    pub entity: Option<String>,
}

#[derive(Debug, Default)]
pub(super) struct CallLog {
    requests: AtomicU64,
    calls: Mutex<Vec<CallRecord>>,
}

impl CallLog {
    /// Counts a request as it arrives, whatever becomes of it.
    pub(super) fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn record(&self, call: CallRecord) {
        self.calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(call);
    }

    pub(super) fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub(super) fn calls(&self) -> Vec<CallRecord> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(super) fn reset(&self) {
        self.requests.store(0, Ordering::Relaxed);
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}
