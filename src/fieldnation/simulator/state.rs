//! Everything a running simulator holds, shared by its request handlers.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use jiff::tz::TimeZone;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::config::SimConfig;
use super::delivery::Deliverer;
use super::faults::FaultQueue;
use super::request_log::RequestLog;
use super::response_view::{ViewContext, work_order_view};
use super::store::{DEMO_PROVIDER, Provider, Store, StoredWorkOrder};
use super::tokens::TokenStore;
use super::webhook_event::WebhookEvent;
use crate::fieldnation::lifecycle::Status;
use crate::schema::{FieldNationAccount, Node};

/// Events remembered for [`super::SimHandle::events`], whether or not a webhook is set.
const EVENTS_KEPT: usize = 1000;

pub(super) struct SimState {
    pub config: SimConfig,
    pub base_url: String,
    /// WorkOrderCreateDto, what create bodies are checked against.
    pub create_schema: Node,
    /// WorkOrderResponseDto, the shape of answers.
    pub response_shape: Node,
    pub account: FieldNationAccount,
    pub time_zone: TimeZone,
    pub tokens: TokenStore,
    pub store: Mutex<Store>,
    pub faults: FaultQueue,
    pub requests: RequestLog,
    pub deliverer: Option<Arc<Deliverer>>,
    pub events: Mutex<VecDeque<(String, u64)>>,
    pub shutdown: watch::Receiver<bool>,
}

/// Why a lifecycle step cannot be taken: an HTTP status and Field Nation's message.
pub(super) type Refusal = (u16, String);

impl SimState {
    pub(super) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn view(&self, order: &StoredWorkOrder) -> Value {
        work_order_view(
            order,
            &ViewContext {
                base_url: &self.base_url,
                account: &self.account,
                time_zone: &self.time_zone,
                shape: &self.response_shape,
            },
        )
    }

    /// Records the event and hands it to the webhook, if one is set.
    pub(super) fn emit(&self, name: &str, params: Value, view: Value) {
        let event = WebhookEvent::new(name, params, view, &self.time_zone);
        {
            let mut events = self.events.lock().unwrap_or_else(|p| p.into_inner());
            events.push_back((event.name.clone(), event.work_order_id));
            while events.len() > EVENTS_KEPT {
                events.pop_front();
            }
        }
        if let Some(deliverer) = &self.deliverer {
            deliverer.enqueue(event);
        }
    }

    /// Moves a work order to `to`, sends the status event and returns the work order as
    /// answered afterwards. `provider`: who it is routed or assigned to.
    pub(super) fn transition(
        &self,
        id: u64,
        to: Status,
        provider: Option<Provider>,
    ) -> Result<Value, Refusal> {
        let (view, from) = {
            let mut store = self.store();
            let Some(order) = store.get_mut(id) else {
                return Err((404, format!("Work order {id} not found")));
            };
            let from = order.status;
            if !from.can_move_to(to) {
                let allowed: Vec<&str> =
                    to.allowed_from().iter().map(|s| s.event_suffix()).collect();
                return Err((
                    409,
                    format!(
                        "Work order {id} is {from}; it can become {to} only from {}",
                        allowed.join(", ")
                    ),
                ));
            }
            order.status = to;
            if let Some(provider) = provider {
                order.provider = Some(provider);
            } else if to == Status::Assigned && order.provider.is_none() {
                order.provider = Some(DEMO_PROVIDER);
            }
            let order = order.clone();
            (self.view(&order), from)
        };
        self.emit(
            &to.event_name(),
            json!({"work_order_id": id, "status_id": to.id(), "previous_status_id": from.id()}),
            view.clone(),
        );
        Ok(view)
    }
}
