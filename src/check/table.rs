//! Array maps: named tables, inline `match`, and range maps.

use std::collections::HashMap;
use std::sync::Arc;

use super::expr::Typed;
use super::path::Scope;
use super::{Checker, DeclaredTable};
use crate::diagnostics::Span;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, Expr, RangeArm};
use crate::syntax::ast::{self, Arm, Literal, Pattern, RangeBound, TableKey};
use crate::value::Key;
use crate::value::Type;
use crate::value::key_map::KeyMap;

impl<'a> Checker<'a> {
    /// Checks and lowers every named table first, so mappings can use them in any order.
    pub(super) fn declare_tables(&mut self, items: impl IntoIterator<Item = &'a ast::Item>) {
        for item in items {
            let ast::Item::Table(decl) = item else {
                continue;
            };
            if let Some(first) = self.tables.get(&decl.name.name) {
                let what = format!("table `{}`", decl.name.name);
                let d = self.redeclared(&what, "table", decl.name.span, first.decl.name.span, first.imported);
                self.report(d);
                continue;
            }
            let key = self.table_key(&decl.key);
            let value = match decl.value_type.name.as_str() {
                "string" => Type::String,
                "int" | "integer" => Type::Int,
                "decimal" | "number" => Type::Decimal,
                "bool" | "boolean" => Type::Bool,
                // IANA zone names, each checked now: `DueDateTime at (State | site_zone)`.
                "zone" => {
                    self.zone_rows(decl);
                    Type::String
                }
                other => {
                    self.unknown(
                        Code::TypeMismatch,
                        decl.value_type.span,
                        format!("`{other}` is not a table value type"),
                        other,
                        ["string", "int", "decimal", "bool", "zone"],
                    );
                    Type::Any
                }
            };
            let subject = key.clone().unwrap_or(Type::Any);
            let mut scope = Scope::constant();
            let lowered = self.arms(
                &decl.name.name,
                &subject,
                &decl.arms,
                decl.name.span,
                &mut scope,
            );
            if let Some((table, ty)) = &lowered
                && value != Type::Any
                && ty
                    .unify(&value)
                    .is_none_or(|u| u != value && !(value == Type::Decimal && u == Type::Int))
            {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        decl.value_type.span,
                        format!(
                            "table `{}` is declared `-> {}` but its values are {ty}",
                            table.name, decl.value_type.name
                        ),
                    )
                    .with_label("declared here"),
                );
            }
            self.tables.insert(
                decl.name.name.clone(),
                DeclaredTable {
                    decl,
                    key,
                    value,
                    lowered: lowered.map(|(t, _)| match self.importing {
                        Some(library) => {
                            let mut table = Arc::unwrap_or_clone(t);
                            table.origin = Some(library.shown.as_str().into());
                            Arc::new(table)
                        }
                        None => t,
                    }),
                    used: false,
                    imported: self.importing,
                },
            );
        }
    }

    /// Every value of a `-> zone` table must name an IANA time zone.
    fn zone_rows(&mut self, decl: &ast::Table) {
        for arm in &decl.arms {
            if let ast::ExprKind::Literal(Literal::String(name)) = &arm.value.kind {
                self.zone(&ast::StringLit {
                    value: name.clone(),
                    span: arm.value.span,
                });
            }
        }
    }

    fn table_key(&mut self, key: &TableKey) -> Option<Type> {
        match key {
            TableKey::Type(ident) => match ident.name.as_str() {
                "string" => Some(Type::String),
                "int" | "integer" => Some(Type::Int),
                "bool" | "boolean" => Some(Type::Bool),
                other => {
                    self.unknown(
                        Code::TypeMismatch,
                        ident.span,
                        format!("`{other}` cannot key a table"),
                        other,
                        ["string", "int", "bool"],
                    );
                    None
                }
            },
            TableKey::Field(q) => {
                let Some(entity) = self.schemas.autotask.entity(&q.qualifier.name) else {
                    let names: Vec<&str> = self.schemas.autotask.entity_names().collect();
                    self.unknown(
                        Code::UnknownSource,
                        q.qualifier.span,
                        format!("unknown Autotask entity `{}`", q.qualifier.name),
                        &q.qualifier.name,
                        names,
                    );
                    return None;
                };
                let Some(field) = entity.field(&q.name.name) else {
                    let names: Vec<&str> = entity.fields.iter().map(|f| f.name.as_str()).collect();
                    self.unknown(
                        Code::UnknownField,
                        q.name.span,
                        format!("unknown field `{}` on {}", q.name.name, entity.name),
                        &q.name.name,
                        names,
                    );
                    return None;
                };
                match self.schemas.tenant.picklist(&entity.name, &field.name) {
                    Some(list) if field.picklist => Some(Type::Picklist(
                        self.picklists
                            .register(format!("{}.{}", entity.name, field.name), list),
                    )),
                    _ => {
                        self.report(
                            Diagnostic::new(
                                Code::NotAPicklist,
                                q.span,
                                format!(
                                    "{}.{} is not a picklist in this tenant",
                                    entity.name, field.name
                                ),
                            )
                            .with_label("keys must be labels of a picklist")
                            .with_help(
                                "key the table by a type instead, e.g. `table t: string -> int`",
                            ),
                        );
                        None
                    }
                }
            }
        }
    }

    pub(super) fn table_lookup(
        &mut self,
        input: Typed,
        input_span: Span,
        name: &ast::Ident,
    ) -> Typed {
        let Some(table) = self.tables.get_mut(&name.name) else {
            return Typed {
                expr: Expr::null(),
                ty: Type::Any,
            };
        };
        table.used = true;
        let (key, value, lowered) = (
            table.key.clone(),
            table.value.clone(),
            table.lowered.clone(),
        );
        let Some(lowered) = lowered else {
            return Typed {
                expr: Expr::null(),
                ty: Type::Any,
            };
        };
        let key_expr = match (&key, &input.ty) {
            (Some(Type::Picklist(want)), Type::Picklist(got)) if want != got => {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        input_span,
                        format!(
                            "table `{}` is keyed by {} labels, but this is {}",
                            name.name, want.name, got.name
                        ),
                    )
                    .with_label(format!("a {} value", got.name)),
                );
                return Typed {
                    expr: Expr::null(),
                    ty: Type::Any,
                };
            }
            (Some(Type::Picklist(_)), Type::Picklist(_)) => input.expr,
            (Some(Type::Picklist(want)), other) if *other != Type::Any && *other != Type::Null => {
                self.mismatch(
                    input_span,
                    &format!("a {} value", want.name),
                    other,
                    Some("the table's keys are picklist labels"),
                );
                return Typed {
                    expr: Expr::null(),
                    ty: Type::Any,
                };
            }
            (Some(Type::String), _) => self.as_text(input),
            (Some(k), other) => {
                if k.unify(other).is_none() {
                    self.mismatch(
                        input_span,
                        &k.to_string(),
                        other,
                        Some("the value must have the table's key type"),
                    );
                }
                input.expr
            }
            (None, _) => input.expr,
        };
        Typed {
            expr: Expr::Lookup {
                table: lowered,
                key: Box::new(key_expr),
            },
            ty: value,
        }
    }

    pub(super) fn match_block(
        &mut self,
        input: Typed,
        arms: &[Arm],
        span: Span,
        scope: &mut Scope<'a>,
    ) -> Typed {
        let Some((table, ty)) = self.arms("match", &input.ty, arms, span, scope) else {
            return Typed {
                expr: Expr::null(),
                ty: Type::Any,
            };
        };
        Typed {
            expr: Expr::Lookup {
                table,
                key: Box::new(input.expr),
            },
            ty,
        }
    }

    /// Lowers arms into a lookup table. Picklist subjects take labels as patterns.
    fn arms(
        &mut self,
        name: &str,
        subject: &Type,
        arms: &[Arm],
        span: Span,
        scope: &mut Scope<'a>,
    ) -> Option<(Arc<ir::Table>, Type)> {
        let mut rows = KeyMap::default();
        let mut seen: HashMap<Key, Span> = HashMap::new();
        let mut default: Option<Expr> = None;
        let mut ty = Type::Null;
        let mut values = Vec::with_capacity(arms.len());
        for arm in arms {
            let value = self.lower(&arm.value, scope);
            match ty.unify(&value.ty) {
                Some(t) => ty = t,
                None => self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        arm.value.span,
                        format!("this arm gives {}, the arms before it give {ty}", value.ty),
                    )
                    .with_label(format!("{}", value.ty)),
                ),
            }
            values.push(value);
        }
        for (i, (arm, value)) in arms.iter().zip(values).enumerate() {
            // When the arms' common type is text, a picklist result reads as its label, in
            // every arm (the type is known only after all arms).
            let value_expr = if ty == Type::String {
                self.as_text(value)
            } else {
                value.expr
            };
            for pattern in &arm.patterns {
                match pattern {
                    Pattern::Wildcard(wspan) => {
                        if i + 1 != arms.len() || arm.patterns.len() > 1 {
                            self.report(
                                Diagnostic::new(
                                    Code::MisplacedDefault,
                                    *wspan,
                                    "the default arm `_` must be the last arm, on its own",
                                )
                                .with_label("arms after it are unreachable"),
                            );
                        }
                        default = Some(value_expr.clone());
                    }
                    Pattern::Literal(lit, pspan) => {
                        let Some(key) = self.pattern_key(subject, lit, *pspan) else {
                            continue;
                        };
                        if let Some(first) = seen.get(&key) {
                            self.report(
                                Diagnostic::new(
                                    Code::DuplicateKey,
                                    *pspan,
                                    format!("{} is listed twice", pattern_text(lit)),
                                )
                                .with_label("unreachable")
                                .with_context(*first, "first listed here"),
                            );
                            continue;
                        }
                        seen.insert(key.clone(), *pspan);
                        rows.insert(key, value_expr.clone());
                    }
                }
            }
        }
        let Some(default) = default else {
            self.report(
                Diagnostic::new(
                    Code::MissingDefault,
                    span,
                    format!("`{name}` has no default arm"),
                )
                .with_label("no `_ => …` arm")
                .with_help(
                    "add `_ => <value>` as the last arm: values the arms do not list need a result",
                ),
            );
            return None;
        };
        if let Type::Picklist(p) = subject {
            self.coverage_lint(p, &seen, span);
        }
        Some((
            Arc::new(ir::Table {
                name: name.to_string(),
                rows,
                default,
                span,
                origin: None,
                key_picklist: match subject {
                    Type::Picklist(p) => Some(p.index),
                    _ => None,
                },
            }),
            ty,
        ))
    }

    /// Lint: active picklist values that no arm lists fall to the default, which is often a
    /// value added in Autotask after the mapping was written.
    fn coverage_lint(&mut self, p: &super::PicklistType, listed: &HashMap<Key, Span>, span: Span) {
        let Some(list) = self.picklists.get(p) else {
            return;
        };
        let missing: Vec<String> = list
            .values
            .iter()
            .filter(|v| v.active && !listed.contains_key(&super::picklists::pick_key(&v.value)))
            .map(|v| format!("{:?}", v.label))
            .collect();
        if missing.is_empty() {
            return;
        }
        let d = Diagnostic::new(
            Code::UncoveredPicklistValues,
            span,
            format!(
                "{} active {} value(s) fall to the default: {}",
                missing.len(),
                p.name,
                missing.join(", ")
            ),
        )
        .with_label("not every value is listed")
        .with_help("list them, or allow FM0901 here if the default is right for all of them");
        self.report(d);
    }

    fn pattern_key(&mut self, subject: &Type, lit: &Literal, span: Span) -> Option<Key> {
        match (subject, lit) {
            (Type::Picklist(p), Literal::String(label)) => {
                let p = p.clone();
                Key::of(&self.label_to_value(&p, label, span))
            }
            (Type::Picklist(_), Literal::Int(i)) => Some(Key::Int(*i)),
            (_, Literal::String(s)) if matches!(subject, Type::String | Type::Any) => {
                Some(Key::Str(s.as_str().into()))
            }
            (_, Literal::Int(i)) if matches!(subject, Type::Int | Type::Decimal | Type::Any) => {
                Some(Key::Int(*i))
            }
            (_, Literal::Bool(b)) if matches!(subject, Type::Bool | Type::Any) => {
                Some(Key::Bool(*b))
            }
            (_, Literal::Decimal(_)) => {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        span,
                        "a match does not compare decimals exactly",
                    )
                    .with_label("a decimal pattern")
                    .with_help(
                        "hours and money rarely equal a written value; use `ranges { <= 2.5: … }`",
                    ),
                );
                None
            }
            _ => {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        span,
                        format!("this pattern cannot match a {subject} value"),
                    )
                    .with_label("pattern of another type"),
                );
                None
            }
        }
    }

    pub(super) fn ranges_block(
        &mut self,
        input: Typed,
        input_span: Span,
        arms: &[ast::RangeArm],
        span: Span,
        scope: &mut Scope<'a>,
    ) -> Typed {
        // Text is read as a number at run time (a UDF holding "2.5").
        if !input.ty.is_numeric() && !matches!(input.ty, Type::Null | Type::String) {
            self.mismatch(
                input_span,
                "a number",
                &input.ty,
                Some("`ranges` compares numbers"),
            );
        }
        let mut lowered: Vec<RangeArm> = Vec::new();
        let mut default = None;
        let mut ty = Type::Null;
        let mut previous: Option<(rust_decimal::Decimal, bool, Span)> = None;
        for (i, arm) in arms.iter().enumerate() {
            let value = self.lower(&arm.value, scope);
            ty = ty.unify(&value.ty).unwrap_or_else(|| {
                self.mismatch(
                    arm.value.span,
                    &ty.to_string(),
                    &value.ty,
                    Some("every arm must give the same type"),
                );
                Type::Any
            });
            match &arm.bound {
                RangeBound::Otherwise(wspan) => {
                    if i + 1 != arms.len() {
                        self.report(
                            Diagnostic::new(
                                Code::MisplacedDefault,
                                *wspan,
                                "the default arm `_` must be the last arm",
                            )
                            .with_label("arms after it are unreachable"),
                        );
                    }
                    default = Some(value.expr);
                }
                RangeBound::AtMost(bound, bspan) | RangeBound::Below(bound, bspan) => {
                    let inclusive = matches!(arm.bound, RangeBound::AtMost(..));
                    // `< 2` then `<= 2` is fine: the second arm takes exactly 2.
                    if let Some((prev, prev_inclusive, pspan)) = previous
                        && (*bound < prev || (*bound == prev && (prev_inclusive || !inclusive)))
                    {
                        self.report(
                            Diagnostic::new(
                                Code::UnorderedRanges,
                                *bspan,
                                format!("bound {bound} does not ascend after {prev}"),
                            )
                            .with_label("never reached")
                            .with_context(pspan, "an earlier arm already covers it")
                            .with_help("list range arms from the smallest bound to the largest"),
                        );
                    }
                    previous = Some((*bound, inclusive, *bspan));
                    lowered.push(RangeArm {
                        bound: *bound,
                        inclusive: matches!(arm.bound, RangeBound::AtMost(..)),
                        value: value.expr,
                    });
                }
            }
        }
        let Some(default) = default else {
            self.report(
                Diagnostic::new(Code::MissingDefault, span, "`ranges` has no default arm")
                    .with_label("no `_: …` arm")
                    .with_help("add `_: <value>` last, for values above every bound"),
            );
            return Typed {
                expr: Expr::null(),
                ty: Type::Any,
            };
        };
        Typed {
            expr: Expr::Ranges {
                value: Box::new(input.expr),
                arms: lowered.into_boxed_slice(),
                default: Box::new(default),
                span,
            },
            ty,
        }
    }
}

/// A pattern as the mapping wrote it, for messages (a picklist label, not its id).
fn pattern_text(lit: &Literal) -> String {
    match lit {
        Literal::String(s) => format!("{s:?}"),
        Literal::Int(i) => i.to_string(),
        Literal::Decimal(d) => d.to_string(),
        Literal::Bool(b) => b.to_string(),
        Literal::Null => "null".into(),
        Literal::Duration(d) => d.clone(),
    }
}
