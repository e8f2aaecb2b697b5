//! Outbound: a Field Nation event and the current record (the Ticket, Task or ServiceCall a
//! work order came from) give the Autotask changes to make. The changes are data; the SOAP
//! client applies them (read-modify-write for updates).

use crate::diagnostics::Severity;
use serde::Serialize;
use serde_json::Value as Json;

use std::cell::RefCell;

use super::coverage::Coverage;
use super::eval::Env;
use super::issue::{Issue, IssueKind};
use crate::autotask::soap::WireType;
use crate::ir::{Expr, Piece, Program};
use crate::schema::FieldType;
use crate::stdlib::context::EvalContext;
use crate::time;
use crate::value::Value;
use crate::value::json::to_json;
use crate::value::record::Record;

/// What [`Program::on_event`] gives for a Field Nation event: the changes to make to the
/// Autotask record its work order came from. Data only; nothing has been written to Autotask.
///
/// [`Program::on_event`]: crate::Program::on_event
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AutotaskChanges {
    /// The Field Nation event name, e.g. `workorder.status.assigned`.
    pub event: String,
    /// The Autotask entity to change: `Ticket`, `Task`, `ServiceCall`.
    pub entity: String,
    /// The record to change.
    pub record_id: i64,
    /// Fields and UDFs to change on the record, in rule order.
    pub updates: Vec<FieldChange>,
    /// Notes to create (TicketNotes for a Ticket, TaskNotes for a Task).
    pub notes: Vec<NewNote>,
    /// Rules for the event whose `when` was false on the record: they changed nothing.
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped: usize,
    /// Problems with the outbound rules; a change or note that failed is left out.
    pub issues: Vec<Issue>,
}

/// One field or UDF to set, as an outbound rule's `ticket.… = …` (`task.…`) computed it.
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
    /// The record's value before the change, as JSON.
    pub previous: Json,
}

/// An Autotask note to create (a TicketNote, a TaskNote); serializes with the entity's field
/// names (`TicketID` or `TaskID`, `Title`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct NewNote {
    /// The note entity: `TicketNote`, `TaskNote`.
    pub entity: &'static str,
    /// The note's field naming its record: `TicketID`, `TaskID`.
    pub parent_field: &'static str,
    /// The record the note belongs to.
    pub record_id: i64,
    /// The note's title; `Field Nation update` when the rule gives none.
    pub title: String,
    /// The note's text; never blank (Autotask requires one).
    pub description: String,
    /// The tenant's NoteType picklist value.
    pub note_type: i64,
    /// The tenant's Publish picklist value: who may see the note.
    pub publish: i64,
}

impl Serialize for NewNote {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(5))?;
        map.serialize_entry(self.parent_field, &self.record_id)?;
        map.serialize_entry("Title", &self.title)?;
        map.serialize_entry("Description", &self.description)?;
        map.serialize_entry("NoteType", &self.note_type)?;
        map.serialize_entry("Publish", &self.publish)?;
        map.end()
    }
}

/// Why [`Program::on_event`](crate::Program::on_event) could not apply an event at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EventError {
    /// The JSON is not a Field Nation webhook v3 body: it has no `event.name` string.
    #[error("the event has no `event.name`; expected a Field Nation webhook v3 body")]
    NoEventName,
    /// No outbound rule writes to the record's entity; the entity and those the rules write.
    #[error("the record given is a {0}; the outbound rules write to {1}")]
    NoRulesFor(String, String),
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The name of a Field Nation webhook v3 event body (`{"event": {"name": …}, …}`).
pub fn event_name(event: &Json) -> Option<&str> {
    event.get("event")?.get("name")?.as_str()
}

pub(crate) fn apply_event(
    program: &Program,
    event: &Json,
    record: &Record,
    ctx: &EvalContext,
    coverage: Option<&RefCell<Coverage>>,
) -> Result<AutotaskChanges, EventError> {
    let name = event_name(event).ok_or(EventError::NoEventName)?;
    let entity = &*record.entity;
    if !program.outbound.is_empty() && !program.outbound.iter().any(|r| r.entity == entity) {
        let mut written: Vec<&str> = program.outbound.iter().map(|r| r.entity.as_str()).collect();
        written.dedup();
        return Err(EventError::NoRulesFor(
            entity.to_string(),
            written.join(", "),
        ));
    }
    let mut changes = AutotaskChanges {
        event: name.to_string(),
        entity: entity.to_string(),
        record_id: record.id,
        updates: Vec::new(),
        notes: Vec::new(),
        skipped: 0,
        issues: Vec::new(),
    };
    let mut env = Env {
        source: Some(record),
        related: Vec::new(),
        event: Some(event),
        picklists: &program.picklists,
        ctx,
        adjustments: Vec::new(),
        coverage,
        schemas: Some(&program.schemas),
        traces: Vec::new(),
    };
    let schema = program.schemas.autotask.entity(entity);
    let udfs = program.schemas.tenant.udfs(entity);
    let prefix = crate::ir::record_name(entity);
    for (index, rule) in program
        .outbound
        .iter()
        .enumerate()
        .filter(|(_, r)| r.event == name && r.entity == entity)
    {
        if let Some(coverage) = coverage {
            coverage.borrow_mut().outbound_rule(index);
        }
        if let Some(condition) = &rule.condition {
            match env.eval(condition) {
                Ok(Value::Bool(true)) => {}
                Ok(_) => {
                    changes.skipped += 1;
                    continue;
                }
                Err(failure) => {
                    changes.issues.push(Issue {
                        message: format!("`when`: {failure}; the rule is not applied"),
                        kind: IssueKind::Failed {
                            reason: failure.to_string(),
                        },
                        severity: Severity::Error,
                        target: Some("when".into()),
                        span: Some(rule.span),
                    });
                    continue;
                }
            }
        }
        for set in &rule.sets {
            let target = if set.udf {
                format!("udf({:?})", set.field)
            } else {
                set.field.clone()
            };
            let failed = |reason: String| Issue {
                message: format!("{prefix}.{target}: {reason}"),
                kind: IssueKind::Failed { reason },
                severity: Severity::Error,
                target: Some(target.clone()),
                span: Some(set.span),
            };
            if let Some(problem) = template_problem(event, &set.expr) {
                let (kind, severity) = problem.kind();
                changes.issues.push(Issue {
                    message: format!("{prefix}.{target}: {problem}; the field is left as it is"),
                    kind,
                    severity,
                    target: Some(target.clone()),
                    span: Some(set.span),
                });
                continue;
            }
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
                        "{prefix}.{target}: the value is null; the field is left as it is"
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
            if let Value::DateTime(z) = &value
                && set.ty == FieldType::Datetime
                && let Some(issue) = ambiguous_on_wire(z, &wire, &format!("{prefix}.{target}"))
            {
                changes.issues.push(Issue {
                    target: Some(target.clone()),
                    span: Some(set.span),
                    ..issue
                });
            }
            let length = if set.udf {
                udfs.get(set.slot as usize).and_then(|u| u.length)
            } else {
                schema
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
                record.udf(set.slot as usize)
            } else {
                record.field(set.slot as usize)
            };
            let label = picklist_label(program, entity, &set.field, set.udf, &value);
            changes.updates.push(FieldChange {
                field: set.field.clone(),
                udf: set.udf,
                value: wire,
                xsd_type: WireType::of(set.ty).xsd_name(),
                label,
                previous: to_json(previous),
            });
        }
        let Some(notes) = crate::schema::note_entity(entity) else {
            continue;
        };
        let what = format!("{} note", prefix.replace('_', " "));
        for note in &rule.notes {
            let problem = template_problem(event, &note.title)
                .or_else(|| template_problem(event, &note.description));
            if let Some(problem) = problem {
                let (kind, _) = problem.kind();
                changes.issues.push(Issue {
                    message: format!("{what}: {problem}; no note is created"),
                    kind,
                    severity: Severity::Error,
                    target: Some("note".into()),
                    span: Some(note.span),
                });
                continue;
            }
            let title = env.eval(&note.title).map(|v| v.to_string());
            let description = env.eval(&note.description).map(|v| v.to_string());
            match (title, description) {
                // Autotask requires a description: without one there is no note to create.
                (Ok(_), Ok(description)) if description.trim().is_empty() => {
                    changes.issues.push(Issue {
                        message: format!("{what}: the description is empty, so no note is created"),
                        kind: IssueKind::MissingValue,
                        severity: Severity::Error,
                        target: Some("note".into()),
                        span: Some(note.span),
                    })
                }
                (Ok(title), Ok(description)) => {
                    match note_too_long(program, notes.entity, &title, &description) {
                        Some(problem) => changes.issues.push(Issue {
                            message: format!("{what}: {problem}; no note is created"),
                            kind: IssueKind::Failed { reason: problem },
                            severity: Severity::Error,
                            target: Some("note".into()),
                            span: Some(note.span),
                        }),
                        None => changes.notes.push(NewNote {
                            entity: notes.entity,
                            parent_field: notes.parent_field,
                            record_id: record.id,
                            title,
                            description,
                            note_type: note.note_type,
                            publish: note.publish,
                        }),
                    }
                }
                (Err(failure), _) | (_, Err(failure)) => changes.issues.push(Issue {
                    message: format!("{what}: {failure}"),
                    kind: IssueKind::of_failure(&failure.reason),
                    severity: Severity::Error,
                    target: Some("note".into()),
                    span: Some(note.span),
                }),
            }
        }
    }
    Ok(changes)
}

/// A note's title or description longer than the note entity's field holds (TicketNote: 250
/// and 32,000 characters): Autotask refuses the create, so the note is never cut silently.
fn note_too_long(
    program: &Program,
    entity: &str,
    title: &str,
    description: &str,
) -> Option<String> {
    let fields = program.schemas.autotask.entity(entity)?;
    [("Title", "title", title), ("Description", "description", description)]
        .into_iter()
        .find_map(|(field, what, text)| {
            let max = fields.field(field)?.length? as usize;
            let chars = text.chars().count();
            (chars > max).then(|| {
                format!("the {what} has {chars} characters, more than {entity}.{field}'s {max}; Autotask would reject the note")
            })
        })
}

/// Why a text template of an outbound rule cannot be written: a value it pastes from the
/// event is missing (the note would read "Completed by   at …") or is an object.
enum TemplateProblem {
    Missing(String),
    Object(String),
}

impl TemplateProblem {
    fn kind(&self) -> (IssueKind, Severity) {
        match self {
            TemplateProblem::Missing(_) => (IssueKind::MissingValue, Severity::Warning),
            TemplateProblem::Object(path) => (
                IssueKind::Failed {
                    reason: format!("`{path}` is an object"),
                },
                Severity::Error,
            ),
        }
    }
}

impl std::fmt::Display for TemplateProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateProblem::Missing(path) => {
                write!(f, "`{path}` is missing from the event")
            }
            TemplateProblem::Object(path) => write!(
                f,
                "`{path}` is an object or a list, not text; name one of its fields"
            ),
        }
    }
}

/// The first event value a template pastes that is missing or is not a plain value. Values
/// behind `??` are not looked at: the default is what the rule says to use then.
fn template_problem(event: &Json, expr: &Expr) -> Option<TemplateProblem> {
    let Expr::Template(pieces) = expr else {
        return None;
    };
    for piece in pieces.iter() {
        let Piece::Value(Expr::EventPath(keys) | Expr::EventTime(keys)) = piece else {
            continue;
        };
        let path = keys.join(".");
        let mut node = Some(event);
        for key in keys.iter() {
            node = node.and_then(|n| n.get(key.as_ref()));
        }
        match node {
            None | Some(Json::Null) => return Some(TemplateProblem::Missing(path)),
            Some(Json::String(s)) if s.trim().is_empty() => {
                return Some(TemplateProblem::Missing(path));
            }
            Some(Json::Object(_) | Json::Array(_)) => return Some(TemplateProblem::Object(path)),
            _ => {}
        }
    }
    None
}

fn picklist_label(
    program: &Program,
    entity: &str,
    field: &str,
    udf: bool,
    value: &Value<'_>,
) -> Option<String> {
    let name = if udf {
        format!("{entity} UDF {field:?}")
    } else {
        format!("{entity}.{field}")
    };
    let list = program.picklists.iter().find(|p| p.name == name)?;
    list.labels.get(value).map(|l| l.to_string())
}

/// A value as Autotask's wire writes it for a field of type `ty`.
/// Autotask's wire time has no offset: an instant in the fall-back hour reads the same as the
/// instant an hour away, and Autotask takes whichever it likes. The value is still written.
fn ambiguous_on_wire(z: &jiff::ZonedDateTime, wire: &str, place: &str) -> Option<Issue> {
    let eastern = time::eastern();
    let wall = z.with_time_zone(eastern.clone()).datetime();
    if !matches!(
        eastern.to_ambiguous_timestamp(wall).offset(),
        jiff::tz::AmbiguousOffset::Fold { .. }
    ) {
        return None;
    }
    Some(Issue {
        message: format!(
            "{place}: {wire} happens twice in America/New_York (clocks fall back); the instant \
             meant is {}, and Autotask's wire time, which has no offset, may be read as the other",
            z.with_time_zone(eastern.clone())
        ),
        kind: IssueKind::AmbiguousOnWire {
            wall: wire.to_string(),
            instant: z.timestamp().to_string(),
        },
        severity: Severity::Warning,
        target: None,
        span: None,
    })
}

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
