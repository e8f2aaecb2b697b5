//! Numbers Field Nation requires above zero (`pay.base.units`: the hours or devices paid for).
//! Zero or less from the data is an issue on its rule, and the field is left out.

use super::emitted::Emitted;
use super::issue::{Issue, IssueKind};
use crate::diagnostics::Severity;
use crate::ir::Rule;

/// The work order fields whose value must be above zero.
pub const POSITIVE_FIELDS: &[&str] = &["pay.base.units"];

pub(crate) fn check_positive(
    rules: &[Rule],
    values: &mut [Option<Emitted<'_>>],
    issues: &mut Vec<Issue>,
) {
    for (i, rule) in rules.iter().enumerate() {
        if !POSITIVE_FIELDS.contains(&rule.target.as_str()) {
            continue;
        }
        let Some(Emitted::Json(serde_json::Value::Number(n))) = &values[i] else {
            continue;
        };
        if n.as_f64().is_some_and(|v| v > 0.0) {
            continue;
        }
        let reason = format!("{n} is not above zero; Field Nation requires it to be");
        issues.push(Issue {
            message: format!("`{}`: {reason}; the field is left out", rule.target),
            kind: IssueKind::Failed { reason },
            severity: Severity::Error,
            target: Some(rule.target.clone()),
            span: Some(rule.span),
        });
        values[i] = None;
    }
}
