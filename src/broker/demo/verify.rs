//! What the demo checks, with the expectations derived from the program rather than written
//! down: a record as Autotask holds it (fields, UDFs, notes), the changes between two readings,
//! the changes the mapping's `on` rules ask for ([`Program::on_event`] on the record as it was
//! before the event), and whether the record after shows them; the work orders Field Nation
//! holds for a record, found by their marker.

use std::collections::BTreeMap;

use crate::autotask::load_query_response;
use crate::autotask::soap::CollectedEntity;
use crate::autotask::wire::{Operator, QueryItem, QueryXml};
use crate::autotask_client::AutotaskClient;
use crate::fieldnation::client::Marker;
use crate::fieldnation::simulator::SimHandle as FieldNationSim;
use crate::ir::Program;
use crate::runtime::outbound::{FieldChange, NewNote};
use crate::schema::{PickValue, Schemas};
use crate::value::record::RecordSet;

/// Fields every write stamps anew: not worth a line of the timeline.
const STAMPS: [&str; 3] = [
    "LastActivityDate",
    "LastActivityDateTime",
    "LastModifiedDateTime",
];

/// One record read fresh: its fields and UDFs as on the wire, its notes, and the same record
/// loaded for the runtime.
pub struct RecordState {
    pub entity: String,
    pub id: i64,
    pub wire: CollectedEntity,
    pub notes: Vec<CollectedEntity>,
    records: RecordSet,
}

impl RecordState {
    /// Reads `entity` `id` and its notes (`TicketNote` by `TicketID`, `TaskNote` by `TaskID`).
    ///
    /// # Errors
    ///
    /// A call failed or the record is gone.
    pub async fn read(
        client: &AutotaskClient,
        schemas: &Schemas,
        entity: &str,
        id: i64,
    ) -> Result<RecordState, String> {
        let pages = client
            .query_by_ids(entity, &[id])
            .await
            .map_err(|e| format!("reading {entity} {id}: {e}"))?;
        let mut records = RecordSet::new();
        let mut wire = None;
        for page in &pages {
            load_query_response(&page.xml, schemas, &mut records)
                .map_err(|e| format!("reading {entity} {id}: {e}"))?;
            let (_, mut found) = crate::autotask::soap::collect_entities(&page.xml)
                .map_err(|e| format!("reading {entity} {id}: {e}"))?;
            wire = wire.or(found.pop());
        }
        let wire = wire.ok_or_else(|| format!("{entity} {id} does not exist"))?;
        let note_query = QueryXml::new(
            format!("{entity}Note"),
            vec![QueryItem::field(
                format!("{entity}ID"),
                Operator::Equals,
                id.to_string(),
            )],
        );
        let notes = client
            .query_entities(&note_query)
            .await
            .map_err(|e| format!("reading the notes of {entity} {id}: {e}"))?;
        Ok(RecordState {
            entity: entity.to_owned(),
            id,
            wire,
            notes,
            records,
        })
    }

    /// The changes `event` makes to this record by the mapping's `on` rules.
    ///
    /// # Errors
    ///
    /// The event cannot be applied at all (no rules for the entity, no event name).
    pub fn expected(
        &self,
        program: &Program,
        event: &serde_json::Value,
    ) -> Result<crate::runtime::outbound::AutotaskChanges, String> {
        let record = self
            .records
            .get(&self.entity, self.id)
            .ok_or_else(|| format!("{} {} was not loaded", self.entity, self.id))?;
        let ctx = crate::stdlib::context::EvalContext::current();
        program
            .on_event(event, record, &ctx, None)
            .map_err(|e| e.to_string())
    }

    /// Whether `mapping`'s triggers hold on this record, as the broker asks on dispatch.
    pub fn triggers(&self, program: &Program, mapping: usize) -> bool {
        let Some(record) = self.records.get(&self.entity, self.id) else {
            return false;
        };
        let ctx = crate::stdlib::context::EvalContext::current();
        let count = program
            .mappings()
            .get(mapping)
            .map_or(0, |m| m.triggers().len());
        (0..count).any(|t| {
            matches!(
                program.trigger_holds(mapping, t, record, &ctx),
                Some(Ok(true))
            )
        })
    }

    /// A field's value, a picklist's as its label.
    pub fn shown(&self, schemas: &Schemas, field: &str) -> String {
        shown(schemas, &self.entity, field, self.wire.field(field))
    }

    /// The notes this record has that `before` had not.
    pub fn new_notes<'a>(&'a self, before: &RecordState) -> Vec<&'a CollectedEntity> {
        let old: Vec<Option<&str>> = before.notes.iter().map(|n| n.field("id")).collect();
        self.notes
            .iter()
            .filter(|n| !old.contains(&n.field("id")))
            .collect()
    }
}

/// A wire value for display: the label of a picklist value, `(empty)` for null.
fn shown(schemas: &Schemas, entity: &str, field: &str, wire: Option<&str>) -> String {
    let Some(text) = wire.filter(|t| !t.is_empty()) else {
        return "(empty)".to_owned();
    };
    let value = text
        .parse::<i64>()
        .map_or_else(|_| PickValue::Str(text.to_owned()), PickValue::Int);
    schemas
        .tenant
        .picklist(entity, field)
        .and_then(|p| p.by_value(&value))
        .map_or_else(|| text.to_owned(), |entry| entry.label.clone())
}

/// The timeline's lines for what changed from `before` to `after`: fields (picklists by label),
/// UDFs, new notes.
pub fn changes(schemas: &Schemas, before: &RecordState, after: &RecordState) -> Vec<String> {
    let mut lines = Vec::new();
    let entity = &after.entity;
    let mut names: Vec<&str> = after
        .wire
        .fields
        .iter()
        .map(|(n, _, _)| n.as_str())
        .collect();
    for (name, _, _) in &before.wire.fields {
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    for name in names {
        let (old, new) = (before.wire.field(name), after.wire.field(name));
        if old != new && !STAMPS.contains(&name) {
            lines.push(format!(
                "{name}: {} → {}",
                shown(schemas, entity, name, old),
                shown(schemas, entity, name, new)
            ));
        }
    }
    for (name, new) in &after.wire.udfs {
        let old = before.wire.udf(name).flatten();
        if old != new.as_deref() {
            let show =
                |v: Option<&str>| v.filter(|t| !t.is_empty()).unwrap_or("(empty)").to_owned();
            lines.push(format!(
                "UDF {name:?}: {} → {}",
                show(old),
                show(new.as_deref())
            ));
        }
    }
    for note in after.new_notes(before) {
        let note_type = shown(
            schemas,
            &format!("{entity}Note"),
            "NoteType",
            note.field("NoteType"),
        );
        lines.push(format!(
            "note ({note_type}): {}",
            note.field("Title").unwrap_or("(no title)")
        ));
    }
    lines
}

/// Expected changes for one record over a step, gathered from every event applied to it.
#[derive(Default)]
pub struct Expectation {
    /// The last value the rules set per field (`udf:` before a UDF's name).
    pub fields: BTreeMap<String, FieldChange>,
    /// Notes by the marker that makes them once: one of the candidates must be there, once.
    pub notes: BTreeMap<String, Vec<NewNote>>,
    /// What the rules reported as problems.
    pub issues: Vec<String>,
}

impl Expectation {
    /// Adds the changes one event asks for; `marker` is its delivery's note marker.
    pub fn add(&mut self, changes: crate::runtime::outbound::AutotaskChanges, marker: String) {
        for change in changes.updates {
            let key = if change.udf {
                format!("udf:{}", change.field)
            } else {
                change.field.clone()
            };
            self.fields.insert(key, change);
        }
        if !changes.notes.is_empty() {
            self.notes.entry(marker).or_default().extend(changes.notes);
        }
        self.issues
            .extend(changes.issues.into_iter().map(|i| format!("{i:?}")));
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.notes.is_empty()
    }

    /// What differs between the expectation and the record after the step (new notes counted
    /// against `before`); empty when everything is as the rules say.
    pub fn differences(&self, before: &RecordState, after: &RecordState) -> Vec<String> {
        let what = format!("{} {}", after.entity, after.id);
        let mut problems: Vec<String> = self
            .issues
            .iter()
            .map(|i| format!("{what}: the outbound rules reported {i}"))
            .collect();
        for change in self.fields.values() {
            let actual = if change.udf {
                after.wire.udf(&change.field).flatten()
            } else {
                after.wire.field(&change.field)
            };
            if actual != Some(change.value.as_str()) {
                problems.push(format!(
                    "{what}: {}{} is {:?}; the mapping sets {:?}",
                    if change.udf { "UDF " } else { "" },
                    change.field,
                    actual.unwrap_or("(empty)"),
                    change.label.as_deref().unwrap_or(&change.value)
                ));
            }
        }
        let fresh = after.new_notes(before);
        let mut matched = 0;
        for candidates in self.notes.values() {
            let found = fresh
                .iter()
                .filter(|note| candidates.iter().any(|c| note_matches(note, c)))
                .count();
            matched += found;
            if found != 1 {
                problems.push(format!(
                    "{what}: {found} notes titled {:?}; the mapping makes one",
                    candidates[0].title
                ));
            }
        }
        if fresh.len() > matched {
            problems.push(format!(
                "{what}: {} notes no rule asked for",
                fresh.len() - matched
            ));
        }
        problems
    }
}

/// Whether a note in Autotask is `expected` (its description may end with the broker's
/// delivery line).
fn note_matches(note: &CollectedEntity, expected: &NewNote) -> bool {
    note.field("Title") == Some(expected.title.as_str())
        && note
            .field("Description")
            .is_some_and(|d| d.starts_with(expected.description.trim_end()))
        && note.field("NoteType") == Some(expected.note_type.to_string().as_str())
}

/// The work orders Field Nation holds for `entity` `id`: those carrying its marker.
pub fn work_orders_for(
    fieldnation: &FieldNationSim,
    first_id: u64,
    marker_field: u64,
    entity: &str,
    id: i64,
) -> Vec<u64> {
    let marker = Marker::for_record(marker_field, entity, id);
    let count = u64::try_from(fieldnation.work_order_count()).unwrap_or(u64::MAX);
    (first_id..first_id.saturating_add(count))
        .filter(|wo| {
            fieldnation
                .work_order(*wo)
                .is_some_and(|view| marker.is_on(&view))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::outbound::AutotaskChanges;
    use serde_json::Value as Json;

    const APPROVED: &str = "Field Nation work order 1234567 approved";

    fn note(id: &str, title: &str, description: &str) -> CollectedEntity {
        CollectedEntity {
            entity_type: "TicketNote".into(),
            fields: vec![
                ("id".into(), None, id.into()),
                ("Title".into(), None, title.into()),
                ("Description".into(), None, description.into()),
                ("NoteType".into(), None, "3".into()),
            ],
            udfs: Vec::new(),
        }
    }

    fn ticket(status: &str, work_order: Option<&str>, notes: Vec<CollectedEntity>) -> RecordState {
        RecordState {
            entity: "Ticket".into(),
            id: 9137,
            wire: CollectedEntity {
                entity_type: "Ticket".into(),
                fields: vec![
                    ("id".into(), None, "9137".into()),
                    ("Status".into(), None, status.into()),
                    ("LastActivityDate".into(), None, status.into()),
                ],
                udfs: vec![("FN Work Order ID".into(), work_order.map(str::to_owned))],
            },
            notes,
            records: RecordSet::new(),
        }
    }

    /// What `on workorder.status.approved` and `assigned` of status-sync.fmap ask for.
    fn expectation() -> Expectation {
        let change = |field: &str, udf: bool, value: &str, label: Option<&str>| FieldChange {
            field: field.into(),
            udf,
            value: value.into(),
            xsd_type: "xsd:int".into(),
            label: label.map(str::to_owned),
            previous: Json::Null,
        };
        let mut expected = Expectation::default();
        expected.add(
            AutotaskChanges {
                event: "workorder.status.approved".into(),
                entity: "Ticket".into(),
                record_id: 9137,
                updates: vec![
                    change(
                        "Status",
                        false,
                        "29682836",
                        Some("Complete - Customer Notified"),
                    ),
                    change("FN Work Order ID", true, "1234567", None),
                ],
                notes: vec![NewNote {
                    entity: "TicketNote",
                    parent_field: "TicketID",
                    record_id: 9137,
                    title: APPROVED.into(),
                    description: "The work was approved in Field Nation and the ticket closed."
                        .into(),
                    note_type: 3,
                    publish: 1,
                }],
                skipped: 0,
                issues: Vec::new(),
            },
            "note:d-1".into(),
        );
        expected
    }

    #[test]
    fn a_record_as_the_rules_say_has_no_difference_and_its_changes_read_by_label() {
        let before = ticket("29682835", None, vec![note("1", "Earlier", "x")]);
        let approved = note(
            "2",
            APPROVED,
            "The work was approved in Field Nation and the ticket closed.\n\n(fieldmap delivery d-1)",
        );
        let after = ticket(
            "29682836",
            Some("1234567"),
            vec![note("1", "Earlier", "x"), approved],
        );
        assert_eq!(
            expectation().differences(&before, &after),
            Vec::<String>::new()
        );
        let schemas = Schemas::bundled().unwrap();
        assert_eq!(
            changes(&schemas, &before, &after),
            [
                "Status: On Site → Complete - Customer Notified",
                "UDF \"FN Work Order ID\": (empty) → 1234567",
                &format!("note (Task Notes): {APPROVED}"),
            ]
        );
    }

    #[test]
    fn wrong_fields_and_missing_duplicate_or_stray_notes_are_differences() {
        let before = ticket("29682835", None, Vec::new());
        let approved = || {
            note(
                "2",
                APPROVED,
                "The work was approved in Field Nation and the ticket closed.",
            )
        };
        // The status not moved, the UDF not written, the note made twice.
        let after = ticket(
            "29682835",
            None,
            vec![approved(), {
                let mut again = approved();
                again.fields[0].2 = "3".into();
                again
            }],
        );
        let found = expectation().differences(&before, &after);
        assert_eq!(
            found,
            [
                "Ticket 9137: Status is \"29682835\"; the mapping sets \"Complete - Customer Notified\"",
                "Ticket 9137: UDF FN Work Order ID is \"(empty)\"; the mapping sets \"1234567\"",
                &format!("Ticket 9137: 2 notes titled \"{APPROVED}\"; the mapping makes one"),
            ]
        );
        // No note, and one nobody asked for.
        let after = ticket("29682836", Some("1234567"), vec![note("9", "Stray", "y")]);
        let found = expectation().differences(&before, &after);
        assert_eq!(
            found,
            [
                format!("Ticket 9137: 0 notes titled \"{APPROVED}\"; the mapping makes one"),
                "Ticket 9137: 1 notes no rule asked for".to_owned(),
            ]
        );
    }
}
