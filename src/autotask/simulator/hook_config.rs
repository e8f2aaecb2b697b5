//! Where the simulator sends Autotask's webhook callbacks and which changes fire them: per
//! entity type, the subscribed fields (a change to one fires an `Update`) and the fields sent
//! with every callback whatever changed, as Autotask's webhook setup has them.

use std::time::Duration;

/// The webhook id (`Guid`) callbacks carry when the configuration names none.
pub const DEMO_HOOK_GUID: &str = "6a1c0e8e-1b9b-4b5e-9d0e-3c3a1f0c2b11";

/// Autotask retries a failed delivery 5 times within 2 minutes; its exact spacing is not
/// documented, so the waits double and add up to two minutes.
pub const AUTOTASK_RETRY_DELAYS: [Duration; 5] = [
    Duration::from_secs(4),
    Duration::from_secs(8),
    Duration::from_secs(16),
    Duration::from_secs(32),
    Duration::from_secs(60),
];

/// Callbacks waiting for delivery at most; past this, callbacks are dropped (and logged).
pub const DEFAULT_HOOK_QUEUE: usize = 4096;

/// One webhook: a URL, its secret key and what it subscribes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookConfig {
    /// Where callbacks are posted.
    pub url: String,
    /// The secret key `X-Hook-Signature` is computed with.
    pub secret: String,
    /// The webhook's id, sent as `Guid`.
    pub guid: String,
    /// `PersonID`: the resource the simulator says made the change.
    pub person_id: Option<i64>,
    /// What fires, per entity type.
    pub subscriptions: Vec<HookSubscription>,
    /// The wait before each retry; the number of retries is its length.
    pub retry_delays: Vec<Duration>,
    /// How long a receiver may take to answer one attempt.
    pub timeout: Duration,
    /// Callbacks waiting for delivery at most.
    pub queue_length: usize,
    /// Delivery attempts kept in the delivery log.
    pub log_length: usize,
}

impl HookConfig {
    /// A webhook on tickets firing on a change to any of `fields`, with Autotask's retries.
    pub fn tickets(url: impl Into<String>, secret: impl Into<String>, fields: &[&str]) -> Self {
        HookConfig {
            url: url.into(),
            secret: secret.into(),
            guid: DEMO_HOOK_GUID.to_owned(),
            person_id: None,
            subscriptions: vec![HookSubscription::new("Ticket", fields)],
            retry_delays: AUTOTASK_RETRY_DELAYS.to_vec(),
            timeout: Duration::from_secs(30),
            queue_length: DEFAULT_HOOK_QUEUE,
            log_length: 1000,
        }
    }

    /// The subscription for an entity type, by name without case.
    pub(super) fn subscription(&self, entity: &str) -> Option<&HookSubscription> {
        self.subscriptions
            .iter()
            .find(|s| s.entity.eq_ignore_ascii_case(entity))
    }
}

/// What one entity type's changes send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookSubscription {
    /// `Ticket`, `Task`, `ServiceCall`…
    pub entity: String,
    /// Fields (or UDFs, by name) whose change fires an `Update`; a create always fires.
    pub fields: Vec<String>,
    /// Fields sent with every callback, changed or not (`TicketNumber`, say).
    pub always: Vec<String>,
}

impl HookSubscription {
    pub fn new(entity: &str, fields: &[&str]) -> Self {
        HookSubscription {
            entity: entity.to_owned(),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            always: Vec::new(),
        }
    }
}
