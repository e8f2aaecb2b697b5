//! The broker (`fieldmap serve`): intake, dispatch and sync-back as jobs in a durable store.
//!
//! Every side effect is a job; every job can be retried without doing its effect twice. This
//! module holds the foundation the rest sits on: [`store`], the jobs, correlations, delivery
//! dedupe, audit trail and polling watermarks, on SQLite or PostgreSQL; and what the workers
//! share: the payloads of dispatch and event jobs ([`DispatchRequest`], [`EventDelivery`]),
//! the retry schedule, and Field Nation's refusals traced to mapping rules.

mod failure;
mod job_payload;
mod problem_trace;
mod retry_policy;
pub mod store;

pub use failure::Failure;
pub use job_payload::{DispatchRequest, EventDelivery};
pub use problem_trace::trace_problems;
pub use retry_policy::RetryPolicy;
