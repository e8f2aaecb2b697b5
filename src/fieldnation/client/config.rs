//! How the client behaves: where Field Nation is, how long it waits, how often it retries and
//! how much of an answer it reads.

use std::time::Duration;

/// Field Nation's sandbox, where integrations are tried first.
pub const SANDBOX_URL: &str = "https://api-sandbox.fndev.net";
/// Field Nation's production API.
pub const PRODUCTION_URL: &str = "https://api.fieldnation.com";

#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Scheme and host (and port) of the API; paths are appended to it.
    pub base_url: String,
    /// How long one HTTP request may take, answer included.
    pub request_timeout: Duration,
    /// Retries after the first attempt, for rate limits, server errors, time-outs and broken
    /// connections. A refresh of the token after a 401 is not counted.
    pub max_retries: u32,
    /// The first retry waits about this long; each further retry doubles it (with jitter).
    pub base_delay: Duration,
    /// No backoff waits longer than this.
    pub max_delay: Duration,
    /// The longest `Retry-After` the client waits out; a server that asks for longer gets the
    /// rate-limit error handed back to the caller at once.
    pub max_retry_after: Duration,
    /// Answers larger than this are not read (an error says so): a misbehaving server cannot
    /// make the client hold an unbounded body.
    pub max_response_bytes: usize,
    /// A token is replaced when it has less than this left to live (at most half its
    /// lifetime), so that no request goes out with a token about to expire.
    pub token_refresh_margin: Duration,
    /// How many pages of the work order list a marker search reads at most.
    pub max_search_pages: u32,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            base_url: SANDBOX_URL.to_owned(),
            request_timeout: Duration::from_secs(30),
            max_retries: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            max_response_bytes: 16 * 1024 * 1024,
            token_refresh_margin: Duration::from_secs(60),
            max_search_pages: 50,
        }
    }
}
