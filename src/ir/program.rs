//! The compiled program: what the broker keeps in memory and evaluates per ticket.

use std::sync::Arc;

use super::expr::Expr;
use super::plan::FetchPlan;
use crate::autotask::wire::QueryXml;
use crate::diagnostics::Span;
use crate::schema::{FieldType, Schemas};
use crate::value::key_map::KeyMap;

/// An immutable, `Send + Sync` compiled mapping file.
#[derive(Debug, Clone)]
pub struct Program {
    pub(crate) mappings: Vec<MappingProgram>,
    pub(crate) outbound: Vec<OutboundRule>,
    /// Labels of every picklist the program shows as text, by index.
    pub(crate) picklists: Vec<PicklistLabels>,
    /// The schemas the program was checked against; records must be loaded with them too,
    /// because field slots are positions in these schemas.
    pub(crate) schemas: Arc<Schemas>,
}

impl Program {
    /// The mappings of the file, in the order they appear.
    pub fn mappings(&self) -> &[MappingProgram] {
        &self.mappings
    }

    /// The index of the mapping called `name`.
    pub fn mapping_index(&self, name: &str) -> Option<usize> {
        self.mappings.iter().position(|m| m.name == name)
    }

    /// The schemas the program was checked against. Load records with these: field slots are
    /// positions in them.
    pub fn schemas(&self) -> &Arc<Schemas> {
        &self.schemas
    }

    /// The Field Nation events the file's outbound rules answer, in file order.
    pub fn outbound_events(&self) -> impl Iterator<Item = &str> {
        self.outbound.iter().map(|rule| rule.event.as_str())
    }

    /// Whether an outbound rule answers `event` for records of `entity` (`Ticket`, `Task`…).
    pub fn has_outbound_rule(&self, event: &str, entity: &str) -> bool {
        self.outbound
            .iter()
            .any(|rule| rule.event == event && rule.entity == entity)
    }
}

#[derive(Debug, Clone)]
pub struct PicklistLabels {
    /// `Ticket.Status`, or `Ticket UDF "Send to FN"`.
    pub(crate) name: String,
    pub(crate) labels: KeyMap<Box<str>>,
}

/// One compiled `mapping "…" { … }` block: its source entity, triggers, rules and fetch plan.
/// Reached through [`Program::mappings`]; evaluate it by index or name with
/// [`Program::evaluate`](crate::Program::evaluate).
#[derive(Debug, Clone)]
pub struct MappingProgram {
    pub(crate) name: String,
    pub(crate) span: Span,
    /// The span of the mapping's name, where diagnostics about the whole mapping point.
    pub(crate) name_span: Span,
    /// The Autotask entity the mapping starts from: `Ticket`, `Task`, `ServiceCall`.
    pub(crate) source: String,
    pub(crate) relations: Vec<Relation>,
    /// The mapping applies when any trigger holds; no trigger means always.
    pub(crate) triggers: Vec<Trigger>,
    pub(crate) rules: Vec<Rule>,
    /// Every work order path the mapping assigns, including assignments with errors.
    pub(crate) written: Vec<String>,
    pub(crate) output: OutNode,
    /// The same shape, ready for writing JSON bytes directly.
    pub(crate) body: super::BodyShape,
    pub(crate) plan: FetchPlan,
}

impl MappingProgram {
    /// The name after `mapping`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The Autotask entity the mapping starts from: `Ticket`, `Task`, `ServiceCall`.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Where the mapping sits in its file.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The triggers; the mapping applies when any holds, or always when there is none.
    pub fn triggers(&self) -> &[Trigger] {
        &self.triggers
    }

    /// What to fetch from Autotask before evaluating, and what that costs.
    pub fn plan(&self) -> &FetchPlan {
        &self.plan
    }

    /// The work order's compiled shape, for tests of the byte writer.
    #[doc(hidden)]
    pub fn body_shape(&self) -> &super::BodyShape {
        &self.body
    }

    /// How many work order fields the mapping assigns.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// The `(entity, id)` of each record one reference away that `source` points to and the
    /// mapping reads: its account, contact…
    pub fn referenced_by<'r>(
        &'r self,
        source: &'r crate::value::Record,
    ) -> impl Iterator<Item = (&'r str, i64)> + 'r {
        self.relations
            .iter()
            .filter(|r| r.from.is_none() && r.lookup.is_none())
            .filter_map(|relation| match source.field(relation.via_slot as usize) {
                crate::value::Value::Int(id) => Some((relation.entity.as_str(), *id)),
                _ => None,
            })
    }

    /// The related entities the mapping reads, by name (`Account`, `Account.ParentAccount`).
    pub fn relation_names(&self) -> impl Iterator<Item = &str> {
        self.relations.iter().map(|r| r.name.as_str())
    }
}

/// One `trigger when …` condition of a mapping, compiled. A poller sends its
/// [`query`](Trigger::query) to Autotask and rechecks each record that comes back with
/// [`Program::trigger_holds`].
#[derive(Debug, Clone)]
pub struct Trigger {
    pub(crate) condition: Expr,
    pub(crate) span: Span,
    /// The same condition as Autotask QueryXML for polling, or why it cannot be one.
    pub(crate) query: Result<QueryXml, String>,
}

impl Trigger {
    /// Where the trigger sits in its file.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The condition as Autotask QueryXML for polling, or why it cannot be one.
    pub fn query(&self) -> Result<&QueryXml, &str> {
        self.query.as_ref().map_err(String::as_str)
    }
}

/// A related entity one reference away from the source: `Account` through `AccountID`; or a
/// lookup, whose record is found by matching `via_field`'s value instead of being its id.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    /// `Account`, or a path for a deeper one: `Account.ParentAccount`; a lookup's name.
    pub(crate) name: String,
    pub(crate) via_field: String,
    pub(crate) via_slot: u32,
    pub(crate) entity: String,
    /// The relation whose record holds `via_field`; `None` for the source record.
    pub(crate) from: Option<u16>,
    /// `lookup …`: how the record is found among those of `entity`.
    pub(crate) lookup: Option<LookupMatch>,
}

/// How a `lookup` finds its record: among the records of its entity, those whose `field`
/// equals the holder's `via_field` and that pass every filter; the one with the lowest id.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupMatch {
    /// The looked-up entity's field matched with the key: `AccountID`.
    pub(crate) field: String,
    pub(crate) slot: u32,
    pub(crate) filters: Vec<LookupFilter>,
}

/// `PrimaryContact == true`: a field of the looked-up entity compared with a constant (a
/// picklist label already turned into its id).
#[derive(Debug, Clone, PartialEq)]
pub struct LookupFilter {
    pub(crate) field: String,
    pub(crate) slot: u32,
    /// `==` (true) or `!=` (false).
    pub(crate) equal: bool,
    pub(crate) value: crate::value::Value<'static>,
}

/// One assignment to a work order field.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The work order path written, e.g. `location.city` or `schedule.service_window.start.utc`.
    pub(crate) target: String,
    /// The same text, shared with every evaluation's provenance instead of copied into it.
    pub(crate) shared_target: Arc<str>,
    pub(crate) span: Span,
    /// Source paths read, e.g. `Account.City`.
    pub(crate) sources: Arc<[String]>,
    pub(crate) expr: Expr,
    pub(crate) emit: Emit,
    /// Values Field Nation accepts, when the field is an enum and the value is not constant.
    pub(crate) allowed: Option<Vec<String>>,
    /// The value is a constant: it does not make an object worth sending on its own.
    pub(crate) constant: bool,
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

/// `on workorder.status.assigned [for Task] [when …] { … }`
#[derive(Debug, Clone)]
pub struct OutboundRule {
    pub(crate) event: String,
    /// The Autotask entity written to: `Ticket`, `Task`, `ServiceCall`.
    pub(crate) entity: String,
    /// `when …`: evaluated on the fresh record; false applies nothing.
    pub(crate) condition: Option<Expr>,
    pub(crate) span: Span,
    pub(crate) sets: Vec<TicketSet>,
    pub(crate) notes: Vec<NotePlan>,
}

/// How outbound rules name a record of `entity`: `ticket`, `task`, `service_call`.
pub(crate) fn record_name(entity: &str) -> String {
    let mut name = String::with_capacity(entity.len() + 2);
    for (i, c) in entity.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_lowercase());
    }
    name
}

#[derive(Debug, Clone)]
pub struct TicketSet {
    pub(crate) field: String,
    pub(crate) udf: bool,
    pub(crate) slot: u32,
    pub(crate) ty: FieldType,
    pub(crate) expr: Expr,
    pub(crate) span: Span,
}

#[derive(Debug, Clone)]
pub struct NotePlan {
    pub(crate) span: Span,
    pub(crate) title: Expr,
    pub(crate) description: Expr,
    pub(crate) note_type: i64,
    pub(crate) publish: i64,
}

#[cfg(test)]
mod tests {
    #[test]
    fn records_are_named_in_snake_case() {
        assert_eq!(super::record_name("Ticket"), "ticket");
        assert_eq!(super::record_name("ServiceCall"), "service_call");
        assert_eq!(
            super::record_name("AccountPhysicalLocation"),
            "account_physical_location"
        );
    }
}
