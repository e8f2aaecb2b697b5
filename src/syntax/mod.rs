//! Parsing: grammar, AST with spans, and (later) the formatter.

pub mod ast;
mod comments;
mod depth;
mod formatter;
mod parser;
mod recovery;
mod statement_recovery;

pub use crate::diagnostics::Span;
pub use formatter::{format, format_expr};
pub use parser::{parse, parse_all, parse_expr};
