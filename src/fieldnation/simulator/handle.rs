//! Starting a simulator on the loopback interface and controlling it while it runs.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::config::SimConfig;
use super::delivery::{Deliverer, DeliveryRecord};
use super::faults::{Endpoint, Fault, FaultQueue};
use super::http_api::handle_request;
use super::request_log::{RequestLog, RequestRecord};
use super::state::SimState;
use super::store::Store;
use super::tokens::TokenStore;
use crate::fieldnation::lifecycle::Status;
use crate::fieldnation::paths;
use crate::schema::{FieldNationAccount, Schemas};

/// How long [`SimHandle::shutdown`] waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Why a simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("bundled data: {0}")]
    Bundled(String),
    #[error("time zone {0:?} is not in the bundled database")]
    TimeZone(String),
    #[error("webhook deliveries: {0}")]
    Webhook(String),
}

/// Starts a simulator on 127.0.0.1 at `port` (0: a free one) and serves in a background task;
/// returns as soon as it accepts connections.
pub async fn serve(config: SimConfig, port: u16) -> Result<SimHandle, SimError> {
    let schemas = Schemas::bundled().map_err(|e| SimError::Bundled(e.to_string()))?;
    let account = FieldNationAccount::demo().map_err(|e| SimError::Bundled(e.to_string()))?;
    let time_zone = jiff::tz::TimeZone::get(&config.time_zone)
        .map_err(|_| SimError::TimeZone(config.time_zone.clone()))?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| SimError::Bind { addr, source })?;
    let (shutdown_sender, shutdown) = watch::channel(false);
    let deliverer = match &config.webhook {
        Some(webhook) => Some(
            Deliverer::start(
                webhook.clone(),
                config.delivery.clone(),
                config.faults.clone(),
                shutdown.clone(),
            )
            .map_err(SimError::Webhook)?,
        ),
        None => None,
    };
    let state = Arc::new(SimState {
        base_url: format!("http://{bound}"),
        create_schema: schemas.workorder,
        response_shape: schemas.webhooks.workorder,
        tokens: TokenStore::new(config.token_lifetime),
        store: Mutex::new(Store::new(config.first_work_order_id)),
        faults: FaultQueue::default(),
        requests: RequestLog::new(config.request_log_length),
        events: Mutex::new(VecDeque::new()),
        shutdown: shutdown.clone(),
        deliverer,
        account,
        time_zone,
        config,
    });
    let router = Router::new()
        .fallback(handle_request)
        .with_state(Arc::clone(&state));
    let mut stop = shutdown;
    let task = tokio::spawn(async move {
        let stopped = async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        };
        // An accept error ends the server; the handle's owner sees requests fail.
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(stopped)
            .await;
    });
    Ok(SimHandle {
        addr: bound,
        state,
        shutdown: shutdown_sender,
        task: Some(task),
    })
}

/// A running simulator. Dropping it stops the server too; [`Self::shutdown`] also waits
/// until it has stopped.
pub struct SimHandle {
    addr: SocketAddr,
    state: Arc<SimState>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("addr", &self.addr)
            .finish()
    }
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: the client's base URL.
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// Where tokens are issued.
    pub fn token_url(&self) -> String {
        format!("{}{}", self.state.base_url, paths::TOKEN)
    }

    /// Applies `fault` to the next request to `endpoint`. Faults queue per endpoint.
    pub fn inject(&self, endpoint: Endpoint, fault: Fault) {
        self.inject_times(endpoint, fault, 1);
    }

    pub fn inject_times(&self, endpoint: Endpoint, fault: Fault, times: usize) {
        self.state.faults.push(endpoint, fault, times);
    }

    /// Every access token issued so far stops working.
    pub fn revoke_tokens(&self) {
        self.state.tokens.revoke_all();
    }

    /// The last requests (the log is bounded), oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state.requests.records()
    }

    /// Every request received since the start.
    pub fn request_count(&self) -> u64 {
        self.state.requests.total()
    }

    /// The last webhook delivery attempts, in the order they were made.
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.state
            .deliverer
            .as_ref()
            .map(|d| d.records())
            .unwrap_or_default()
    }

    /// The next `times` webhook deliveries are each sent twice, with the same delivery id.
    pub fn duplicate_next_deliveries(&self, times: usize) {
        if let Some(deliverer) = &self.state.deliverer {
            deliverer.duplicate_next(times);
        }
    }

    /// The next webhook delivery waits `hold` before its first attempt, so that the events
    /// after it arrive first.
    pub fn hold_next_delivery(&self, hold: Duration) {
        if let Some(deliverer) = &self.state.deliverer {
            deliverer.hold_next(hold);
        }
    }

    /// The events raised so far (name and work order id), oldest first, webhook or not.
    pub fn events(&self) -> Vec<(String, u64)> {
        self.state
            .events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// Moves a work order through its lifecycle, as the control endpoint does.
    pub fn transition(&self, id: u64, event: &str) -> Result<Value, String> {
        let to = Status::from_event(event).ok_or_else(|| format!("unknown event {event:?}"))?;
        self.state
            .transition(id, to, None)
            .map_err(|(_, message)| message)
    }

    /// A work order as `GET /workorders/{id}` answers it.
    pub fn work_order(&self, id: u64) -> Option<Value> {
        let store = self.state.store();
        store.get(id).map(|order| self.state.view(order))
    }

    pub fn work_order_count(&self) -> usize {
        self.state.store().len()
    }

    /// Stops accepting connections, lets requests in flight finish (held requests end at
    /// once), stops deliveries and waits for the server to stop.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(SHUTDOWN_GRACE, task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
