//! Records: Autotask entities with their values in schema slots, so that evaluation reads a
//! field by index, never by name.

use std::collections::HashMap;
use std::sync::Arc;

use super::value::Value;

/// One Autotask entity. `fields[slot]` follows the order of the entity's fields in the
/// schema; `udfs[slot]` follows the tenant's UDF list for the entity. Absent values are null.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Shared by all records of one type read together.
    pub entity: Arc<str>,
    pub id: i64,
    pub fields: Box<[Value<'static>]>,
    pub udfs: Box<[Value<'static>]>,
}

impl Record {
    pub fn field(&self, slot: usize) -> &Value<'static> {
        self.fields.get(slot).unwrap_or(&Value::Null)
    }

    pub fn udf(&self, slot: usize) -> &Value<'static> {
        self.udfs.get(slot).unwrap_or(&Value::Null)
    }
}

/// The records one evaluation may read: the source entity and everything the fetch plan
/// brought along, by entity type and id.
#[derive(Debug, Clone, Default)]
pub struct RecordSet {
    by_entity: HashMap<Arc<str>, HashMap<i64, Record>>,
}

impl RecordSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a record; a later record with the same entity and id replaces the earlier one.
    pub fn insert(&mut self, record: Record) {
        match self.by_entity.get_mut(&*record.entity) {
            Some(of_entity) => {
                of_entity.insert(record.id, record);
            }
            None => {
                let entity = record.entity.clone();
                self.by_entity
                    .insert(entity, HashMap::from([(record.id, record)]));
            }
        }
    }

    pub fn get(&self, entity: &str, id: i64) -> Option<&Record> {
        self.by_entity.get(entity)?.get(&id)
    }

    /// All records of one entity type, sorted by id.
    pub fn of_entity(&self, entity: &str) -> Vec<&Record> {
        let mut records: Vec<&Record> = self
            .by_entity
            .get(entity)
            .map(|m| m.values().collect())
            .unwrap_or_default();
        records.sort_by_key(|r| r.id);
        records
    }

    pub fn len(&self) -> usize {
        self.by_entity.values().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
