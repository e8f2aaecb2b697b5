//! When a failed job runs again: a fixed schedule of delays with jitter, then a dead letter.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

/// The retry schedule. The default waits 30 s, 1, 2, 4 and 8 minutes: six attempts in all.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt, the second…; once they are used up, the job
    /// becomes a dead letter.
    pub delays: Vec<Duration>,
    /// Each wait is stretched or shrunk by up to this fraction at random (0.1: ±10 %), so jobs
    /// that failed together do not all come back at once.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            delays: [30, 60, 120, 240, 480]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            jitter: 0.1,
        }
    }
}

impl RetryPolicy {
    /// When a job that just failed its `attempts`-th attempt runs again; `None` when its
    /// retries are used up.
    pub fn next_run(&self, attempts: u32, now: Timestamp) -> Option<Timestamp> {
        let index = usize::try_from(attempts.max(1) - 1).ok()?;
        let delay = self.delays.get(index)?.as_secs_f64();
        let jitter = self.jitter.clamp(0.0, 1.0);
        let factor = 1.0 + jitter * (fastrand::f64() * 2.0 - 1.0);
        let wait = SignedDuration::try_from_secs_f64(delay * factor).ok()?;
        now.checked_add(wait).ok()
    }

    /// How many attempts a job gets in all.
    pub fn max_attempts(&self) -> usize {
        self.delays.len() + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_backs_off_with_jitter_then_gives_up() {
        let policy = RetryPolicy::default();
        let now = Timestamp::UNIX_EPOCH;
        for (attempt, secs) in [(1, 30.0), (2, 60.0), (3, 120.0), (4, 240.0), (5, 480.0)] {
            let at = policy.next_run(attempt, now).map(|t| t.as_millisecond());
            let wait = at.map(|ms| ms as f64 / 1000.0).unwrap_or(-1.0);
            assert!(
                (secs * 0.9..=secs * 1.1).contains(&wait),
                "attempt {attempt}: {wait}"
            );
        }
        assert_eq!(policy.next_run(6, now), None);
        assert_eq!(policy.max_attempts(), 6);
        let exact = RetryPolicy {
            delays: vec![Duration::from_secs(2)],
            jitter: 0.0,
        };
        assert_eq!(
            exact.next_run(1, now).map(|t| t.as_millisecond()),
            Some(2000)
        );
    }
}
