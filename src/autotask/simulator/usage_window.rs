//! The request budget: Autotask counts requests per database over a
//! rolling hour and rejects calls while the count is at the threshold.

use std::time::{Duration, Instant};

use crate::autotask::wire::RollingWindow;

/// `TimeframeOfLimitation`, in minutes.
pub(super) const TIMEFRAME_MINUTES: u32 = 60;
const TIMEFRAME: Duration = Duration::from_secs(TIMEFRAME_MINUTES as u64 * 60);

#[derive(Debug)]
pub(super) struct UsageWindow {
    threshold: u32,
    arrivals: RollingWindow,
}

impl UsageWindow {
    pub(super) fn new(threshold: u32) -> Self {
        UsageWindow {
            threshold,
            arrivals: RollingWindow::new(TIMEFRAME),
        }
    }

    pub(super) fn threshold(&self) -> u32 {
        self.threshold
    }

    /// Requests counted within the hour before `now`.
    pub(super) fn used(&mut self, now: Instant) -> u32 {
        self.arrivals.used(now)
    }

    /// Counts a request, unless the budget is used up; rejected requests
    /// do not count, so usage drops while a client keeps trying.
    pub(super) fn try_count(&mut self, now: Instant) -> Result<u32, u32> {
        let used = self.used(now);
        if used >= self.threshold {
            return Err(used);
        }
        self.arrivals.count(now);
        Ok(used + 1)
    }

    /// Counts a request whatever the budget (calls that are always answered).
    pub(super) fn count(&mut self, now: Instant) -> u32 {
        let used = self.used(now);
        if used < self.threshold {
            self.arrivals.count(now);
            return used + 1;
        }
        used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_refills_an_hour_after_each_request() {
        let start = Instant::now();
        let mut window = UsageWindow::new(2);
        assert_eq!(window.try_count(start), Ok(1));
        assert_eq!(window.try_count(start + Duration::from_secs(600)), Ok(2));
        assert_eq!(window.try_count(start + Duration::from_secs(1200)), Err(2));
        assert_eq!(window.try_count(start + Duration::from_secs(3600)), Ok(2));
        assert_eq!(window.used(start + Duration::from_secs(4200)), 1);
    }
}
