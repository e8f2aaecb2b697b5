//! The evaluation entry points on a compiled [`Program`].

use std::cell::RefCell;

use super::body::BodyEvaluation;
use super::coverage::Coverage;
use super::evaluate::{EvalError, Evaluation};
use super::outbound::{AutotaskChanges, EventError};
use crate::ir::Program;
use crate::stdlib::context::EvalContext;
use crate::value::record::{Record, RecordSet};

/// Which mapping of a file to evaluate: by its position, or by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingRef<'a> {
    /// The mapping's position in the file, from 0.
    Index(usize),
    /// The name after `mapping`.
    Name(&'a str),
}

impl From<usize> for MappingRef<'_> {
    fn from(index: usize) -> Self {
        MappingRef::Index(index)
    }
}

impl<'a> From<&'a str> for MappingRef<'a> {
    fn from(name: &'a str) -> Self {
        MappingRef::Name(name)
    }
}

/// How to evaluate: which mapping (the first by default), and where to count what the
/// evaluation exercised (for test runners). A `usize` or a `&str` converts into options that
/// pick that mapping.
#[derive(Debug)]
pub struct EvalOptions<'a> {
    /// The mapping to evaluate.
    pub mapping: MappingRef<'a>,
    /// Where to count the rules, table rows and range arms the evaluation took.
    pub coverage: Option<&'a mut Coverage>,
}

impl Default for EvalOptions<'_> {
    fn default() -> Self {
        EvalOptions {
            mapping: MappingRef::Index(0),
            coverage: None,
        }
    }
}

impl<'a> EvalOptions<'a> {
    /// Counts what the evaluation exercised into `coverage`, adding to what it holds.
    pub fn with_coverage(mut self, coverage: &'a mut Coverage) -> Self {
        self.coverage = Some(coverage);
        self
    }
}

impl From<usize> for EvalOptions<'_> {
    fn from(index: usize) -> Self {
        EvalOptions {
            mapping: MappingRef::Index(index),
            coverage: None,
        }
    }
}

impl<'a> From<&'a str> for EvalOptions<'a> {
    fn from(name: &'a str) -> Self {
        EvalOptions {
            mapping: MappingRef::Name(name),
            coverage: None,
        }
    }
}

impl<'a> From<MappingRef<'a>> for EvalOptions<'a> {
    fn from(mapping: MappingRef<'a>) -> Self {
        EvalOptions {
            mapping,
            coverage: None,
        }
    }
}

impl Program {
    /// Evaluates a mapping for the source record `source_id` in `records`: the work order as
    /// a JSON tree, where each field came from, and the issues found. Pure: no I/O, and the
    /// clock comes from `ctx`. Safe to call from many threads at once.
    ///
    /// `options` picks the mapping (`0`, `"Dispatch from service ticket"`, or
    /// [`EvalOptions`] with coverage).
    pub fn evaluate<'a>(
        &self,
        records: &RecordSet,
        source_id: i64,
        ctx: &EvalContext,
        options: impl Into<EvalOptions<'a>>,
    ) -> Result<Evaluation, EvalError> {
        let options = options.into();
        let index = self.resolve(options.mapping)?;
        with_coverage(options.coverage, |coverage| {
            super::evaluate::evaluate_mapping(self, index, records, source_id, ctx, coverage)
        })
    }

    /// As [`Program::evaluate`], but the work order goes straight into `out` as JSON bytes
    /// (the body of `POST /workorders`), and no provenance is kept: what a broker that sends
    /// work orders on needs, and several times faster. The bytes are exactly
    /// `serde_json::to_vec` of [`Evaluation::work_order`], and the issues the same.
    pub fn evaluate_to_json<'a>(
        &self,
        records: &RecordSet,
        source_id: i64,
        ctx: &EvalContext,
        mapping: impl Into<MappingRef<'a>>,
        out: &mut Vec<u8>,
    ) -> Result<BodyEvaluation, EvalError> {
        let index = self.resolve(mapping.into())?;
        super::body::evaluate_body(self, index, records, source_id, ctx, out)
    }

    /// The Autotask changes that a Field Nation event (webhook v3 body) makes to the record
    /// its work order came from; `coverage`, when given, counts the outbound rules that ran.
    pub fn on_event(
        &self,
        event: &serde_json::Value,
        record: &Record,
        ctx: &EvalContext,
        coverage: Option<&mut Coverage>,
    ) -> Result<AutotaskChanges, EventError> {
        with_coverage(coverage, |coverage| {
            super::outbound::apply_event(self, event, record, ctx, coverage)
        })
    }

    fn resolve(&self, mapping: MappingRef<'_>) -> Result<usize, EvalError> {
        match mapping {
            MappingRef::Index(i) if i < self.mappings().len() => Ok(i),
            MappingRef::Index(i) => Err(EvalError::NoSuchMapping(i)),
            MappingRef::Name(name) => self
                .mapping_index(name)
                .ok_or_else(|| EvalError::NoMappingNamed(name.to_string())),
        }
    }
}

/// The evaluator shares coverage between nested calls through a `RefCell`; callers hand in a
/// plain `&mut`, which keeps what it held before.
fn with_coverage<T>(
    coverage: Option<&mut Coverage>,
    run: impl FnOnce(Option<&RefCell<Coverage>>) -> T,
) -> T {
    match coverage {
        None => run(None),
        Some(coverage) => {
            let cell = RefCell::new(std::mem::take(coverage));
            let result = run(Some(&cell));
            *coverage = cell.into_inner();
            result
        }
    }
}
