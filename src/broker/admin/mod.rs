//! The broker's operations surface over HTTP: jobs to inspect and replay, health, readiness
//! and metrics. [`router`] gives an axum router the server merges into its own:
//!
//! | route | answer |
//! |---|---|
//! | `GET /jobs?state=&kind=&key=&after=&limit=` | `{"jobs": […]}`; 400 for an unknown filter |
//! | `GET /jobs/{id}` | the job with its payload, correlation and calls; 404 |
//! | `POST /jobs/{id}/retry` | a dead or queued job queued to run now; 404, 409 |
//! | `DELETE /jobs/{id}` | 204; 404, 409 while a worker holds it |
//! | `GET /healthz` | 200 while the process runs |
//! | `GET /readyz` | 200 when ready; 503 with the reasons |
//! | `GET /metrics` | the Prometheus text format |
//!
//! Errors are RFC 9457 problem details (`application/problem+json`). With a token
//! ([`AdminState::with_token`], `[admin] token` in `fieldmap.toml`) the `/jobs…` routes ask
//! for `Authorization: Bearer <token>` ([`auth`]); without one they carry no authentication:
//! serve them on an address only operators reach.

pub mod auth;
mod health;
mod jobs;
mod problem;
mod readiness;
mod view;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use super::metrics::Metrics;
use super::store::Store;

pub use auth::TokenSource;
pub use jobs::{MAX_LIMIT, parse_filter};
pub use readiness::Readiness;
pub use view::{CALLS_SHOWN, JobDetail, call_json, correlation_json, job_json};

/// What the routes work on: cheap to clone.
#[derive(Debug, Clone)]
pub struct AdminState {
    /// The store the jobs are in.
    pub store: Store,
    /// The metrics the dispatcher counts into ([`crate::broker::Dispatcher::with_metrics`]).
    pub metrics: Metrics,
    /// The flag `/readyz` reports.
    pub readiness: Readiness,
    /// The token the jobs routes ask for; `None`: they ask for none.
    pub token: Option<TokenSource>,
}

impl AdminState {
    /// The state for `store`, `metrics` and `readiness`.
    pub fn new(store: Store, metrics: Metrics, readiness: Readiness) -> AdminState {
        AdminState {
            store,
            metrics,
            readiness,
            token: None,
        }
    }

    /// The same state, with the jobs routes asking for the bearer token `token` gives (read
    /// at each request; `None` from it lets every request through).
    #[must_use]
    pub fn with_token(mut self, token: TokenSource) -> AdminState {
        self.token = Some(token);
        self
    }
}

/// The operations routes, ready to merge into the server's router.
pub fn router(state: AdminState) -> Router {
    let jobs = Router::new()
        .route("/jobs", get(jobs::list))
        .route("/jobs/{id}", get(jobs::show).delete(jobs::drop))
        .route("/jobs/{id}/retry", post(jobs::retry))
        .route_layer(from_fn_with_state(state.clone(), auth::require_token));
    Router::new()
        .merge(jobs)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .with_state(state)
}
