//! A constant Field Nation requires above zero (`pay.base.units = 0`) is an error when the file
//! compiles; a value from the data is checked at run time.

use super::Checker;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::Rule;
use crate::runtime::POSITIVE_FIELDS;
use crate::value::Value;

impl Checker<'_> {
    pub(super) fn check_positive(&mut self, rules: &[Rule]) {
        for rule in rules {
            if !POSITIVE_FIELDS.contains(&rule.target.as_str()) {
                continue;
            }
            let not_positive = match rule.expr.as_const() {
                Some(Value::Int(i)) => *i <= 0,
                Some(Value::Decimal(d)) => *d <= rust_decimal::Decimal::ZERO,
                _ => false,
            };
            if not_positive {
                self.report(
                    Diagnostic::new(
                        Code::NotPositive,
                        rule.span,
                        format!("Field Nation requires `{}` above zero", rule.target),
                    )
                    .with_label("zero or less")
                    .with_help("pay for at least one unit, e.g. `pay.base.units = 1`"),
                );
            }
        }
    }
}
