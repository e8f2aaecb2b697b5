//! Turning counted coverage into a report: what the tests exercised, and what they never did.

use std::collections::HashSet;

use serde::Serialize;

use crate::ir::{Expr, Program, Table};
use crate::runtime::coverage::Coverage;
use crate::value::{Key, Value};

#[derive(Debug, Clone, Serialize)]
pub struct CoverageReport {
    pub items: Vec<CoverageItem>,
}

/// One thing with parts (a mapping's rules, a table's rows, a range map's arms, the outbound
/// rules), how many parts the tests exercised, and the ones they never did.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageItem {
    pub what: String,
    pub line: usize,
    pub exercised: usize,
    pub total: usize,
    pub never: Vec<String>,
}

impl CoverageReport {
    pub fn build(program: &Program, coverage: &Coverage, source: &str) -> Self {
        let line = |start: usize| {
            crate::diagnostics::Span::new(start, start)
                .line_col(source)
                .0
        };
        let mut items = Vec::new();
        let mut tables: Vec<&Table> = Vec::new();
        let mut ranges: Vec<&Expr> = Vec::new();
        let mut seen = HashSet::new();
        let mut exprs: Vec<&Expr> = Vec::new();
        for (m, mapping) in program.mappings.iter().enumerate() {
            let never: Vec<String> = mapping
                .rules
                .iter()
                .enumerate()
                .filter(|(i, _)| !coverage.rules.contains_key(&(m, *i)))
                .map(|(_, r)| format!("{} (line {})", r.target, line(r.span.start)))
                .collect();
            items.push(CoverageItem {
                what: format!("rules of mapping {:?} that produced a value", mapping.name),
                line: line(mapping.span.start),
                exercised: mapping.rules.len() - never.len(),
                total: mapping.rules.len(),
                never,
            });
            exprs.extend(mapping.triggers.iter().map(|t| &t.condition));
            exprs.extend(mapping.rules.iter().map(|r| &r.expr));
        }
        if !program.outbound.is_empty() {
            let never: Vec<String> = program
                .outbound
                .iter()
                .enumerate()
                .filter(|(i, _)| !coverage.outbound.contains_key(i))
                .map(|(_, r)| format!("on {} (line {})", r.event, line(r.span.start)))
                .collect();
            items.push(CoverageItem {
                what: "outbound rules that ran".into(),
                line: line(program.outbound[0].span.start),
                exercised: program.outbound.len() - never.len(),
                total: program.outbound.len(),
                never,
            });
            for rule in &program.outbound {
                exprs.extend(rule.sets.iter().map(|s| &s.expr));
                exprs.extend(rule.notes.iter().flat_map(|n| [&n.title, &n.description]));
            }
        }
        for e in exprs {
            e.walk(&mut |x| match x {
                // An imported table is not counted: its span points into another file.
                Expr::Lookup { table, .. }
                    if table.origin.is_none() && seen.insert(("table", table.span.start)) =>
                {
                    tables.push(table.as_ref())
                }
                Expr::Ranges { span, .. } if seen.insert(("ranges", span.start)) => ranges.push(x),
                _ => {}
            });
        }
        for table in tables {
            let mut parts: Vec<(Option<Key>, String)> = table
                .rows
                .entries()
                .into_iter()
                .map(|(k, _)| {
                    let shown = show_key(program, table, &k);
                    (Some(k), shown)
                })
                .collect();
            parts.push((None, "_".into()));
            let never: Vec<String> = parts
                .iter()
                .filter(|(k, _)| !coverage.rows.contains_key(&(table.span.start, k.clone())))
                .map(|(_, shown)| shown.clone())
                .collect();
            let what = if table.name == "match" {
                "match arms taken".to_string()
            } else {
                format!("rows of table `{}` taken", table.name)
            };
            items.push(CoverageItem {
                what,
                line: line(table.span.start),
                exercised: parts.len() - never.len(),
                total: parts.len(),
                never,
            });
        }
        for e in ranges {
            let Expr::Ranges { arms, span, .. } = e else {
                continue;
            };
            let mut parts: Vec<(Option<usize>, String)> = arms
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    (
                        Some(i),
                        format!("{} {}", if a.inclusive { "<=" } else { "<" }, a.bound),
                    )
                })
                .collect();
            parts.push((None, "_".into()));
            let never: Vec<String> = parts
                .iter()
                .filter(|(i, _)| !coverage.range_arms.contains_key(&(span.start, *i)))
                .map(|(_, shown)| shown.clone())
                .collect();
            items.push(CoverageItem {
                what: "range arms taken".into(),
                line: line(span.start),
                exercised: parts.len() - never.len(),
                total: parts.len(),
                never,
            });
        }
        items.sort_by_key(|i| i.line);
        CoverageReport { items }
    }

    /// Exercised parts over all parts.
    pub fn totals(&self) -> (usize, usize) {
        self.items
            .iter()
            .fold((0, 0), |(e, t), i| (e + i.exercised, t + i.total))
    }
}

/// A table key as the mapping wrote it: a picklist label, or the literal.
fn show_key(program: &Program, table: &Table, key: &Key) -> String {
    let value = match key {
        Key::Int(i) => Value::Int(*i),
        Key::Str(s) => Value::str(s.to_string()),
        Key::Bool(b) => Value::Bool(*b),
    };
    table
        .key_picklist
        .and_then(|p| program.picklists.get(p as usize))
        .and_then(|p| p.labels.get(&value))
        .map_or_else(|| key.to_string(), |label| format!("{label:?}"))
}
