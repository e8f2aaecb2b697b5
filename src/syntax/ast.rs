//! The abstract syntax tree. Every node keeps the span it was parsed from, so the checker can
//! point at the exact word, and the formatter can put comments back where they were.

use rust_decimal::Decimal;

pub use super::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Import(Import),
    Helper(Helper),
    Mapping(Mapping),
    Table(Table),
    OnEvent(OnEvent),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Import(i) => i.span,
            Item::Helper(h) => h.span,
            Item::Mapping(m) => m.span,
            Item::Table(t) => t.span,
            Item::OnEvent(on) => on.span,
        }
    }
}

/// `import "tables.fmap"`: the tables of another file, its path relative to this file's folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub path: StringLit,
    pub span: Span,
}

/// `let site_zone for Ticket = Account.State | us_state_zone`: a named value of an Autotask
/// entity, checked once against that entity and read by name in every mapping whose source it
/// is, in this file and in the files that import it.
#[derive(Debug, Clone, PartialEq)]
pub struct Helper {
    pub name: Ident,
    pub entity: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// `autotask.Ticket`, `fieldnation.WorkOrder`, `Ticket.IssueType`.
#[derive(Debug, Clone, PartialEq)]
pub struct QualifiedName {
    pub qualifier: Ident,
    pub name: Ident,
    pub span: Span,
}

/// A string literal without interpolation (names, zones, formats, UDF names).
#[derive(Debug, Clone, PartialEq)]
pub struct StringLit {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    pub name: StringLit,
    pub source: QualifiedName,
    pub target: QualifiedName,
    pub statements: Vec<MappingStatement>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MappingStatement {
    Trigger(Trigger),
    Let(Let),
    Lookup(Lookup),
    Assignment(Assignment),
}

/// `lookup PrimaryContact = Contact where AccountID == AccountID and PrimaryContact == true`:
/// the matching record of `entity` with the lowest id, read as `PrimaryContact.Phone`. In the
/// condition, a bare name on the left of a comparison is a field of `entity`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    pub name: Ident,
    pub entity: Ident,
    pub condition: Expr,
    pub span: Span,
}

/// `let site_zone = Account.State | site_zones`: a name for a value, usable by the triggers and
/// rules after it in the same mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Let {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub condition: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub target: TargetPath,
    pub value: Expr,
    pub span: Span,
}

/// `location.city`, `contacts[0].name`, `custom_fields[129]`.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetPath {
    pub segments: Vec<TargetSegment>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TargetSegment {
    Field(Ident),
    Index { index: u64, span: Span },
}

impl TargetSegment {
    pub fn span(&self) -> Span {
        match self {
            TargetSegment::Field(ident) => ident.span,
            TargetSegment::Index { span, .. } => *span,
        }
    }
}

/// `table work_type: Ticket.IssueType -> int { "Hardware" => 62  _ => 1 }`
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: Ident,
    pub key: TableKey,
    pub value_type: Ident,
    pub arms: Vec<Arm>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TableKey {
    /// Keys are labels of an Autotask picklist, e.g. `Ticket.IssueType`.
    Field(QualifiedName),
    /// Keys are plain values of a type, e.g. `string`.
    Type(Ident),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arm {
    pub patterns: Vec<Pattern>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    Wildcard(Span),
    Literal(Literal, Span),
}

impl Pattern {
    pub fn span(&self) -> Span {
        match self {
            Pattern::Wildcard(span) | Pattern::Literal(_, span) => *span,
        }
    }
}

/// `on workorder.status.assigned [for Task] [when task.Status != "Complete"] { … }`
#[derive(Debug, Clone, PartialEq)]
pub struct OnEvent {
    pub event: Ident,
    /// `for <Entity>`: the Autotask entity the rule writes to; `None` is a Ticket.
    pub entity: Option<Ident>,
    /// `when <condition>`: the rule applies only when it holds on the fresh record.
    pub condition: Option<Expr>,
    pub statements: Vec<OutboundStatement>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OutboundStatement {
    /// `ticket.Status = …`, `task.Status = …`: `record` is the name before the dot.
    SetTicket {
        record: Ident,
        field: TicketField,
        value: Expr,
        span: Span,
    },
    Note(NoteBlock),
}

#[derive(Debug, Clone, PartialEq)]
pub enum TicketField {
    Field(Ident),
    Udf(StringLit),
}

#[derive(Debug, Clone, PartialEq)]
pub struct NoteBlock {
    pub kind: Option<Ident>,
    pub fields: Vec<NoteField>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NoteField {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    /// A string with `${…}` interpolations.
    Template(Vec<TemplatePart>),
    Path(Path),
    Call {
        name: Ident,
        args: Vec<Expr>,
    },
    List(Vec<Expr>),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        op_span: Span,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `value at "America/Chicago"`: the same instant, seen in another zone.
    AtZone {
        value: Box<Expr>,
        zone: ZoneRef,
    },
    /// `if condition then a else b`.
    If {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    IsNull {
        value: Box<Expr>,
        negated: bool,
    },
    Match {
        subject: Option<Box<Expr>>,
        arms: Vec<Arm>,
    },
    Ranges {
        subject: Option<Box<Expr>>,
        arms: Vec<RangeArm>,
    },
    Jsonnet {
        reads: Vec<Path>,
        code: String,
        code_span: Span,
        /// The line of the file the code starts on (from 1), for run-time errors.
        code_line: usize,
    },
}

/// The zone of `at`: a constant name, or a value computed from the record.
#[derive(Debug, Clone, PartialEq)]
pub enum ZoneRef {
    /// `at "America/Chicago"`
    Name(StringLit),
    /// `at (Account.State | site_zone)`
    Computed(Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Coalesce,
    Pipe,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::Coalesce => "??",
            BinaryOp::Pipe => "|",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    Decimal(Decimal),
    String(String),
    /// `4h`, `1h30m`, `2d`: kept as written; the checker gives it meaning.
    Duration(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePart {
    Text(String),
    Expr(Expr),
}

/// `Status`, `Account.City`, `udf("Send to FN")`, `Account.udf("Site Code")`,
/// `workorder.assignee.user.first_name`.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub segments: Vec<PathSegment>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PathSegment {
    Field(Ident),
    Udf(StringLit),
}

impl PathSegment {
    pub fn span(&self) -> Span {
        match self {
            PathSegment::Field(ident) => ident.span,
            PathSegment::Udf(lit) => lit.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RangeArm {
    pub bound: RangeBound,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RangeBound {
    AtMost(Decimal, Span),
    Below(Decimal, Span),
    Otherwise(Span),
}
