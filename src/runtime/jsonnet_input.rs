//! `$.input`: the records a block declared, as JSON.
//!
//! The source record is the top object. Every schema field of a record appears under its
//! Autotask name (null when empty); integers and decimals are numbers, booleans booleans, text
//! text, and date-times ISO 8601 text in America/New_York with the offset
//! (`2025-01-15T09:00:00-05:00`). `udfs` holds the tenant's UDFs by name, `labels` the tenant
//! labels of picklist fields. Each declared related record is nested under its reference name:
//! `$.input.Account.ParentAccount.AccountName`; it is null when the reference is empty.

use serde_json::{Map, Value as Json};

use crate::ir::InputTree;
use crate::schema::{PickValue, Schemas};
use crate::value::Value;
use crate::value::json::decimal_json;
use crate::value::record::Record;

/// Builds `$.input` for the source record and the related records of this evaluation.
pub fn build(
    tree: &InputTree,
    source: &Record,
    related: &[Option<&Record>],
    schemas: &Schemas,
) -> Json {
    let mut object = record_json(source, schemas);
    add_children(&mut object, tree, related, schemas);
    Json::Object(object)
}

fn add_children(
    object: &mut Map<String, Json>,
    tree: &InputTree,
    related: &[Option<&Record>],
    schemas: &Schemas,
) {
    for (name, relation, below) in &tree.children {
        let value = match related.get(usize::from(*relation)).copied().flatten() {
            Some(record) => {
                let mut child = record_json(record, schemas);
                add_children(&mut child, below, related, schemas);
                Json::Object(child)
            }
            None => Json::Null,
        };
        object.insert(name.clone(), value);
    }
}

fn record_json(record: &Record, schemas: &Schemas) -> Map<String, Json> {
    let mut object = Map::new();
    let Some(entity) = schemas.autotask.entity(&record.entity) else {
        return object;
    };
    let mut labels = Map::new();
    for (slot, field) in entity.fields.iter().enumerate() {
        let value = record.field(slot);
        object.insert(field.name.clone(), to_json(value));
        if field.picklist
            && let (Some(list), Value::Int(id)) =
                (schemas.tenant.picklist(&entity.name, &field.name), value)
            && let Some(entry) = list.by_value(&PickValue::Int(*id))
        {
            labels.insert(field.name.clone(), Json::String(entry.label.clone()));
        }
    }
    let udfs: Map<String, Json> = schemas
        .tenant
        .udfs(&entity.name)
        .iter()
        .enumerate()
        .map(|(slot, udf)| (udf.name.clone(), to_json(record.udf(slot))))
        .collect();
    object.insert("udfs".into(), Json::Object(udfs));
    object.insert("labels".into(), Json::Object(labels));
    object
}

fn to_json(value: &Value<'_>) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Decimal(d) => decimal_json(*d),
        Value::Str(s) => Json::String(s.to_string()),
        Value::DateTime(z) => {
            let eastern = z.with_time_zone(crate::time::eastern().clone());
            Json::String(eastern.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
        }
        other => Json::String(other.to_string()),
    }
}
