//! What a simulator serves, whom it lets in, where it sends webhooks and what trouble it makes
//! on its own.

use std::time::Duration;

use super::faults::FaultConfig;

/// The demo API client's id.
pub const DEMO_CLIENT_ID: &str = "demo-client-id";
/// The demo API client's secret.
pub const DEMO_CLIENT_SECRET: &str = "demo-client-secret";
/// The demo API user, for the `password` grant.
pub const DEMO_USERNAME: &str = "dispatch@demo-msp.example";
/// The demo API user's password.
pub const DEMO_PASSWORD: &str = "demo-password";
/// The webhook id deliveries carry when the configuration names none.
pub const DEMO_WEBHOOK_ID: &str = "wh_8f14e45f-ceea-467f-9a3c-2b0e6f5c1d20";

/// How to start a simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The API client allowed to ask for tokens.
    pub client_id: String,
    pub client_secret: String,
    /// API users and their passwords, for the `password` grant.
    pub users: Vec<(String, String)>,
    /// How long an access token lives (`expires_in`).
    pub token_lifetime: Duration,
    /// Where webhook events go; `None`: nowhere (the events are still recorded).
    pub webhook: Option<WebhookConfig>,
    pub delivery: DeliveryConfig,
    /// Trouble the simulator makes at random.
    pub faults: FaultConfig,
    /// Requests kept in the request log (older ones are dropped; counts cover all).
    pub request_log_length: usize,
    /// Request bodies larger than this are refused with 413.
    pub max_request_bytes: usize,
    /// The id of the first work order created.
    pub first_work_order_id: u64,
    /// The IANA time zone of work orders, for the `local` date and time of schedules.
    pub time_zone: String,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            client_id: DEMO_CLIENT_ID.to_owned(),
            client_secret: DEMO_CLIENT_SECRET.to_owned(),
            users: vec![(DEMO_USERNAME.to_owned(), DEMO_PASSWORD.to_owned())],
            token_lifetime: Duration::from_secs(3600),
            webhook: None,
            delivery: DeliveryConfig::default(),
            faults: FaultConfig::default(),
            request_log_length: 1000,
            max_request_bytes: 1024 * 1024,
            first_work_order_id: 1_234_567,
            time_zone: "America/Chicago".to_owned(),
        }
    }
}

/// One webhook subscription (v3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    pub url: String,
    /// The secret deliveries are signed with.
    pub secret: String,
    /// `X-FN-Webhook-Id`.
    pub webhook_id: String,
    /// The event names subscribed to; empty: every event.
    pub events: Vec<String>,
}

impl WebhookConfig {
    /// A subscription to every event.
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> Self {
        WebhookConfig {
            url: url.into(),
            secret: secret.into(),
            webhook_id: DEMO_WEBHOOK_ID.to_owned(),
            events: Vec::new(),
        }
    }

    pub(super) fn wants(&self, event: &str) -> bool {
        self.events.is_empty() || self.events.iter().any(|e| e == event)
    }
}

/// How deliveries are attempted.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryConfig {
    /// Multiplies every wait between attempts (and every hold of an out-of-order delivery):
    /// 1.0 is Field Nation's schedule (about 21 minutes for 8 attempts), 0.001 runs it in
    /// about 1.3 seconds.
    pub time_scale: f64,
    /// How long a receiver may take to answer one attempt (Field Nation: 30 s).
    pub timeout: Duration,
    /// Attempts per delivery (Field Nation: up to 8).
    pub max_attempts: u32,
    /// Delivery attempts kept in the delivery log.
    pub log_length: usize,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            time_scale: 1.0,
            timeout: Duration::from_secs(30),
            max_attempts: 8,
            log_length: 1000,
        }
    }
}
