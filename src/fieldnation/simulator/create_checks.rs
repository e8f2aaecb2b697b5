//! What Field Nation checks in a work order body before saving it: the shape of
//! WorkOrderCreateDto (the same checker `fieldmap check` uses, src/schema/fieldnation.rs), the
//! UTC date-time format of schedules, and the account's own ids and values: types of work,
//! custom fields, contact roles. Every problem names the work order path at fault.

use serde_json::Value;

use super::reply::BodyProblem;
use crate::schema::{FieldNationAccount, Node};

/// Field Nation's UTC date-time format in work order bodies.
pub(super) const UTC_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Every problem of `body`; `partial` (an update) allows leaving required fields out.
pub(super) fn check_body(
    body: &Value,
    schema: &Node,
    account: &FieldNationAccount,
    partial: bool,
) -> Vec<BodyProblem> {
    let mut problems: Vec<BodyProblem> = schema
        .validate(body)
        .into_iter()
        .filter(|p| !(partial && p.missing.is_some() && p.path == "$"))
        .map(|p| {
            let at = p.path.strip_prefix('$').unwrap_or(&p.path);
            let at = at.strip_prefix('.').unwrap_or(at);
            let path = match &p.missing {
                Some(name) if at.is_empty() => name.clone(),
                Some(name) => format!("{at}.{name}"),
                None => at.to_owned(),
            };
            BodyProblem {
                path,
                message: p.message,
            }
        })
        .collect();
    check_schedule(body, &mut problems);
    check_types_of_work(body, account, &mut problems);
    check_custom_fields(body, account, &mut problems);
    check_contact_roles(body, account, &mut problems);
    problems
}

fn check_schedule(body: &Value, problems: &mut Vec<BodyProblem>) {
    for end in ["start", "end"] {
        let pointer = format!("/schedule/service_window/{end}/utc");
        if let Some(Value::String(text)) = body.pointer(&pointer)
            && jiff::civil::DateTime::strptime(UTC_FORMAT, text).is_err()
        {
            problems.push(BodyProblem {
                path: format!("schedule.service_window.{end}.utc"),
                message: format!("{text:?} is not a date-time in the format YYYY-MM-DD HH:mm:ss"),
            });
        }
    }
}

fn check_types_of_work(
    body: &Value,
    account: &FieldNationAccount,
    problems: &mut Vec<BodyProblem>,
) {
    let Some(Value::Array(types)) = body.get("types_of_work") else {
        return;
    };
    for (i, entry) in types.iter().enumerate() {
        if let Some(id) = entry.get("id")
            && !known_id(id, |id| account.type_of_work(id).is_some())
        {
            problems.push(BodyProblem {
                path: format!("types_of_work[{i}].id"),
                message: format!("{id} is not a type of work of this account"),
            });
        }
    }
}

fn check_custom_fields(
    body: &Value,
    account: &FieldNationAccount,
    problems: &mut Vec<BodyProblem>,
) {
    let Some(Value::Array(groups)) = body.pointer("/custom_fields/results") else {
        return;
    };
    for (g, group) in groups.iter().enumerate() {
        let Some(Value::Array(fields)) = group.get("results") else {
            continue;
        };
        for (i, field) in fields.iter().enumerate() {
            if let Some(id) = field.get("id")
                && !known_id(id, |id| account.custom_field(id).is_some())
            {
                problems.push(BodyProblem {
                    path: format!("custom_fields.results[{g}].results[{i}].id"),
                    message: format!("{id} is not a custom field of this account"),
                });
            }
        }
    }
}

/// Whether an id in a body names something the account has. Numbers that are not whole and
/// non-negative name nothing; a value of another type is the schema check's to report.
fn known_id(id: &Value, known: impl Fn(u64) -> bool) -> bool {
    match id {
        Value::Number(_) => id.as_u64().is_some_and(known),
        _ => true,
    }
}

fn check_contact_roles(
    body: &Value,
    account: &FieldNationAccount,
    problems: &mut Vec<BodyProblem>,
) {
    let Some(Value::Array(contacts)) = body.pointer("/contacts/results") else {
        return;
    };
    for (i, contact) in contacts.iter().enumerate() {
        if let Some(Value::String(role)) = contact.get("role")
            && !account.accepts_role(role)
        {
            let closest = account
                .contact_roles
                .iter()
                .max_by(|a, b| {
                    let score =
                        |r: &str| strsim::jaro_winkler(&r.to_lowercase(), &role.to_lowercase());
                    score(a).total_cmp(&score(b))
                })
                .map(|r| format!(" (the closest is {r:?})"))
                .unwrap_or_default();
            problems.push(BodyProblem {
                path: format!("contacts.results[{i}].role"),
                message: format!(
                    "{role:?} is not a contact role; use one of {}{closest}",
                    account.contact_roles.join(", ")
                ),
            });
        }
    }
}
