//! How the client behaves: where it finds its zone, how long it waits, how often it retries,
//! and how much of the hourly request budget it may use.

use std::time::Duration;

/// Autotask's zone discovery endpoint; `getZoneInfo` there names the zone of each user.
pub const DEFAULT_DISCOVERY_URL: &str = "https://webservices.autotask.net/atservices/1.6/atws.asmx";

/// The default of [`ClientConfig::max_response_bytes`]: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Where `getZoneInfo` is asked for the user's zone.
    pub discovery_url: String,
    /// The zone URL, when known: discovery is skipped.
    pub zone_url: Option<String>,
    /// How long one HTTP request may take.
    pub request_timeout: Duration,
    /// Retries after the first attempt, for server errors, timeouts and the threshold.
    pub max_retries: u32,
    /// The first retry waits about this long; each further retry doubles it (with jitter).
    pub base_delay: Duration,
    /// No retry waits longer than this.
    pub max_delay: Duration,
    /// Requests per rolling window the client allows itself (Autotask's threshold is 10,000
    /// per hour for the whole database).
    pub hourly_budget: u32,
    /// The rolling window of the budget.
    pub budget_window: Duration,
    /// Calls in flight at once per endpoint (operation and entity).
    pub max_concurrent_per_endpoint: usize,
    /// When the budget is used up: wait at most this long for it to free up, then fail.
    pub max_budget_wait: Duration,
    /// The largest answer body the client reads; a longer one fails the call
    /// (`ClientError::ResponseTooLarge`) instead of filling memory. The default holds a
    /// 500-entity query page of wide tickets with many UDFs, or the field info of any entity,
    /// several times over.
    pub max_response_bytes: usize,
    /// How long entity metadata (GetFieldInfo, getUDFInfo, GetEntityInfo) stays cached.
    pub metadata_ttl: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            discovery_url: DEFAULT_DISCOVERY_URL.to_owned(),
            zone_url: None,
            request_timeout: Duration::from_secs(60),
            max_retries: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            hourly_budget: 10_000,
            budget_window: Duration::from_secs(3600),
            max_concurrent_per_endpoint: 3,
            max_budget_wait: Duration::from_secs(60),
            metadata_ttl: Duration::from_secs(3600),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}
