//! The broker (`fieldmap serve`): intake, dispatch and sync-back as jobs in a durable store.
//!
//! Every side effect is a job; every job can be retried without doing its effect twice. This
//! module holds the foundation the rest sits on: [`store`], the jobs, correlations, delivery
//! dedupe, audit trail and polling watermarks, on SQLite or PostgreSQL.

pub mod store;
