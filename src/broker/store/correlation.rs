//! Correlations: which Field Nation work order a source record was dispatched to.

use jiff::Timestamp;

/// A correlation to store, in the transaction that completes the dispatch job
/// ([`super::Effect::Correlate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCorrelation {
    /// The Autotask entity the work order came from: `Ticket`, `Task`, `ServiceCall`.
    pub source_entity: String,
    /// The record's id.
    pub source_id: i64,
    /// The mapping that dispatched it.
    pub mapping: String,
    /// The Field Nation work order id.
    pub work_order_id: i64,
}

/// A stored correlation. One per (source entity, source id, mapping), one per work order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correlation {
    /// The Autotask entity.
    pub source_entity: String,
    /// The record's id.
    pub source_id: i64,
    /// The mapping.
    pub mapping: String,
    /// The Field Nation work order id.
    pub work_order_id: i64,
    /// When the work order was created (the correlation stored).
    pub created: Timestamp,
    /// When a change was last written back for it.
    pub last_synced: Option<Timestamp>,
    /// The Field Nation time of the last event applied: an older event is skipped.
    pub last_event_at: Option<Timestamp>,
}
