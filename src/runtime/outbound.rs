//! Outbound: a Field Nation event and the current ticket give the Autotask changes to make.
//! The changes are data; the SOAP client applies them (read-modify-write for ticket updates).

use crate::diagnostics::Severity;
use serde::Serialize;
use serde_json::Value as Json;

use std::cell::RefCell;

use super::coverage::Coverage;
use super::eval::Env;
use super::issue::{Issue, IssueKind};
use crate::autotask::soap::WireType;
use crate::ir::Program;
use crate::schema::FieldType;
use crate::stdlib::context::EvalContext;
use crate::time;
use crate::value::Value;
use crate::value::json::to_json;
use crate::value::record::Record;

/// What [`Program::on_event`] gives for a Field Nation event: the changes to make to the
/// Autotask ticket its work order came from. Data only; nothing has been written to Autotask.
///
/// [`Program::on_event`]: crate::Program::on_event
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AutotaskChanges {
    /// The Field Nation event name, e.g. `workorder.status.assigned`.
    pub event: String,
    /// The Autotask ticket to change.
    pub ticket_id: i64,
    /// Fields and UDFs to change on the ticket, in rule order.
    pub updates: Vec<FieldChange>,
    /// TicketNotes to create.
    pub notes: Vec<NewNote>,
    /// Problems with the outbound rules; a change or note that failed is left out.
    pub issues: Vec<Issue>,
}

/// One ticket field or UDF to set, as an outbound rule's `ticket.… = …` computed it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldChange {
    /// The Autotask field name, or the UDF's name when `udf` is true.
    pub field: String,
    /// Whether `field` names a user-defined field.
    pub udf: bool,
    /// The value as Autotask's wire carries it (`xsd_type` says how).
    pub value: String,
    /// The `xsi:type` to send the value with, e.g. `xsd:int`, `xsd:dateTime`.
    pub xsd_type: String,
    /// For picklists, the label of the new value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The ticket's value before the change, as JSON.
    pub previous: Json,
}

/// An Autotask TicketNote to create; serializes with the entity's field names.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NewNote {
    /// The ticket the note belongs to.
    #[serde(rename = "TicketID")]
    pub ticket_id: i64,
    /// The note's title; `Field Nation update` when the rule gives none.
    #[serde(rename = "Title")]
    pub title: String,
    /// The note's text; never blank (Autotask requires one).
    #[serde(rename = "Description")]
    pub description: String,
    /// The tenant's NoteType picklist value.
    #[serde(rename = "NoteType")]
    pub note_type: i64,
    /// The tenant's Publish picklist value: who may see the note.
    #[serde(rename = "Publish")]
    pub publish: i64,
}

/// Why [`Program::on_event`](crate::Program::on_event) could not apply an event at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EventError {
    /// The JSON is not a Field Nation webhook v3 body: it has no `event.name` string.
    #[error("the event has no `event.name`; expected a Field Nation webhook v3 body")]
    NoEventName,
    /// The record given is not a `Ticket`; the entity type it is instead.
    #[error("the record given as the ticket is a {0}, not a Ticket")]
    NotATicket(String),
}

/// The name of a Field Nation webhook v3 event body (`{"event": {"name": …}, …}`).
pub fn event_name(event: &Json) -> Option<&str> {
    event.get("event")?.get("name")?.as_str()
}

pub(crate) fn apply_event(
    program: &Program,
    event: &Json,
    ticket: &Record,
    ctx: &EvalContext,
    coverage: Option<&RefCell<Coverage>>,
) -> Result<AutotaskChanges, EventError> {
    let name = event_name(event).ok_or(EventError::NoEventName)?;
    if &*ticket.entity != "Ticket" {
        return Err(EventError::NotATicket(ticket.entity.to_string()));
    }
    let mut changes = AutotaskChanges {
        event: name.to_string(),
        ticket_id: ticket.id,
        updates: Vec::new(),
        notes: Vec::new(),
        issues: Vec::new(),
    };
    let mut env = Env {
        source: Some(ticket),
        related: Vec::new(),
        event: Some(event),
        picklists: &program.picklists,
        ctx,
        adjustments: Vec::new(),
        coverage,
        schemas: Some(&program.schemas),
        traces: Vec::new(),
    };
    let ticket_schema = program.schemas.autotask.entity("Ticket");
    let udfs = program.schemas.tenant.udfs("Ticket");
    for (index, rule) in program
        .outbound
        .iter()
        .enumerate()
        .filter(|(_, r)| r.event == name)
    {
        if let Some(coverage) = coverage {
            coverage.borrow_mut().outbound_rule(index);
        }
        for set in &rule.sets {
            let target = if set.udf {
                format!("udf({:?})", set.field)
            } else {
                set.field.clone()
            };
            let failed = |reason: String| Issue {
                message: format!("ticket.{target}: {reason}"),
                kind: IssueKind::Failed { reason },
                severity: Severity::Error,
                target: Some(target.clone()),
                span: Some(set.span),
            };
            let value = match env.eval(&set.expr) {
                Ok(v) => v,
                Err(failure) => {
                    changes.issues.push(failed(failure.to_string()));
                    continue;
                }
            };
            if value.is_null() {
                changes.issues.push(Issue {
                    message: format!(
                        "ticket.{target}: the value is null; the field is left as it is"
                    ),
                    kind: IssueKind::MissingValue,
                    severity: Severity::Warning,
                    target: Some(target.clone()),
                    span: Some(set.span),
                });
                continue;
            }
            let wire = match wire_text(&value, set.ty) {
                Ok(w) => w,
                Err(reason) => {
                    changes.issues.push(failed(reason));
                    continue;
                }
            };
            let length = if set.udf {
                udfs.get(set.slot as usize).and_then(|u| u.length)
            } else {
                ticket_schema
                    .and_then(|e| e.fields.get(set.slot as usize))
                    .and_then(|f| f.length)
            };
            if let Some(max) = length
                && wire.chars().count() > max as usize
            {
                changes.issues.push(failed(format!(
                    "{} characters do not fit the field's {max}; Autotask would reject the update",
                    wire.chars().count()
                )));
                continue;
            }
            let previous = if set.udf {
                ticket.udf(set.slot as usize)
            } else {
                ticket.field(set.slot as usize)
            };
            let label = picklist_label(program, &set.field, set.udf, &value);
            changes.updates.push(FieldChange {
                field: set.field.clone(),
                udf: set.udf,
                value: wire,
                xsd_type: WireType::of(set.ty).xsd_name(),
                label,
                previous: to_json(previous),
            });
        }
        for note in &rule.notes {
            let title = env.eval(&note.title).map(|v| v.to_string());
            let description = env.eval(&note.description).map(|v| v.to_string());
            match (title, description) {
                // Autotask requires a description: without one there is no note to create.
                (Ok(_), Ok(description)) if description.trim().is_empty() => {
                    changes.issues.push(Issue {
                        message: "ticket note: the description is empty, so no note is created"
                            .into(),
                        kind: IssueKind::MissingValue,
                        severity: Severity::Error,
                        target: Some("note".into()),
                        span: Some(note.span),
                    })
                }
                (Ok(title), Ok(description)) => changes.notes.push(NewNote {
                    ticket_id: ticket.id,
                    title,
                    description,
                    note_type: note.note_type,
                    publish: note.publish,
                }),
                (Err(failure), _) | (_, Err(failure)) => changes.issues.push(Issue {
                    message: format!("ticket note: {failure}"),
                    kind: IssueKind::Failed {
                        reason: failure.to_string(),
                    },
                    severity: Severity::Error,
                    target: Some("note".into()),
                    span: Some(note.span),
                }),
            }
        }
    }
    Ok(changes)
}

fn picklist_label(program: &Program, field: &str, udf: bool, value: &Value<'_>) -> Option<String> {
    let name = if udf {
        format!("Ticket UDF {field:?}")
    } else {
        format!("Ticket.{field}")
    };
    let list = program.picklists.iter().find(|p| p.name == name)?;
    list.labels.get(value).map(|l| l.to_string())
}

/// A value as Autotask's wire writes it for a field of type `ty`.
fn wire_text(value: &Value<'_>, ty: FieldType) -> Result<String, String> {
    Ok(match (ty, value) {
        (FieldType::Datetime, Value::DateTime(z)) => time::format_autotask_datetime(z),
        (FieldType::Datetime, v) => return Err(format!("{v} is not a date-time")),
        (FieldType::Boolean, Value::Bool(b)) => b.to_string(),
        (FieldType::Integer | FieldType::Long | FieldType::Short, Value::Int(i)) => i.to_string(),
        (FieldType::Integer | FieldType::Long | FieldType::Short, v) => {
            return Err(format!("{v} is not an integer"));
        }
        (FieldType::Decimal | FieldType::Double | FieldType::Float, v) => match v.as_decimal() {
            Some(d) => d.normalize().to_string(),
            None => return Err(format!("{v} is not a number")),
        },
        (_, v) => v.to_string(),
    })
}
