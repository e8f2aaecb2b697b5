//! Dependent picklists: a SubIssueType belongs under one IssueType (Autotask's
//! `picklistParentValueField`, the `parent` of each value in the tenant snapshot), and Autotask
//! refuses a record that pairs it with another. A condition that requires both, with a child
//! whose parent is not the parent it requires, can never hold for that child.

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::schema::Entity;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Literal, PathSegment};

use super::Checker;

/// `Field == "label"` or `Field in ["a", "b"]`, one conjunct of an `and` chain.
struct Required<'e> {
    field: &'e str,
    labels: Vec<(&'e str, Span)>,
}

impl<'a> Checker<'a> {
    /// Reports every child label that a condition requires together with a parent label it does
    /// not belong under. `record` is the record's name in outbound rules (`ticket.IssueType`).
    pub(super) fn check_dependent_picklists(
        &mut self,
        condition: &Expr,
        entity: &Entity,
        record: Option<&str>,
    ) {
        let mut required = Vec::new();
        conjuncts(condition, record, &mut required);
        let tenant = &self.schemas.tenant;
        let mut found = Vec::new();
        for child in &required {
            let Some(parent_field) = entity
                .field(child.field)
                .and_then(|f| f.picklist_parent.as_deref())
            else {
                continue;
            };
            let (Some(children), Some(parents)) = (
                tenant.picklist(&entity.name, child.field),
                tenant.picklist(&entity.name, parent_field),
            ) else {
                continue;
            };
            for parent in required.iter().filter(|r| r.field == parent_field) {
                // Unknown labels are FM0401 already; only known pairs are judged.
                let allowed: Vec<_> = parent
                    .labels
                    .iter()
                    .filter_map(|(label, _)| parents.by_label(label))
                    .map(|entry| &entry.value)
                    .collect();
                if allowed.is_empty() {
                    continue;
                }
                for (label, span) in &child.labels {
                    let Some(under) = children.by_label(label).and_then(|e| e.parent.as_ref())
                    else {
                        continue;
                    };
                    if allowed.contains(&under) {
                        continue;
                    }
                    let under_label = parents
                        .by_value(under)
                        .map_or_else(|| under.to_string(), |e| format!("{:?}", e.label));
                    let required_labels: Vec<String> = parent
                        .labels
                        .iter()
                        .map(|(l, _)| format!("{l:?}"))
                        .collect();
                    let first_parent = parent.labels.first().map(|(_, s)| *s);
                    let mut d = Diagnostic::new(
                        Code::DependentPicklistMismatch,
                        *span,
                        format!(
                            "{} {label:?} belongs under {parent_field} {under_label}, but this condition requires {parent_field} {}",
                            child.field,
                            required_labels.join(" or ")
                        ),
                    )
                    .with_label(format!("under {under_label}"))
                    .with_help(format!(
                        "Autotask never pairs them, so a record can never match: require {parent_field} {under_label}, or a {} under {}",
                        child.field,
                        required_labels.join(" or ")
                    ));
                    if let Some(at) = first_parent {
                        d = d.with_context(at, format!("{parent_field} required here"));
                    }
                    found.push(d);
                }
            }
        }
        for d in found {
            self.report(d);
        }
    }
}

/// The field requirements of an `and` chain; anything under `or` or `not` may not hold, so it
/// requires nothing.
fn conjuncts<'e>(e: &'e Expr, record: Option<&str>, out: &mut Vec<Required<'e>>) {
    let ExprKind::Binary { op, lhs, rhs, .. } = &e.kind else {
        return;
    };
    match op {
        BinaryOp::And => {
            conjuncts(lhs, record, out);
            conjuncts(rhs, record, out);
        }
        BinaryOp::Eq | BinaryOp::In => {
            let Some(field) = field_name(lhs, record) else {
                return;
            };
            let labels = match &rhs.kind {
                ExprKind::List(items) => items.iter().filter_map(string_literal).collect(),
                _ => string_literal(rhs).into_iter().collect(),
            };
            out.push(Required { field, labels });
        }
        _ => {}
    }
}

fn field_name<'e>(e: &'e Expr, record: Option<&str>) -> Option<&'e str> {
    let ExprKind::Path(path) = &e.kind else {
        return None;
    };
    match (path.segments.as_slice(), record) {
        ([PathSegment::Field(field)], None) => Some(&field.name),
        ([PathSegment::Field(head), PathSegment::Field(field)], Some(record))
            if head.name == record =>
        {
            Some(&field.name)
        }
        _ => None,
    }
}

fn string_literal(e: &Expr) -> Option<(&str, Span)> {
    match &e.kind {
        ExprKind::Literal(Literal::String(text)) => Some((text, e.span)),
        _ => None,
    }
}
