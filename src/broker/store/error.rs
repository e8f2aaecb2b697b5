//! What can go wrong in the store.

use thiserror::Error;

/// An error from the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The URL names no backend the store knows, or is malformed.
    #[error("store URL: {0}")]
    Url(String),
    /// SQLite refused or failed.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL refused or failed.
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// The caller no longer holds the job's lease: it expired and another worker took the job,
    /// or the job was completed, retried, dead-lettered or dropped meanwhile. Nothing was written.
    #[error("job {job_id}: the lease is no longer held")]
    LeaseLost {
        /// The job's id.
        job_id: i64,
    },
    /// The write would break a uniqueness rule (a queued job for the same kind and key, a second
    /// correlation for one record or one work order). Nothing was written.
    #[error("conflict: {0}")]
    Conflict(String),
    /// No job with that id, or not in a state the operation applies to.
    #[error("job {0}: {1}")]
    Job(i64, String),
    /// A stored value the store cannot read back (an unknown job state, say).
    #[error("stored data: {0}")]
    Data(String),
    /// The serving lock of a SQLite store could not be taken: another broker holds it, or
    /// its file cannot be opened.
    #[error("serving lock {0}")]
    Serving(String),
    /// The SQLite thread has stopped.
    #[error("the SQLite thread has stopped")]
    Closed,
}

/// A store result.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
