//! Field Nation's rules for a service window that only the data can break: the end comes
//! after the start, an `hours` window lasts at least 45 minutes, and an `exact` schedule has
//! a start only. A window that breaks one loses its end, with an issue on the end's rule.

use super::emitted::Emitted;
use super::issue::{Issue, IssueKind};
use crate::diagnostics::Severity;
use crate::ir::Rule;
use crate::value::Value;

const MODE: &str = "schedule.service_window.mode";
const START: &str = "schedule.service_window.start.utc";
const END: &str = "schedule.service_window.end.utc";
/// Field Nation refuses an `hours` window shorter than this.
pub const MIN_HOURS_WINDOW_MINUTES: i64 = 45;

/// Checks the window the rules produced; drops an end Field Nation would refuse.
pub(crate) fn check_window(
    rules: &[Rule],
    values: &mut [Option<Emitted<'_>>],
    issues: &mut Vec<Issue>,
) {
    let find = |target: &str| rules.iter().position(|r| r.target == target);
    let (Some(end), Some(start)) = (find(END), find(START)) else {
        return;
    };
    // A constant rule is copied by the body writer, not evaluated: read it from the rule.
    let text = |i: usize, values: &[Option<Emitted<'_>>]| -> Option<String> {
        match (&values[i], rules[i].expr.as_const()) {
            (Some(v), _) => v.as_text().map(str::to_owned),
            (None, Some(Value::Str(s))) if rules[i].constant => Some(s.to_string()),
            _ => None,
        }
    };
    let Some(end_text) = text(end, values) else {
        return;
    };
    let mode = find(MODE).and_then(|i| text(i, values));
    let problem = if mode.as_deref() == Some("exact") {
        Some(format!(
            "an `exact` schedule has a start only; Field Nation refuses an end ({end_text})"
        ))
    } else {
        match (text(start, values), parse(&end_text)) {
            (Some(start_text), Some(end_at)) => match parse(&start_text) {
                Some(start_at) if end_at <= start_at => Some(format!(
                    "the window ends ({end_text} UTC) before it starts ({start_text} UTC)"
                )),
                Some(start_at)
                    if mode.as_deref() == Some("hours")
                        && start_at.duration_until(end_at).as_secs()
                            < MIN_HOURS_WINDOW_MINUTES * 60 =>
                {
                    Some(format!(
                        "an `hours` window lasts at least {MIN_HOURS_WINDOW_MINUTES} minutes; this \
                         one runs from {start_text} to {end_text} UTC"
                    ))
                }
                _ => None,
            },
            _ => None,
        }
    };
    if let Some(problem) = problem {
        let rule = &rules[end];
        issues.push(Issue {
            message: format!("`{}`: {problem}; the end is left out", rule.target),
            kind: IssueKind::InvalidSchedule { problem },
            severity: Severity::Error,
            target: Some(rule.target.clone()),
            span: Some(rule.span),
        });
        values[end] = None;
    }
}

fn parse(text: &str) -> Option<jiff::civil::DateTime> {
    jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", text).ok()
}
