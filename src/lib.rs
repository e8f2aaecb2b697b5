//! fieldmap: a declarative, schema-checked mapping language from Autotask PSA tickets to
//! Field Nation work orders.

pub mod diagnostics;
pub mod schema;
pub mod syntax;
