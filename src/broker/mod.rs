//! The broker (`fieldmap serve`): intake, dispatch and sync-back as jobs in a durable store.
//!
//! Every side effect is a job; every job can be retried without doing its effect twice. This
//! module holds the foundation the rest sits on: [`store`], the jobs, correlations, delivery
//! dedupe, audit trail and polling watermarks, on SQLite or PostgreSQL; and the dispatch core
//! on top of it: [`Dispatcher::run_once`] leases due jobs, creates work orders for dispatch
//! jobs ([`DispatchRequest`]) and applies Field Nation events ([`EventDelivery`]) back to
//! their records. Around the core: [`config`] (`fieldmap.toml`), [`secrets`] (read and
//! rotated), [`intake`] (the webhook and manual dispatch endpoints), [`poller`] and
//! [`server`] (`fieldmap serve`).

pub mod admin;
mod call_audit;
pub mod config;
pub mod demo;
mod dispatch_batch;
mod dispatcher;
mod failure;
pub mod intake;
mod job_payload;
pub mod metrics;
mod note_marker;
pub mod poller;
mod preflight;
mod problem_trace;
mod retry_policy;
pub mod secrets;
pub mod server;
pub mod store;
mod sync_back;
mod telemetry;

pub use config::{BrokerConfig, ConfigError};
pub use dispatcher::{Dispatcher, DispatcherConfig, Outcome, RunReport};
pub use failure::Failure;
pub use job_payload::{DispatchRequest, EventDelivery, SourceRecord};
pub use metrics::Metrics;
pub use poller::{PollRound, poll_once};
pub use preflight::{CheckItem, preflight};
pub use problem_trace::trace_problems;
pub use retry_policy::RetryPolicy;
pub use secrets::Secrets;
pub use server::{
    Mappings, RunningBroker, ServeError, Server, build_dispatcher, compile_mappings, open_store,
};
