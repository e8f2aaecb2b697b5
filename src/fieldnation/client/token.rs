//! The access token: fetched on first use, kept, and replaced shortly before it expires or
//! when the API refuses it. One fetch at a time: tasks that need a token while another fetches
//! it wait for that one instead of fetching their own.

use std::time::{Duration, Instant};

use super::credentials::Secret;

/// A token and when to stop using it.
#[derive(Debug, Clone)]
pub(super) struct CachedToken {
    pub token: Secret,
    /// Past this instant the token is replaced before use.
    pub refresh_at: Instant,
}

impl CachedToken {
    /// A token living `expires_in` from `now`, replaced `margin` before that (at most half
    /// its lifetime before, so that a short-lived token is still used).
    pub(super) fn new(token: Secret, now: Instant, expires_in: Duration, margin: Duration) -> Self {
        let margin = margin.min(expires_in / 2);
        CachedToken {
            token,
            refresh_at: now + expires_in.saturating_sub(margin),
        }
    }

    pub(super) fn is_fresh(&self, now: Instant) -> bool {
        now < self.refresh_at
    }
}

/// Lifetime assumed when the answer gives none: Field Nation documents one hour.
pub(super) const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaced_before_expiry_with_a_margin_of_at_most_half_the_lifetime() {
        let now = Instant::now();
        let long = CachedToken::new(
            Secret::new("a"),
            now,
            Duration::from_secs(3600),
            Duration::from_secs(60),
        );
        assert!(long.is_fresh(now + Duration::from_secs(3539)));
        assert!(!long.is_fresh(now + Duration::from_secs(3541)));
        let short = CachedToken::new(
            Secret::new("b"),
            now,
            Duration::from_secs(4),
            Duration::from_secs(60),
        );
        assert!(short.is_fresh(now + Duration::from_millis(1900)));
        assert!(!short.is_fresh(now + Duration::from_millis(2100)));
    }
}
