//! Staying inside Autotask's limits before the server has to say so: at most `budget` requests
//! per rolling window (10,000 per hour for the whole database, shared by every integration)
//! and at most a few calls in flight per endpoint (3 threads per object endpoint).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::autotask::soap::ThresholdAndUsage;
use crate::autotask::wire::RollingWindow;

const LONGEST_WINDOW: Duration = Duration::from_secs(365 * 24 * 3600);

#[derive(Debug)]
pub struct RateLimiter {
    max_wait: Duration,
    per_endpoint: usize,
    budget: Mutex<Budget>,
    endpoints: Mutex<HashMap<String, Arc<Semaphore>>>,
}

#[derive(Debug)]
struct Budget {
    limit: u32,
    /// Our own requests in the window.
    sent: RollingWindow,
    /// Requests Autotask reported as used (by anyone) when the limiter was seeded, counted
    /// until a whole window has passed since, because their own times are unknown.
    reported: Option<(u32, Instant)>,
    /// Autotask's last report as it came.
    last_report: Option<ThresholdAndUsage>,
}

/// Held while a call is in flight; frees the endpoint slot when dropped.
#[derive(Debug)]
pub struct CallPermit {
    _slot: Option<OwnedSemaphorePermit>,
}

/// The budget is used up and will not free up within the wait allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetExhausted {
    pub used: u32,
    pub limit: u32,
    /// How long until the next request would be allowed.
    pub free_in: Duration,
}

impl std::fmt::Display for BudgetExhausted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} of {} requests in the rolling window are used; the next one is allowed in {:.0?}",
            self.used, self.limit, self.free_in
        )
    }
}

/// What the limiter counts right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetUsage {
    pub used: u32,
    pub limit: u32,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration, per_endpoint: usize, max_wait: Duration) -> Self {
        RateLimiter {
            max_wait,
            per_endpoint: per_endpoint.max(1),
            budget: Mutex::new(Budget {
                limit,
                // Instants plus the window must not overflow; a year is as good as forever here.
                sent: RollingWindow::new(window.min(LONGEST_WINDOW)),
                reported: None,
                last_report: None,
            }),
            endpoints: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for a free slot on `endpoint` and a request in the budget, and counts the request.
    ///
    /// # Errors
    ///
    /// When the budget would free up only after the longest wait allowed.
    pub async fn acquire(&self, endpoint: &str) -> Result<CallPermit, BudgetExhausted> {
        let semaphore = {
            let mut endpoints = lock(&self.endpoints);
            endpoints
                .entry(endpoint.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_endpoint)))
                .clone()
        };
        // The semaphore is never closed, so acquiring only fails in theory.
        let slot = semaphore.acquire_owned().await.ok();
        let started = Instant::now();
        loop {
            let wait = {
                let mut budget = lock(&self.budget);
                let now = Instant::now();
                let used = budget.used(now);
                if used < budget.limit {
                    budget.sent.count(now);
                    return Ok(CallPermit { _slot: slot });
                }
                let free_in = budget.next_free(now);
                if now.saturating_duration_since(started) + free_in > self.max_wait {
                    return Err(BudgetExhausted {
                        used,
                        limit: budget.limit,
                        free_in,
                    });
                }
                free_in
            };
            tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
        }
    }

    /// Takes Autotask's own count (`getThresholdAndUsageInfo`): its threshold becomes the limit
    /// (when lower), and the requests it reports count as used for a whole window.
    pub fn seed(&self, usage: &ThresholdAndUsage) {
        let mut budget = lock(&self.budget);
        if usage.threshold > 0 {
            budget.limit = budget.limit.min(usage.threshold);
        }
        // Autotask's count includes our own requests so far.
        budget.sent.clear();
        let until = Instant::now() + budget.sent.window();
        budget.reported = Some((usage.requests_used, until));
        budget.last_report = Some(*usage);
    }

    /// Autotask's figures from the last seeding.
    pub fn last_report(&self) -> Option<ThresholdAndUsage> {
        lock(&self.budget).last_report
    }

    pub fn usage(&self) -> BudgetUsage {
        let mut budget = lock(&self.budget);
        let now = Instant::now();
        BudgetUsage {
            used: budget.used(now),
            limit: budget.limit,
        }
    }
}

impl Budget {
    /// Our own requests in the window plus those Autotask reported, while they count.
    fn used(&mut self, now: Instant) -> u32 {
        if let Some((_, until)) = self.reported
            && now >= until
        {
            self.reported = None;
        }
        let reported = self.reported.map_or(0, |(count, _)| count);
        self.sent.used(now).saturating_add(reported)
    }

    /// How long until one more request fits: walk the expiries in time order until the count
    /// drops under the limit.
    fn next_free(&mut self, now: Instant) -> Duration {
        let mut used = self.used(now);
        let mut expiries: Vec<(Instant, u32)> = self.sent.expiries().map(|at| (at, 1)).collect();
        if let Some((count, until)) = self.reported {
            expiries.push((until, count));
        }
        expiries.sort_by_key(|(at, _)| *at);
        for (at, count) in expiries {
            used = used.saturating_sub(count);
            if used < self.limit {
                return at.saturating_duration_since(now);
            }
        }
        // A limit of zero never frees up; a window is the honest answer.
        self.sent.window()
    }
}

/// A poisoned lock only means another thread panicked while holding it; the counts are
/// still consistent enough to go on.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refuses_beyond_the_budget_and_recovers_after_the_window() {
        let limiter = RateLimiter::new(3, Duration::from_millis(200), 3, Duration::from_millis(0));
        for _ in 0..3 {
            assert!(limiter.acquire("query Ticket").await.is_ok());
        }
        let refused = limiter.acquire("query Ticket").await;
        assert!(matches!(
            refused,
            Err(BudgetExhausted {
                used: 3,
                limit: 3,
                ..
            })
        ));
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(limiter.acquire("query Ticket").await.is_ok());
    }

    #[tokio::test]
    async fn waits_for_the_window_when_allowed_to() {
        let limiter = RateLimiter::new(2, Duration::from_millis(150), 3, Duration::from_secs(5));
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.acquire("query Ticket").await.is_ok());
        }
        assert!(start.elapsed() >= Duration::from_millis(140));
    }

    #[tokio::test]
    async fn allows_three_calls_per_endpoint_at_once() {
        let limiter = RateLimiter::new(100, Duration::from_secs(60), 3, Duration::from_secs(1));
        let held: Vec<CallPermit> = vec![
            limiter
                .acquire("query Ticket")
                .await
                .unwrap_or(CallPermit { _slot: None }),
            limiter
                .acquire("query Ticket")
                .await
                .unwrap_or(CallPermit { _slot: None }),
            limiter
                .acquire("query Ticket")
                .await
                .unwrap_or(CallPermit { _slot: None }),
        ];
        // Another endpoint is not held up.
        assert!(limiter.acquire("query Account").await.is_ok());
        let fourth =
            tokio::time::timeout(Duration::from_millis(100), limiter.acquire("query Ticket")).await;
        assert!(
            fourth.is_err(),
            "a fourth concurrent Ticket query must wait"
        );
        drop(held);
        assert!(limiter.acquire("query Ticket").await.is_ok());
    }

    #[tokio::test]
    async fn seeding_counts_the_reported_usage() {
        let limiter = RateLimiter::new(10_000, Duration::from_secs(3600), 3, Duration::ZERO);
        limiter.seed(&ThresholdAndUsage {
            threshold: 10_000,
            timeframe_minutes: 60,
            requests_used: 9_999,
        });
        assert_eq!(
            limiter.usage(),
            BudgetUsage {
                used: 9_999,
                limit: 10_000
            }
        );
        assert!(limiter.acquire("query Ticket").await.is_ok());
        assert!(limiter.acquire("query Ticket").await.is_err());
    }
}
