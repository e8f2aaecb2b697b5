//! Ids that belong to the Field Nation account: its types of work and its custom fields.
//! Field Nation refuses a work order that names one it does not have (422); with the
//! account's snapshot the mapping is refused first, naming the closest ids the account has.

use super::Checker;
use super::target::{Step, Target};
use crate::diagnostics::Span;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir;
use crate::value::Value;

/// How many of the closest ids a diagnostic names.
const CLOSEST_SHOWN: usize = 3;

impl<'a> Checker<'a> {
    /// `custom_fields[N]`: N must be a custom field of the account.
    pub(super) fn check_custom_field_id(&mut self, id: u64, span: Span) {
        let Some(account) = &self.schemas.fieldnation else {
            return;
        };
        if account.custom_field(id).is_some() {
            return;
        }
        let entries: Vec<(u64, &str)> = account
            .custom_fields
            .iter()
            .map(|f| (f.id, f.name.as_str()))
            .collect();
        self.report_unknown_id(
            ("custom field", "custom fields"),
            (&id.to_string(), id),
            span,
            &entries,
            &account.name,
        );
    }

    /// `types_of_work[i].id = …`: every constant the value can take (a constant, a table's
    /// rows and default, a range map's arms) must be a type of work of the account.
    pub(super) fn check_type_of_work_ids(
        &mut self,
        target: &Target<'_>,
        expr: &ir::Expr,
        span: Span,
    ) {
        let Target::Field { steps, .. } = target else {
            return;
        };
        let is_type_of_work_id = matches!(
            steps.as_slice(),
            [Step::Key(list), Step::Index(_), Step::Key(id)] if list == "types_of_work" && id == "id"
        );
        let Some(account) = &self.schemas.fieldnation else {
            return;
        };
        if !is_type_of_work_id {
            return;
        }
        let entries: Vec<(u64, &str)> = account
            .types_of_work
            .iter()
            .map(|t| (t.id, t.name.as_str()))
            .collect();
        let mut unknown: Vec<(String, u64)> = Vec::new();
        for value in result_constants(expr) {
            // `near`: where to look for the closest ids (0 for a negative one).
            let (shown, id, near) = match value {
                Value::Int(i) => {
                    let id = u64::try_from(*i).ok();
                    (i.to_string(), id, id.unwrap_or(0))
                }
                Value::Decimal(d) => (
                    d.normalize().to_string(),
                    d.fract()
                        .is_zero()
                        .then(|| u64::try_from(*d).ok())
                        .flatten(),
                    u64::try_from(d.trunc()).unwrap_or(0),
                ),
                _ => continue,
            };
            if id.is_some_and(|id| account.type_of_work(id).is_some())
                || unknown.iter().any(|(known, _)| *known == shown)
            {
                continue;
            }
            unknown.push((shown, near));
        }
        let name = account.name.clone();
        for (shown, near) in unknown {
            self.report_unknown_id(
                ("type of work", "types of work"),
                (&shown, near),
                span,
                &entries,
                &name,
            );
        }
    }

    /// `what`: the kind of id, singular and plural.
    fn report_unknown_id(
        &mut self,
        (what, whats): (&str, &str),
        (shown, id): (&str, u64),
        span: Span,
        entries: &[(u64, &str)],
        account: &str,
    ) {
        let mut closest: Vec<&(u64, &str)> = entries.iter().collect();
        closest.sort_by_key(|(known, _)| known.abs_diff(id));
        let nearest: Vec<String> = closest
            .iter()
            .take(CLOSEST_SHOWN)
            .map(|(known, name)| format!("{known} ({name})"))
            .collect();
        let mut d = Diagnostic::new(
            Code::UnknownFieldNationId,
            span,
            format!("{shown} is not a {what} of the Field Nation account {account:?}"),
        );
        d = match closest.first() {
            Some((known, name)) => d.with_label(format!("did you mean {known} ({name})?")),
            None => d.with_label(format!("the account has no {whats}")),
        };
        if !nearest.is_empty() {
            d = d.with_help(format!("the closest {whats}: {}", nearest.join(", ")));
        }
        self.report(d);
    }
}

/// The constants an expression's result can be: itself when constant, a table's values and
/// default, a range map's arm values and default, either side of `??`.
fn result_constants(expr: &ir::Expr) -> Vec<&Value<'static>> {
    let mut out = Vec::new();
    collect(expr, &mut out);
    out
}

fn collect<'e>(expr: &'e ir::Expr, out: &mut Vec<&'e Value<'static>>) {
    match expr {
        ir::Expr::Const(value) => out.push(value),
        ir::Expr::Lookup { table, .. } => {
            for (_, value) in table.rows.entries() {
                collect(value, out);
            }
            collect(&table.default, out);
        }
        ir::Expr::Ranges { arms, default, .. } => {
            for arm in arms.iter() {
                collect(&arm.value, out);
            }
            collect(default, out);
        }
        ir::Expr::Coalesce(first, second) => {
            collect(first, out);
            collect(second, out);
        }
        _ => {}
    }
}
