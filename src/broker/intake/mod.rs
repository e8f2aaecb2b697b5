//! Intake: the HTTP endpoints that turn notices into durable jobs. Each answers only once its
//! job is committed to the store, so an acknowledged notice is never lost; a refused request
//! (wrong address, token or signature, a replay, a body too large or unreadable) enqueues
//! nothing and gets a problem body saying why.
//!
//! - `POST /hooks/autotask/{token}` ([`autotask_hook`]): a record changed; dispatch jobs for
//!   each mapping of its entity.
//! - `POST /hooks/fieldnation` ([`fieldnation_hook`]): a work order event; an event job.
//! - `POST /dispatch/{mapping}/{id}` ([`manual`]): an operator's import by record id.

pub mod allowlist;
mod autotask_hook;
mod fieldnation_hook;
pub mod manual;
mod problem;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::post;
use tokio::sync::Notify;

use super::config::IntakeConfig;
use super::secrets::Secrets;
use super::store::Store;
use crate::ir::Program;
pub use problem::Problem;

/// What the endpoints share.
#[derive(Clone)]
pub struct Intake {
    pub(super) store: Store,
    pub(super) program: Arc<Program>,
    pub(super) secrets: Arc<Secrets>,
    pub(super) config: Arc<IntakeConfig>,
    /// Woken when a job is enqueued, so an idle worker starts at once.
    pub(super) wake: Arc<Notify>,
}

impl Intake {
    pub fn new(
        store: Store,
        program: Arc<Program>,
        secrets: Arc<Secrets>,
        config: IntakeConfig,
        wake: Arc<Notify>,
    ) -> Self {
        Intake {
            store,
            program,
            secrets,
            config: Arc::new(config),
            wake,
        }
    }

    /// The intake endpoints. Serve them with
    /// `into_make_service_with_connect_info::<SocketAddr>()`: the allowlists need the peer.
    pub fn router(self) -> Router {
        Router::new()
            .route("/hooks/autotask/{token}", post(autotask_hook::handle))
            .route("/hooks/fieldnation", post(fieldnation_hook::handle))
            .route("/dispatch/{mapping}/{id}", post(manual::handle))
            .with_state(self)
    }

    /// Checks the peer against `allow`, then reads the body up to the limit.
    async fn admit(
        &self,
        peer: SocketAddr,
        allow: &allowlist::Allowlist,
        body: Body,
    ) -> Result<axum::body::Bytes, Problem> {
        if !allow.allows(peer.ip()) {
            return Err(Problem::forbidden_address(peer.ip()));
        }
        let limit = self.config.max_body_bytes;
        axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| Problem::too_large(limit))
    }
}
