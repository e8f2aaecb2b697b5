//! Turning a trigger into Autotask QueryXML, so a poller can ask Autotask for the tickets that
//! may match. Autotask compares text case-insensitively, so the poller still checks each ticket
//! with the trigger's own (exact) predicate.

use super::expr::{CompareOp, Expr, RecordRef};
use crate::autotask::wire::{Operator, QueryItem, QueryXml};
use crate::schema::{Entity, Tenant};
use crate::time;
use crate::value::{Key, Value};

/// The trigger's logic before it becomes QueryXML items: `and`s and `or`s flattened.
enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Test {
        field: String,
        udf: bool,
        op: Operator,
        value: Option<String>,
    },
}

/// The QueryXML for `condition` over `entity`, or the reason it has none.
pub fn trigger_query(
    condition: &Expr,
    entity: &Entity,
    tenant: &Tenant,
    _relations: &[String],
) -> Result<QueryXml, String> {
    let cond = to_condition(condition, false, entity, tenant)?;
    let mut udfs = Vec::new();
    collect_udfs(&cond, &mut udfs);
    udfs.sort();
    udfs.dedup();
    if udfs.len() > 1 {
        return Err(format!(
            "Autotask allows one UDF per query, and this trigger tests {}",
            udfs.iter()
                .map(|u| format!("{u:?}"))
                .collect::<Vec<_>>()
                .join(" and ")
        ));
    }
    let items = match cond {
        Condition::All(items) => items.into_iter().map(item).collect(),
        other => vec![item(other)],
    };
    Ok(QueryXml::new(entity.name.clone(), items))
}

/// A `<field>` for a test, a `<condition>` for a group; the items of an OR each in a
/// `<condition>` of their own, since Autotask ORs a `<condition operator="OR">` with the item
/// before it.
fn item(cond: Condition) -> QueryItem {
    match cond {
        Condition::Test {
            field,
            udf,
            op,
            value,
        } => {
            let value = value.unwrap_or_default();
            if udf {
                QueryItem::udf(field, op, value)
            } else {
                QueryItem::field(field, op, value)
            }
        }
        Condition::All(items) => QueryItem::Condition {
            or_with_previous: false,
            items: items.into_iter().map(item).collect(),
        },
        Condition::Any(items) => QueryItem::any(items.into_iter().map(item)),
    }
}

fn collect_udfs(cond: &Condition, out: &mut Vec<String>) {
    match cond {
        Condition::All(items) | Condition::Any(items) => {
            items.iter().for_each(|c| collect_udfs(c, out))
        }
        Condition::Test {
            field, udf: true, ..
        } => out.push(field.clone()),
        Condition::Test { .. } => {}
    }
}

fn to_condition(
    expr: &Expr,
    negated: bool,
    entity: &Entity,
    tenant: &Tenant,
) -> Result<Condition, String> {
    match expr {
        Expr::And(a, b) | Expr::Or(a, b) => {
            let both = vec![
                to_condition(a, negated, entity, tenant)?,
                to_condition(b, negated, entity, tenant)?,
            ];
            // De Morgan: a negated AND is an OR of negations.
            let is_and = matches!(expr, Expr::And(..)) != negated;
            Ok(if is_and { flatten_all(both) } else { flatten_any(both) })
        }
        Expr::Not(inner) => to_condition(inner, !negated, entity, tenant),
        Expr::Compare { op, lhs, rhs } => {
            let (field, constant, op) = match (field_of(lhs, entity, tenant)?, rhs.as_const(), field_of(rhs, entity, tenant)?, lhs.as_const()) {
                (Some(f), Some(c), _, _) => (f, c, *op),
                (_, _, Some(f), Some(c)) => (f, c, mirror(*op)),
                _ => return Err("QueryXML compares a field of the record with a constant; here a side is computed (an expression, not a field)".into()),
            };
            let op = if negated { negate(op) } else { op };
            Ok(test(field, operator(op), Some(wire(constant)?)))
        }
        Expr::InSet { value, set } => {
            let Some(field) = field_of(value, entity, tenant)? else {
                return Err("QueryXML tests fields; `in` here tests a computed value".into());
            };
            let tests = set
                .entries()
                .into_iter()
                .map(|(key, _)| {
                    let text = match key {
                        Key::Int(i) => i.to_string(),
                        Key::Str(s) => s.to_string(),
                        Key::Bool(b) => b.to_string(),
                    };
                    test(field.clone(), if negated { Operator::NotEqual } else { Operator::Equals }, Some(text))
                })
                .collect();
            Ok(if negated { Condition::All(tests) } else { Condition::Any(tests) })
        }
        Expr::IsNull { value, negated: is_not } => {
            let Some(field) = field_of(value, entity, tenant)? else {
                return Err("QueryXML tests fields for null; this tests a computed value".into());
            };
            Ok(test(field, if *is_not != negated { Operator::IsNotNull } else { Operator::IsNull }, None))
        }
        Expr::Const(Value::Bool(b)) if *b != negated => Ok(test((false, "id".into()), Operator::GreaterThan, Some("0".into()))),
        Expr::Const(Value::Bool(_)) => Err("this trigger is never true".into()),
        _ => Err("QueryXML has no form for this part of the trigger (only field comparisons, `in`, null tests, `and`, `or`, `not`)".into()),
    }
}

fn test((udf, field): (bool, String), op: Operator, value: Option<String>) -> Condition {
    Condition::Test {
        field,
        udf,
        op,
        value,
    }
}

fn flatten_all(items: Vec<Condition>) -> Condition {
    let mut out = Vec::new();
    for item in items {
        match item {
            Condition::All(inner) => out.extend(inner),
            other => out.push(other),
        }
    }
    Condition::All(out)
}

fn flatten_any(items: Vec<Condition>) -> Condition {
    let mut out = Vec::new();
    for item in items {
        match item {
            Condition::Any(inner) => out.extend(inner),
            other => out.push(other),
        }
    }
    Condition::Any(out)
}

/// `(is_udf, name)` when the expression reads a field of the source entity.
fn field_of(
    expr: &Expr,
    entity: &Entity,
    tenant: &Tenant,
) -> Result<Option<(bool, String)>, String> {
    match expr {
        Expr::Field {
            record: RecordRef::Source,
            slot,
        } => Ok(entity
            .fields
            .get(*slot as usize)
            .map(|f| (false, f.name.clone()))),
        Expr::Udf {
            record: RecordRef::Source,
            slot,
        } => Ok(tenant
            .udfs(&entity.name)
            .get(*slot as usize)
            .map(|u| (true, u.name.clone()))),
        Expr::Field { .. } | Expr::Udf { .. } => Err(
            "QueryXML cannot test fields of related entities; poll the source entity and filter"
                .into(),
        ),
        Expr::Label { .. } => {
            Err("QueryXML compares picklist ids; this compares a label with computed text".into())
        }
        _ => Ok(None),
    }
}

/// A constant as QueryXML carries it.
pub(crate) fn wire_text(value: &Value<'_>) -> Result<String, String> {
    wire(value)
}

fn wire(value: &Value<'_>) -> Result<String, String> {
    Ok(match value {
        Value::Int(i) => i.to_string(),
        Value::Decimal(d) => d.normalize().to_string(),
        Value::Str(s) => s.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::DateTime(z) => time::format_autotask_datetime(z),
        other => return Err(format!("QueryXML cannot carry a {} constant", other.kind())),
    })
}

fn mirror(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Lt => CompareOp::Gt,
        CompareOp::Le => CompareOp::Ge,
        CompareOp::Gt => CompareOp::Lt,
        CompareOp::Ge => CompareOp::Le,
        other => other,
    }
}

fn negate(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Eq => CompareOp::Ne,
        CompareOp::Ne => CompareOp::Eq,
        CompareOp::Lt => CompareOp::Ge,
        CompareOp::Le => CompareOp::Gt,
        CompareOp::Gt => CompareOp::Le,
        CompareOp::Ge => CompareOp::Lt,
    }
}

fn operator(op: CompareOp) -> Operator {
    match op {
        CompareOp::Eq => Operator::Equals,
        CompareOp::Ne => Operator::NotEqual,
        CompareOp::Lt => Operator::LessThan,
        CompareOp::Le => Operator::LessThanOrEquals,
        CompareOp::Gt => Operator::GreaterThan,
        CompareOp::Ge => Operator::GreaterThanOrEquals,
    }
}
