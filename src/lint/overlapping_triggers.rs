//! FM0909: two mappings of one source entity whose triggers can hold for the same record. Each
//! dispatches it, so the record gets two work orders, which is what Field Nation's users most
//! often find in production. Triggers are compared by what their `and` chains require of the
//! source record's fields and UDFs (`==` a constant, `in` a list): two triggers cannot hold
//! together when one field must take values from two sets with nothing in common. Anything
//! else (an `or`, a related record's field, a computed value) is taken as able to hold.

use std::collections::BTreeSet;

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{CompareOp, Expr, MappingProgram, Program, RecordRef};
use crate::value::Key;

/// A field or UDF of the source record (`udf`, slot).
type SourceField = (bool, u32);

/// What one trigger requires: for some fields, the values it accepts.
#[derive(Debug, Default)]
struct Requirements(Vec<(SourceField, BTreeSet<Key>)>);

impl Requirements {
    fn of(condition: &Expr) -> Requirements {
        let mut found = Requirements::default();
        found.collect(condition);
        found
    }

    fn collect(&mut self, e: &Expr) {
        match e {
            Expr::And(a, b) => {
                self.collect(a);
                self.collect(b);
            }
            Expr::Compare {
                op: CompareOp::Eq,
                lhs,
                rhs,
            } => {
                if let (Some(field), Some(key)) = (source_field(lhs), rhs.as_const().and_then(Key::of)) {
                    self.require(field, BTreeSet::from([key]));
                }
            }
            Expr::InSet { value, set } => {
                if let Some(field) = source_field(value) {
                    self.require(field, set.entries().into_iter().map(|(k, _)| k).collect());
                }
            }
            _ => {}
        }
    }

    /// A field required twice accepts what both requirements accept.
    fn require(&mut self, field: SourceField, values: BTreeSet<Key>) {
        match self.0.iter_mut().find(|(f, _)| *f == field) {
            Some((_, accepted)) => accepted.retain(|k| values.contains(k)),
            None => self.0.push((field, values)),
        }
    }

    /// Whether no record can meet both: some field must take values from disjoint sets.
    fn excludes(&self, other: &Requirements) -> bool {
        self.0.iter().any(|(field, accepted)| {
            other
                .0
                .iter()
                .any(|(f, theirs)| f == field && accepted.is_disjoint(theirs))
        })
    }
}

fn source_field(e: &Expr) -> Option<SourceField> {
    match e {
        Expr::Field {
            record: RecordRef::Source,
            slot,
        } => Some((false, *slot)),
        Expr::Udf {
            record: RecordRef::Source,
            slot,
        } => Some((true, *slot)),
        _ => None,
    }
}

/// What a mapping's triggers require, one entry per trigger; a mapping without a trigger takes
/// every record.
fn triggers(mapping: &MappingProgram) -> Vec<Requirements> {
    if mapping.triggers.is_empty() {
        return vec![Requirements::default()];
    }
    mapping
        .triggers
        .iter()
        .map(|t| Requirements::of(&t.condition))
        .collect()
}

pub(super) fn overlapping_mappings(program: &Program, out: &mut Vec<Diagnostic>) {
    let mappings: Vec<(&MappingProgram, Vec<Requirements>)> =
        program.mappings.iter().map(|m| (m, triggers(m))).collect();
    for (i, (later, later_triggers)) in mappings.iter().enumerate() {
        let Some((earlier, _)) = mappings[..i].iter().find(|(earlier, earlier_triggers)| {
            earlier.source == later.source
                && earlier_triggers
                    .iter()
                    .any(|a| later_triggers.iter().any(|b| !a.excludes(b)))
        }) else {
            continue;
        };
        let entity = &later.source;
        out.push(
            Diagnostic::new(
                Code::OverlappingTriggers,
                later.name_span,
                format!(
                    "a {entity} can meet the triggers of both {:?} and {:?}: it would get two work orders",
                    earlier.name, later.name
                ),
            )
            .with_label("dispatches the same records")
            .with_context(earlier.name_span, "as this mapping")
            .with_help(
                "require a different value of one field in each (`IssueType == \"Hardware\"` here, \
                 `IssueType == \"Network\"` there), or allow FM0909 if both work orders are meant",
            ),
        );
    }
}
