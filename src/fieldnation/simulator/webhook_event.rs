//! The body of a webhook v3 delivery: `{"event": {"name", "params"}, "timestamp",
//! "triggered_by_user", "workorder"}`, the work order as `GET /workorders/{id}` would answer
//! it at the moment of the event. The bytes are made once and signed as they are sent.

use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::response_view::API_USER_ID;

/// An event waiting to be delivered.
#[derive(Debug, Clone)]
pub struct WebhookEvent {
    /// `workorder.created`, `workorder.status.assigned`…
    pub name: String,
    pub work_order_id: u64,
    /// The raw body, exactly as signed and sent.
    pub body: Vec<u8>,
}

impl WebhookEvent {
    /// An event about `work_order` (its response view), stamped now in `tz` with its offset
    /// (`2026-01-20T08:55:58-06:00`, as Field Nation stamps them).
    pub(super) fn new(name: &str, params: Value, work_order: Value, tz: &TimeZone) -> Self {
        let work_order_id = work_order.get("id").and_then(Value::as_u64).unwrap_or(0);
        let timestamp = jiff::Timestamp::now()
            .to_zoned_datetime(tz.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string();
        let body = json!({
            "event": {"name": name, "params": params},
            "timestamp": timestamp,
            "triggered_by_user": {"id": API_USER_ID},
            "workorder": work_order,
        });
        WebhookEvent {
            name: name.to_owned(),
            work_order_id,
            body: body.to_string().into_bytes(),
        }
    }
}
