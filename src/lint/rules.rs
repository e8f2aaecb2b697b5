//! Lint rules that look at the compiled program. (Rules that need the checker's types —
//! picklist coverage, implicit zones, unused tables — are raised while checking.)

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{CompareOp, Expr, MappingProgram, Program, RecordRef};
use crate::value::Value;

/// Work order fields Field Nation's prepackaged integrations require before a connector can be
/// saved (title is required by the API itself and checked as an error).
const PREPACKAGED_REQUIRED: &[(&str, &str)] = &[
    ("location.address1", "address"),
    ("location.city", "city"),
    ("location.state", "state (2-letter)"),
    ("location.zip", "zip"),
    ("location.country", "country (2-letter)"),
    ("description.html", "description"),
    ("pay.type", "pay type"),
    ("pay.base.amount", "pay base amount"),
    ("schedule.service_window.start.utc", "start date/time"),
    ("types_of_work[0].id", "type of work"),
];

pub fn program_lints(program: &Program, complete: bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if complete {
        super::overlapping_triggers::overlapping_mappings(program, &mut out);
    }
    for mapping in &program.mappings {
        missing_prepackaged(mapping, &mut out);
        two_letter_codes(mapping, &mut out);
        if !complete {
            continue;
        }
        for trigger in &mapping.triggers {
            if never_true(&trigger.condition) {
                out.push(
                    Diagnostic::new(
                        Code::TriggerNeverTrue,
                        trigger.span,
                        "this trigger can never be true",
                    )
                    .with_label("contradictory or constant false")
                    .with_help(
                        "no record will ever be dispatched through it; check the conditions",
                    ),
                );
            } else if let Err(reason) = &trigger.query {
                out.push(
                    Diagnostic::new(Code::TriggerNotPollable, trigger.span, "this trigger has no QueryXML form")
                        .with_label(reason.clone())
                        .with_help("a poller cannot ask Autotask for these records; use a webhook, or trigger on fields of the source entity"),
                );
            }
        }
    }
    out
}

fn missing_prepackaged(mapping: &MappingProgram, out: &mut Vec<Diagnostic>) {
    let missing: Vec<String> = PREPACKAGED_REQUIRED
        .iter()
        // `schedule.service_window.start` written as a date-time is its `.utc`.
        .filter(|(path, _)| {
            !mapping.written.iter().any(|w| {
                w == path
                    || path
                        .strip_prefix(w.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        })
        .map(|(path, what)| format!("`{path}` ({what})"))
        .collect();
    if missing.is_empty() {
        return;
    }
    out.push(
        Diagnostic::new(
            Code::MissingPrepackagedField,
            mapping.name_span,
            format!("mapping {:?} leaves unset what Field Nation's prepackaged integrations require: {}", mapping.name, missing.join(", ")),
        )
        .with_label("these work orders lack required fields")
        .with_help("assign them (with `??` defaults where the source can be empty), or allow FM0902 if your Field Nation setup does not need them"),
    );
}

fn two_letter_codes(mapping: &MappingProgram, out: &mut Vec<Diagnostic>) {
    for rule in &mapping.rules {
        if !matches!(rule.target.as_str(), "location.state" | "location.country") {
            continue;
        }
        let constant = match &rule.expr {
            Expr::Const(Value::Str(s)) => Some(s.as_ref()),
            Expr::Coalesce(_, fallback) => match fallback.as_ref() {
                Expr::Const(Value::Str(s)) => Some(s.as_ref()),
                _ => None,
            },
            _ => None,
        };
        if let Some(text) = constant
            && !(text.len() == 2 && text.bytes().all(|b| b.is_ascii_uppercase()))
        {
            out.push(
                Diagnostic::new(
                    Code::NotTwoLetterCode,
                    rule.span,
                    format!(
                        "`{}` gets {text:?}; Field Nation expects a two-letter code",
                        rule.target
                    ),
                )
                .with_label("not two capital letters")
                .with_help("use the postal code, e.g. \"MN\" or \"US\""),
            );
        }
    }
}

/// A condition that no record satisfies: constant false, or an `and` of equalities that
/// give one field two different values (or a value and null).
fn never_true(condition: &Expr) -> bool {
    if matches!(condition, Expr::Const(Value::Bool(false) | Value::Null)) {
        return true;
    }
    let mut facts: Vec<(RecordRef, u32, bool, Option<&Value<'static>>)> = Vec::new();
    conjuncts(condition, &mut facts);
    facts.iter().enumerate().any(|(i, a)| {
        facts[i + 1..]
            .iter()
            .any(|b| a.0 == b.0 && a.1 == b.1 && a.2 == b.2 && a.3 != b.3)
    })
}

/// Equality facts `field == constant` (or `field is null`: constant `None`) of an `and` chain.
fn conjuncts<'e>(e: &'e Expr, facts: &mut Vec<(RecordRef, u32, bool, Option<&'e Value<'static>>)>) {
    let field = |e: &Expr| match e {
        Expr::Field { record, slot } => Some((*record, *slot, false)),
        Expr::Udf { record, slot } => Some((*record, *slot, true)),
        _ => None,
    };
    match e {
        Expr::And(a, b) => {
            conjuncts(a, facts);
            conjuncts(b, facts);
        }
        Expr::Compare {
            op: CompareOp::Eq,
            lhs,
            rhs,
        } => {
            if let (Some((r, s, u)), Some(c)) = (field(lhs), rhs.as_const()) {
                facts.push((r, s, u, Some(c)));
            }
        }
        Expr::IsNull {
            value,
            negated: false,
        } => {
            if let Some((r, s, u)) = field(value) {
                facts.push((r, s, u, None));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prepackaged_fields_are_the_ones_the_rule_documents() {
        let doc = crate::lint::rule_doc(Code::MissingPrepackagedField).unwrap();
        for (path, what) in PREPACKAGED_REQUIRED {
            // "state (2-letter)" is documented as "state".
            let name = what.split(" (").next().unwrap();
            assert!(
                doc.reports.contains(name) && doc.rationale.contains(name),
                "`{path}` ({name}) is required by the rule but not in its documentation"
            );
        }
    }
}
