//! Trouble on demand: faults that tests queue up for the next requests.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

/// How long a [`Fault::Timeout`] request is held without an answer.
pub const TIMEOUT_HOLD: Duration = Duration::from_secs(120);

/// A fault the simulator applies to one request; see
/// [`super::SimHandle::inject`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer normally, after this delay.
    Latency(Duration),
    /// Answer HTTP 500 with a `soap:Fault`, as Autotask does when it fails
    /// inside (`Server was unable to process request.`).
    ServerError,
    /// Do not answer for [`TIMEOUT_HOLD`] (or until shutdown), well past any
    /// client's 60-second timeout.
    Timeout,
    /// Answer as if the hourly threshold were used up.
    Threshold,
}

/// Faults waiting for requests, first in first applied.
#[derive(Debug, Default)]
pub(super) struct FaultQueue {
    pending: Mutex<VecDeque<Fault>>,
}

impl FaultQueue {
    pub(super) fn push(&self, fault: Fault, times: usize) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.extend(std::iter::repeat_n(fault, times));
    }

    /// The fault for the request that just arrived, if any.
    pub(super) fn next(&self) -> Option<Fault> {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
    }
}
