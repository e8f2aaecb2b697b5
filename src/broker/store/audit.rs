//! The audit trail: every call the broker made to Autotask or Field Nation.

use jiff::Timestamp;

/// One external call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// When it was sent.
    pub at: Timestamp,
    /// Which API: `autotask`, `fieldnation`.
    pub api: String,
    /// The operation: `query`, `update`, `create_work_order`…
    pub operation: String,
    /// What it was about: `Ticket:9137`, a work order id.
    pub target: Option<String>,
    /// `ok`, or what went wrong in a few words (with the HTTP status when there was one).
    pub outcome: String,
    /// How long it took.
    pub duration_ms: i64,
    /// The job it was made for.
    pub job_id: Option<i64>,
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// The store's id for it (ascending in the order entries were written).
    pub id: i64,
    /// The call.
    pub entry: AuditEntry,
}
