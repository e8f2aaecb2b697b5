//! Type checking and lowering of expressions.

use std::sync::Arc;

use super::Checker;
use super::path::Scope;
use crate::diagnostics::Span;
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::ir::{ArithOp, CompareOp, Expr, Piece};
use crate::stdlib::{self, ArgInfo};
use crate::syntax::ast::{self, BinaryOp, ExprKind, Literal, UnaryOp};
use crate::time;
use crate::value::Type;
use crate::value::key_map::KeyMap;
use crate::value::{Key, Value};

/// A lowered expression with its static type.
pub(super) struct Typed {
    pub expr: Expr,
    pub ty: Type,
}

impl Typed {
    fn new(expr: Expr, ty: Type) -> Self {
        Typed { expr, ty }
    }

    pub(super) fn error() -> Self {
        Typed::new(Expr::null(), Type::Any)
    }
}

impl<'a> Checker<'a> {
    pub(super) fn lower(&mut self, e: &ast::Expr, scope: &mut Scope<'a>) -> Typed {
        let lowered = self.lower_node(e, scope);
        Typed::new(super::fold::fold(lowered.expr), lowered.ty)
    }

    fn lower_node(&mut self, e: &ast::Expr, scope: &mut Scope<'a>) -> Typed {
        match &e.kind {
            ExprKind::Literal(lit) => self.literal(lit, e.span),
            ExprKind::Template(parts) => self.template(parts, scope),
            ExprKind::Path(path) => {
                let (expr, ty) = self.resolve_path(path, scope);
                Typed::new(expr, ty)
            }
            ExprKind::Call { name, args } => {
                let args: Vec<(Typed, Span)> = args
                    .iter()
                    .map(|a| (self.lower(a, scope), a.span))
                    .collect();
                self.call(name, args, e.span, scope)
            }
            ExprKind::List(items) => {
                let mut ty = Type::Null;
                let mut lowered = Vec::new();
                for item in items {
                    let t = self.lower(item, scope);
                    ty = ty.unify(&t.ty).unwrap_or(Type::Any);
                    lowered.push(t.expr);
                }
                // Lists appear only on the right of `in`, which folds them into sets.
                let consts: Option<Vec<Value<'static>>> =
                    lowered.iter().map(|x| x.as_const().cloned()).collect();
                match consts {
                    Some(values) => {
                        Typed::new(Expr::Const(Value::List(values)), Type::List(Box::new(ty)))
                    }
                    None => {
                        self.report(
                            Diagnostic::new(
                                Code::TypeMismatch,
                                e.span,
                                "list items must be constants",
                            )
                            .with_label("not constant"),
                        );
                        Typed::error()
                    }
                }
            }
            ExprKind::Unary { op, operand } => {
                let inner = self.lower(operand, scope);
                match op {
                    UnaryOp::Not => {
                        self.expect(
                            &inner.ty,
                            &Type::Bool,
                            operand.span,
                            "`not` needs a boolean",
                        );
                        match inner.expr.as_const() {
                            Some(Value::Bool(b)) => {
                                Typed::new(Expr::Const(Value::Bool(!b)), Type::Bool)
                            }
                            _ => Typed::new(Expr::Not(Box::new(inner.expr)), Type::Bool),
                        }
                    }
                    UnaryOp::Neg => match (inner.expr.as_const(), &inner.ty) {
                        (Some(Value::Int(i)), _) => {
                            Typed::new(Expr::Const(Value::Int(-i)), Type::Int)
                        }
                        (Some(Value::Decimal(d)), _) => {
                            Typed::new(Expr::Const(Value::Decimal(-d)), Type::Decimal)
                        }
                        (_, ty) if ty.is_numeric() => {
                            let ty = inner.ty.clone();
                            Typed::new(
                                Expr::Arith {
                                    op: ArithOp::Sub,
                                    lhs: Box::new(Expr::Const(Value::Int(0))),
                                    rhs: Box::new(inner.expr),
                                    span: e.span,
                                },
                                ty,
                            )
                        }
                        (_, Type::Duration) => match inner.expr.as_const() {
                            Some(Value::Duration(d)) => Typed::new(
                                Expr::Const(Value::Duration(d.negated())),
                                Type::Duration,
                            ),
                            _ => Typed::error(),
                        },
                        _ => {
                            self.mismatch(operand.span, "a number", &inner.ty, None);
                            Typed::error()
                        }
                    },
                }
            }
            ExprKind::Binary {
                op,
                op_span,
                lhs,
                rhs,
            } => self.binary(*op, *op_span, lhs, rhs, e.span, scope),
            ExprKind::AtZone { value, zone } => {
                let inner = self.lower(value, scope);
                self.expect(
                    &inner.ty,
                    &Type::DateTime,
                    value.span,
                    "`at` converts a date-time to another zone",
                );
                let zone = match zone {
                    ast::ZoneRef::Name(name) => name,
                    ast::ZoneRef::Computed(zone_expr) => {
                        return self.computed_zone(inner, zone_expr, e.span, scope);
                    }
                };
                let calendar_date = scope.is_calendar_date(&inner.expr);
                match self.zone(zone) {
                    Some(zone) => Typed::new(
                        Expr::ToZone {
                            value: Box::new(inner.expr),
                            zone,
                            calendar_date,
                        },
                        Type::DateTime,
                    ),
                    None => Typed::error(),
                }
            }
            ExprKind::If {
                condition,
                then,
                otherwise,
            } => self.if_else(condition, then, otherwise, scope),
            ExprKind::IsNull { value, negated } => {
                let inner = self.lower(value, scope);
                Typed::new(
                    Expr::IsNull {
                        value: Box::new(inner.expr),
                        negated: *negated,
                    },
                    Type::Bool,
                )
            }
            ExprKind::Match { subject, arms } => match subject {
                Some(subject) => {
                    let input = self.lower(subject, scope);
                    self.match_block(input, arms, e.span, scope)
                }
                None => self.missing_subject(e.span, "match"),
            },
            ExprKind::Ranges { subject, arms } => match subject {
                Some(subject) => {
                    let input = self.lower(subject, scope);
                    self.ranges_block(input, subject.span, arms, e.span, scope)
                }
                None => self.missing_subject(e.span, "ranges"),
            },
            ExprKind::Jsonnet {
                reads,
                code,
                code_span,
                code_line,
            } => self.jsonnet(reads, code, (*code_span, *code_line), e.span, scope),
        }
    }

    /// `if c then a else b`: a boolean condition, branches of one type (or one of them null).
    fn if_else(
        &mut self,
        condition: &ast::Expr,
        then: &ast::Expr,
        otherwise: &ast::Expr,
        scope: &mut Scope<'a>,
    ) -> Typed {
        let c = self.lower(condition, scope);
        self.expect(
            &c.ty,
            &Type::Bool,
            condition.span,
            "the condition of `if` must be true or false",
        );
        let a = self.lower(then, scope);
        let b = self.lower(otherwise, scope);
        let ty = match a.ty.unify(&b.ty) {
            Some(ty) => ty,
            None => {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        otherwise.span,
                        format!(
                            "the branches of `if` differ: `then` gives {}, `else` gives {}",
                            a.ty, b.ty
                        ),
                    )
                    .with_label(format!("this is {}", b.ty))
                    .with_context(then.span, format!("this is {}", a.ty))
                    .with_help("give both branches the same type, or `null` for no value"),
                );
                return Typed::error();
            }
        };
        // A picklist beside text is shown as its label, as with `??`.
        let (a, b) = if ty == Type::String {
            (self.as_text(a), self.as_text(b))
        } else {
            (a.expr, b.expr)
        };
        Typed::new(
            Expr::If {
                condition: Box::new(c.expr),
                then: Box::new(a),
                otherwise: Box::new(b),
            },
            ty,
        )
    }

    /// `value at (zone)`: a constant zone is checked now; one computed from the record is
    /// resolved at run time, and a name that is not a zone then is an issue on the rule.
    fn computed_zone(
        &mut self,
        value: Typed,
        zone: &ast::Expr,
        span: Span,
        scope: &mut Scope<'a>,
    ) -> Typed {
        let mut z = self.lower(zone, scope);
        // A picklist (a UDF of zones, say) names its zone by its label.
        if let Type::Picklist(_) = z.ty {
            z = Typed::new(self.as_text(z), Type::String);
        }
        if !self.expect(
            &z.ty,
            &Type::String,
            zone.span,
            "`at (…)` needs the name of an IANA time zone, such as \"America/Chicago\"",
        ) {
            return Typed::error();
        }
        let calendar_date = scope.is_calendar_date(&value.expr);
        if let Some(Value::Str(name)) = z.expr.as_const() {
            let name = ast::StringLit {
                value: name.to_string(),
                span: zone.span,
            };
            return match self.zone(&name) {
                Some(tz) => Typed::new(
                    Expr::ToZone {
                        value: Box::new(value.expr),
                        zone: tz,
                        calendar_date,
                    },
                    Type::DateTime,
                ),
                None => Typed::error(),
            };
        }
        Typed::new(
            Expr::ToZoneOf {
                value: Box::new(value.expr),
                zone: Box::new(z.expr),
                calendar_date,
                span,
            },
            Type::DateTime,
        )
    }

    fn missing_subject(&mut self, span: Span, what: &str) -> Typed {
        self.report(
            Diagnostic::new(
                Code::MissingSubject,
                span,
                format!("this `{what}` has no value to work on"),
            )
            .with_help(format!(
                "write `value | {what} {{ … }}` or `{what} value {{ … }}`"
            )),
        );
        Typed::error()
    }

    fn literal(&mut self, lit: &Literal, span: Span) -> Typed {
        match lit {
            Literal::Null => Typed::new(Expr::null(), Type::Null),
            Literal::Bool(b) => Typed::new(Expr::Const(Value::Bool(*b)), Type::Bool),
            Literal::Int(i) => Typed::new(Expr::Const(Value::Int(*i)), Type::Int),
            Literal::Decimal(d) => Typed::new(Expr::Const(Value::Decimal(*d)), Type::Decimal),
            Literal::String(s) => Typed::new(Expr::Const(Value::str(s.clone())), Type::String),
            Literal::Duration(text) => match time::parse_duration_literal(text) {
                Ok(d) => Typed::new(Expr::Const(Value::Duration(d)), Type::Duration),
                Err(e) => {
                    self.report(
                        Diagnostic::new(Code::BadDuration, span, e.to_string()).with_label("here"),
                    );
                    Typed::error()
                }
            },
        }
    }

    fn template(&mut self, parts: &[ast::TemplatePart], scope: &mut Scope<'a>) -> Typed {
        let mut pieces: Vec<Piece> = Vec::new();
        for part in parts {
            match part {
                ast::TemplatePart::Text(text) => pieces.push(Piece::Text(text.as_str().into())),
                ast::TemplatePart::Expr(e) => {
                    let t = self.lower(e, scope);
                    if matches!(t.ty, Type::List(_)) {
                        self.mismatch(e.span, "a value that reads as text", &t.ty, None);
                    }
                    let expr = self.as_text(t);
                    match expr.as_const() {
                        Some(v) => pieces.push(Piece::Text(v.to_string().into())),
                        None => pieces.push(Piece::Value(expr)),
                    }
                }
            }
        }
        // Fold adjacent text, and the whole template when nothing is left to compute.
        let mut folded: Vec<Piece> = Vec::new();
        for piece in pieces {
            match (folded.last_mut(), piece) {
                (Some(Piece::Text(prev)), Piece::Text(next)) => {
                    *prev = format!("{prev}{next}").into()
                }
                (_, piece) => folded.push(piece),
            }
        }
        match folded.as_slice() {
            [] => Typed::new(Expr::Const(Value::str("")), Type::String),
            [Piece::Text(t)] => Typed::new(Expr::Const(Value::str(t.to_string())), Type::String),
            _ => Typed::new(Expr::Template(folded.into_boxed_slice()), Type::String),
        }
    }

    /// A picklist value shown as text is its label.
    pub(super) fn as_text(&mut self, t: Typed) -> Expr {
        match t.ty {
            Type::Picklist(p) => Expr::Label {
                picklist: p.index,
                value: Box::new(t.expr),
            },
            _ => t.expr,
        }
    }

    pub(super) fn expect(&mut self, found: &Type, expected: &Type, span: Span, why: &str) -> bool {
        if found == expected || matches!(found, Type::Any) || (matches!(found, Type::Null)) {
            return true;
        }
        self.mismatch(span, &expected.to_string(), found, Some(why));
        false
    }

    pub(super) fn mismatch(&mut self, span: Span, expected: &str, found: &Type, why: Option<&str>) {
        let mut d = Diagnostic::new(
            Code::TypeMismatch,
            span,
            format!("expected {expected}, found {found}"),
        )
        .with_label(format!("this is {found}"));
        if let Some(why) = why {
            d = d.with_note(why.to_string());
        }
        self.report(d);
    }

    pub(super) fn zone(&mut self, zone: &ast::StringLit) -> Option<jiff::tz::TimeZone> {
        match time::resolve_zone(&zone.value) {
            Ok(tz) => {
                if let Some(place) = fixed_offset_place(&zone.value) {
                    self.report(
                        Diagnostic::new(
                            Code::FixedOffsetZone,
                            zone.span,
                            format!(
                                "{:?} is a fixed offset from UTC, with no daylight saving time",
                                zone.value
                            ),
                        )
                        .with_label("the same offset all year")
                        .with_help(format!("name the place's zone instead: {place}")),
                    );
                }
                Some(tz)
            }
            Err(_) => {
                let names: Vec<String> =
                    jiff::tz::db().available().map(|n| n.to_string()).collect();
                let meant: Vec<&str> = time::zone_meant_by(&zone.value).into_iter().collect();
                self.unknown_meaning(
                    Code::UnknownZone,
                    zone.span,
                    format!("{:?} is not an IANA time zone", zone.value),
                    &zone.value,
                    &meant,
                    names.iter().map(String::as_str),
                );
                None
            }
        }
    }

    fn call(
        &mut self,
        name: &ast::Ident,
        args: Vec<(Typed, Span)>,
        span: Span,
        scope: &Scope<'a>,
    ) -> Typed {
        let Some(function) = stdlib::lookup(&name.name) else {
            let mut candidates: Vec<&str> = stdlib::all().iter().map(|f| f.name()).collect();
            candidates.push("udf");
            candidates.sort_unstable();
            let list = format!("the functions are {}", candidates.join(", "));
            let d = Diagnostic::new(
                Code::UnknownFunction,
                name.span,
                format!("unknown function `{}`", name.name),
            );
            let d = match did_you_mean(&name.name, candidates.iter().copied()) {
                Some(s) => d
                    .with_label(format!("did you mean `{s}`?"))
                    .with_help(format!("replace `{}` with `{s}`; {list}", name.name)),
                None => d.with_label("not a function").with_help(list),
            };
            self.report(d);
            return Typed::error();
        };
        self.apply(function, name.span, args, span, scope)
    }

    /// Compiles a call of a known function with lowered arguments.
    pub(super) fn apply(
        &mut self,
        function: &'static dyn stdlib::Function,
        name_span: Span,
        args: Vec<(Typed, Span)>,
        span: Span,
        scope: &Scope<'a>,
    ) -> Typed {
        // `to_zone(date, "Zone")` is `date at "Zone"`: a calendar date keeps its day.
        if function.name() == "to_zone"
            && let [(value, _), (zone, _)] = args.as_slice()
            && scope.is_calendar_date(&value.expr)
            && let Some(Value::Str(name)) = zone.expr.as_const()
            && let Ok(zone) = time::resolve_zone(name)
        {
            let value = args
                .into_iter()
                .next()
                .map_or_else(Expr::null, |(v, _)| v.expr);
            return Typed::new(
                Expr::ToZone {
                    value: Box::new(value),
                    zone,
                    calendar_date: true,
                },
                Type::DateTime,
            );
        }
        let infos: Vec<ArgInfo> = args
            .iter()
            .map(|(t, _)| ArgInfo {
                ty: &t.ty,
                constant: t.expr.as_const(),
            })
            .collect();
        if function.name() == "format"
            && let Some((value, value_span)) = args.first()
            && value.ty == Type::DateTime
            && !names_zone(&value.expr)
            && !scope.is_calendar_date(&value.expr)
        {
            self.report(
                Diagnostic::new(
                    Code::ImplicitZone,
                    *value_span,
                    "this date-time is formatted on Autotask's clock (America/New_York)",
                )
                .with_label("no zone chosen")
                .with_help(
                    "say which clock the text is for: `value at \"America/Chicago\" | format(…)`",
                ),
            );
        }
        match function.compile(&infos) {
            Ok(compiled) => {
                let exprs: Vec<Expr> = args
                    .into_iter()
                    .zip(
                        compiled
                            .text_args
                            .iter()
                            .copied()
                            .chain(std::iter::repeat(false)),
                    )
                    .map(|((t, _), text)| if text { self.as_text(t) } else { t.expr })
                    .collect();
                Typed::new(
                    Expr::Call {
                        name: function.name(),
                        pure: function.pure(),
                        call: compiled.call,
                        args: exprs.into_boxed_slice(),
                        span,
                    },
                    compiled.returns,
                )
            }
            Err(error) => {
                let at = error
                    .arg
                    .and_then(|i| args.get(i))
                    .map_or(name_span, |(t, s)| {
                        match (&error.within, t.expr.as_const()) {
                            (Some(within), Some(Value::Str(text))) => {
                                inside_literal(*s, text, within.clone())
                            }
                            _ => *s,
                        }
                    });
                let code = if error.arity {
                    Code::WrongArity
                } else {
                    error.code.unwrap_or(Code::TypeMismatch)
                };
                let mut d = Diagnostic::new(code, at, error.message)
                    .with_label(error.label.unwrap_or_default());
                d = d.with_help(format!("{} — {}", function.signature(), function.summary()));
                self.report(d);
                Typed::error()
            }
        }
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        op_span: Span,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        scope: &mut Scope<'a>,
    ) -> Typed {
        if op == BinaryOp::Pipe {
            let input = self.lower(lhs, scope);
            return self.pipe(input, lhs.span, rhs, scope);
        }
        if op == BinaryOp::In {
            let value = self.lower(lhs, scope);
            return self.in_list(value, rhs, scope);
        }
        let l = self.lower(lhs, scope);
        let r = self.lower(rhs, scope);
        match op {
            BinaryOp::And | BinaryOp::Or => {
                self.expect(
                    &l.ty,
                    &Type::Bool,
                    lhs.span,
                    "`and`/`or` combine conditions",
                );
                self.expect(
                    &r.ty,
                    &Type::Bool,
                    rhs.span,
                    "`and`/`or` combine conditions",
                );
                let (a, b) = (Box::new(l.expr), Box::new(r.expr));
                let expr = if op == BinaryOp::And {
                    Expr::And(a, b)
                } else {
                    Expr::Or(a, b)
                };
                Typed::new(expr, Type::Bool)
            }
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => self.compare(op, op_span, l, lhs.span, r, rhs.span),
            BinaryOp::Coalesce => {
                let ty = match l.ty.unify(&r.ty) {
                    Some(ty) => ty,
                    None => {
                        self.report(
                            Diagnostic::new(
                                Code::TypeMismatch,
                                rhs.span,
                                format!("the default is {}, but the value is {}", r.ty, l.ty),
                            )
                            .with_label(format!("this is {}", r.ty))
                            .with_context(lhs.span, format!("this is {}", l.ty)),
                        );
                        Type::Any
                    }
                };
                // Picklist ?? "text" is text: show the label.
                let (a, b) = if ty == Type::String {
                    (self.as_text(l), self.as_text(r))
                } else {
                    (l.expr, r.expr)
                };
                Typed::new(Expr::Coalesce(Box::new(a), Box::new(b)), ty)
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
                self.arith(op, l, lhs.span, r, rhs.span, span)
            }
            BinaryOp::Pipe | BinaryOp::In => Typed::error(),
        }
    }

    fn arith(
        &mut self,
        op: BinaryOp,
        l: Typed,
        lspan: Span,
        r: Typed,
        rspan: Span,
        span: Span,
    ) -> Typed {
        // A side that is `any` after an error was reported already: one mistake, one diagnostic.
        if (l.ty == Type::Any && l.expr.as_const().is_some())
            || (r.ty == Type::Any && r.expr.as_const().is_some())
        {
            return Typed::error();
        }
        let arith_op = match op {
            BinaryOp::Add => ArithOp::Add,
            BinaryOp::Sub => ArithOp::Sub,
            BinaryOp::Mul => ArithOp::Mul,
            _ => ArithOp::Div,
        };
        match (&l.ty, &r.ty) {
            (Type::DateTime, Type::Duration) if matches!(arith_op, ArithOp::Add | ArithOp::Sub) => {
                let Some(Value::Duration(d)) = r.expr.as_const() else {
                    // A duration computed from the record: `DueDateTime + hours(EstimatedHours)`.
                    return Typed::new(
                        Expr::ShiftBy {
                            value: Box::new(l.expr),
                            by: Box::new(r.expr),
                            subtract: arith_op == ArithOp::Sub,
                            span,
                        },
                        Type::DateTime,
                    );
                };
                let by = if arith_op == ArithOp::Sub {
                    d.negated()
                } else {
                    *d
                };
                Typed::new(
                    Expr::Shift {
                        value: Box::new(l.expr),
                        by,
                        span,
                    },
                    Type::DateTime,
                )
            }
            (a, b) if a.is_numeric() && b.is_numeric() => {
                let ty = if *a == Type::Int && *b == Type::Int && arith_op != ArithOp::Div {
                    Type::Int
                } else if matches!(a, Type::Any) || matches!(b, Type::Any) {
                    Type::Any
                } else {
                    Type::Decimal
                };
                Typed::new(
                    Expr::Arith {
                        op: arith_op,
                        lhs: Box::new(l.expr),
                        rhs: Box::new(r.expr),
                        span,
                    },
                    ty,
                )
            }
            (Type::String, _) | (_, Type::String) if op == BinaryOp::Add => {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        span,
                        "`+` adds numbers or shifts date-times; it does not join text",
                    )
                    .with_label("text here")
                    .with_help("join text with a template: \"${a} ${b}\""),
                );
                Typed::error()
            }
            (a, b) => {
                let (bad, ty) = if a.is_numeric() || *a == Type::DateTime {
                    (rspan, b)
                } else {
                    (lspan, a)
                };
                self.mismatch(bad, "a number (or a date-time plus a duration)", ty, None);
                Typed::error()
            }
        }
    }

    pub(super) fn compare(
        &mut self,
        op: BinaryOp,
        op_span: Span,
        l: Typed,
        lspan: Span,
        r: Typed,
        rspan: Span,
    ) -> Typed {
        let cmp = match op {
            BinaryOp::Eq => CompareOp::Eq,
            BinaryOp::Ne => CompareOp::Ne,
            BinaryOp::Lt => CompareOp::Lt,
            BinaryOp::Le => CompareOp::Le,
            BinaryOp::Gt => CompareOp::Gt,
            _ => CompareOp::Ge,
        };
        let equality = matches!(cmp, CompareOp::Eq | CompareOp::Ne);
        // `x == null` is a null test.
        if equality && (l.ty == Type::Null || r.ty == Type::Null) {
            let value = if l.ty == Type::Null { r.expr } else { l.expr };
            return Typed::new(
                Expr::IsNull {
                    value: Box::new(value),
                    negated: cmp == CompareOp::Ne,
                },
                Type::Bool,
            );
        }
        let (l_expr, r_expr) = match (&l.ty, &r.ty) {
            (Type::Picklist(p), Type::String) | (Type::String, Type::Picklist(p)) if equality => {
                let p = p.clone();
                let (pick, text, text_span) = if matches!(l.ty, Type::Picklist(_)) {
                    (l, r, rspan)
                } else {
                    (r, l, lspan)
                };
                match text.expr.as_const() {
                    Some(Value::Str(label)) => {
                        let id = self.label_to_value(&p, label, text_span);
                        (pick.expr, Expr::Const(id))
                    }
                    // Compared with computed text: compare labels.
                    _ => {
                        let pick = self.as_text(pick);
                        (pick, text.expr)
                    }
                }
            }
            (Type::Picklist(_), Type::Int) | (Type::Int, Type::Picklist(_)) if equality => {
                (l.expr, r.expr)
            }
            (Type::Picklist(a), Type::Picklist(b)) if equality && a == b => (l.expr, r.expr),
            (Type::Picklist(p), _) | (_, Type::Picklist(p)) => {
                let message = if equality {
                    format!("a {} value can be compared with one of its labels", p.name)
                } else {
                    format!(
                        "picklist {} has no order; compare with `==`, `!=` or `in`",
                        p.name
                    )
                };
                self.report(
                    Diagnostic::new(Code::TypeMismatch, op_span, message).with_label("here"),
                );
                return Typed::new(Expr::Const(Value::Bool(false)), Type::Bool);
            }
            (a, b) if a.is_numeric() && b.is_numeric() => (l.expr, r.expr),
            (Type::Any, _) | (_, Type::Any) => (l.expr, r.expr),
            (a, b) if a == b && matches!(a, Type::String | Type::DateTime) => (l.expr, r.expr),
            (a, b) if a == b && *a == Type::Bool && equality => (l.expr, r.expr),
            (a, b) => {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        op_span,
                        format!("cannot compare {a} with {b}"),
                    )
                    .with_context(lspan, format!("{a}"))
                    .with_context(rspan, format!("{b}")),
                );
                return Typed::new(Expr::Const(Value::Bool(false)), Type::Bool);
            }
        };
        Typed::new(
            Expr::Compare {
                op: cmp,
                lhs: Box::new(l_expr),
                rhs: Box::new(r_expr),
            },
            Type::Bool,
        )
    }

    /// Resolves a label of a picklist to the value the API carries, reporting unknown,
    /// case-mismatched and inactive labels.
    pub(super) fn label_to_value(
        &mut self,
        p: &super::PicklistType,
        label: &str,
        span: Span,
    ) -> Value<'static> {
        let Some(list) = self.picklists.get(p) else {
            return Value::Null;
        };
        if let Some(entry) = list.by_label(label) {
            let value = pick_value(&entry.value);
            if !entry.active {
                self.report(
                    Diagnostic::new(
                        Code::InactivePicklistValue,
                        span,
                        format!("{label:?} is an inactive {} value in this tenant", p.name),
                    )
                    .with_label("inactive")
                    .with_help(
                        "Autotask no longer offers this value; tickets will rarely carry it",
                    ),
                );
            }
            return value;
        }
        let loose = list.by_loose_label(label).map(|e| e.label.clone());
        let mut d = Diagnostic::new(
            Code::UnknownPicklistLabel,
            span,
            format!(
                "{label:?} is not a {} label in tenant {:?}",
                p.name, self.schemas.tenant.name
            ),
        );
        if let Some(exact) = loose {
            d = d
                .with_label(format!("differs from {exact:?} only in case or spacing"))
                .with_help(format!("labels match exactly; write {exact:?}"));
        } else if let Some(close) = did_you_mean(label, list.labels()) {
            d = d
                .with_label(format!("did you mean {close:?}?"))
                .with_help(format!("replace it with {close:?}"));
        } else {
            let labels: Vec<String> = list
                .values
                .iter()
                .filter(|v| v.active)
                .map(|v| format!("{:?}", v.label))
                .collect();
            d = d
                .with_label("unknown label")
                .with_help(format!("the labels are {}", labels.join(", ")));
        }
        self.report(d);
        Value::Null
    }

    fn in_list(&mut self, value: Typed, list: &ast::Expr, scope: &mut Scope<'a>) -> Typed {
        let ExprKind::List(items) = &list.kind else {
            self.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    list.span,
                    "`in` needs a list of constants: `[\"a\", \"b\"]`",
                )
                .with_label("not a list"),
            );
            return Typed::error();
        };
        let mut set = KeyMap::default();
        let picklist = match &value.ty {
            Type::Picklist(p) => Some(p.clone()),
            _ => None,
        };
        for item in items {
            let t = self.lower(item, scope);
            let constant = match (t.expr.as_const(), &picklist) {
                (Some(Value::Str(label)), Some(p)) => {
                    Some(self.label_to_value(p, label, item.span))
                }
                (Some(v), _) => {
                    if value.ty.unify(&t.ty).is_none() {
                        self.mismatch(
                            item.span,
                            &value.ty.to_string(),
                            &t.ty,
                            Some("every item of the list must have the value's type"),
                        );
                    }
                    Some(v.clone())
                }
                (None, _) => None,
            };
            match constant.as_ref().and_then(Key::of) {
                Some(key) => {
                    set.insert(key, ());
                }
                None if constant.as_ref().is_some_and(Value::is_null) => {}
                None if matches!(constant, Some(Value::Decimal(_))) => self.report(
                    Diagnostic::new(Code::TypeMismatch, item.span, "`in` does not compare decimals exactly")
                        .with_label("a decimal")
                        .with_help("hours and money rarely equal a written value; compare with `<=`/`>=` or use `ranges`"),
                ),
                None => self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        item.span,
                        "`in` lists hold constant text, numbers or booleans",
                    )
                    .with_label("not usable here"),
                ),
            }
        }
        Typed::new(
            Expr::InSet {
                value: Box::new(value.expr),
                set: Arc::new(set),
            },
            Type::Bool,
        )
    }

    fn pipe(
        &mut self,
        input: Typed,
        input_span: Span,
        stage: &ast::Expr,
        scope: &mut Scope<'a>,
    ) -> Typed {
        match &stage.kind {
            ExprKind::Path(path) if path.segments.len() == 1 => {
                let ast::PathSegment::Field(name) = &path.segments[0] else {
                    return self.not_a_stage(stage.span);
                };
                if self.tables.contains_key(&name.name) {
                    return self.table_lookup(input, input_span, name);
                }
                if let Some(function) = stdlib::lookup(&name.name) {
                    return self.apply(
                        function,
                        name.span,
                        vec![(input, input_span)],
                        stage.span,
                        scope,
                    );
                }
                let mut candidates: Vec<&str> = self.tables.keys().map(String::as_str).collect();
                candidates.extend(stdlib::all().iter().map(|f| f.name()));
                let candidates: Vec<String> = candidates.into_iter().map(str::to_string).collect();
                self.unknown(
                    Code::UnknownTable,
                    name.span,
                    format!("no table or function named `{}`", name.name),
                    &name.name,
                    candidates.iter().map(String::as_str),
                );
                Typed::error()
            }
            ExprKind::Call { name, args } => {
                if self.tables.contains_key(&name.name) {
                    self.report(
                        Diagnostic::new(
                            Code::NotAPipeStage,
                            stage.span,
                            format!("table `{}` takes no arguments", name.name),
                        )
                        .with_help(format!("write `value | {}`", name.name)),
                    );
                    return Typed::error();
                }
                let mut lowered = vec![(input, input_span)];
                lowered.extend(args.iter().map(|a| (self.lower(a, scope), a.span)));
                self.call(name, lowered, stage.span, scope)
            }
            ExprKind::Match {
                subject: None,
                arms,
            } => self.match_block(input, arms, stage.span, scope),
            ExprKind::Ranges {
                subject: None,
                arms,
            } => self.ranges_block(input, input_span, arms, stage.span, scope),
            // `x | html ?? "d"` reads as `x | (html ?? "d")`: `??` binds tighter than `|`.
            ExprKind::Binary {
                op: BinaryOp::Coalesce,
                lhs,
                rhs,
                ..
            } if matches!(lhs.kind, ExprKind::Path(_) | ExprKind::Call { .. }) => {
                let stage_text = crate::syntax::format_expr(lhs);
                let default = crate::syntax::format_expr(rhs);
                self.report(
                    Diagnostic::new(Code::NotAPipeStage, stage.span, "this cannot follow `|`")
                        .with_label(format!("read as `| ({stage_text} ?? {default})`: `??` binds tighter than `|`"))
                        .with_help(format!(
                            "to default the piped result, write `(… | {stage_text}) ?? {default}`; to default the input, `… ?? {default} | {stage_text}`"
                        )),
                );
                Typed::error()
            }
            _ => self.not_a_stage(stage.span),
        }
    }

    fn not_a_stage(&mut self, span: Span) -> Typed {
        self.report(
            Diagnostic::new(Code::NotAPipeStage, span, "this cannot follow `|`")
                .with_label("not a function, table, match or ranges")
                .with_help("pipe into a function (`| upper`), a table (`| work_type`), `match { … }` or `ranges { … }`"),
        );
        Typed::error()
    }
}

/// The span of bytes `within` of a string literal's value, inside the literal at `span`. The
/// escapes are taken to be written as the formatter writes them (`\\`, `\"`, `\n`, `\t`, `\r`);
/// when the literal's length says otherwise, the whole literal is the place.
fn inside_literal(span: Span, value: &str, within: std::ops::Range<usize>) -> Span {
    let written = |c: char| match c {
        '\\' | '"' | '\n' | '\t' | '\r' => 2,
        c => c.len_utf8(),
    };
    let source_len: usize = value.chars().map(written).sum::<usize>() + 2;
    if source_len != span.end.saturating_sub(span.start) {
        return span;
    }
    let offset = |at: usize| {
        span.start
            + 1
            + value
                .char_indices()
                .take_while(|(i, _)| *i < at)
                .map(|(_, c)| written(c))
                .sum::<usize>()
    };
    let (start, end) = (offset(within.start), offset(within.end.min(value.len())));
    Span::new(start, end.max(start + 1).min(span.end - 1))
}

/// Whether a date-time expression states its zone: `at`, `to_zone`, `local_in`, or a value
/// parsed in an explicit zone.
fn names_zone(expr: &Expr) -> bool {
    match expr {
        Expr::ToZone { .. } | Expr::ToZoneOf { .. } => true,
        Expr::ShiftBy { value, .. } => names_zone(value),
        Expr::If {
            then, otherwise, ..
        } => names_zone(then) && names_zone(otherwise),
        Expr::Call { name, .. } => matches!(*name, "to_zone" | "local_in" | "parse_datetime"),
        Expr::Shift { value, .. } => names_zone(value),
        Expr::Coalesce(a, b) => names_zone(a) && names_zone(b),
        _ => false,
    }
}

pub(super) fn pick_value(value: &crate::schema::PickValue) -> Value<'static> {
    match value {
        crate::schema::PickValue::Int(i) => Value::Int(*i),
        crate::schema::PickValue::Str(s) => Value::str(s.clone()),
    }
}

/// A zone that keeps one offset all year, and the place zone usually meant by it.
fn fixed_offset_place(name: &str) -> Option<&'static str> {
    match name.to_ascii_uppercase().as_str() {
        "EST" | "ETC/GMT+5" => Some("America/New_York"),
        "CST" | "ETC/GMT+6" => Some("America/Chicago"),
        "MST" | "ETC/GMT+7" => Some("America/Denver (or America/Phoenix, which keeps no DST)"),
        "PST" | "ETC/GMT+8" => Some("America/Los_Angeles"),
        "HST" | "ETC/GMT+10" => Some("Pacific/Honolulu"),
        _ => None,
    }
}
