//! fieldmap: a declarative, schema-checked mapping language from Autotask PSA tickets to
//! Field Nation work orders.
//!
//! Compile once, evaluate many times, from many threads:
//!
//! ```no_run
//! use std::sync::Arc;
//! use fieldmap::{compile, schema::Schemas, stdlib::context::EvalContext, value::record::RecordSet};
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
pub mod ir;
pub mod jsonnet;
pub mod lint;
pub mod runtime;
pub mod schema;
pub mod stdlib;
pub mod syntax;
pub mod testing;
pub mod time;
pub mod value;

pub use check::{CompileFailure, Compiled, compile, compile_with_warnings, eval_standalone};
pub use ir::Program;
