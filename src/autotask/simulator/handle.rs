//! Starting a simulator and controlling it while it runs.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::call_log::{CallLog, CallRecord};
use super::clock::SimClock;
use super::config::SimConfig;
use super::dataset::load_dataset;
use super::error::SimError;
use super::fault_injection::{Fault, FaultQueue};
use super::hook_delivery::{HookDelivery, HookSender};
use super::http_endpoint::{ENDPOINT_PATH, handle_request};
use super::metadata::Metadata;
use super::record_edit::edit_record;
use super::state::SimState;
use super::usage_window::UsageWindow;

/// How long [`SimHandle::shutdown`] waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Loads the dataset and tenant, binds `addr` and serves in a background
/// task; returns as soon as the simulator accepts connections.
///
/// # Errors
///
/// [`SimError`] when the data or tenant cannot be read or the address
/// cannot be bound.
pub async fn serve(config: SimConfig, addr: SocketAddr) -> Result<SimHandle, SimError> {
    let metadata = Metadata::load(config.tenant.as_deref())?;
    let store = load_dataset(config.data_dir.as_deref(), &metadata)?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| SimError::Bind { addr, source })?;
    let (shutdown_sender, shutdown) = watch::channel(false);
    let host = reachable_address(bound);
    let hooks = match config.webhook {
        Some(webhook) => {
            Some(HookSender::start(webhook, shutdown.clone()).map_err(SimError::Webhook)?)
        }
        None => None,
    };
    let state = Arc::new(SimState {
        metadata,
        store: Mutex::new(store),
        users: config.users,
        integration_code: config.integration_code,
        usage: Mutex::new(UsageWindow::new(config.threshold)),
        clock: SimClock::default(),
        faults: FaultQueue::default(),
        calls: CallLog::default(),
        zone_url: format!("http://{host}{ENDPOINT_PATH}"),
        web_url: format!("http://{host}/"),
        hooks,
        threshold_until: Mutex::new(None),
        shutdown: shutdown.clone(),
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

/// Where clients reach a server bound to `addr`: the loopback address for a
/// wildcard bind, so the zone URL always works on this machine.
fn reachable_address(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        let loopback = match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        };
        SocketAddr::new(loopback, addr.port())
    } else {
        addr
    }
}

/// A running simulator. Dropping it stops the server too; [`Self::shutdown`]
/// also waits until it has stopped.
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    state: Arc<SimState>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// The address the server is bound to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The endpoint every call goes to, and what `getZoneInfo` answers:
    /// `http://127.0.0.1:PORT/atservices/1.6/atws.asmx`.
    pub fn zone_url(&self) -> String {
        self.state.zone_url.clone()
    }

    /// Every HTTP request received, whatever became of it.
    pub fn request_count(&self) -> u64 {
        self.state.calls.request_count()
    }

    /// The requests to the endpoint, in arrival order: the most recent
    /// [`CALLS_KEPT`](super::CALLS_KEPT) of them.
    pub fn calls(&self) -> Vec<CallRecord> {
        self.state.calls.calls()
    }

    /// Zeroes [`Self::request_count`] and empties [`Self::calls`]. The
    /// hourly usage is the simulated database's and stays.
    pub fn reset_counters(&self) {
        self.state.calls.reset();
    }

    /// Applies `fault` to the next request (whatever its operation, including
    /// `getZoneInfo`). Faults queue: two calls affect the next two requests.
    pub fn inject(&self, fault: Fault) {
        self.inject_times(fault, 1);
    }

    /// Applies `fault` to each of the next `times` requests.
    pub fn inject_times(&self, fault: Fault, times: usize) {
        self.state.faults.push(fault, times);
    }

    /// Moves the simulator's clock forward: requests older than an hour stop
    /// counting toward the threshold, and records are stamped later.
    pub fn advance_clock(&self, by: Duration) {
        self.state.clock.advance(by);
    }

    /// Refuses every call but `getThresholdAndUsageInfo` as over the threshold for `period`
    /// (real time), and reports the budget as used up meanwhile: an outage of the request
    /// budget, for testing clients that must pause.
    pub fn exceed_threshold_for(&self, period: Duration) {
        let until = std::time::Instant::now() + period;
        *self
            .state
            .threshold_until
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(until);
    }

    /// Changes a record as a person in Autotask's UI would, e.g. a dispatcher setting a
    /// ticket's status: `changes` are fields or UDFs by name with their wire text
    /// (`[("Status", "12")]`). It goes through the `update` write path (the same checks; the
    /// webhooks fire) and does not count as an API request.
    ///
    /// # Errors
    ///
    /// The record does not exist, a name is no field or UDF of the entity, or Autotask's
    /// checks refuse a value; the message says which.
    pub fn update_record(
        &self,
        entity: &str,
        id: i64,
        changes: &[(&str, &str)],
    ) -> Result<(), String> {
        edit_record(&self.state, entity, id, changes)
    }

    /// Webhook delivery attempts, oldest first (the most recent `log_length` of them); empty
    /// when no webhook is configured.
    pub fn hook_deliveries(&self) -> Vec<HookDelivery> {
        self.state
            .hooks
            .as_ref()
            .map(|hooks| hooks.records())
            .unwrap_or_default()
    }

    /// Requests counted toward the threshold in the last hour.
    pub fn usage(&self) -> u32 {
        let now = self.state.clock.now();
        self.state.usage().used(now)
    }

    /// Records held, by entity type.
    pub fn record_counts(&self) -> Vec<(String, usize)> {
        self.state.store().counts()
    }

    /// The tenant's display name.
    pub fn tenant_name(&self) -> String {
        self.state.metadata.tenant.name.clone()
    }

    /// Stops accepting connections, lets requests in flight finish (an
    /// injected timeout ends at once) and waits for the server to stop.
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
