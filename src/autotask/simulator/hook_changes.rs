//! What a saved write sends, as Autotask decides it: a create fires with the subscribed fields
//! that have a value; an update fires only when a subscribed field changed, and carries the
//! changed ones; both carry the always-sent fields. Values are their wire text (`"12"`), null
//! is JSON null; names are the schema's (or the UDF's) own spelling.

use serde_json::{Map, Value as Json};

use super::datastore::StoredEntity;
use super::hook_config::HookSubscription;
use super::metadata::{Metadata, field_slot_ignoring_case, udf_slot_ignoring_case};
use super::wire_value::format_value;
use crate::autotask::webhook::HookAction;

/// The action and `Fields` of the callback a write of `new` (over `old`, for an update) sends,
/// or `None` when it sends none.
pub(super) fn hook_fields(
    metadata: &Metadata,
    subscription: &HookSubscription,
    old: Option<&StoredEntity>,
    new: &StoredEntity,
) -> Option<(HookAction, Map<String, Json>)> {
    let mut fields = Map::new();
    for name in &subscription.fields {
        let Some((canonical, after)) = value_of(metadata, &subscription.entity, new, name) else {
            continue;
        };
        let include = match old {
            None => !after.is_null(),
            Some(old) => value_of(metadata, &subscription.entity, old, name)
                .is_some_and(|(_, before)| before != after),
        };
        if include {
            fields.insert(canonical, after);
        }
    }
    let action = match old {
        None => HookAction::Create,
        Some(_) if fields.is_empty() => return None,
        Some(_) => HookAction::Update,
    };
    for name in &subscription.always {
        if let Some((canonical, value)) = value_of(metadata, &subscription.entity, new, name) {
            fields.entry(canonical).or_insert(value);
        }
    }
    Some((action, fields))
}

/// A field's (or else a UDF's) name as the schema spells it and its value on `record`; `None`
/// when the entity has no such field or UDF.
fn value_of(
    metadata: &Metadata,
    entity: &str,
    record: &StoredEntity,
    name: &str,
) -> Option<(String, Json)> {
    let schema = metadata.entity(entity)?;
    if let Some((slot, field)) = field_slot_ignoring_case(schema, name) {
        let value = match record.fields.get(slot) {
            Some(Some(value)) => Json::String(format_value(value)),
            _ if field.name == "id" => Json::from(record.id),
            _ => Json::Null,
        };
        return Some((field.name.clone(), value));
    }
    let udfs = metadata.udfs(&schema.name);
    let slot = udf_slot_ignoring_case(udfs, name)?;
    let value = match record.udfs.get(slot) {
        Some(Some(text)) => Json::String(text.clone()),
        _ => Json::Null,
    };
    Some((udfs[slot].name.clone(), value))
}
