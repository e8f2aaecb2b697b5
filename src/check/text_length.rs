//! Constant text longer than the Autotask field it is written to (a Ticket's Title holds 255
//! characters, a TicketNote's Description 32,000; UDFs have their own length). Autotask refuses
//! the write, so the rule could never apply: a compile error. Text computed from the data is
//! measured at run time (a `failed` issue on the rule).

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::ir::Expr;
use crate::value::Value;

use super::Checker;

impl Checker<'_> {
    /// Reports `expr` when it is constant text of more than `max` characters.
    pub(super) fn check_constant_length(
        &mut self,
        expr: &Expr,
        max: Option<u32>,
        field: &str,
        span: Span,
    ) {
        let (Some(max), Some(Value::Str(text))) = (max, expr.as_const()) else {
            return;
        };
        let chars = text.chars().count();
        if chars <= max as usize {
            return;
        }
        self.report(
            Diagnostic::new(
                Code::TextTooLong,
                span,
                format!("this text has {chars} characters; {field} holds at most {max}"),
            )
            .with_label(format!("{} characters too many", chars - max as usize))
            .with_help("shorten it, or `| truncate(n)` a computed part"),
        );
    }
}
