//! How long to wait before a retry: exponential backoff with jitter (so that clients that
//! failed together do not come back together), or what the server asked for in `Retry-After`.

use std::time::Duration;

/// The wait before retry number `retry` (1 for the first retry): about `base · 2^(retry-1)`,
/// capped at `max`, scaled by a random factor between 0.5 and 1.5.
pub(super) fn backoff_delay(base: Duration, max: Duration, retry: u32) -> Duration {
    let exponent = retry.saturating_sub(1).min(20);
    let nominal = base.saturating_mul(1u32 << exponent).min(max);
    Duration::try_from_secs_f64(nominal.as_secs_f64() * (0.5 + fastrand::f64()))
        .unwrap_or(max)
        .min(max)
}

/// A `Retry-After` header value: seconds, or an HTTP date (RFC 9110), taken relative to now.
/// Unreadable values count as absent.
pub(super) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let now = jiff::Timestamp::now();
    let ahead = when.as_millisecond().saturating_sub(now.as_millisecond());
    Some(Duration::from_millis(u64::try_from(ahead).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_within_the_jitter_band_and_stop_at_the_cap() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(1);
        for _ in 0..50 {
            let first = backoff_delay(base, max, 1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(150));
            let third = backoff_delay(base, max, 3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(600));
            assert!(backoff_delay(base, max, 40) <= max);
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        let later = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(30);
        let header =
            jiff::fmt::rfc2822::to_string(&later.to_zoned_datetime(jiff::tz::TimeZone::UTC))
                .unwrap_or_default();
        let parsed = parse_retry_after(&header).unwrap_or_default();
        assert!(parsed > Duration::from_secs(25) && parsed <= Duration::from_secs(30));
        assert_eq!(parse_retry_after("soon"), None);
    }
}
