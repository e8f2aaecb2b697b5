//! Exponential backoff with jitter between retries, so that clients that failed together do
//! not all come back at the same moment.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Delays for retry 1, 2, 3…: about `base · 2^(n-1)`, capped at `max`, each scaled by a random
/// factor between 0.5 and 1.5.
#[derive(Debug)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    jitter: Mutex<XorShift>,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration) -> Self {
        Backoff {
            base,
            max,
            jitter: Mutex::new(XorShift::from_clock()),
        }
    }

    /// The wait before retry number `retry` (1 for the first retry).
    pub fn delay(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(20);
        let nominal = self.base.saturating_mul(1u32 << exponent).min(self.max);
        // A poisoned lock only means another thread panicked mid-draw; the state is still usable.
        let unit = match self.jitter.lock() {
            Ok(mut rng) => rng.next_unit(),
            Err(poisoned) => poisoned.into_inner().next_unit(),
        };
        // Checked: a configured delay near `Duration::MAX` must not overflow.
        Duration::try_from_secs_f64(nominal.as_secs_f64() * (0.5 + unit))
            .unwrap_or(self.max)
            .min(self.max)
    }
}

/// Marsaglia's xorshift64: plenty for spreading retries, no dependency needed.
#[derive(Debug)]
struct XorShift(u64);

impl XorShift {
    fn from_clock() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15);
        // The state must never be zero.
        XorShift(nanos | 1)
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform in [0, 1).
    fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_within_the_jitter_band_and_stop_at_the_cap() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        for _ in 0..50 {
            let first = backoff.delay(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(150));
            let third = backoff.delay(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(600));
            assert!(backoff.delay(30) <= Duration::from_secs(1));
        }
    }
}
