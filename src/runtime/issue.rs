//! Typed problems found while evaluating: the work order is still produced, with the affected
//! fields left out, and each problem says which rule and which field.

use serde::Serialize;

use crate::diagnostics::{Severity, Span};

/// What kind of problem an [`Issue`] is, with the facts a program can act on. Serialized with
/// a snake_case `kind` tag beside the fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IssueKind {
    /// A rule produced no value (null, missing or empty) and had no default.
    MissingValue,
    /// Field Nation requires the field, and no value was produced.
    RequiredMissing,
    /// A function or operator failed (bad number text, date not matching its format…).
    Failed {
        /// What failed, in words.
        reason: String,
    },
    /// A computed value is not one of the values Field Nation accepts for the field.
    NotAllowed {
        /// The value computed.
        value: String,
        /// The values the Field Nation field accepts.
        allowed: Vec<String>,
    },
    /// A wall-clock time fell in a DST gap or fold; the stated rule chose the instant.
    DstAdjusted {
        /// The wall-clock reading as given, without a zone.
        wall: String,
        /// The IANA zone it was read in, e.g. `America/New_York`.
        zone: String,
        /// The instant chosen, with its offset.
        resolved: String,
        /// The rule that chose it, in words.
        rule: String,
    },
    /// The source record refers to a related record that was not fetched or does not exist.
    RelatedMissing {
        /// The relation's name in the mapping: `Account`, `Account.ParentAccount`.
        relation: String,
        /// The Autotask entity type it points to: `Account`, `Resource`.
        entity: String,
        /// The id the reference field holds.
        id: i64,
    },
    /// A trigger could not be evaluated and counts as false.
    TriggerFailed {
        /// Why the condition could not be evaluated.
        reason: String,
    },
    /// A picklist id the tenant snapshot has no label for (the tenant changed after the
    /// snapshot was pulled); the field is left out rather than sent as a bare number.
    UnknownPicklistValue {
        /// `Ticket.Priority`, or `Ticket UDF "Site Zone"`.
        picklist: String,
        /// The id the record holds.
        value: String,
    },
    /// The service window breaks Field Nation's rules (an end before the start, an `hours`
    /// window under 45 minutes, an end on an `exact` schedule); the end is left out.
    InvalidSchedule {
        /// What is wrong, in words.
        problem: String,
    },
    /// A date-time written to Autotask falls in the fall-back hour: the offset-less wire time
    /// names two instants, and Autotask may read the other one.
    AmbiguousOnWire {
        /// The wire text, Eastern wall-clock time without an offset.
        wall: String,
        /// The instant meant, in UTC.
        instant: String,
    },
    /// The work order does not fit Field Nation's WorkOrderCreateDto.
    InvalidWorkOrder {
        /// Where and how it does not fit, e.g. `$.location.city: expected string`.
        problem: String,
    },
}

/// A problem found while evaluating a mapping or an outbound rule. The result is still
/// produced around it: the field concerned is left out, a failed trigger counts as false.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    /// What went wrong, with its details.
    #[serde(flatten)]
    pub kind: IssueKind,
    /// `error` when a value, trigger or note failed or the work order does not fit Field Nation;
    /// `warning` when a value was absent or adjusted, which the mapping may well intend.
    pub severity: Severity,
    /// The field concerned, if any: a work order path (`location.city`) or, for an outbound
    /// rule, a ticket field (`Status`, `udf("Send to FN")`) or `note`.
    pub target: Option<String>,
    /// The span of the rule or trigger in the mapping file; `None` for a problem with the whole
    /// work order or a related record.
    pub span: Option<Span>,
    /// One line for people, naming the field and the cause.
    pub message: String,
}

impl IssueKind {
    /// The issue a failed evaluation is: tenant drift by its own kind, the rest as `failed`.
    pub fn of_failure(failure: &crate::stdlib::Failure) -> IssueKind {
        match failure {
            crate::stdlib::Failure::UnknownPicklistValue { picklist, value } => {
                IssueKind::UnknownPicklistValue {
                    picklist: picklist.clone(),
                    value: value.clone(),
                }
            }
            other => IssueKind::Failed {
                reason: other.to_string(),
            },
        }
    }
}
