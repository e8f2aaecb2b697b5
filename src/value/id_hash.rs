//! Hashing for integer keys: record ids and picklist values.

use std::hash::{BuildHasherDefault, Hasher};

pub type IdHashing = BuildHasherDefault<IdHasher>;

/// Hashes an integer with one multiplication. Record ids and picklist values are integers
/// Autotask assigns, not input an attacker chooses, so the flooding resistance SipHash buys
/// (at several times the cost of the lookup itself) is not needed.
#[derive(Default)]
pub struct IdHasher(u64);

/// The golden-ratio multiplier spreads sequential integers over high and low bits alike.
const SPREAD: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for IdHasher {
    fn write_i64(&mut self, id: i64) {
        self.0 = (id as u64).wrapping_mul(SPREAD);
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*byte)).wrapping_mul(SPREAD);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn sequential_and_sparse_ids_are_found() {
        let ids: Vec<i64> = (0..2_000)
            .map(|i| 29_682_833 + i)
            .chain((0..2_000).map(|i| i * 4096))
            .chain([-1, i64::MIN, i64::MAX])
            .collect();
        let map: HashMap<i64, usize, IdHashing> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        assert_eq!(map.len(), ids.len());
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(map.get(id), Some(&i), "{id}");
        }
        assert_eq!(map.get(&7), None);
    }
}
