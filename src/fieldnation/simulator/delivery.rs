//! Webhook deliveries as Field Nation makes them: signed (`X-FN-Signature`), with the webhook,
//! delivery (`uuid:attempt`) and trace ids and the request time; 2xx ends a delivery, 4xx ends
//! it unanswered, 5xx, a time-out or a connection error is retried on Field Nation's schedule.
//!
//! Events go out in the order they happened: one dispatcher takes them in turn and makes each
//! first attempt before the next event's; retries run on their own, so a failing receiver does
//! not hold later events back. Faults: a delivery sent twice with the same delivery id, and a
//! delivery held back so that later events overtake it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::config::{DeliveryConfig, WebhookConfig};
use super::delivery_schedule::{delay_before, scaled};
use super::faults::FaultConfig;
use super::ids::uuid_v4;
use super::webhook_event::WebhookEvent;
use crate::fieldnation::signature;

/// Events waiting for the dispatcher at most; past this, events are recorded as dropped.
const QUEUE_LENGTH: usize = 4096;
/// How long a randomly held delivery waits (scaled): longer than the next event's first try.
const RANDOM_HOLD: Duration = Duration::from_secs(30);

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// The delivery's UUID (the part of `X-FN-Delivery-Id` before the colon).
    pub delivery_id: String,
    pub attempt: u32,
    pub event: String,
    pub work_order_id: u64,
    /// The receiver's status; `None` for a time-out or a connection error.
    pub status: Option<u16>,
    /// What went wrong, when no status came.
    pub error: Option<String>,
    /// Sent as a duplicate of an earlier delivery (same delivery id).
    pub duplicate: bool,
}

/// What one attempt came to.
enum Outcome {
    Delivered,
    Refused,
    Failed,
}

#[derive(Debug, Clone)]
struct Delivery {
    uuid: String,
    trace_id: String,
    event: WebhookEvent,
    duplicate: bool,
}

#[derive(Debug, Default)]
struct QueuedFaults {
    duplicates: usize,
    holds: VecDeque<Duration>,
}

#[derive(Debug)]
pub(super) struct Deliverer {
    target: WebhookConfig,
    config: DeliveryConfig,
    http: reqwest::Client,
    rates: FaultConfig,
    faults: Mutex<QueuedFaults>,
    log: Mutex<VecDeque<DeliveryRecord>>,
    sender: mpsc::Sender<WebhookEvent>,
    shutdown: watch::Receiver<bool>,
}

impl Deliverer {
    /// Starts the dispatcher; it stops when `shutdown` turns true.
    pub(super) fn start(
        target: WebhookConfig,
        config: DeliveryConfig,
        rates: FaultConfig,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Arc<Deliverer>, String> {
        crate::fieldnation::install_tls_provider();
        let http = reqwest::Client::builder()
            .user_agent("FieldNation-Webhooks/3.0 (fieldmap simulator)")
            .build()
            .map_err(|e| e.without_url().to_string())?;
        let (sender, receiver) = mpsc::channel(QUEUE_LENGTH);
        let deliverer = Arc::new(Deliverer {
            target,
            config,
            http,
            rates,
            faults: Mutex::new(QueuedFaults::default()),
            log: Mutex::new(VecDeque::new()),
            sender,
            shutdown,
        });
        tokio::spawn(dispatch(Arc::clone(&deliverer), receiver));
        Ok(deliverer)
    }

    /// Queues an event, if the webhook subscribes to it.
    pub(super) fn enqueue(&self, event: WebhookEvent) {
        if !self.target.wants(&event.name) {
            return;
        }
        if let Err(
            mpsc::error::TrySendError::Full(event) | mpsc::error::TrySendError::Closed(event),
        ) = self.sender.try_send(event)
        {
            self.record(DeliveryRecord {
                delivery_id: String::new(),
                attempt: 0,
                event: event.name,
                work_order_id: event.work_order_id,
                status: None,
                error: Some("dropped: the delivery queue is full".into()),
                duplicate: false,
            });
        }
    }

    /// The next `times` deliveries are each sent twice.
    pub(super) fn duplicate_next(&self, times: usize) {
        self.faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .duplicates += times;
    }

    /// The next delivery waits `hold` (unscaled) before its first attempt.
    pub(super) fn hold_next(&self, hold: Duration) {
        self.faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .holds
            .push_back(hold);
    }

    pub(super) fn records(&self) -> Vec<DeliveryRecord> {
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    fn record(&self, record: DeliveryRecord) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.push_back(record);
        while log.len() > self.config.log_length {
            log.pop_front();
        }
    }

    /// Whether this delivery is sent twice, and how long it is held back first.
    fn draw_faults(&self) -> (bool, Option<Duration>) {
        let mut queued = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        let duplicate = if queued.duplicates > 0 {
            queued.duplicates -= 1;
            true
        } else {
            self.rates.duplicate_rate > 0.0 && fastrand::f64() < self.rates.duplicate_rate
        };
        let hold = queued.holds.pop_front().or_else(|| {
            (self.rates.out_of_order_rate > 0.0 && fastrand::f64() < self.rates.out_of_order_rate)
                .then(|| scaled(RANDOM_HOLD, self.config.time_scale))
        });
        (duplicate, hold)
    }

    async fn attempt(&self, delivery: &Delivery, attempt: u32) -> Outcome {
        let body = delivery.event.body.clone();
        let sent_at = jiff::Timestamp::now().as_millisecond().to_string();
        let answer = self
            .http
            .post(&self.target.url)
            .timeout(self.config.timeout)
            .header("Content-Type", "application/json")
            .header(
                "X-FN-Signature",
                signature::sign(self.target.secret.as_bytes(), &body),
            )
            .header("X-FN-Webhook-Id", &self.target.webhook_id)
            .header("X-FN-Delivery-Id", format!("{}:{attempt}", delivery.uuid))
            .header("X-FN-Event-Trace-Id", &delivery.trace_id)
            .header("X-FN-Request-Timestamp", sent_at)
            .body(body)
            .send()
            .await;
        let (status, error, outcome) = match answer {
            Ok(response) => {
                let status = response.status().as_u16();
                let outcome = match status {
                    200..=299 => Outcome::Delivered,
                    400..=499 => Outcome::Refused,
                    _ => Outcome::Failed,
                };
                (Some(status), None, outcome)
            }
            Err(e) if e.is_timeout() => (None, Some("timeout".to_owned()), Outcome::Failed),
            Err(e) => (None, Some(e.without_url().to_string()), Outcome::Failed),
        };
        self.record(DeliveryRecord {
            delivery_id: delivery.uuid.clone(),
            attempt,
            event: delivery.event.name.clone(),
            work_order_id: delivery.event.work_order_id,
            status,
            error,
            duplicate: delivery.duplicate,
        });
        outcome
    }

    /// Attempts `from` to the last, waiting the schedule's delay before each retry; stops at
    /// the first answer that ends the delivery, or at shutdown.
    async fn run(self: Arc<Self>, delivery: Delivery, from: u32) {
        let mut shutdown = self.shutdown.clone();
        for attempt in from..=self.config.max_attempts {
            if attempt > 1 {
                let wait = delay_before(attempt, self.config.time_scale);
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    _ = shutdown.wait_for(|stopped| *stopped) => return,
                }
            }
            if *shutdown.borrow() {
                return;
            }
            match self.attempt(&delivery, attempt).await {
                Outcome::Delivered | Outcome::Refused => return,
                Outcome::Failed => {}
            }
        }
    }
}

async fn dispatch(deliverer: Arc<Deliverer>, mut receiver: mpsc::Receiver<WebhookEvent>) {
    let mut shutdown = deliverer.shutdown.clone();
    loop {
        let event = tokio::select! {
            event = receiver.recv() => match event {
                Some(event) => event,
                None => return,
            },
            _ = shutdown.wait_for(|stopped| *stopped) => return,
        };
        let delivery = Delivery {
            uuid: uuid_v4(),
            trace_id: uuid_v4(),
            event,
            duplicate: false,
        };
        let (duplicate, hold) = deliverer.draw_faults();
        if duplicate {
            let copy = Delivery {
                duplicate: true,
                ..delivery.clone()
            };
            tokio::spawn(Arc::clone(&deliverer).run(copy, 1));
        }
        match hold {
            Some(hold) => {
                let held = Arc::clone(&deliverer);
                let mut stop = deliverer.shutdown.clone();
                tokio::spawn(async move {
                    let stopped = tokio::select! {
                        () = tokio::time::sleep(hold) => false,
                        _ = stop.wait_for(|stopped| *stopped) => true,
                    };
                    if !stopped {
                        held.run(delivery, 1).await;
                    }
                });
            }
            None => {
                if let Outcome::Failed = deliverer.attempt(&delivery, 1).await {
                    tokio::spawn(Arc::clone(&deliverer).run(delivery, 2));
                }
            }
        }
    }
}
