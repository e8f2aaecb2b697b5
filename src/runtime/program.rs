//! The evaluation entry points on a compiled [`Program`].

use std::cell::RefCell;

use super::body::BodyEvaluation;
use super::coverage::Coverage;
use super::evaluate::{EvalError, Evaluation};
use super::outbound::{AutotaskChanges, EventError};
use crate::ir::Program;
use crate::stdlib::context::EvalContext;
use crate::value::record::{Record, RecordSet};

impl Program {
    /// Evaluates mapping number `mapping` for the source record `source_id` in `records`.
    /// Pure: no I/O, and the clock comes from `ctx`. Safe to call from many threads at once.
    pub fn evaluate(
        &self,
        mapping: usize,
        records: &RecordSet,
        source_id: i64,
        ctx: &EvalContext,
    ) -> Result<Evaluation, EvalError> {
        super::evaluate::evaluate_mapping(self, mapping, records, source_id, ctx, None)
    }

    /// As [`Program::evaluate`], but the work order goes straight into `out` as JSON bytes (the
    /// body of `POST /workorders`), and no provenance is kept: what a broker that sends work
    /// orders on needs, and several times faster. The bytes are exactly `serde_json::to_vec`
    /// of [`Evaluation::work_order`](super::evaluate::Evaluation), and the issues the same.
    pub fn evaluate_to_json(
        &self,
        mapping: usize,
        records: &RecordSet,
        source_id: i64,
        ctx: &EvalContext,
        out: &mut Vec<u8>,
    ) -> Result<BodyEvaluation, EvalError> {
        super::body::evaluate_body(self, mapping, records, source_id, ctx, out)
    }

    /// As [`Program::evaluate`], counting what the evaluation exercised (for test runners).
    pub fn evaluate_with_coverage(
        &self,
        mapping: usize,
        records: &RecordSet,
        source_id: i64,
        ctx: &EvalContext,
        coverage: &RefCell<Coverage>,
    ) -> Result<Evaluation, EvalError> {
        super::evaluate::evaluate_mapping(self, mapping, records, source_id, ctx, Some(coverage))
    }

    /// The Autotask changes that a Field Nation event (webhook v3 body) makes to a ticket.
    pub fn on_event(
        &self,
        event: &serde_json::Value,
        ticket: &Record,
        ctx: &EvalContext,
    ) -> Result<AutotaskChanges, EventError> {
        super::outbound::apply_event(self, event, ticket, ctx, None)
    }

    /// As [`Program::on_event`], counting the outbound rules that ran and the rows they took.
    pub fn on_event_with_coverage(
        &self,
        event: &serde_json::Value,
        ticket: &Record,
        ctx: &EvalContext,
        coverage: &RefCell<Coverage>,
    ) -> Result<AutotaskChanges, EventError> {
        super::outbound::apply_event(self, event, ticket, ctx, Some(coverage))
    }
}
