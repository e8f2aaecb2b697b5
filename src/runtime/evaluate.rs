//! Evaluating a mapping for one source record: trigger verdict, work order JSON, provenance of
//! every field, and typed issues.

use crate::diagnostics::Severity;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use serde_json::{Map, Value as Json};

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

use super::coverage::Coverage;
use super::emitted::Emitted;
use super::eval::Env;
use super::issue::{Issue, IssueKind};
use crate::diagnostics::Span;
use crate::ir::{Emit, LookupMatch, MappingProgram, OutNode, Program, Rule};
use crate::schema::Problem;
use crate::stdlib::context::EvalContext;
use crate::stdlib::failure::EvalFailure;
use crate::time::{self, DstAdjustment};
use crate::value::Value;
use crate::value::json::{decimal_json, to_json};
use crate::value::record::{Record, RecordSet};

/// The result of [`Program::evaluate`]: the work order, where each field came from, and what
/// went wrong. The work order is built whether or not a trigger holds; `triggered` says whether
/// to send it.
///
/// [`Program::evaluate`]: crate::Program::evaluate
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// The name of the mapping evaluated.
    pub mapping: String,
    /// The Autotask id of the source record (the ticket, task or service call).
    pub source_id: i64,
    /// Whether any trigger holds (true when the mapping has none).
    pub triggered: bool,
    /// The Field Nation work order, the body of `POST /workorders` (WorkOrderCreateDto), always
    /// a JSON object. Fields whose rule gave no value or failed are left out.
    pub work_order: Json,
    /// One entry per rule, in the order the rules appear in the mapping.
    pub provenance: Vec<Provenance>,
    /// Every problem found; the work order is still produced. See [`Evaluation::has_errors`].
    pub issues: Vec<Issue>,
    /// What Jsonnet blocks printed with `std.trace`, in order.
    pub log: Vec<String>,
}

/// Where one work order field came from.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    /// The work order path the rule writes, e.g. `location.city`.
    pub target: Arc<str>,
    /// The rule's span in the mapping file.
    pub span: Span,
    /// The Autotask paths the rule reads, e.g. `Account.City`; empty for a constant.
    pub sources: Arc<[String]>,
    /// The value written, or null when the rule produced none.
    pub value: Json,
}

/// Why an evaluation could not start. Problems met while evaluating are [`Issue`]s instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// The record set holds no record of the mapping's source entity with the id asked for.
    #[error("no {entity} with id {id} among the records")]
    SourceMissing {
        /// The mapping's source entity: `Ticket`, `Task`, `ServiceCall`.
        entity: String,
        /// The source id asked for.
        id: i64,
    },
    /// The mapping index is past the last mapping of the file.
    #[error("the program has no mapping #{0}")]
    NoSuchMapping(usize),
    /// No mapping of the file has this name.
    #[error("the program has no mapping named {0:?}")]
    NoMappingNamed(String),
}

impl Evaluation {
    /// Whether an issue left a field out (as opposed to warnings only).
    pub fn has_errors(&self) -> bool {
        self.issues.iter().any(|i| i.severity == Severity::Error)
    }
}

pub(crate) fn evaluate_mapping(
    program: &Program,
    index: usize,
    records: &RecordSet,
    source_id: i64,
    ctx: &EvalContext,
    coverage: Option<&RefCell<Coverage>>,
) -> Result<Evaluation, EvalError> {
    let mut provenance = Vec::new();
    let results = evaluate_rules(
        program,
        index,
        records,
        source_id,
        ctx,
        coverage,
        Purpose::Tree {
            provenance: &mut provenance,
        },
    )?;
    let RuleResults {
        mapping,
        triggered,
        mut values,
        mut issues,
        log,
    } = results;
    let work_order = build(&mapping.output, &mut values, &mapping.rules, true)
        .json
        .unwrap_or_else(|| Json::Object(Map::new()));
    // A safety net behind the checker: values computed at run time (`any`-typed, enums) can
    // still break Field Nation's shape.
    invalid_work_order(program.schemas.workorder.validate(&work_order), &mut issues);
    required_missing(
        program,
        mapping,
        |key| work_order.get(key).is_some(),
        &mut issues,
    );
    Ok(Evaluation {
        mapping: mapping.name.clone(),
        source_id,
        triggered,
        work_order,
        provenance,
        issues,
        log,
    })
}

/// What a mapping's triggers and rules gave, before the work order is put together.
pub(crate) struct RuleResults<'p> {
    pub mapping: &'p MappingProgram,
    pub triggered: bool,
    /// Each rule's value, by rule index; `None` where the field is left out.
    pub values: Vec<Option<Emitted<'p>>>,
    pub issues: Vec<Issue>,
    pub log: Vec<String>,
}

/// What the rule values are for.
pub(crate) enum Purpose<'a> {
    /// The JSON tree, with each rule's provenance.
    Tree { provenance: &'a mut Vec<Provenance> },
    /// JSON bytes: rules with fixed text are copied by the writer, not evaluated.
    Body,
}

/// Evaluates the triggers and every rule.
pub(crate) fn evaluate_rules<'p>(
    program: &'p Program,
    index: usize,
    records: &'p RecordSet,
    source_id: i64,
    ctx: &'p EvalContext,
    coverage: Option<&'p RefCell<Coverage>>,
    purpose: Purpose<'_>,
) -> Result<RuleResults<'p>, EvalError> {
    let Some(mapping) = program.mappings.get(index) else {
        return Err(EvalError::NoSuchMapping(index));
    };
    let source =
        records
            .get(&mapping.source, source_id)
            .ok_or_else(|| EvalError::SourceMissing {
                entity: mapping.source.clone(),
                id: source_id,
            })?;
    let mut issues = Vec::new();
    let related = related_records(mapping, source, records, &mut issues);
    let mut env = Env {
        source: Some(source),
        related,
        event: None,
        picklists: &program.picklists,
        ctx,
        adjustments: Vec::new(),
        coverage,
        schemas: Some(&program.schemas),
        traces: Vec::new(),
    };
    let mut triggered = mapping.triggers.is_empty();
    for trigger in &mapping.triggers {
        match env.truth(&trigger.condition) {
            Ok(true) => {
                triggered = true;
                break;
            }
            Ok(false) => {}
            Err(failure) => issues.push(Issue {
                message: format!("trigger could not be evaluated: {failure}"),
                kind: IssueKind::TriggerFailed {
                    reason: failure.to_string(),
                },
                severity: Severity::Error,
                target: None,
                span: Some(trigger.span),
            }),
        }
    }
    // A trigger is a yes or no; the times it read are reported by the rules that show them.
    env.adjustments.clear();
    let (mut provenance, fixed) = match purpose {
        Purpose::Tree { provenance } => {
            provenance.reserve(mapping.rules.len());
            (Some(provenance), None)
        }
        Purpose::Body => (None, Some(&mapping.body.fixed)),
    };
    let mut values: Vec<Option<Emitted<'p>>> = Vec::with_capacity(mapping.rules.len());
    for (i, rule) in mapping.rules.iter().enumerate() {
        // The writer copies a fixed rule's text; evaluating it would give the same every time.
        if fixed.is_some_and(|f| f.get(i).is_some_and(Option::is_some)) {
            values.push(None);
            continue;
        }
        let value = match env.eval(&rule.expr) {
            Ok(v) => emit(rule, v, &mut issues),
            Err(failure) => {
                issues.push(Issue {
                    message: format!("`{}`: {failure}", rule.target),
                    kind: IssueKind::of_failure(&failure.reason),
                    severity: Severity::Error,
                    target: Some(rule.target.clone()),
                    span: Some(rule.span),
                });
                None
            }
        };
        for adjustment in env.adjustments.drain(..) {
            issues.push(dst_issue(&adjustment, rule));
        }
        if let (Some(coverage), Some(_)) = (coverage, &value) {
            coverage.borrow_mut().rule(index, i);
        }
        if let Some(provenance) = provenance.as_deref_mut() {
            provenance.push(Provenance {
                target: rule.shared_target.clone(),
                span: rule.span,
                sources: rule.sources.clone(),
                value: value.as_ref().map_or(Json::Null, Emitted::to_json),
            });
        }
        values.push(value);
    }
    super::schedule::check_window(&mapping.rules, &mut values, &mut issues);
    super::positive::check_positive(&mapping.rules, &mut values, &mut issues);
    Ok(RuleResults {
        mapping,
        triggered,
        values,
        issues,
        log: env.traces,
    })
}

impl Program {
    /// Whether trigger number `trigger` of mapping `mapping` holds for `record`, reading the
    /// record alone (a pollable trigger reads nothing else). `None` when there is no such
    /// trigger; the error says why the condition could not be evaluated, and where.
    pub fn trigger_holds(
        &self,
        mapping: usize,
        trigger: usize,
        record: &Record,
        ctx: &EvalContext,
    ) -> Option<Result<bool, EvalFailure>> {
        let condition = &self.mappings.get(mapping)?.triggers.get(trigger)?.condition;
        let mut env = Env::without_records(ctx);
        env.source = Some(record);
        env.picklists = &self.picklists;
        Some(env.truth(condition))
    }
}

/// A constant rule's value as JSON, when it emits without any issue.
pub(crate) fn constant_json(rule: &Rule) -> Option<Json> {
    let value = rule.expr.as_const()?;
    let mut issues = Vec::new();
    let emitted = emit(rule, value.borrowed(), &mut issues)?;
    issues.is_empty().then(|| emitted.into_json())
}

/// Where the finished work order does not fit Field Nation's WorkOrderCreateDto.
pub(crate) fn invalid_work_order(problems: Vec<Problem>, issues: &mut Vec<Issue>) {
    for problem in problems {
        if problem.path == "$" && problem.missing.is_some() {
            continue; // a missing top-level field is reported by `required_missing`, with its rule's span
        }
        issues.push(Issue {
            message: format!(
                "the work order does not fit Field Nation's WorkOrderCreateDto: {problem}"
            ),
            kind: IssueKind::InvalidWorkOrder {
                problem: problem.to_string(),
            },
            severity: Severity::Error,
            target: None,
            span: None,
        });
    }
}

/// The top-level fields Field Nation requires that the work order lacks.
pub(crate) fn required_missing(
    program: &Program,
    mapping: &MappingProgram,
    present: impl Fn(&str) -> bool,
    issues: &mut Vec<Issue>,
) {
    for required in &program.schemas.workorder.required {
        if !present(required) {
            issues.push(Issue {
                message: format!(
                    "Field Nation requires `{required}`, and the mapping produced no value for it"
                ),
                kind: IssueKind::RequiredMissing,
                severity: Severity::Error,
                target: Some(required.clone()),
                span: mapping
                    .rules
                    .iter()
                    .find(|r| r.target == *required)
                    .map(|r| r.span),
            });
        }
    }
}

fn related_records<'r>(
    mapping: &MappingProgram,
    source: &'r Record,
    records: &'r RecordSet,
    issues: &mut Vec<Issue>,
) -> Vec<Option<&'r Record>> {
    // Relations are listed parent first, so a grandparent finds its parent already resolved.
    let mut found: Vec<Option<&'r Record>> = Vec::with_capacity(mapping.relations.len());
    for relation in &mapping.relations {
        let holder = match relation.from {
            None => Some(source),
            Some(parent) => found.get(usize::from(parent)).copied().flatten(),
        };
        if let Some(lookup) = &relation.lookup {
            let key = holder.map(|h| h.field(relation.via_slot as usize));
            found.push(key.and_then(|key| find_lookup(records, &relation.entity, lookup, key)));
            continue;
        }
        let Some(Value::Int(id)) = holder.map(|h| h.field(relation.via_slot as usize)) else {
            found.push(None);
            continue;
        };
        let id = *id;
        let record = records.get(&relation.entity, id);
        if record.is_none() {
            issues.push(Issue {
                message: format!(
                    "{} refers to {} {id} through {}, but it was not fetched; its fields read as null",
                    relation.name, relation.entity, relation.via_field
                ),
                kind: IssueKind::RelatedMissing {
                    relation: relation.name.clone(),
                    entity: relation.entity.clone(),
                    id,
                },
                severity: Severity::Warning,
                target: None,
                span: None,
            });
        }
        found.push(record);
    }
    found
}

/// A lookup's record: the lowest id whose matched field equals `key` and that passes every
/// filter; none for a null key or when nothing matches.
fn find_lookup<'r>(
    records: &'r RecordSet,
    entity: &str,
    lookup: &LookupMatch,
    key: &Value<'_>,
) -> Option<&'r Record> {
    if key.is_null() {
        return None;
    }
    records.first_with(
        entity,
        lookup.slot as usize,
        key,
        |field, key| query_equal(field, key) == Some(true),
        |record| {
            lookup.filters.iter().all(|f| {
                let value = record.field(f.slot as usize);
                match (f.value.is_null(), f.equal) {
                    (true, equal) => value.is_null() == equal,
                    (false, equal) => query_equal(value, &f.value) == Some(equal),
                }
            })
        },
    )
}

/// Equality as an Autotask query tests it: text without regard to case, numbers by value, and
/// a null field matching neither `Equals` nor `NotEqual` (`None`).
fn query_equal(field: &Value<'_>, wanted: &Value<'_>) -> Option<bool> {
    Some(match (field, wanted) {
        (Value::Null, _) | (_, Value::Null) => return None,
        (Value::Str(a), Value::Str(b)) if a.is_ascii() && b.is_ascii() => a.eq_ignore_ascii_case(b),
        (Value::Str(a), Value::Str(b)) => a.to_lowercase() == b.to_lowercase(),
        (Value::Int(a), Value::Decimal(b)) | (Value::Decimal(b), Value::Int(a)) => {
            rust_decimal::Decimal::from(*a) == *b
        }
        (a, b) => a == b,
    })
}

fn dst_issue(adjustment: &DstAdjustment, rule: &Rule) -> Issue {
    let (rule_text, kind) = match adjustment {
        DstAdjustment::Gap { .. } => (
            "a time in the spring-forward gap moves forward by the gap's length",
            "gap",
        ),
        DstAdjustment::Fold { .. } => (
            "a time in the fall-back hour takes its first (daylight-time) occurrence",
            "fold",
        ),
    };
    let resolved = adjustment.resolved().to_string();
    Issue {
        message: format!(
            "`{}`: {} does not exist exactly once in {} ({kind}); {rule_text}: {resolved}",
            rule.target,
            adjustment.wall(),
            adjustment.zone_name()
        ),
        kind: IssueKind::DstAdjusted {
            wall: adjustment.wall().to_string(),
            zone: adjustment.zone_name().to_string(),
            resolved,
            rule: rule_text.to_string(),
        },
        severity: Severity::Warning,
        target: Some(rule.target.clone()),
        span: Some(rule.span),
    }
}

/// A rule's value as the JSON its target takes; `None` leaves the field out.
fn emit<'r>(rule: &Rule, value: Value<'r>, issues: &mut Vec<Issue>) -> Option<Emitted<'r>> {
    if value.is_absent() {
        issues.push(Issue {
            message: format!(
                "`{}` has no value (null, missing or empty) and no default",
                rule.target
            ),
            kind: IssueKind::MissingValue,
            severity: Severity::Warning,
            target: Some(rule.target.clone()),
            span: Some(rule.span),
        });
        return None;
    }
    let converted = match rule.emit {
        Emit::String => match value {
            Value::Json(j) => Err(format!(
                "expected text, the Jsonnet block gave {}",
                value_kind(&j)
            )),
            Value::Str(s) => Ok(Emitted::Text(s)),
            v => Ok(Emitted::Text(Cow::Owned(v.to_string()))),
        },
        Emit::Number => number(&value).map(Emitted::Json),
        Emit::Integer => match &value {
            Value::Int(i) => Ok(Emitted::Json(Json::from(*i))),
            Value::Decimal(d) if d.fract().is_zero() => d
                .to_i64()
                .map(|i| Emitted::Json(Json::from(i)))
                .ok_or_else(|| format!("{d} is too large")),
            v => Err(format!("{v} is not a whole number")),
        },
        Emit::Boolean => match &value {
            Value::Bool(b) => Ok(Emitted::Json(Json::Bool(*b))),
            v => Err(format!("{v} is not a boolean")),
        },
        Emit::FieldNationUtc => match &value {
            Value::DateTime(z) => Ok(Emitted::Text(Cow::Owned(time::format_fieldnation_utc(
                z.timestamp(),
            )))),
            v => Err(format!("{v} is not a date-time")),
        },
        Emit::Json => Ok(Emitted::Json(to_json(&value))),
    };
    let emitted = match converted {
        Ok(emitted) => emitted,
        Err(reason) => {
            issues.push(Issue {
                message: format!("`{}`: {reason}", rule.target),
                kind: IssueKind::Failed { reason },
                severity: Severity::Error,
                target: Some(rule.target.clone()),
                span: Some(rule.span),
            });
            return None;
        }
    };
    if let (Some(allowed), Some(s)) = (&rule.allowed, emitted.as_text())
        && !allowed.iter().any(|a| a == s)
    {
        issues.push(Issue {
            message: format!(
                "`{}`: {s:?} is not one of {}",
                rule.target,
                allowed
                    .iter()
                    .map(|a| format!("{a:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            kind: IssueKind::NotAllowed {
                value: s.to_string(),
                allowed: allowed.clone(),
            },
            severity: Severity::Error,
            target: Some(rule.target.clone()),
            span: Some(rule.span),
        });
        return None;
    }
    Some(emitted)
}

fn number(value: &Value<'_>) -> Result<Json, String> {
    let d = match value {
        Value::Int(i) => return Ok(Json::from(*i)),
        Value::Decimal(d) => *d,
        Value::Str(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not a number"))?,
        v => return Err(format!("{v} is not a number")),
    };
    Ok(decimal_json(d))
}

fn value_kind(json: &Json) -> &'static str {
    match json {
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
        _ => "a value",
    }
}

/// What filling part of the shape gave.
struct Built {
    json: Option<Json>,
    /// The part holds rules that read data (not only constants).
    reads_data: bool,
    /// One of those rules produced a value.
    has_data: bool,
}

/// Fills the shape with rule values. An object or list appears only when something in it has
/// a value; one whose data rules all came back empty is left out even if it holds constants,
/// so a ticket without a contact sends no contact with only a `role`. The work order itself
/// (the `root`) is never left out that way: its constant fields stand on their own.
fn build(node: &OutNode, values: &mut [Option<Emitted<'_>>], rules: &[Rule], root: bool) -> Built {
    match node {
        OutNode::Rule(i) => {
            let json = values
                .get_mut(*i as usize)
                .and_then(Option::take)
                .map(Emitted::into_json);
            let reads_data = rules.get(*i as usize).is_some_and(|r| !r.constant);
            Built {
                has_data: reads_data && json.is_some(),
                json,
                reads_data,
            }
        }
        OutNode::Const(_) => Built {
            json: None,
            reads_data: false,
            has_data: false,
        },
        OutNode::Object(fields) => {
            let mut map = Map::with_capacity(fields.len());
            let (mut any, mut reads_data, mut has_data) = (false, false, false);
            for (key, child) in fields {
                if let OutNode::Const(c) = child {
                    map.insert(key.to_string(), c.clone());
                    continue;
                }
                let built = build(child, values, rules, false);
                reads_data |= built.reads_data;
                has_data |= built.has_data;
                if let Some(v) = built.json {
                    map.insert(key.to_string(), v);
                    any = true;
                }
            }
            let keep = any && (root || !reads_data || has_data);
            Built {
                json: keep.then_some(Json::Object(map)),
                reads_data,
                has_data,
            }
        }
        OutNode::Array(items) => {
            let (mut reads_data, mut has_data) = (false, false);
            let mut out = Vec::new();
            for item in items {
                let built = build(item, values, rules, false);
                reads_data |= built.reads_data;
                has_data |= built.has_data;
                out.extend(built.json);
            }
            Built {
                json: (!out.is_empty()).then_some(Json::Array(out)),
                reads_data,
                has_data,
            }
        }
    }
}
