//! fieldmap: a declarative, schema-checked mapping language from Autotask PSA tickets to
//! Field Nation work orders.
//!
//! Compile once, evaluate many times, from many threads:
//!
//! ```no_run
//! use std::sync::Arc;
//! use fieldmap::{EvalContext, RecordSet, Schemas, compile, load_query_response};
//!
//! let schemas = Arc::new(Schemas::bundled()?);
//! let program = compile(&std::fs::read_to_string("mappings/dispatch-service-ticket.fmap")?, schemas)?;
//! let mut records = RecordSet::new();
//! load_query_response(&std::fs::read_to_string("ticket.xml")?, program.schemas(), &mut records)?;
//! let result = program.evaluate(&records, 9137, &EvalContext::current(), 0)?;
//! println!("{}", result.work_order);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Everything an embedder uses is at the crate root. The modules below it are the layers of
//! ARCHITECTURE.md; they are public for the `fieldmap` binary and the tests, and hidden from
//! the documentation because their shape may change.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// Declares the layer modules: public and hidden from the documentation, or private under
/// `--cfg fieldmap_api_check`, where `missing_docs` then sees exactly what the root exports
/// (rustc skips items inside `doc(hidden)` modules). CI builds the library that way.
macro_rules! layers {
    ($($(#[$attr:meta])* $name:ident;)*) => {$(
        $(#[$attr])*
        #[cfg(not(fieldmap_api_check))]
        #[doc(hidden)]
        pub mod $name;
        $(#[$attr])*
        #[cfg(fieldmap_api_check)]
        mod $name;
    )*};
}

layers! {
    autotask;
    #[cfg(feature = "client")] autotask_client;
    #[cfg(feature = "broker")] broker;
    check;
    diagnostics;
    #[cfg(any(feature = "client", feature = "sim"))] fieldnation;
    files;
    ir;
    jsonnet;
    lint;
    #[cfg(feature = "client")] redaction;
    runtime;
    schema;
    stdlib;
    syntax;
    testing;
    time;
    value;
}

pub use autotask::{LoadError, LoadReport, load_query_response};
#[doc(hidden)]
pub use check::eval_standalone;
pub use check::{
    CompileFailure, Compiled, Imports, compile, compile_importing, compile_with_warnings,
};
pub use diagnostics::{Diagnostic, Severity, Span};
pub use ir::{FetchPlan, MappingProgram, Program, Trigger};
#[cfg(feature = "jsonnet")]
pub use jsonnet::{WorkerProcesses, serve_worker, use_worker_processes};
pub use runtime::body::BodyEvaluation;
pub use runtime::coverage::Coverage;
pub use runtime::evaluate::{EvalError, Evaluation, Provenance};
pub use runtime::issue::{Issue, IssueKind};
pub use runtime::outbound::{AutotaskChanges, EventError, NewNote};
pub use runtime::{EvalOptions, MappingRef};
pub use schema::Schemas;
pub use stdlib::context::EvalContext;
pub use stdlib::failure::{EvalFailure, Failure};
pub use value::{Record, RecordSet, Value};
