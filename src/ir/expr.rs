//! IR expressions: names resolved to slots, labels to ids, constants folded.

use std::sync::Arc;

use jiff::tz::TimeZone;
use rust_decimal::Decimal;

use crate::diagnostics::Span;
use crate::stdlib::Call;
use crate::time::DurationLiteral;
use crate::value::Value;
use crate::value::key_map::KeyMap;

/// Which record a field is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordRef {
    /// The mapping's source entity (the ticket).
    Source,
    /// A related entity, by its index in the mapping's relation list.
    Related(u16),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone)]
pub enum Expr {
    Const(Value<'static>),
    Field {
        record: RecordRef,
        slot: u32,
    },
    Udf {
        record: RecordRef,
        slot: u32,
    },
    /// A path into the Field Nation event payload (outbound rules only).
    EventPath(Box<[Box<str>]>),
    /// A date-time in the event payload (`timestamp`): RFC 3339 text read as a date-time.
    EventTime(Box<[Box<str>]>),
    /// A picklist value (id) turned into its tenant label.
    Label {
        picklist: u32,
        value: Box<Expr>,
    },
    Template(Box<[Piece]>),
    Coalesce(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Compare {
        op: CompareOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    InSet {
        value: Box<Expr>,
        set: Arc<KeyMap<()>>,
    },
    IsNull {
        value: Box<Expr>,
        negated: bool,
    },
    Arith {
        op: ArithOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
        span: Span,
    },
    /// Date arithmetic: a date-time plus or minus a calendar/clock span.
    Shift {
        value: Box<Expr>,
        by: DurationLiteral,
        span: Span,
    },
    /// Date arithmetic by a computed duration (`DueDateTime + hours(EstimatedHours)`).
    ShiftBy {
        value: Box<Expr>,
        by: Box<Expr>,
        /// `-` rather than `+`.
        subtract: bool,
        span: Span,
    },
    ToZone {
        value: Box<Expr>,
        zone: TimeZone,
        /// The value is a calendar date (a date-only field): keep its day, midnight in `zone`.
        calendar_date: bool,
    },
    /// `value at (zone_expr)`: a zone named by the data, resolved at run time.
    ToZoneOf {
        value: Box<Expr>,
        zone: Box<Expr>,
        calendar_date: bool,
        span: Span,
    },
    /// `if condition then a else b`; a null condition takes `else`.
    If {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Call {
        name: &'static str,
        /// The result depends on the arguments alone.
        pure: bool,
        call: Arc<dyn Call>,
        args: Box<[Expr]>,
        span: Span,
    },
    Lookup {
        table: Arc<Table>,
        key: Box<Expr>,
    },
    /// A Jsonnet block over the records it declared.
    Jsonnet {
        block: Arc<crate::jsonnet::JsonnetBlock>,
        input: super::InputTree,
    },
    Ranges {
        value: Box<Expr>,
        arms: Box<[RangeArm]>,
        default: Box<Expr>,
        span: Span,
    },
}

#[derive(Debug, Clone)]
pub enum Piece {
    Text(Box<str>),
    Value(Expr),
}

#[derive(Debug, Clone)]
pub struct RangeArm {
    pub bound: Decimal,
    /// `<=` when true, `<` when false.
    pub inclusive: bool,
    pub value: Expr,
}

/// A named table or an inline `match`: exact lookups with a required default.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub rows: KeyMap<Expr>,
    pub default: Expr,
    /// Where the table or `match` is written, for coverage reports.
    pub span: Span,
    /// The imported file a named table comes from (as the import names it); its `span` points
    /// into that file.
    pub origin: Option<Arc<str>>,
    /// The picklist whose labels the keys are, to show keys as labels.
    pub key_picklist: Option<u32>,
}

impl Expr {
    /// Calls `f` on this expression and every expression inside it, depth first.
    pub fn walk<'e>(&'e self, f: &mut impl FnMut(&'e Expr)) {
        f(self);
        match self {
            Expr::Const(_)
            | Expr::Field { .. }
            | Expr::Udf { .. }
            | Expr::EventPath(_)
            | Expr::EventTime(_)
            | Expr::Jsonnet { .. } => {}
            Expr::Label { value, .. }
            | Expr::Not(value)
            | Expr::InSet { value, .. }
            | Expr::IsNull { value, .. }
            | Expr::Shift { value, .. }
            | Expr::ToZone { value, .. } => value.walk(f),
            Expr::Coalesce(a, b) | Expr::And(a, b) | Expr::Or(a, b) => {
                a.walk(f);
                b.walk(f);
            }
            Expr::Compare { lhs, rhs, .. }
            | Expr::Arith { lhs, rhs, .. }
            | Expr::ShiftBy {
                value: lhs,
                by: rhs,
                ..
            }
            | Expr::ToZoneOf {
                value: lhs,
                zone: rhs,
                ..
            } => {
                lhs.walk(f);
                rhs.walk(f);
            }
            Expr::If {
                condition,
                then,
                otherwise,
            } => {
                condition.walk(f);
                then.walk(f);
                otherwise.walk(f);
            }
            Expr::Template(pieces) => {
                for piece in pieces.iter() {
                    if let Piece::Value(e) = piece {
                        e.walk(f);
                    }
                }
            }
            Expr::Call { args, .. } => args.iter().for_each(|a| a.walk(f)),
            Expr::Lookup { table, key } => {
                key.walk(f);
                for (_, row) in table.rows.entries() {
                    row.walk(f);
                }
                table.default.walk(f);
            }
            Expr::Ranges {
                value,
                arms,
                default,
                ..
            } => {
                value.walk(f);
                arms.iter().for_each(|a| a.value.walk(f));
                default.walk(f);
            }
        }
    }

    pub fn null() -> Expr {
        Expr::Const(Value::Null)
    }

    pub fn as_const(&self) -> Option<&Value<'static>> {
        match self {
            Expr::Const(v) => Some(v),
            _ => None,
        }
    }
}
