//! Webhook callbacks as Autotask posts them: the callback JSON, `X-Hook-Signature` over the raw
//! body (both from [`crate::autotask::webhook`], which the broker reads them with), one
//! `SequenceNumber` higher than the last. Any answer but 2xx, a time-out or a connection error
//! is retried on the configured schedule.
//!
//! Callbacks go out in the order the writes were saved: one task makes each first attempt
//! before the next callback's; retries run on their own, so a failing receiver does not hold
//! later callbacks back. The queue is bounded: a callback that finds it full is dropped and
//! logged, and the write that caused it is not held up.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value as Json};
use tokio::sync::{mpsc, watch};

use super::hook_config::HookConfig;
use crate::autotask::webhook::{HookAction, HookCallback, SIGNATURE_HEADER, sign};

/// One delivery attempt (or a callback dropped before any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookDelivery {
    pub sequence_number: i64,
    pub entity_type: String,
    pub id: i64,
    pub action: HookAction,
    /// 1 for the first attempt; 0 for a callback dropped because the queue was full.
    pub attempt: u32,
    /// The receiver's status; `None` for a time-out, a connection error or a drop.
    pub status: Option<u16>,
    /// What went wrong, when no status came.
    pub error: Option<String>,
}

#[derive(Debug)]
pub(super) struct HookSender {
    config: HookConfig,
    http: reqwest::Client,
    sequence: AtomicI64,
    log: Mutex<VecDeque<HookDelivery>>,
    sender: mpsc::Sender<HookCallback>,
    shutdown: watch::Receiver<bool>,
}

impl HookSender {
    /// Starts the delivery task; it stops when `shutdown` turns true.
    pub(super) fn start(
        config: HookConfig,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Arc<HookSender>, String> {
        crate::fieldnation::install_tls_provider();
        let http = reqwest::Client::builder()
            .user_agent("Autotask-Webhooks (fieldmap simulator)")
            .build()
            .map_err(|e| e.without_url().to_string())?;
        let (sender, receiver) = mpsc::channel(config.queue_length.max(1));
        let hooks = Arc::new(HookSender {
            config,
            http,
            sequence: AtomicI64::new(0),
            log: Mutex::new(VecDeque::new()),
            sender,
            shutdown,
        });
        tokio::spawn(deliver_in_order(Arc::clone(&hooks), receiver));
        Ok(hooks)
    }

    pub(super) fn config(&self) -> &HookConfig {
        &self.config
    }

    /// Queues the callback for a saved change. Called in the order writes are saved, so
    /// sequence numbers follow that order.
    pub(super) fn send(
        &self,
        action: HookAction,
        entity_type: &str,
        id: i64,
        fields: Map<String, Json>,
        event_time: jiff::Timestamp,
    ) {
        let callback = HookCallback {
            action,
            guid: self.config.guid.clone(),
            entity_type: entity_type.to_owned(),
            id,
            fields,
            event_time: format!("{event_time:.3}"),
            sequence_number: self.sequence.fetch_add(1, Ordering::Relaxed) + 1,
            person_id: self.config.person_id,
        };
        let (callback, reason) = match self.sender.try_send(callback) {
            Ok(()) => return,
            Err(mpsc::error::TrySendError::Full(callback)) => {
                (callback, "dropped: the delivery queue is full")
            }
            Err(mpsc::error::TrySendError::Closed(callback)) => {
                (callback, "dropped: the simulator is shutting down")
            }
        };
        self.record(HookDelivery {
            attempt: 0,
            status: None,
            error: Some(reason.into()),
            ..delivery_of(&callback)
        });
    }

    pub(super) fn records(&self) -> Vec<HookDelivery> {
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    fn record(&self, record: HookDelivery) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.push_back(record);
        while log.len() > self.config.log_length {
            log.pop_front();
        }
    }

    /// One attempt: whether the receiver took the callback (any 2xx).
    async fn attempt(&self, callback: &HookCallback, body: &[u8], attempt: u32) -> bool {
        let answer = self
            .http
            .post(&self.config.url)
            .timeout(self.config.timeout)
            .header("Content-Type", "application/json")
            .header(SIGNATURE_HEADER, sign(self.config.secret.as_bytes(), body))
            .body(body.to_vec())
            .send()
            .await;
        let (status, error) = match answer {
            Ok(response) => (Some(response.status().as_u16()), None),
            Err(e) if e.is_timeout() => (None, Some("timeout".to_owned())),
            Err(e) => (None, Some(e.without_url().to_string())),
        };
        self.record(HookDelivery {
            attempt,
            status,
            error,
            ..delivery_of(callback)
        });
        status.is_some_and(|s| (200..300).contains(&s))
    }

    /// The retries, each after its wait; stops at the first success, or at shutdown.
    async fn retry(self: Arc<Self>, callback: HookCallback, body: Vec<u8>) {
        let mut shutdown = self.shutdown.clone();
        for (retry, wait) in self.config.retry_delays.iter().enumerate() {
            tokio::select! {
                () = tokio::time::sleep(*wait) => {}
                _ = shutdown.wait_for(|stopped| *stopped) => return,
            }
            let attempt = u32::try_from(retry).unwrap_or(u32::MAX).saturating_add(2);
            if self.attempt(&callback, &body, attempt).await {
                return;
            }
        }
    }
}

fn delivery_of(callback: &HookCallback) -> HookDelivery {
    HookDelivery {
        sequence_number: callback.sequence_number,
        entity_type: callback.entity_type.clone(),
        id: callback.id,
        action: callback.action,
        attempt: 1,
        status: None,
        error: None,
    }
}

async fn deliver_in_order(hooks: Arc<HookSender>, mut receiver: mpsc::Receiver<HookCallback>) {
    let mut shutdown = hooks.shutdown.clone();
    loop {
        let callback = tokio::select! {
            callback = receiver.recv() => match callback {
                Some(callback) => callback,
                None => return,
            },
            _ = shutdown.wait_for(|stopped| *stopped) => return,
        };
        // Serializing a map of strings cannot fail; an empty body would be refused anyway.
        let body = serde_json::to_vec(&callback).unwrap_or_default();
        if !hooks.attempt(&callback, &body, 1).await {
            tokio::spawn(Arc::clone(&hooks).retry(callback, body));
        }
    }
}
