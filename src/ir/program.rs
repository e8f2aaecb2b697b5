//! The compiled program: what the broker keeps in memory and evaluates per ticket.

use std::sync::Arc;

use super::expr::{Expr, Table};
use super::plan::FetchPlan;
use crate::autotask::wire::QueryXml;
use crate::diagnostics::Span;
use crate::schema::{FieldType, Schemas};
use crate::value::key_map::KeyMap;

/// An immutable, `Send + Sync` compiled mapping file.
#[derive(Debug, Clone)]
pub struct Program {
    pub mappings: Vec<MappingProgram>,
    pub outbound: Vec<OutboundRule>,
    /// Labels of every picklist the program shows as text, by index.
    pub picklists: Vec<PicklistLabels>,
    pub tables: Vec<Arc<Table>>,
    /// The schemas the program was checked against; records must be loaded with them too,
    /// because field slots are positions in these schemas.
    pub schemas: Arc<Schemas>,
}

#[derive(Debug, Clone)]
pub struct PicklistLabels {
    /// `Ticket.Status`, or `Ticket UDF "Send to FN"`.
    pub name: String,
    pub labels: KeyMap<Box<str>>,
}

#[derive(Debug, Clone)]
pub struct MappingProgram {
    pub name: String,
    pub span: Span,
    /// The span of the mapping's name, where diagnostics about the whole mapping point.
    pub name_span: Span,
    /// The Autotask entity the mapping starts from: `Ticket`, `Task`, `ServiceCall`.
    pub source: String,
    pub relations: Vec<Relation>,
    /// The mapping applies when any trigger holds; no trigger means always.
    pub triggers: Vec<Trigger>,
    pub rules: Vec<Rule>,
    /// Every work order path the mapping assigns, including assignments with errors.
    pub written: Vec<String>,
    pub output: OutNode,
    /// The same shape, ready for writing JSON bytes directly.
    pub body: super::BodyShape,
    pub plan: FetchPlan,
}

#[derive(Debug, Clone)]
pub struct Trigger {
    pub condition: Expr,
    pub span: Span,
    /// The same condition as Autotask QueryXML for polling, or why it cannot be one.
    pub query: Result<QueryXml, String>,
}

/// A related entity one reference away from the source: `Account` through `AccountID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// `Account`, or a path for a deeper one: `Account.ParentAccount`.
    pub name: String,
    pub via_field: String,
    pub via_slot: u32,
    pub entity: String,
    /// The relation whose record holds `via_field`; `None` for the source record.
    pub from: Option<u16>,
}

/// One assignment to a work order field.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The work order path written, e.g. `location.city` or `schedule.service_window.start.utc`.
    pub target: String,
    /// The same text, shared with every evaluation's provenance instead of copied into it.
    pub shared_target: Arc<str>,
    pub span: Span,
    /// Source paths read, e.g. `Account.City`.
    pub sources: Arc<[String]>,
    pub expr: Expr,
    pub emit: Emit,
    /// Values Field Nation accepts, when the field is an enum and the value is not constant.
    pub allowed: Option<Vec<String>>,
    /// The value is a constant: it does not make an object worth sending on its own.
    pub constant: bool,
}

/// How a rule's value becomes JSON in the work order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emit {
    String,
    Number,
    Integer,
    Boolean,
    /// Field Nation's UTC date-time text, `YYYY-MM-DD HH:mm:ss`.
    FieldNationUtc,
    /// Whatever the value is (fields typed `any`).
    Json,
}

/// The work order's shape with rule results at the leaves; built once at compile time.
#[derive(Debug, Clone)]
pub enum OutNode {
    Object(Vec<(Box<str>, OutNode)>),
    Array(Vec<OutNode>),
    Rule(u32),
    /// A fixed part of the shape, such as a custom field's id; emitted only beside a value.
    Const(serde_json::Value),
}

/// `on workorder.status.assigned { … }`
#[derive(Debug, Clone)]
pub struct OutboundRule {
    pub event: String,
    pub span: Span,
    pub sets: Vec<TicketSet>,
    pub notes: Vec<NotePlan>,
}

#[derive(Debug, Clone)]
pub struct TicketSet {
    pub field: String,
    pub udf: bool,
    pub slot: u32,
    pub ty: FieldType,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct NotePlan {
    pub span: Span,
    pub title: Expr,
    pub description: Expr,
    pub note_type: i64,
    pub publish: i64,
}
