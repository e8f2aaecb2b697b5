//! Field Nation's retry schedule for webhook deliveries: attempt n (n ≥ 2) follows attempt
//! n−1 after 10 s × 2^(n−2), up to 8 attempts (10 + 20 + … + 640 s, about 21 minutes).

use std::time::Duration;

/// The wait before the second attempt.
pub const FIRST_RETRY_DELAY: Duration = Duration::from_secs(10);
/// Attempts per delivery, the first included.
pub const MAX_ATTEMPTS: u32 = 8;

/// The wait before attempt `attempt` (2 for the first retry), scaled by `time_scale`.
pub fn delay_before(attempt: u32, time_scale: f64) -> Duration {
    let doublings = attempt.saturating_sub(2).min(30);
    let nominal = FIRST_RETRY_DELAY.saturating_mul(1u32 << doublings);
    scaled(nominal, time_scale)
}

/// `duration × time_scale`; a scale that is not a positive number means no wait.
pub fn scaled(duration: Duration, time_scale: f64) -> Duration {
    if !(time_scale.is_finite() && time_scale > 0.0) {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(duration.as_secs_f64() * time_scale).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_attempts_take_about_21_minutes() {
        let total: Duration = (2..=MAX_ATTEMPTS).map(|n| delay_before(n, 1.0)).sum();
        assert_eq!(total, Duration::from_secs(1270));
        assert_eq!(delay_before(2, 0.001), Duration::from_millis(10));
        assert_eq!(scaled(Duration::from_secs(5), f64::NAN), Duration::ZERO);
    }
}
