//! Parsing: grammar, AST with spans, and (later) the formatter.

pub mod ast;
mod parser;
mod span;

pub use parser::{parse, parse_expr};
pub use span::Span;
