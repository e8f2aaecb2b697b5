//! The simulator's clock: real time plus an offset that tests move forward,
//! so an hour of threshold usage can pass in no time.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use jiff::civil::DateTime;
use jiff::{SignedDuration, Timestamp};

use crate::time::eastern;

#[derive(Debug, Default)]
pub(super) struct SimClock {
    skew: Mutex<Duration>,
}

impl SimClock {
    /// Moves the clock forward.
    pub(super) fn advance(&self, by: Duration) {
        let mut skew = self
            .skew
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *skew = skew.saturating_add(by);
    }

    fn skew(&self) -> Duration {
        *self
            .skew
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Now, for measuring the rolling hour.
    pub(super) fn now(&self) -> Instant {
        let now = Instant::now();
        now.checked_add(self.skew()).unwrap_or(now)
    }

    /// Now in UTC, for the times webhook callbacks carry.
    pub(super) fn timestamp(&self) -> Timestamp {
        let skew = SignedDuration::try_from(self.skew()).unwrap_or(SignedDuration::ZERO);
        let now = Timestamp::now();
        now.checked_add(skew).unwrap_or(now)
    }

    /// Now as a New York wall clock, for the dates Autotask stamps on records.
    pub(super) fn wall_clock(&self) -> DateTime {
        eastern().to_datetime(self.timestamp())
    }
}
