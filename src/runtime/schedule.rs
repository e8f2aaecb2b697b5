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
    let text = |i: usize| -> Option<&str> {
        match (&values[i], rules[i].expr.as_const()) {
            (Some(v), _) => v.as_text(),
            (None, Some(Value::Str(s))) if rules[i].constant => Some(s),
            _ => None,
        }
    };
    let Some(end_text) = text(end) else {
        return;
    };
    let mode = find(MODE).and_then(text);
    let problem = if mode == Some("exact") {
        Some(format!(
            "an `exact` schedule has a start only; Field Nation refuses an end ({end_text})"
        ))
    } else {
        match text(start) {
            // Both are `YYYY-MM-DD HH:MM:SS` in UTC, whose order as text is their order in time.
            Some(start_text) if utc_text(end_text) && utc_text(start_text) => {
                if end_text <= start_text {
                    Some(format!(
                        "the window ends ({end_text} UTC) before it starts ({start_text} UTC)"
                    ))
                } else if mode == Some("hours")
                    && minutes_between(start_text, end_text)
                        .is_some_and(|m| m < MIN_HOURS_WINDOW_MINUTES)
                {
                    Some(format!(
                        "an `hours` window lasts at least {MIN_HOURS_WINDOW_MINUTES} minutes; this \
                         one runs from {start_text} to {end_text} UTC"
                    ))
                } else {
                    None
                }
            }
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

/// Whether the text has the shape of Field Nation's UTC date-time, `YYYY-MM-DD HH:MM:SS`.
fn utc_text(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 19
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b' ',
            13 | 16 => *b == b':',
            _ => b.is_ascii_digit(),
        })
}

fn minutes_between(start: &str, end: &str) -> Option<i64> {
    let parse = |text: &str| jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", text).ok();
    Some(parse(start)?.duration_until(parse(end)?).as_secs() / 60)
}
