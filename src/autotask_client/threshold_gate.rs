//! Autotask's request threshold is the database's, not one worker's: when any call is refused
//! for it, every call through the client (every worker sharing it) waits at this gate instead
//! of adding refusals. One probe (`getThresholdAndUsageInfo`, which Autotask always answers)
//! asks, with backoff, until the usage is under the threshold again; then the gate opens.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;

#[derive(Debug)]
pub(super) struct ThresholdGate {
    /// `true` while calls may go out.
    open: watch::Sender<bool>,
    /// How often the gate was closed.
    pauses: AtomicU64,
}

impl Default for ThresholdGate {
    fn default() -> Self {
        ThresholdGate {
            open: watch::Sender::new(true),
            pauses: AtomicU64::new(0),
        }
    }
}

impl ThresholdGate {
    pub(super) fn is_open(&self) -> bool {
        *self.open.borrow()
    }

    /// Waits until the gate is open, at most `max`: whether it is.
    pub(super) async fn wait(&self, max: Duration) -> bool {
        if self.is_open() {
            return true;
        }
        let mut open = self.open.subscribe();
        matches!(
            tokio::time::timeout(max, open.wait_for(|open| *open)).await,
            Ok(Ok(_))
        )
    }

    /// Closes the gate: whether this call closed it (and so must start the probe).
    pub(super) fn close(&self) -> bool {
        let closed = self
            .open
            .send_if_modified(|open| std::mem::replace(open, false));
        if closed {
            self.pauses.fetch_add(1, Ordering::Relaxed);
        }
        closed
    }

    pub(super) fn reopen(&self) {
        self.open.send_replace(true);
    }

    pub(super) fn pauses(&self) -> u64 {
        self.pauses.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiters_pass_when_the_gate_reopens_and_time_out_while_it_stays_shut() {
        let gate = std::sync::Arc::new(ThresholdGate::default());
        assert!(gate.wait(Duration::ZERO).await);
        assert!(gate.close());
        assert!(!gate.close(), "only the first refusal starts a probe");
        assert!(!gate.wait(Duration::from_millis(20)).await);
        let waiter = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.wait(Duration::from_secs(5)).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        gate.reopen();
        assert!(matches!(waiter.await, Ok(true)));
        assert_eq!(gate.pauses(), 1);
    }
}
