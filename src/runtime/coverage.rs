//! Coverage of a mapping by its tests: which rules produced a value, which table rows, `match`
//! arms and range arms were taken, and which outbound rules ran.

use std::collections::HashMap;

use crate::diagnostics::Span;
use crate::ir::Table;
use crate::value::Key;

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
    pub fn rule(&mut self, mapping: usize, rule: usize) {
        *self.rules.entry((mapping, rule)).or_default() += 1;
    }

    pub fn row(&mut self, table: &Table, key: Option<Key>) {
        *self.rows.entry((table.span.start, key)).or_default() += 1;
    }

    pub fn range_arm(&mut self, ranges: Span, arm: Option<usize>) {
        *self.range_arms.entry((ranges.start, arm)).or_default() += 1;
    }

    pub fn outbound_rule(&mut self, index: usize) {
        *self.outbound.entry(index).or_default() += 1;
    }
}
