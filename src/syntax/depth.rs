//! How deep an expression tree is, measured without recursion, so that a tree too deep for the
//! recursive passes after the parser (checking, evaluating, formatting) is refused first.

use super::ast::{Expr, ExprKind, TemplatePart};

/// The deepest any recursive pass may go: far beyond real mappings, far below the stack.
pub const MAX_DEPTH: usize = 200;

pub fn depth<'e>(root: &'e Expr) -> usize {
    let mut deepest = 0;
    let mut stack: Vec<(&'e Expr, usize)> = vec![(root, 1)];
    while let Some((e, level)) = stack.pop() {
        deepest = deepest.max(level);
        let mut push = |child: &'e Expr| stack.push((child, level + 1));
        match &e.kind {
            ExprKind::Literal(_) | ExprKind::Path(_) | ExprKind::Jsonnet { .. } => {}
            ExprKind::Template(parts) => {
                for part in parts {
                    if let TemplatePart::Expr(e) = part {
                        push(e);
                    }
                }
            }
            ExprKind::Call { args, .. } | ExprKind::List(args) => args.iter().for_each(&mut push),
            ExprKind::Unary { operand, .. } => push(operand),
            ExprKind::Binary { lhs, rhs, .. } => {
                push(lhs);
                push(rhs);
            }
            ExprKind::AtZone { value, zone } => {
                push(value);
                if let super::ast::ZoneRef::Computed(zone) = zone {
                    push(zone);
                }
            }
            ExprKind::IsNull { value, .. } => push(value),
            ExprKind::If {
                condition,
                then,
                otherwise,
            } => {
                push(condition);
                push(then);
                push(otherwise);
            }
            ExprKind::Match { subject, arms } => {
                subject.iter().for_each(|s| push(s.as_ref()));
                arms.iter().for_each(|a| push(&a.value));
            }
            ExprKind::Ranges { subject, arms } => {
                subject.iter().for_each(|s| push(s.as_ref()));
                arms.iter().for_each(|a| push(&a.value));
            }
        }
    }
    deepest
}
