//! Field Nation's schedule rules where the mapping itself decides them: an `exact` schedule
//! takes a start only, and a window written as `start + <duration>` must end after it starts
//! (at least 45 minutes later for `hours`). What the data decides is checked at run time.

use super::Checker;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Expr, Rule};
use crate::value::Value;

const MODE: &str = "schedule.service_window.mode";
const START: &str = "schedule.service_window.start.utc";
const END: &str = "schedule.service_window.end";

impl Checker<'_> {
    pub(super) fn check_schedule(&mut self, rules: &[Rule]) {
        let mode = rules
            .iter()
            .find(|r| r.target == MODE)
            .and_then(|r| match r.expr.as_const() {
                Some(Value::Str(mode)) => Some(mode.to_string()),
                _ => None,
            });
        let Some(end) = rules.iter().find(|r| r.target.starts_with(END)) else {
            return;
        };
        if mode.as_deref() == Some("exact") {
            self.report(
                Diagnostic::new(
                    Code::ScheduleWindow,
                    end.span,
                    "an `exact` schedule takes a start only; Field Nation refuses an end",
                )
                .with_label("an end for an exact schedule")
                .with_help(
                    "remove the end, or use `schedule.service_window.mode = \"between\"` for an \
                     arrival window or `\"hours\"` for a work window",
                ),
            );
            return;
        }
        // `end = <start> + 30m`: the length is known now.
        let Some(start) = rules.iter().find(|r| r.target == START) else {
            return;
        };
        let Expr::Shift { value, by, .. } = &end.expr else {
            return;
        };
        let same_field = matches!(
            (value.as_ref(), &start.expr),
            (Expr::Field { record: a, slot: s }, Expr::Field { record: b, slot: t })
                if a == b && s == t
        );
        if !same_field || by.calendar_days() != 0 {
            return;
        }
        let seconds = by.exact().as_secs();
        let problem = if seconds <= 0 {
            Some("the window must end after it starts".to_string())
        } else if mode.as_deref() == Some("hours")
            && seconds < crate::runtime::MIN_HOURS_WINDOW_MINUTES * 60
        {
            Some(format!(
                "an `hours` window lasts at least {} minutes",
                crate::runtime::MIN_HOURS_WINDOW_MINUTES
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            self.report(
                Diagnostic::new(Code::ScheduleWindow, end.span, problem)
                    .with_label("the end, from the start")
                    .with_help("lengthen the window"),
            );
        }
    }
}
