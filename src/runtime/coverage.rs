//! Coverage of a mapping by its tests: which rules produced a value, which table rows, `match`
//! arms and range arms were taken, and which outbound rules ran.

use std::collections::HashMap;

use crate::diagnostics::Span;
use crate::ir::Table;
use crate::value::Key;

/// Counts of what evaluations of one program exercised, for test runners that report what no
/// test reached. Counts add up over evaluations; tables, `match`es and `ranges` maps are keyed
/// by the byte offset where they start in the mapping file.
#[derive(Debug, Default, Clone)]
pub struct Coverage {
    /// `(mapping, rule)` → times the rule produced a value.
    pub rules: HashMap<(usize, usize), u32>,
    /// `(table or match start, key)` → times that row was taken; `None` is the default arm.
    pub rows: HashMap<(usize, Option<Key>), u32>,
    /// `(ranges start, arm)` → times that arm was taken; `None` is the default arm.
    pub range_arms: HashMap<(usize, Option<usize>), u32>,
    /// Outbound rule index → times it ran.
    pub outbound: HashMap<usize, u32>,
}

impl Coverage {
    /// Counts one value produced by rule `rule` of mapping `mapping`.
    pub fn rule(&mut self, mapping: usize, rule: usize) {
        *self.rules.entry((mapping, rule)).or_default() += 1;
    }

    /// Counts one lookup in `table` that took the row for `key` (`None`: the default arm).
    /// An imported table's span is into its own file, so it could collide with one of this
    /// file's: imported tables are not counted.
    pub fn row(&mut self, table: &Table, key: Option<Key>) {
        if table.origin.is_some() {
            return;
        }
        *self.rows.entry((table.span.start, key)).or_default() += 1;
    }

    /// Counts one pass through the `ranges { … }` map at `ranges` that took arm number `arm`,
    /// from 0 (`None`: the default arm).
    pub fn range_arm(&mut self, ranges: Span, arm: Option<usize>) {
        *self.range_arms.entry((ranges.start, arm)).or_default() += 1;
    }

    /// Counts one run of outbound rule number `index`, in file order.
    pub fn outbound_rule(&mut self, index: usize) {
        *self.outbound.entry(index).or_default() += 1;
    }
}
