//! Everything a running simulator holds, shared by its request handlers.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::watch;

use super::call_log::CallLog;
use super::clock::SimClock;
use super::datastore::DataStore;
use super::fault_injection::FaultQueue;
use super::hook_delivery::HookSender;
use super::metadata::Metadata;
use super::usage_window::UsageWindow;

#[derive(Debug)]
pub(super) struct SimState {
    pub(super) metadata: Metadata,
    pub(super) store: Mutex<DataStore>,
    pub(super) users: Vec<(String, String)>,
    pub(super) integration_code: String,
    pub(super) usage: Mutex<UsageWindow>,
    pub(super) clock: SimClock,
    pub(super) faults: FaultQueue,
    pub(super) calls: CallLog,
    /// What `getZoneInfo` answers: this simulator's endpoint.
    pub(super) zone_url: String,
    pub(super) web_url: String,
    /// Where saved writes send webhook callbacks, when configured.
    pub(super) hooks: Option<Arc<HookSender>>,
    /// Until when every call is refused as over the threshold (a test's outage).
    pub(super) threshold_until: Mutex<Option<Instant>>,
    /// Turns `true` when the simulator shuts down.
    pub(super) shutdown: watch::Receiver<bool>,
}

impl SimState {
    /// The records; a handler that panicked cannot leave them locked for good.
    pub(super) fn store(&self) -> MutexGuard<'_, DataStore> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn usage(&self) -> MutexGuard<'_, UsageWindow> {
        self.usage.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a period of refusals set by `exceed_threshold_for` is running.
    pub(super) fn threshold_forced(&self) -> bool {
        let until = *self
            .threshold_until
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        until.is_some_and(|until| Instant::now() < until)
    }

    /// User names compare without case, as Autotask's logins do.
    pub(super) fn knows_user(&self, name: &str) -> bool {
        self.users
            .iter()
            .any(|(user, _)| user.eq_ignore_ascii_case(name.trim()))
    }

    pub(super) fn credentials_match(&self, name: &str, password: &str) -> bool {
        self.users
            .iter()
            .any(|(user, secret)| user.eq_ignore_ascii_case(name) && secret == password)
    }
}
