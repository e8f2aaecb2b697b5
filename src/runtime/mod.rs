//! The runtime: the evaluator, the work order as a JSON tree or as bytes, outbound rules, and
//! the `$.input` bridge to Jsonnet blocks.

pub mod body;
pub mod coverage;
mod emitted;
pub mod eval;
pub mod evaluate;
pub mod issue;
pub mod jsonnet_input;
pub mod outbound;
mod positive;
mod schedule;
pub use positive::POSITIVE_FIELDS;
pub use schedule::MIN_HOURS_WINDOW_MINUTES;
mod program;

pub use program::{EvalOptions, MappingRef};
