//! Maps from table keys to values, looked up by borrowed run-time values without allocating.

use std::collections::HashMap;

use super::id_hash::IdHashing;
use super::{Key, Value};

#[derive(Debug, Clone)]
pub struct KeyMap<V> {
    ints: HashMap<i64, V, IdHashing>,
    strs: HashMap<Box<str>, V>,
    bools: HashMap<bool, V>,
}

impl<V> Default for KeyMap<V> {
    fn default() -> Self {
        KeyMap {
            ints: HashMap::default(),
            strs: HashMap::new(),
            bools: HashMap::new(),
        }
    }
}

impl<V> KeyMap<V> {
    /// Inserts unless the key is present; returns false for a duplicate.
    pub fn insert(&mut self, key: Key, value: V) -> bool {
        use std::collections::hash_map::Entry;
        fn put<K: std::hash::Hash + Eq, V, S: std::hash::BuildHasher>(
            map: &mut HashMap<K, V, S>,
            k: K,
            v: V,
        ) -> bool {
            match map.entry(k) {
                Entry::Occupied(_) => false,
                Entry::Vacant(slot) => {
                    slot.insert(v);
                    true
                }
            }
        }
        match key {
            Key::Int(i) => put(&mut self.ints, i, value),
            Key::Str(s) => put(&mut self.strs, s, value),
            Key::Bool(b) => put(&mut self.bools, b, value),
        }
    }

    pub fn get(&self, value: &Value<'_>) -> Option<&V> {
        match value {
            Value::Int(i) => self.ints.get(i),
            Value::Str(s) => self.strs.get(s.as_ref()),
            Value::Bool(b) => self.bools.get(b),
            Value::Decimal(d) if d.fract().is_zero() => {
                i64::try_from(*d).ok().and_then(|i| self.ints.get(&i))
            }
            _ => None,
        }
    }

    /// Every key with its value, in a stable order (integers, then text, then booleans).
    pub fn entries(&self) -> Vec<(Key, &V)> {
        let mut out: Vec<(Key, &V)> = Vec::with_capacity(self.len());
        let mut ints: Vec<_> = self.ints.iter().collect();
        ints.sort_by_key(|(k, _)| **k);
        out.extend(ints.into_iter().map(|(k, v)| (Key::Int(*k), v)));
        let mut strs: Vec<_> = self.strs.iter().collect();
        strs.sort_by(|a, b| a.0.cmp(b.0));
        out.extend(strs.into_iter().map(|(k, v)| (Key::Str(k.clone()), v)));
        let mut bools: Vec<_> = self.bools.iter().collect();
        bools.sort_by_key(|(k, _)| **k);
        out.extend(bools.into_iter().map(|(k, v)| (Key::Bool(*k), v)));
        out
    }

    pub fn len(&self) -> usize {
        self.ints.len() + self.strs.len() + self.bools.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
