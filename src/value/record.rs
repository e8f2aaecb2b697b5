//! Records: Autotask entities with their values in schema slots, so that evaluation reads a
//! field by index, never by name.

use std::collections::HashMap;
use std::sync::Arc;

use super::Value;
use super::field_index::{FieldIndexes, whole_number};
use super::id_hash::IdHashing;

/// One Autotask entity. `fields[slot]` follows the order of the entity's fields in the
/// schema; `udfs[slot]` follows the tenant's UDF list for the entity. Absent values are null,
/// and either list may end before the schema's: the slots past its end are null too.
#[derive(Debug, Clone)]
pub struct Record {
    /// The Autotask entity type, e.g. `Ticket`; shared by all records of one type read together.
    pub entity: Arc<str>,
    /// The Autotask id.
    pub id: i64,
    /// Field values by schema slot; read them with [`Record::field`].
    pub fields: Box<[Value<'static>]>,
    /// UDF values by the tenant's UDF slot; read them with [`Record::udf`].
    pub udfs: Box<[Value<'static>]>,
    /// Values the DST rule placed when they were read (a wire time in a gap or fold), so the
    /// rules that read them can report it; empty for almost every record.
    pub adjusted: Box<[Adjusted]>,
}

/// A field or UDF whose wall-clock reading the DST rule resolved when it was loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjusted {
    pub slot: u32,
    pub udf: bool,
    pub adjustment: crate::time::DstAdjustment,
}

impl PartialEq for Record {
    /// Equal when every slot holds the same value, however long the lists are.
    fn eq(&self, other: &Self) -> bool {
        fn same(a: &[Value<'_>], b: &[Value<'_>]) -> bool {
            let null = Value::Null;
            (0..a.len().max(b.len()))
                .all(|i| a.get(i).unwrap_or(&null) == b.get(i).unwrap_or(&null))
        }
        self.entity == other.entity
            && self.id == other.id
            && same(&self.fields, &other.fields)
            && same(&self.udfs, &other.udfs)
    }
}

impl Record {
    /// The value of the field at `slot`; null past the end of the list.
    pub fn field(&self, slot: usize) -> &Value<'static> {
        self.fields.get(slot).unwrap_or(&Value::Null)
    }

    /// The value of the UDF at `slot`; null past the end of the list.
    pub fn udf(&self, slot: usize) -> &Value<'static> {
        self.udfs.get(slot).unwrap_or(&Value::Null)
    }

    /// How the DST rule placed the field (`udf` false) or UDF at `slot` when it was read.
    pub fn adjustment(&self, slot: usize, udf: bool) -> Option<&crate::time::DstAdjustment> {
        self.adjusted
            .iter()
            .find(|a| a.slot as usize == slot && a.udf == udf)
            .map(|a| &a.adjustment)
    }
}

/// The records one evaluation may read: the source entity and everything the fetch plan
/// brought along, by entity type and id.
#[derive(Debug, Clone, Default)]
pub struct RecordSet {
    /// A set holds a handful of entity types: a short list searched by name beats hashing it.
    by_entity: Vec<(Arc<str>, HashMap<i64, Record, IdHashing>)>,
    /// Lookups' indexes, built when first used.
    indexes: FieldIndexes,
}

impl RecordSet {
    /// An empty set; fill it with [`load_query_response`](crate::load_query_response) or
    /// [`RecordSet::insert`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a record; a later record with the same entity and id replaces the earlier one.
    pub fn insert(&mut self, record: Record) {
        self.indexes.forget();
        match self.by_entity.iter_mut().find(|(e, _)| *e == record.entity) {
            Some((_, of_entity)) => {
                of_entity.insert(record.id, record);
            }
            None => {
                let entity = record.entity.clone();
                let mut of_entity = HashMap::default();
                of_entity.insert(record.id, record);
                self.by_entity.push((entity, of_entity));
            }
        }
    }

    /// The record of entity type `entity` (`Ticket`, `Account`…) with Autotask id `id`.
    pub fn get(&self, entity: &str, id: i64) -> Option<&Record> {
        self.of(entity)?.get(&id)
    }

    /// All records of one entity type, sorted by id.
    pub fn of_entity(&self, entity: &str) -> Vec<&Record> {
        let mut records: Vec<&Record> = self
            .of(entity)
            .map(|m| m.values().collect())
            .unwrap_or_default();
        records.sort_by_key(|r| r.id);
        records
    }

    /// The record of type `entity` with the lowest id among those that satisfy `accepts`.
    pub fn first_match(&self, entity: &str, accepts: impl Fn(&Record) -> bool) -> Option<&Record> {
        self.of(entity)?
            .values()
            .filter(|r| accepts(r))
            .min_by_key(|r| r.id)
    }

    /// The record of type `entity` with the lowest id among those whose field at `slot` equals
    /// `key` as an Autotask query compares numbers (5 matches 5.0) and that satisfy `accepts`.
    /// A whole-number key is found through an index of the field, built on first use; any
    /// other key is compared with `equal` on each record.
    pub fn first_with(
        &self,
        entity: &str,
        slot: usize,
        key: &Value<'_>,
        equal: impl Fn(&Value<'_>, &Value<'_>) -> bool,
        accepts: impl Fn(&Record) -> bool,
    ) -> Option<&Record> {
        let Some(number) = whole_number(key) else {
            return self.first_match(entity, |r| equal(r.field(slot), key) && accepts(r));
        };
        let (name, of_entity) = self.by_entity.iter().find(|(e, _)| **e == *entity)?;
        let index = self.indexes.get_or_build(name, slot, of_entity.values());
        index
            .get(&number)?
            .iter()
            .filter_map(|id| of_entity.get(id))
            .find(|r| accepts(r))
    }

    /// Every record, by entity type in the order first seen, then in no particular order.
    pub fn into_records(self) -> impl Iterator<Item = Record> {
        self.by_entity
            .into_iter()
            .flat_map(|(_, of_entity)| of_entity.into_values())
    }

    /// How many records the set holds, of all entity types.
    pub fn len(&self) -> usize {
        self.by_entity.iter().map(|(_, m)| m.len()).sum()
    }

    /// Whether the set holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn of(&self, entity: &str) -> Option<&HashMap<i64, Record, IdHashing>> {
        self.by_entity
            .iter()
            .find(|(e, _)| **e == *entity)
            .map(|(_, m)| m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_differing_only_in_trailing_nulls_are_equal() {
        let record = |fields: Vec<Value<'static>>| Record {
            entity: "Ticket".into(),
            id: 9137,
            fields: fields.into(),
            udfs: Box::new([]),
            adjusted: Box::new([]),
        };
        let short = record(vec![
            Value::Int(9137),
            Value::Null,
            Value::str("Printer down"),
        ]);
        let long = record(vec![
            Value::Int(9137),
            Value::Null,
            Value::str("Printer down"),
            Value::Null,
        ]);
        assert_eq!(short, long);
        assert_eq!(short.field(3), &Value::Null);
        assert_eq!(short.field(99), &Value::Null);
        assert_ne!(
            short,
            record(vec![Value::Int(9137), Value::Null, Value::str("Other")])
        );
        assert_ne!(
            short,
            record(vec![
                Value::Int(9137),
                Value::Null,
                Value::str("Printer down"),
                Value::Int(1)
            ])
        );
    }

    #[test]
    fn a_lookup_finds_the_lowest_matching_id_through_the_index_and_sees_later_inserts() {
        let contact = |id: i64, account: Value<'static>, primary: bool| Record {
            entity: "Contact".into(),
            id,
            fields: vec![account, Value::Bool(primary)].into(),
            udfs: Box::new([]),
            adjusted: Box::new([]),
        };
        let mut set = RecordSet::new();
        set.insert(contact(30, Value::Int(7), true));
        set.insert(contact(12, Value::Int(7), false));
        set.insert(contact(25, Value::Decimal(rust_decimal::Decimal::new(70, 1)), true));
        set.insert(contact(40, Value::Int(8), true));
        let primary = |r: &Record| r.field(1) == &Value::Bool(true);
        let equal = |a: &Value<'_>, b: &Value<'_>| a == b;
        let found = |set: &RecordSet, key: Value<'static>| {
            set.first_with("Contact", 0, &key, equal, primary).map(|r| r.id)
        };
        // 7.0 is the account 7 as Autotask compares numbers; 12 is not primary.
        assert_eq!(found(&set, Value::Int(7)), Some(25));
        assert_eq!(found(&set, Value::Int(9)), None);
        assert_eq!(found(&set, Value::Decimal(rust_decimal::Decimal::new(80, 1))), Some(40));
        // A record added after the index was built is found.
        set.insert(contact(3, Value::Int(7), true));
        assert_eq!(found(&set, Value::Int(7)), Some(3));
        // A key that is no whole number is compared record by record.
        assert_eq!(found(&set, Value::str("7")), None);
    }
}
