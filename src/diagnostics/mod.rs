//! Diagnostics: the type, the code registry, and the renderers.

mod codes;
mod diagnostic;
mod line_column;
mod render_github;
mod render_human;
mod render_json;
mod render_sarif;
mod span;
mod suggest;

pub use codes::Code;
pub use diagnostic::{Diagnostic, Label, Severity};
pub use line_column::line_column;
pub use render_github::render_github;
pub use render_human::render_human;
pub use render_json::{JsonReport, json_file};
pub use render_sarif::{FileDiagnostics, render_sarif};
pub use span::Span;
pub use suggest::did_you_mean;
