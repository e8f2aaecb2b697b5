//! The mapping test file format (`<name>.test.json` beside `<name>.fmap`):
//!
//! ```json
//! {
//!   "mapping": "dispatch-service-ticket.fmap",
//!   "records": ["fixtures/"],
//!   "now": "2025-01-15T09:00:00",
//!   "cases": [
//!     {"name": "printer ticket dispatches", "source": 9137, "triggered": true,
//!      "match": "subset", "work_order": {"title": "…", "pay": {"base": {"amount": 250}}}},
//!     {"name": "assigned sets the status", "event": "fixtures/events/assigned.json", "ticket": 9137,
//!      "match": "subset", "changes": {"updates": [{"field": "Status", "label": "Assigned to Field Tech"}]}}
//!   ]
//! }
//! ```
//!
//! Paths are relative to the test file. `records` are Autotask query responses (files or folders
//! of `*.xml`). A mapping case names its `source` record and expects `triggered` and/or
//! `work_order` (and optionally the `issues` kinds); an event case names the `event` body and the
//! record (`ticket`, `task` or `service_call`: its id), and expects `changes`. `match` is `exact` (the default) or `subset` (only what the
//! expectation lists is compared; list items by position).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    /// The mapping file; defaults to the test file's name without `.test.json`, plus `.fmap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<String>,
    #[serde(default)]
    pub records: Vec<String>,
    /// The clock for `now()`, as Autotask writes date-times; defaults to 2025-01-15T09:00:00.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<String>,
    pub cases: Vec<Case>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    /// The source record's id (mapping cases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<i64>,
    /// Which mapping, by name, when the file has several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triggered: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_order: Option<serde_json::Value>,
    /// Issue kinds expected, in order (`missing_value`, `dst_adjusted`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issues: Option<Vec<String>>,
    /// A Field Nation webhook body file (event cases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The record an event case applies to, named as outbound rules name it: `ticket`,
    /// `task` (rules `for Task`) or `service_call` (rules `for ServiceCall`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_call: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<serde_json::Value>,
    #[serde(default, rename = "match", skip_serializing_if = "Match::is_exact")]
    pub compare: Match,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    #[default]
    Exact,
    Subset,
}

impl Case {
    /// The record an event case names: `(entity, id)`.
    pub fn event_record(&self) -> Option<(&'static str, i64)> {
        match (self.ticket, self.task, self.service_call) {
            (Some(id), None, None) => Some(("Ticket", id)),
            (None, Some(id), None) => Some(("Task", id)),
            (None, None, Some(id)) => Some(("ServiceCall", id)),
            _ => None,
        }
    }
}

impl Match {
    fn is_exact(&self) -> bool {
        *self == Match::Exact
    }
}
