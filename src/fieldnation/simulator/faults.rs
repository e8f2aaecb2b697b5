//! Trouble on demand: faults queued for the next requests of an endpoint (deterministic, for
//! tests) and fault rates (random, for demos and soak runs).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

/// How long a [`Fault::Timeout`] request is held without an answer (or until shutdown).
pub const TIMEOUT_HOLD: Duration = Duration::from_secs(120);

/// The endpoints faults can aim at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Token,
    Create,
    List,
    Get,
    Update,
    Publish,
    Route,
    TypesOfWork,
    CustomFields,
}

impl Endpoint {
    pub const ALL: [Endpoint; 9] = [
        Endpoint::Token,
        Endpoint::Create,
        Endpoint::List,
        Endpoint::Get,
        Endpoint::Update,
        Endpoint::Publish,
        Endpoint::Route,
        Endpoint::TypesOfWork,
        Endpoint::CustomFields,
    ];

    /// The name used on the command line and in the request log.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Token => "token",
            Endpoint::Create => "create",
            Endpoint::List => "list",
            Endpoint::Get => "get",
            Endpoint::Update => "update",
            Endpoint::Publish => "publish",
            Endpoint::Route => "route",
            Endpoint::TypesOfWork => "types_of_work",
            Endpoint::CustomFields => "custom_fields",
        }
    }

    pub fn from_name(name: &str) -> Option<Endpoint> {
        Endpoint::ALL.into_iter().find(|e| e.name() == name)
    }
}

/// A fault applied to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer this status with Field Nation's error body; nothing is done.
    Status(u16),
    /// Answer 429, with `Retry-After` in seconds when given; nothing is done.
    RateLimited { retry_after: Option<u64> },
    /// Answer 503 (service unavailable), with `Retry-After` in seconds when given; nothing
    /// is done.
    Unavailable { retry_after: Option<u64> },
    /// Answer normally, after this delay.
    Latency(Duration),
    /// Hold the request without an answer for [`TIMEOUT_HOLD`]; nothing is done.
    Timeout,
    /// Do what the request asks (a create is saved, its webhook sent), then drop the
    /// connection instead of answering.
    CommitThenDrop,
    /// Answer 200 with a JSON body of about this many bytes.
    Oversized(usize),
}

/// Fault rates: each request draws its own luck.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultConfig {
    /// Per endpoint, the share of requests answered 500 (0.0 to 1.0).
    pub error_rates: HashMap<Endpoint, f64>,
    /// Added to every answer.
    pub latency: Duration,
    /// The share of creates that are saved and then answered by a dropped connection.
    pub commit_then_drop_rate: f64,
    /// The share of webhook deliveries sent twice (same delivery id).
    pub duplicate_rate: f64,
    /// The share of webhook deliveries held back so that later events overtake them.
    pub out_of_order_rate: f64,
}

/// Faults waiting for requests, first in first applied, per endpoint.
#[derive(Debug, Default)]
pub(super) struct FaultQueue {
    pending: Mutex<HashMap<Endpoint, VecDeque<Fault>>>,
}

impl FaultQueue {
    pub(super) fn push(&self, endpoint: Endpoint, fault: Fault, times: usize) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending
            .entry(endpoint)
            .or_default()
            .extend(std::iter::repeat_n(fault, times));
    }

    /// The queued fault for a request to `endpoint`, else one drawn from the rates.
    pub(super) fn next(&self, endpoint: Endpoint, rates: &FaultConfig) -> Option<Fault> {
        let queued = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(&endpoint)
            .and_then(VecDeque::pop_front);
        if queued.is_some() {
            return queued;
        }
        let rate = rates.error_rates.get(&endpoint).copied().unwrap_or(0.0);
        if rate > 0.0 && fastrand::f64() < rate {
            return Some(Fault::Status(500));
        }
        if endpoint == Endpoint::Create
            && rates.commit_then_drop_rate > 0.0
            && fastrand::f64() < rates.commit_then_drop_rate
        {
            return Some(Fault::CommitThenDrop);
        }
        None
    }
}
