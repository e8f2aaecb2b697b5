//! The simulated Autotask database: records by entity type and id.

use std::collections::{BTreeMap, HashMap};

use super::wire_value::FieldValue;

/// One record. Fields are held by their slot in the bundled schema's field
/// list and UDFs by their slot in the tenant's UDF list, so a record is
/// always written in schema order.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct StoredEntity {
    pub(super) id: i64,
    /// `None` is null. The `id` field's own slot stays `None`; `id` is above.
    pub(super) fields: Vec<Option<FieldValue>>,
    /// UDF values as the wire carries them; `None` is null.
    pub(super) udfs: Vec<Option<String>>,
}

impl StoredEntity {
    /// A record with every field and UDF null.
    pub(super) fn empty(id: i64, field_count: usize, udf_count: usize) -> Self {
        StoredEntity {
            id,
            fields: vec![None; field_count],
            udfs: vec![None; udf_count],
        }
    }
}

/// Every record, by entity type and then id (ids ascending, as queries answer).
#[derive(Debug, Default)]
pub(super) struct DataStore {
    tables: HashMap<String, BTreeMap<i64, StoredEntity>>,
}

impl DataStore {
    /// The records of one entity type, ids ascending (empty when it has none).
    pub(super) fn records<'a>(&'a self, entity: &str) -> impl Iterator<Item = &'a StoredEntity> {
        self.tables
            .get(entity)
            .into_iter()
            .flat_map(BTreeMap::values)
    }

    pub(super) fn get(&self, entity: &str, id: i64) -> Option<&StoredEntity> {
        self.tables.get(entity)?.get(&id)
    }

    pub(super) fn contains(&self, entity: &str, id: i64) -> bool {
        self.get(entity, id).is_some()
    }

    /// Whether the store holds records of this type at all: references are
    /// only checked against entity types the dataset provides.
    pub(super) fn holds_any(&self, entity: &str) -> bool {
        self.tables
            .get(entity)
            .is_some_and(|table| !table.is_empty())
    }

    /// The id the next created record of this type gets.
    pub(super) fn next_id(&self, entity: &str) -> i64 {
        self.tables
            .get(entity)
            .and_then(|table| table.keys().next_back())
            .map_or(1, |last| last.saturating_add(1))
    }

    /// Inserts or replaces a record.
    pub(super) fn put(&mut self, entity: &str, record: StoredEntity) {
        self.tables
            .entry(entity.to_owned())
            .or_default()
            .insert(record.id, record);
    }

    pub(super) fn remove(&mut self, entity: &str, id: i64) -> Option<StoredEntity> {
        self.tables.get_mut(entity)?.remove(&id)
    }

    /// Record counts by entity type, types sorted by name.
    pub(super) fn counts(&self) -> Vec<(String, usize)> {
        let mut counts: Vec<_> = self
            .tables
            .iter()
            .filter(|(_, table)| !table.is_empty())
            .map(|(entity, table)| (entity.clone(), table.len()))
            .collect();
        counts.sort();
        counts
    }
}
