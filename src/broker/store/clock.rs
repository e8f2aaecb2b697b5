//! The time a store stamps and compares jobs with: the system clock, or a hand-moved one so
//! that tests of leases and retry schedules need not sleep.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use jiff::Timestamp;

/// The store's clock. Stored times are milliseconds since the Unix epoch.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    manual: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system clock (the default).
    pub fn system() -> Clock {
        Clock { manual: None }
    }

    /// A clock that stands at `start` until [`Clock::advance`] or [`Clock::set`] moves it. Its
    /// clones share the time.
    pub fn manual(start: Timestamp) -> Clock {
        Clock {
            manual: Some(Arc::new(AtomicI64::new(start.as_millisecond()))),
        }
    }

    /// Now, to the millisecond.
    pub fn now(&self) -> Timestamp {
        from_millis(self.now_millis())
    }

    pub(crate) fn now_millis(&self) -> i64 {
        match &self.manual {
            Some(at) => at.load(Ordering::SeqCst),
            None => Timestamp::now().as_millisecond(),
        }
    }

    /// Moves a manual clock forward; the system clock cannot be moved.
    ///
    /// # Panics
    ///
    /// On the system clock.
    pub fn advance(&self, by: Duration) {
        let at = self
            .manual
            .as_ref()
            .expect("only a manual clock can be moved");
        at.fetch_add(duration_millis(by), Ordering::SeqCst);
    }

    /// Sets a manual clock.
    ///
    /// # Panics
    ///
    /// On the system clock.
    pub fn set(&self, to: Timestamp) {
        let at = self
            .manual
            .as_ref()
            .expect("only a manual clock can be moved");
        at.store(to.as_millisecond(), Ordering::SeqCst);
    }
}

pub(crate) fn duration_millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A stored time back as a timestamp (clamped to jiff's range).
pub(crate) fn from_millis(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}
