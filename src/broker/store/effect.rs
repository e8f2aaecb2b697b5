//! Writes that go with completing a job, in its transaction: all of them or none.

use jiff::Timestamp;

use super::correlation::NewCorrelation;
use super::job::NewJob;

/// A write done in the transaction that completes a job. If the lease is no longer held or
/// any effect fails, the job stays as it was and none of them is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Store the correlation of a created work order. Fails with
    /// [`super::StoreError::Conflict`] if the record (for that mapping) or the work order
    /// already has one.
    Correlate(NewCorrelation),
    /// A work order's changes were written back: `last_synced` becomes now and, with an
    /// event time, `last_event_at` becomes the later of it and the stored one.
    Synced {
        /// The work order.
        work_order_id: i64,
        /// The Field Nation time of the event applied, if one was.
        event_at: Option<Timestamp>,
    },
    /// Mark something done once (a note for one event): see `Store::mark_applied`.
    Applied(String),
    /// Enqueue a follow-up job (idempotently: a queued job of that kind and key is kept).
    Enqueue(NewJob),
    /// Move a mapping's polling watermark.
    Watermark {
        /// The mapping.
        mapping: String,
        /// The new watermark (Autotask's LastActivityDate as the poller will send it).
        value: String,
    },
}
