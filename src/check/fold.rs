//! Constant folding: a node whose inputs are all constants is evaluated once, at compile time.
//! Children are folded first (lowering is bottom-up), so looking at direct children suffices.

use crate::ir::{Expr, Piece};
use crate::runtime::eval::Env;
use crate::stdlib::context::EvalContext;

pub(super) fn fold(expr: Expr) -> Expr {
    // A constant condition leaves one branch, constant or not.
    if let Expr::If {
        condition,
        then,
        otherwise,
    } = expr
    {
        return match condition.as_const() {
            Some(crate::value::Value::Bool(true)) => *then,
            Some(crate::value::Value::Bool(false) | crate::value::Value::Null) => *otherwise,
            _ => Expr::If {
                condition,
                then,
                otherwise,
            },
        };
    }
    if !foldable(&expr) {
        return expr;
    }
    // The clock is never read: `now()` is not pure and so never folds.
    let Some(ctx) = fixed_context() else {
        return expr;
    };
    let mut env = Env::without_records(&ctx);
    let folded = match env.eval(&expr) {
        // A DST adjustment must be reported at run time, with its rule; keep the node.
        Ok(value) if env.adjustments.is_empty() => Some(value.into_owned()),
        // A failure stays in the program, to be reported as an issue on its rule.
        _ => None,
    };
    match folded {
        Some(value) => Expr::Const(value),
        None => expr,
    }
}

fn foldable(expr: &Expr) -> bool {
    let c = |e: &Expr| e.as_const().is_some();
    match expr {
        Expr::Coalesce(a, b) | Expr::And(a, b) | Expr::Or(a, b) => c(a) && c(b),
        Expr::Compare { lhs, rhs, .. } | Expr::Arith { lhs, rhs, .. } => c(lhs) && c(rhs),
        Expr::ShiftBy { value, by, .. } => c(value) && c(by),
        Expr::ToZoneOf { value, zone, .. } => c(value) && c(zone),
        Expr::If { .. } => false,
        Expr::Not(a) => c(a),
        Expr::InSet { value, .. } | Expr::IsNull { value, .. } => c(value),
        Expr::Shift { value, .. } | Expr::ToZone { value, .. } => c(value),
        Expr::Call { pure, args, .. } => *pure && args.iter().all(c),
        Expr::Lookup { table, key } => key
            .as_const()
            .is_some_and(|k| c(table.rows.get(k).unwrap_or(&table.default))),
        Expr::Ranges {
            value,
            arms,
            default,
            ..
        } => c(value) && c(default) && arms.iter().all(|a| c(&a.value)),
        Expr::Template(pieces) => pieces.iter().all(|p| matches!(p, Piece::Text(_))),
        // Labels need the program's picklist table, which folding does not see.
        Expr::Label { .. }
        | Expr::Const(_)
        | Expr::Field { .. }
        | Expr::Udf { .. }
        | Expr::EventPath(_)
        | Expr::EventTime(_)
        // A block reads records and may trace: always at run time.
        | Expr::Jsonnet { .. } => false,
    }
}

fn fixed_context() -> Option<EvalContext> {
    let (now, _) = crate::time::parse_autotask_datetime("2000-01-01T00:00:00").ok()?;
    Some(EvalContext::at(now))
}
