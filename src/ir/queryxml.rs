//! Turning a trigger into Autotask QueryXML, so a poller can ask Autotask for the tickets that
//! may match. Autotask compares text case-insensitively, so the poller still checks each ticket
//! with the trigger's own (exact) predicate.

use super::expr::{CompareOp, Expr, RecordRef};
use crate::schema::{Entity, Tenant};
use crate::time;
use crate::value::{Key, Value};

enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Test {
        field: String,
        udf: bool,
        op: &'static str,
        value: Option<String>,
    },
}

/// The QueryXML for `condition` over `entity`, or the reason it has none.
pub fn trigger_query(
    condition: &Expr,
    entity: &Entity,
    tenant: &Tenant,
    _relations: &[String],
) -> Result<String, String> {
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
    let mut out = String::new();
    out.push_str("<queryxml>\n  <entity>");
    out.push_str(&entity.name);
    out.push_str("</entity>\n  <query>\n");
    match cond {
        Condition::All(items) => {
            for item in &items {
                write(item, 2, &mut out);
            }
        }
        other => write(&other, 2, &mut out),
    }
    out.push_str("  </query>\n</queryxml>");
    Ok(out)
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
            Ok(test(field, op_name(op), Some(wire(constant)?)))
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
                    test(field.clone(), if negated { "NotEqual" } else { "Equals" }, Some(text))
                })
                .collect();
            Ok(if negated { Condition::All(tests) } else { Condition::Any(tests) })
        }
        Expr::IsNull { value, negated: is_not } => {
            let Some(field) = field_of(value, entity, tenant)? else {
                return Err("QueryXML tests fields for null; this tests a computed value".into());
            };
            Ok(test(field, if *is_not != negated { "IsNotNull" } else { "IsNull" }, None))
        }
        Expr::Const(Value::Bool(b)) if *b != negated => Ok(test((false, "id".into()), "GreaterThan", Some("0".into()))),
        Expr::Const(Value::Bool(_)) => Err("this trigger is never true".into()),
        _ => Err("QueryXML has no form for this part of the trigger (only field comparisons, `in`, null tests, `and`, `or`, `not`)".into()),
    }
}

fn test((udf, field): (bool, String), op: &'static str, value: Option<String>) -> Condition {
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

fn op_name(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "Equals",
        CompareOp::Ne => "NotEqual",
        CompareOp::Lt => "LessThan",
        CompareOp::Le => "LessThanOrEquals",
        CompareOp::Gt => "GreaterThan",
        CompareOp::Ge => "GreaterThanOrEquals",
    }
}

fn write(cond: &Condition, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    match cond {
        Condition::Test {
            field,
            udf,
            op,
            value,
        } => {
            out.push_str(&pad);
            out.push_str(if *udf {
                "<field udf=\"true\">"
            } else {
                "<field>"
            });
            out.push_str(&escape(field));
            out.push_str("<expression op=\"");
            out.push_str(op);
            out.push_str("\">");
            if let Some(v) = value {
                out.push_str(&escape(v));
            }
            out.push_str("</expression></field>\n");
        }
        Condition::All(items) => {
            out.push_str(&pad);
            out.push_str("<condition>\n");
            for item in items {
                write(item, depth + 1, out);
            }
            out.push_str(&pad);
            out.push_str("</condition>\n");
        }
        // Autotask ORs a `<condition operator="OR">` with the item before it.
        Condition::Any(items) => {
            out.push_str(&pad);
            out.push_str("<condition>\n");
            let inner = "  ".repeat(depth + 1);
            for (i, item) in items.iter().enumerate() {
                out.push_str(&inner);
                out.push_str(if i == 0 {
                    "<condition>\n"
                } else {
                    "<condition operator=\"OR\">\n"
                });
                write(item, depth + 2, out);
                out.push_str(&inner);
                out.push_str("</condition>\n");
            }
            out.push_str(&pad);
            out.push_str("</condition>\n");
        }
    }
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}
