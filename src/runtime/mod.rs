//! The runtime: values, records, the evaluator, the standard library, time, and outbound rules.

pub mod body;
pub mod context;
pub mod coverage;
mod emitted;
pub mod eval;
pub mod evaluate;
pub mod functions;
mod id_hash;
pub mod issue;
pub mod key_map;
pub mod outbound;
pub mod record;
pub mod time;
pub mod value;
