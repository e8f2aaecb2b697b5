//! The evaluator: a walk over the IR. Pure: it reads only the records, the event and the
//! context it is given, and never performs I/O. Bounded: the IR has no loops or recursion.

use std::borrow::Cow;
use std::cmp::Ordering;

use rust_decimal::Decimal;

use std::cell::RefCell;

use super::coverage::Coverage;
use crate::ir::{ArithOp, CompareOp, Expr, PicklistLabels, Piece, RecordRef};
use crate::jsonnet::JsonnetError;
use crate::schema::Schemas;
use crate::stdlib::context::{CallEnv, EvalContext};
use crate::stdlib::{EvalFailure, Failure};
use crate::time::{self, DstAdjustment};
use crate::value::record::Record;
use crate::value::{Key, Value};

/// Everything an expression can read.
pub struct Env<'r> {
    pub source: Option<&'r Record>,
    pub related: Vec<Option<&'r Record>>,
    pub event: Option<&'r serde_json::Value>,
    pub picklists: &'r [PicklistLabels],
    pub ctx: &'r EvalContext,
    /// DST adjustments made while evaluating the current rule.
    pub adjustments: Vec<DstAdjustment>,
    /// Where to count table rows and range arms taken, when a test run measures coverage.
    pub coverage: Option<&'r RefCell<Coverage>>,
    /// The schemas, for building a Jsonnet block's `$.input`.
    pub schemas: Option<&'r Schemas>,
    /// What Jsonnet blocks printed with `std.trace`.
    pub traces: Vec<String>,
}

/// Most functions take up to three arguments; they are evaluated into a stack buffer.
const MAX_INLINE_ARGS: usize = 4;

impl<'r> Env<'r> {
    /// An environment with no records, for constant expressions.
    pub fn without_records(ctx: &'r EvalContext) -> Self {
        Env {
            source: None,
            related: Vec::new(),
            event: None,
            picklists: &[],
            ctx,
            adjustments: Vec::new(),
            coverage: None,
            schemas: None,
            traces: Vec::new(),
        }
    }

    fn record(&self, record: RecordRef) -> Option<&'r Record> {
        match record {
            RecordRef::Source => self.source,
            RecordRef::Related(i) => self.related.get(i as usize).copied().flatten(),
        }
    }

    /// Evaluates `expr`. A failure keeps the span of the innermost expression that has one.
    pub fn eval(&mut self, expr: &'r Expr) -> Result<Value<'r>, EvalFailure> {
        self.eval_node(expr).map_err(|mut failure| {
            if failure.span.is_none() {
                failure.span = span_of(expr);
            }
            failure
        })
    }

    fn eval_node(&mut self, expr: &'r Expr) -> Result<Value<'r>, EvalFailure> {
        Ok(match expr {
            Expr::Const(v) => v.borrowed(),
            Expr::Field { record, slot } => self.read(*record, *slot as usize, false),
            Expr::Udf { record, slot } => self.read(*record, *slot as usize, true),
            Expr::EventPath(keys) => {
                let mut node = self.event;
                for key in keys.iter() {
                    node = node.and_then(|n| n.get(key.as_ref()));
                }
                node.map_or(Value::Null, json_value)
            }
            Expr::EventTime(keys) => self.event_time(keys)?,
            Expr::Jsonnet { block, input } => self.jsonnet(block, input)?,
            Expr::Label { picklist, value } => {
                let v = self.eval(value)?;
                if v.is_null() {
                    return Ok(Value::Null);
                }
                let Some(list) = self.picklists.get(*picklist as usize) else {
                    return Ok(Value::str(v.to_string()));
                };
                match list.labels.get(&v) {
                    Some(label) => Value::Str(Cow::Borrowed(label)),
                    // Tenant drift: never send the bare id as if it were a label.
                    None => {
                        return Err(Failure::UnknownPicklistValue {
                            picklist: list.name.clone(),
                            value: v.to_string(),
                        }
                        .into());
                    }
                }
            }
            // A template whose every interpolated value is absent is absent too: a contact
            // name built from a missing contact is no name, not " ".
            Expr::Template(pieces) => self.template(pieces)?,
            Expr::Coalesce(a, b) => {
                let v = self.eval(a)?;
                if v.is_absent() { self.eval(b)? } else { v }
            }
            Expr::Not(e) => Value::Bool(!self.truth(e)?),
            Expr::And(a, b) => Value::Bool(self.truth(a)? && self.truth(b)?),
            Expr::Or(a, b) => Value::Bool(self.truth(a)? || self.truth(b)?),
            Expr::Compare { op, lhs, rhs } => {
                let (l, r) = (self.eval(lhs)?, self.eval(rhs)?);
                Value::Bool(compare(*op, &l, &r))
            }
            Expr::InSet { value, set } => {
                let v = self.eval(value)?;
                Value::Bool(set.get(&v).is_some())
            }
            Expr::IsNull { value, negated } => {
                let v = self.eval(value)?;
                Value::Bool(v.is_null() != *negated)
            }
            Expr::Arith { op, lhs, rhs, .. } => {
                let (l, r) = (self.eval(lhs)?, self.eval(rhs)?);
                arith(*op, &l, &r)?
            }
            Expr::Shift { value, by, .. } => match self.eval(value)? {
                Value::DateTime(z) => {
                    let (shifted, adjustment) =
                        time::add_duration(&z, by).map_err(Failure::from)?;
                    self.adjustments.extend(adjustment);
                    Value::DateTime(shifted)
                }
                Value::Null => Value::Null,
                v => return Err(Failure::NotADateTime(v.kind()).into()),
            },
            Expr::ShiftBy {
                value,
                by,
                subtract,
                ..
            } => self.shift_by(value, by, *subtract)?,
            Expr::ToZoneOf {
                value,
                zone,
                calendar_date,
                ..
            } => self.in_zone_of(value, zone, *calendar_date)?,
            Expr::If {
                condition,
                then,
                otherwise,
            } => {
                if self.truth(condition)? {
                    self.eval(then)?
                } else {
                    self.eval(otherwise)?
                }
            }
            Expr::ToZone {
                value,
                zone,
                calendar_date,
            } => match self.eval(value)? {
                Value::DateTime(z) => {
                    Value::DateTime(self.moved_to_zone(&z, zone, *calendar_date)?)
                }
                Value::Null => Value::Null,
                v => return Err(Failure::NoZone(v.kind()).into()),
            },
            Expr::Call { call, args, .. } => self.call(call.as_ref(), args)?,
            Expr::Lookup { table, key } => {
                let k = self.eval(key)?;
                let row = table.rows.get(&k);
                if let Some(coverage) = self.coverage {
                    coverage.borrow_mut().row(table, row.and(Key::of(&k)));
                }
                match row {
                    Some(row) => self.eval(row)?,
                    None => self.eval(&table.default)?,
                }
            }
            Expr::Ranges {
                value,
                arms,
                default,
                span,
            } => self.ranges(value, arms, default, *span)?,
        })
    }

    #[inline(never)]
    fn jsonnet(
        &mut self,
        block: &'r std::sync::Arc<crate::jsonnet::JsonnetBlock>,
        input: &'r crate::ir::InputTree,
    ) -> Result<Value<'r>, EvalFailure> {
        Ok({
            let (Some(source), Some(schemas)) = (self.source, self.schemas) else {
                return Err(Failure::JsonnetWithoutRecords.into());
            };
            let json = crate::runtime::jsonnet_input::build(input, source, &self.related, schemas);
            match block.evaluate(json) {
                Ok(out) => {
                    self.traces.extend(out.traces);
                    json_value(&out.value).into_owned()
                }
                Err(error) => {
                    if let JsonnetError::Runtime { traces, .. } = &error {
                        self.traces.extend(traces.iter().cloned());
                    }
                    return Err(Failure::Jsonnet(error.to_string()).into());
                }
            }
        })
    }

    /// An event body's date-time (`timestamp`): RFC 3339 text, read as an instant in UTC.
    fn event_time(&self, keys: &[Box<str>]) -> Result<Value<'r>, EvalFailure> {
        let mut node = self.event;
        for key in keys {
            node = node.and_then(|n| n.get(key.as_ref()));
        }
        let path = || keys.join(".");
        match node {
            None | Some(serde_json::Value::Null) => Ok(Value::Null),
            Some(serde_json::Value::String(text)) => {
                let at: jiff::Timestamp = text.parse().map_err(|_| {
                    Failure::Function(format!(
                        "`{}` is not an RFC 3339 date-time: {text:?}",
                        path()
                    ))
                })?;
                Ok(Value::DateTime(
                    at.to_zoned_datetime(jiff::tz::TimeZone::UTC),
                ))
            }
            Some(other) => Err(Failure::Function(format!(
                "`{}` is not a date-time text: {other}",
                path()
            ))
            .into()),
        }
    }

    #[inline(never)]
    fn template(&mut self, pieces: &'r [Piece]) -> Result<Value<'r>, EvalFailure> {
        Ok({
            use std::fmt::Write;
            let mut out = String::with_capacity(64);
            let mut present = false;
            for piece in pieces.iter() {
                match piece {
                    Piece::Text(t) => out.push_str(t),
                    Piece::Value(e) => {
                        let v = self.eval(e)?;
                        present |= !v.is_absent();
                        match &v {
                            Value::Str(s) => out.push_str(s),
                            v => {
                                let _ = write!(out, "{v}");
                            }
                        }
                    }
                }
            }
            if present {
                Value::str(out)
            } else {
                Value::Null
            }
        })
    }

    #[inline(never)]
    fn shift_by(
        &mut self,
        value: &'r Expr,
        by: &'r Expr,
        subtract: bool,
    ) -> Result<Value<'r>, EvalFailure> {
        Ok(match (self.eval(value)?, self.eval(by)?) {
            (Value::DateTime(z), Value::Duration(d)) => {
                let d = if subtract { d.negated() } else { d };
                let (shifted, adjustment) = time::add_duration(&z, &d).map_err(Failure::from)?;
                self.adjustments.extend(adjustment);
                Value::DateTime(shifted)
            }
            (Value::Null, _) | (_, Value::Null) => Value::Null,
            (Value::DateTime(_), v) => return Err(Failure::NotADuration(v.kind()).into()),
            (v, _) => return Err(Failure::NotADateTime(v.kind()).into()),
        })
    }

    #[inline(never)]
    /// A field or UDF of a record; a value the DST rule placed when the record was loaded is
    /// reported on the rule that reads it.
    fn read(&mut self, record: RecordRef, slot: usize, udf: bool) -> Value<'r> {
        let Some(r) = self.record(record) else {
            return Value::Null;
        };
        if !r.adjusted.is_empty()
            && let Some(adjustment) = r.adjustment(slot, udf)
            && !self.adjustments.contains(adjustment)
        {
            self.adjustments.push(adjustment.clone());
        }
        if udf { r.udf(slot) } else { r.field(slot) }.borrowed()
    }

    /// The same instant in `zone`; for a calendar date, the same day at midnight in `zone`.
    fn moved_to_zone(
        &mut self,
        value: &jiff::ZonedDateTime,
        zone: &jiff::tz::TimeZone,
        calendar_date: bool,
    ) -> Result<jiff::ZonedDateTime, EvalFailure> {
        if !calendar_date {
            return Ok(time::convert_to_zone(value, zone));
        }
        let midnight = value.date().to_datetime(jiff::civil::Time::midnight());
        let (moved, adjustment) =
            time::resolve_wall_clock(midnight, zone).map_err(Failure::from)?;
        self.adjustments.extend(adjustment);
        Ok(moved)
    }

    fn in_zone_of(
        &mut self,
        value: &'r Expr,
        zone: &'r Expr,
        calendar_date: bool,
    ) -> Result<Value<'r>, EvalFailure> {
        Ok({
            let v = self.eval(value)?;
            let name = self.eval(zone)?;
            match (v, name) {
                (Value::Null, _) | (_, Value::Null) => Value::Null,
                (Value::DateTime(z), Value::Str(name)) => {
                    let zone = time::resolve_zone(&name).map_err(Failure::from)?;
                    Value::DateTime(self.moved_to_zone(&z, &zone, calendar_date)?)
                }
                (Value::DateTime(_), v) => return Err(Failure::NotAZoneName(v.kind()).into()),
                (v, _) => return Err(Failure::NoZone(v.kind()).into()),
            }
        })
    }

    #[inline(never)]
    fn call(
        &mut self,
        call: &dyn crate::stdlib::Call,
        args: &'r [Expr],
    ) -> Result<Value<'r>, EvalFailure> {
        Ok({
            if args.len() <= MAX_INLINE_ARGS {
                let mut buf: [Value<'r>; MAX_INLINE_ARGS] = Default::default();
                for (slot, arg) in buf.iter_mut().zip(args.iter()) {
                    *slot = self.eval(arg)?;
                }
                let mut env = CallEnv {
                    ctx: self.ctx,
                    adjustments: &mut self.adjustments,
                };
                call.call(&mut buf[..args.len()], &mut env)?
            } else {
                let mut values = args
                    .iter()
                    .map(|a| self.eval(a))
                    .collect::<Result<Vec<_>, _>>()?;
                let mut env = CallEnv {
                    ctx: self.ctx,
                    adjustments: &mut self.adjustments,
                };
                call.call(&mut values, &mut env)?
            }
        })
    }

    #[inline(never)]
    fn ranges(
        &mut self,
        value: &'r Expr,
        arms: &'r [crate::ir::RangeArm],
        default: &'r Expr,
        span: crate::diagnostics::Span,
    ) -> Result<Value<'r>, EvalFailure> {
        Ok({
            let v = self.eval(value)?;
            let number = match &v {
                Value::Null => return Ok(Value::Null),
                Value::Str(s) => s
                    .trim()
                    .parse::<Decimal>()
                    .map_err(|_| Failure::RangeInput(format!("{s:?}")))?,
                other => other
                    .as_decimal()
                    .ok_or_else(|| Failure::RangeInput(format!("a {}", other.kind())))?,
            };
            let taken = arms.iter().position(|a| {
                if a.inclusive {
                    number <= a.bound
                } else {
                    number < a.bound
                }
            });
            if let Some(coverage) = self.coverage {
                coverage.borrow_mut().range_arm(span, taken);
            }
            match taken.and_then(|i| arms.get(i)) {
                Some(arm) => self.eval(&arm.value)?,
                None => self.eval(default)?,
            }
        })
    }

    /// A condition's truth: null counts as false.
    pub fn truth(&mut self, expr: &'r Expr) -> Result<bool, EvalFailure> {
        match self.eval(expr)? {
            Value::Bool(b) => Ok(b),
            Value::Null => Ok(false),
            v => Err(EvalFailure {
                reason: Failure::NotABoolean(v.kind()),
                span: span_of(expr),
            }),
        }
    }
}

/// The place of an expression that has one of its own, for failures.
fn span_of(expr: &Expr) -> Option<crate::diagnostics::Span> {
    match expr {
        Expr::Arith { span, .. }
        | Expr::Shift { span, .. }
        | Expr::ShiftBy { span, .. }
        | Expr::ToZoneOf { span, .. }
        | Expr::Call { span, .. }
        | Expr::Ranges { span, .. } => Some(*span),
        _ => None,
    }
}

/// A JSON value from an event payload as a fieldmap value.
pub fn json_value(json: &serde_json::Value) -> Value<'_> {
    use serde_json::Value as J;
    match json {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => n
                .to_string()
                .parse::<Decimal>()
                .map_or(Value::Null, Value::Decimal),
        },
        J::String(s) => Value::Str(Cow::Borrowed(s)),
        other => Value::Json(std::sync::Arc::new(other.clone())),
    }
}

fn compare(op: CompareOp, l: &Value<'_>, r: &Value<'_>) -> bool {
    let ordering = match (l, r) {
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
        (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        (Value::DateTime(a), Value::DateTime(b)) => Some(a.timestamp().cmp(&b.timestamp())),
        (a, b) => match (a.as_decimal(), b.as_decimal()) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => None,
        },
    };
    match (op, ordering) {
        (CompareOp::Eq, o) => o == Some(Ordering::Equal),
        (CompareOp::Ne, o) => o != Some(Ordering::Equal),
        (_, None) => false,
        (CompareOp::Lt, Some(o)) => o == Ordering::Less,
        (CompareOp::Le, Some(o)) => o != Ordering::Greater,
        (CompareOp::Gt, Some(o)) => o == Ordering::Greater,
        (CompareOp::Ge, Some(o)) => o != Ordering::Less,
    }
}

fn arith<'a>(op: ArithOp, l: &Value<'_>, r: &Value<'_>) -> Result<Value<'a>, Failure> {
    if l.is_null() || r.is_null() {
        return Ok(Value::Null);
    }
    let overflow = || Failure::OutOfRange {
        expr: format!("{l} {} {r}", symbol(op)),
    };
    if let (Value::Int(a), Value::Int(b)) = (l, r)
        && op != ArithOp::Div
    {
        let result = match op {
            ArithOp::Add => a.checked_add(*b),
            ArithOp::Sub => a.checked_sub(*b),
            _ => a.checked_mul(*b),
        };
        return result.map(Value::Int).ok_or_else(overflow);
    }
    let (Some(a), Some(b)) = (l.as_decimal(), r.as_decimal()) else {
        return Err(Failure::NotNumbers {
            left: l.kind(),
            op: symbol(op),
            right: r.kind(),
        });
    };
    let result = match op {
        ArithOp::Add => a.checked_add(b),
        ArithOp::Sub => a.checked_sub(b),
        ArithOp::Mul => a.checked_mul(b),
        ArithOp::Div if b.is_zero() => {
            return Err(Failure::DivisionByZero {
                expr: format!("{l} / {r}"),
            });
        }
        ArithOp::Div => a.checked_div(b),
    };
    result.map(Value::Decimal).ok_or_else(overflow)
}

fn symbol(op: ArithOp) -> &'static str {
    match op {
        ArithOp::Add => "+",
        ArithOp::Sub => "-",
        ArithOp::Mul => "*",
        ArithOp::Div => "/",
    }
}
