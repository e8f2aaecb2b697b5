//! fieldmap: a declarative, schema-checked mapping language from Autotask PSA tickets to
//! Field Nation work orders.
//!
//! Compile once, evaluate many times, from many threads:
//!
//! ```no_run
//! use std::sync::Arc;
//! use fieldmap::{compile, schema::Schemas, runtime::{context::EvalContext, record::RecordSet}};
//!
//! let schemas = Arc::new(Schemas::bundled()?);
//! let program = compile(&std::fs::read_to_string("mappings/dispatch-service-ticket.fmap")?, schemas)?;
//! let mut records = RecordSet::new();
//! fieldmap::autotask::load_query_response(&std::fs::read_to_string("ticket.xml")?, &program.schemas, &mut records)?;
//! let result = program.evaluate(0, &records, 9137, &EvalContext::current())?;
//! println!("{}", result.work_order);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod autotask;
pub mod check;
pub mod diagnostics;
#[cfg(any(feature = "client", feature = "sim"))]
pub mod fieldnation;
pub mod ir;
pub mod jsonnet;
pub mod lint;
pub mod runtime;
pub mod schema;
pub mod syntax;
pub mod testing;

use std::cell::RefCell;
use std::sync::Arc;

use diagnostics::Diagnostic;
pub use ir::Program;
use runtime::body::BodyEvaluation;
use runtime::context::EvalContext;
use runtime::coverage::Coverage;
use runtime::evaluate::{EvalError, Evaluation};
use runtime::outbound::{AutotaskChanges, EventError};
use runtime::record::{Record, RecordSet};
use schema::Schemas;

/// Why a file did not compile: every diagnostic, errors and warnings.
#[derive(Debug)]
pub struct CompileFailure {
    pub diagnostics: Vec<Diagnostic>,
}

impl std::fmt::Display for CompileFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let errors = self.diagnostics.iter().filter(|d| d.is_error()).count();
        write!(f, "the mapping has {errors} error(s)")
    }
}

impl std::error::Error for CompileFailure {}

/// A compiled program and the warnings found on the way.
pub struct Compiled {
    pub program: Program,
    pub warnings: Vec<Diagnostic>,
}

/// Parses, checks and lowers a mapping file. Diagnostics come back all at once.
pub fn compile(source: &str, schemas: Arc<Schemas>) -> Result<Program, CompileFailure> {
    compile_with_warnings(source, schemas).map(|c| c.program)
}

pub fn compile_with_warnings(
    source: &str,
    schemas: Arc<Schemas>,
) -> Result<Compiled, CompileFailure> {
    let file = syntax::parse(source).map_err(|d| CompileFailure {
        diagnostics: vec![d],
    })?;
    let checked = check::check(&file, schemas);
    if checked.has_errors {
        return Err(CompileFailure {
            diagnostics: checked.diagnostics,
        });
    }
    Ok(Compiled {
        program: checked.program,
        warnings: checked.diagnostics,
    })
}

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
        runtime::evaluate::evaluate_mapping(self, mapping, records, source_id, ctx, None)
    }

    /// As [`Program::evaluate`], but the work order goes straight into `out` as JSON bytes (the
    /// body of `POST /workorders`), and no provenance is kept: what a broker that sends work
    /// orders on needs, and several times faster. The bytes are exactly `serde_json::to_vec`
    /// of [`Evaluation::work_order`](runtime::evaluate::Evaluation), and the issues the same.
    pub fn evaluate_to_json(
        &self,
        mapping: usize,
        records: &RecordSet,
        source_id: i64,
        ctx: &EvalContext,
        out: &mut Vec<u8>,
    ) -> Result<BodyEvaluation, EvalError> {
        runtime::body::evaluate_body(self, mapping, records, source_id, ctx, out)
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
        runtime::evaluate::evaluate_mapping(self, mapping, records, source_id, ctx, Some(coverage))
    }

    /// The Autotask changes that a Field Nation event (webhook v3 body) makes to a ticket.
    pub fn on_event(
        &self,
        event: &serde_json::Value,
        ticket: &Record,
        ctx: &EvalContext,
    ) -> Result<AutotaskChanges, EventError> {
        runtime::outbound::apply_event(self, event, ticket, ctx, None)
    }

    /// As [`Program::on_event`], counting the outbound rules that ran and the rows they took.
    pub fn on_event_with_coverage(
        &self,
        event: &serde_json::Value,
        ticket: &Record,
        ctx: &EvalContext,
        coverage: &RefCell<Coverage>,
    ) -> Result<AutotaskChanges, EventError> {
        runtime::outbound::apply_event(self, event, ticket, ctx, Some(coverage))
    }
}

/// Compiles a single expression with no records in scope and evaluates it at a fixed clock
/// (2025-01-15 09:00 New York); returns the value as JSON text. Runs the stdlib examples.
pub fn eval_standalone(source: &str) -> Result<String, String> {
    let expr = syntax::parse_expr(source).map_err(|d| d.message)?;
    let schemas = Schemas::bundled().map_err(|e| e.to_string())?;
    let (lowered, diagnostics) = check::lower_standalone(&expr, &schemas);
    if let Some(d) = diagnostics.iter().find(|d| d.is_error()) {
        return Err(d.message.clone());
    }
    let now = runtime::time::parse_autotask_datetime("2025-01-15T09:00:00")
        .map_err(|e| e.to_string())?
        .0;
    let ctx = EvalContext::at(now);
    let mut env = runtime::eval::Env::without_records(&ctx);
    let value = env.eval(&lowered)?;
    Ok(runtime::evaluate::to_json(&value).to_string())
}
