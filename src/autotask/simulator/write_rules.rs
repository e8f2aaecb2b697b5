//! How one entity of a `create` or `update` becomes the record Autotask
//! would save.
//!
//! - `create` starts from nothing and assigns the next id.
//! - `update` starts from the stored record and **clears every writable
//!   field the request leaves out**; read-only fields keep their values and
//!   so do UDFs the request does not list.
//! - Autotask's own stamps are set: creation and last-activity date-times,
//!   and a ticket's number when the request has none.
//! - Required fields must have a value; a reference to an entity type the
//!   dataset holds must name a record that exists.

use jiff::civil::DateTime;

use crate::schema::{Entity, Field, FieldType};

use super::datastore::{DataStore, StoredEntity};
use super::entity_input::{EntityInput, WriteMode};
use super::metadata::Metadata;
use super::wire_value::FieldValue;

/// Records built earlier in the same call, in request order: they are not
/// in the store yet, but later entities of the call see them.
pub(super) type Pending = Vec<(String, StoredEntity)>;

const CREATION_STAMPS: [&str; 2] = ["CreateDate", "CreateDateTime"];
const ACTIVITY_STAMPS: [&str; 4] = [
    "LastActivityDate",
    "LastActivityDateTime",
    "LastModifiedDate",
    "LastModifiedDateTime",
];

/// The record to save for `input`, or why it cannot be saved.
pub(super) fn build_record(
    input: &EntityInput<'_>,
    mode: WriteMode,
    store: &DataStore,
    pending: &Pending,
    metadata: &Metadata,
    now: DateTime,
) -> Result<StoredEntity, Vec<String>> {
    let entity = input.entity;
    let mut errors = input.errors.clone();
    let allowed = match mode {
        WriteMode::Create => entity.can_create,
        WriteMode::Update => entity.can_update,
    };
    if !allowed {
        let verb = if mode == WriteMode::Create {
            "created"
        } else {
            "updated"
        };
        return Err(vec![format!(
            "Entities of type {} cannot be {verb} through the API.",
            entity.name
        )]);
    }
    let udf_count = metadata.udfs(&entity.name).len();
    let mut record = match mode {
        WriteMode::Create => StoredEntity::empty(
            next_id(entity, store, pending),
            entity.fields.len(),
            udf_count,
        ),
        WriteMode::Update => {
            let Some(id) = input.id.filter(|id| *id > 0) else {
                errors.push(format!("An {} to update must carry its id.", entity.name));
                return Err(errors);
            };
            let Some(existing) = latest(entity, id, store, pending) else {
                errors.push(format!("Unable to find {} with id {id}.", entity.name));
                return Err(errors);
            };
            let mut record = existing.clone();
            clear_writable_fields(entity, &mut record);
            record
        }
    };
    for (slot, value) in &input.fields {
        if let Some(field) = record.fields.get_mut(*slot) {
            *field = value.clone();
        }
    }
    for (slot, value) in &input.udfs {
        if let Some(udf) = record.udfs.get_mut(*slot) {
            *udf = value.clone();
        }
    }
    stamp(entity, mode, &mut record, now);
    check_required(entity, mode, &record, input, metadata, &mut errors);
    check_references(entity, &record, store, pending, &mut errors);
    if errors.is_empty() {
        Ok(record)
    } else {
        Err(errors)
    }
}

fn next_id(entity: &Entity, store: &DataStore, pending: &Pending) -> i64 {
    let after_pending = pending
        .iter()
        .filter(|(name, _)| *name == entity.name)
        .map(|(_, record)| record.id.saturating_add(1))
        .max()
        .unwrap_or(1);
    store.next_id(&entity.name).max(after_pending)
}

/// The record as this call has left it so far.
fn latest<'a>(
    entity: &Entity,
    id: i64,
    store: &'a DataStore,
    pending: &'a Pending,
) -> Option<&'a StoredEntity> {
    pending
        .iter()
        .rev()
        .find(|(name, record)| *name == entity.name && record.id == id)
        .map(|(_, record)| record)
        .or_else(|| store.get(&entity.name, id))
}

fn clear_writable_fields(entity: &Entity, record: &mut StoredEntity) {
    for (slot, field) in entity.fields.iter().enumerate() {
        if !field.read_only
            && field.name != "id"
            && let Some(value) = record.fields.get_mut(slot)
        {
            *value = None;
        }
    }
}

fn stamp(entity: &Entity, mode: WriteMode, record: &mut StoredEntity, now: DateTime) {
    for (slot, field) in entity.fields.iter().enumerate() {
        let is_stamp = field.read_only
            && field.ty == FieldType::Datetime
            && (ACTIVITY_STAMPS.contains(&field.name.as_str())
                || (mode == WriteMode::Create && CREATION_STAMPS.contains(&field.name.as_str())));
        if is_stamp && let Some(value) = record.fields.get_mut(slot) {
            *value = Some(FieldValue::DateTime(now));
        }
    }
    if mode == WriteMode::Create
        && entity.name == "Ticket"
        && let Some(slot) = entity.field_slot("TicketNumber")
        && let Some(number) = record.fields.get_mut(slot)
        && !matches!(number, Some(FieldValue::Text(text)) if !text.is_empty())
    {
        *number = Some(FieldValue::Text(format!(
            "T{:04}{:02}{:02}.{:04}",
            now.year(),
            now.month(),
            now.day(),
            record.id.rem_euclid(10_000)
        )));
    }
}

fn check_required(
    entity: &Entity,
    mode: WriteMode,
    record: &StoredEntity,
    input: &EntityInput<'_>,
    metadata: &Metadata,
    errors: &mut Vec<String>,
) {
    for (slot, field) in entity.fields.iter().enumerate() {
        if !is_required_here(field, mode) || input.refused_fields.contains(&slot) {
            continue;
        }
        let missing = match record.fields.get(slot) {
            Some(Some(FieldValue::Text(text))) => text.trim().is_empty(),
            Some(Some(_)) => false,
            _ => true,
        };
        if missing {
            errors.push(format!(
                "Value does not exist for the required field {}.",
                field.name
            ));
        }
    }
    for (slot, udf) in metadata.udfs(&entity.name).iter().enumerate() {
        if udf.required && record.udfs.get(slot).is_none_or(Option::is_none) {
            errors.push(format!(
                "Value does not exist for the required user-defined field {}.",
                udf.name
            ));
        }
    }
}

/// Required fields the client sets: writable ones always, required
/// read-only ones (set once) on create.
fn is_required_here(field: &Field, mode: WriteMode) -> bool {
    field.required && field.name != "id" && (!field.read_only || mode == WriteMode::Create)
}

fn check_references(
    entity: &Entity,
    record: &StoredEntity,
    store: &DataStore,
    pending: &Pending,
    errors: &mut Vec<String>,
) {
    for (slot, field) in entity.fields.iter().enumerate() {
        let (Some(target), Some(Some(FieldValue::Integer(id)))) =
            (&field.reference, record.fields.get(slot))
        else {
            continue;
        };
        // Only entity types the dataset provides can be checked.
        let known = store.holds_any(target) || pending.iter().any(|(name, _)| name == target);
        let exists = store.contains(target, *id)
            || pending
                .iter()
                .any(|(name, other)| name == target && other.id == *id);
        if known && !exists {
            errors.push(format!(
                "Value {id} of field {} does not refer to an existing {target}.",
                field.name
            ));
        }
    }
}
