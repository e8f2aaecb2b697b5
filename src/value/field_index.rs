//! The records of one entity by the whole number in one of their fields, for lookups
//! (`Contact where AccountID == AccountID`): built the first time a lookup asks for it, so a
//! batch of tickets finds each one's match by hashing instead of scanning every record.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::{Key, Value};
use super::id_hash::IdHashing;
use super::record::Record;

/// Ids of records by the number their field holds, each list ascending.
pub(super) type Index = HashMap<i64, Vec<i64>, IdHashing>;

/// An index with the entity and field slot it is of.
type Built = (Arc<str>, usize, Arc<Index>);

/// The indexes built so far. Derived data: a clone starts empty, and adding a record forgets
/// them.
#[derive(Default)]
pub(super) struct FieldIndexes(RwLock<Vec<Built>>);

impl FieldIndexes {
    /// The index of `entity`'s field at `slot`, built from `records` if it is not yet.
    pub fn get_or_build<'r>(
        &self,
        entity: &Arc<str>,
        slot: usize,
        records: impl Iterator<Item = &'r Record>,
    ) -> Arc<Index> {
        let find = |built: &[Built]| {
            built
                .iter()
                .find(|(e, s, _)| e == entity && *s == slot)
                .map(|(_, _, index)| index.clone())
        };
        // A poisoned lock only means another thread panicked while building: rebuild.
        if let Some(index) = find(&self.0.read().unwrap_or_else(|p| p.into_inner())) {
            return index;
        }
        let mut index = Index::default();
        for record in records {
            if let Some(number) = whole_number(record.field(slot)) {
                index.entry(number).or_default().push(record.id);
            }
        }
        for ids in index.values_mut() {
            ids.sort_unstable();
        }
        let index = Arc::new(index);
        let mut built = self.0.write().unwrap_or_else(|p| p.into_inner());
        if let Some(other) = find(&built) {
            return other;
        }
        built.push((entity.clone(), slot, index.clone()));
        index
    }

    pub fn forget(&mut self) {
        self.0.get_mut().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

impl Clone for FieldIndexes {
    fn clone(&self) -> Self {
        FieldIndexes::default()
    }
}

impl std::fmt::Debug for FieldIndexes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FieldIndexes")
    }
}

/// The value as a whole number, as an Autotask query compares it: an integer, or a decimal
/// with no fraction.
pub(super) fn whole_number(value: &Value<'_>) -> Option<i64> {
    match Key::of(value)? {
        Key::Int(n) => Some(n),
        _ => None,
    }
}
