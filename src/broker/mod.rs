//! The broker (`fieldmap serve`): intake, dispatch and sync-back as jobs in a durable store.
//!
//! Every side effect is a job; every job can be retried without doing its effect twice. This
//! module holds the foundation the rest sits on: [`store`], the jobs, correlations, delivery
//! dedupe, audit trail and polling watermarks, on SQLite or PostgreSQL; and the dispatch core
//! on top of it: [`Dispatcher::run_once`] leases due jobs, creates work orders for dispatch
//! jobs ([`DispatchRequest`]) and applies Field Nation events ([`EventDelivery`]) back to
//! their records.

pub mod admin;
mod dispatch_batch;
mod dispatcher;
mod failure;
mod job_payload;
pub mod metrics;
mod problem_trace;
mod retry_policy;
pub mod store;
mod sync_back;
mod telemetry;

pub use dispatcher::{Dispatcher, DispatcherConfig, Outcome, RunReport};
pub use failure::Failure;
pub use job_payload::{DispatchRequest, EventDelivery};
pub use metrics::Metrics;
pub use problem_trace::trace_problems;
pub use retry_policy::RetryPolicy;
