//! A map whose entries expire: for what changes rarely (accounts, contacts, resources,
//! locations, projects, picklists) and is read on every fetch.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct TtlCache<K, V> {
    ttl: Duration,
    entries: HashMap<K, (Instant, V)>,
}

impl<K: Eq + Hash, V> TtlCache<K, V> {
    pub fn new(ttl: Duration) -> Self {
        TtlCache {
            ttl,
            entries: HashMap::new(),
        }
    }

    /// The value, while it is fresh.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.entries
            .get(key)
            .filter(|(stored, _)| stored.elapsed() < self.ttl)
            .map(|(_, value)| value)
    }

    pub fn insert(&mut self, key: K, value: V) {
        // Expired entries go when new ones come, so the map does not only grow.
        if self.entries.len() >= 1024 && self.entries.len().is_power_of_two() {
            self.remove_expired();
        }
        self.entries.insert(key, (Instant::now(), value));
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.entries.remove(key).map(|(_, value)| value)
    }

    pub fn remove_expired(&mut self) {
        let ttl = self.ttl;
        self.entries.retain(|_, (stored, _)| stored.elapsed() < ttl);
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Entries held, fresh or not.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire() {
        let mut cache = TtlCache::new(Duration::from_millis(30));
        cache.insert("Account 1", 1);
        assert_eq!(cache.get(&"Account 1"), Some(&1));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get(&"Account 1"), None);
        cache.remove_expired();
        assert!(cache.is_empty());
    }
}
