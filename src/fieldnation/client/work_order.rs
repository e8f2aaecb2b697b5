//! A work order as Field Nation answers it (WorkOrderResponseDto): the id the client needs,
//! and the whole JSON for everything else.

use serde_json::Value;

use crate::fieldnation::lifecycle::Status;

#[derive(Debug, Clone, PartialEq)]
pub struct WorkOrder {
    pub id: u64,
    pub json: Value,
}

impl WorkOrder {
    /// Reads an answer; `None` when it has no numeric `id` (or `work_order_id`).
    pub fn from_json(json: Value) -> Option<WorkOrder> {
        let id = ["id", "work_order_id"]
            .iter()
            .find_map(|key| json.get(*key).and_then(number_as_id))?;
        Some(WorkOrder { id, json })
    }

    /// `status.id`, when the answer has one.
    pub fn status_id(&self) -> Option<u64> {
        self.json.pointer("/status/id").and_then(number_as_id)
    }

    /// The lifecycle status `status.display` names, when it names one.
    pub fn status(&self) -> Option<Status> {
        let display = self.json.pointer("/status/display")?.as_str()?;
        Status::ALL.into_iter().find(|s| s.display() == display)
    }

    pub fn title(&self) -> Option<&str> {
        self.json.get("title").and_then(Value::as_str)
    }
}

/// Ids are JSON numbers, `number` in the spec: whole and non-negative, though maybe written
/// as `1234.0`.
pub(super) fn number_as_id(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 9.0e15)
            .map(|f| f as u64)
    })
}
