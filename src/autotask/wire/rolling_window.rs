//! Autotask's request threshold counts requests over a rolling window (an hour): a request
//! stops counting a whole window after it was sent. The client counts its own requests this
//! way to stay under the threshold; the simulator counts everyone's to enforce it.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// When each counted request was sent, oldest first, for one window length.
#[derive(Debug, Clone)]
pub struct RollingWindow {
    window: Duration,
    arrivals: VecDeque<Instant>,
}

impl RollingWindow {
    pub fn new(window: Duration) -> Self {
        RollingWindow {
            window,
            arrivals: VecDeque::new(),
        }
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    /// Requests counted within the window before `now`; older ones are forgotten.
    pub fn used(&mut self, now: Instant) -> u32 {
        while let Some(&oldest) = self.arrivals.front() {
            if now.saturating_duration_since(oldest) >= self.window {
                self.arrivals.pop_front();
            } else {
                break;
            }
        }
        u32::try_from(self.arrivals.len()).unwrap_or(u32::MAX)
    }

    /// Counts a request sent at `now`.
    pub fn count(&mut self, now: Instant) {
        self.arrivals.push_back(now);
    }

    /// Forgets every counted request.
    pub fn clear(&mut self) {
        self.arrivals.clear();
    }

    /// When each counted request stops counting, earliest first.
    pub fn expiries(&self) -> impl Iterator<Item = Instant> + '_ {
        self.arrivals.iter().map(|sent| *sent + self.window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_counts_for_one_window() {
        let start = Instant::now();
        let mut window = RollingWindow::new(Duration::from_secs(3600));
        window.count(start);
        window.count(start + Duration::from_secs(600));
        assert_eq!(window.used(start + Duration::from_secs(1200)), 2);
        assert_eq!(window.used(start + Duration::from_secs(3600)), 1);
        assert_eq!(
            window.expiries().collect::<Vec<_>>(),
            [start + Duration::from_secs(4200)]
        );
        assert_eq!(window.used(start + Duration::from_secs(4200)), 0);
    }
}
