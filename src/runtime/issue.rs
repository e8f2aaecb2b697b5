//! Typed problems found while evaluating: the work order is still produced, with the affected
//! fields left out, and each problem says which rule and which field.

use serde::Serialize;

use crate::diagnostics::{Severity, Span};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IssueKind {
    /// A rule produced no value (null, missing or empty) and had no default.
    MissingValue,
    /// Field Nation requires the field, and no value was produced.
    RequiredMissing,
    /// A function or operator failed (bad number text, date not matching its format…).
    Failed { reason: String },
    /// A computed value is not one of the values Field Nation accepts for the field.
    NotAllowed { value: String, allowed: Vec<String> },
    /// A wall-clock time fell in a DST gap or fold; the stated rule chose the instant.
    DstAdjusted {
        wall: String,
        zone: String,
        resolved: String,
        rule: String,
    },
    /// The source record refers to a related record that was not fetched or does not exist.
    RelatedMissing {
        relation: String,
        entity: String,
        id: i64,
    },
    /// A trigger could not be evaluated and counts as false.
    TriggerFailed { reason: String },
    /// The work order does not fit Field Nation's WorkOrderCreateDto.
    InvalidWorkOrder { problem: String },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    #[serde(flatten)]
    pub kind: IssueKind,
    /// `warning` issues leave the work order complete; `error` ones leave a field out.
    pub severity: Severity,
    /// The work order field concerned, if any.
    pub target: Option<String>,
    /// The mapping rule's span in the mapping file.
    pub span: Option<Span>,
    pub message: String,
}
