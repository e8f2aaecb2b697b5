//! Diagnostics: the type, the code registry, and the renderers.

mod codes;
mod diagnostic;
mod render_human;
mod render_json;
mod suggest;

pub use codes::Code;
pub use diagnostic::{Diagnostic, Label, Severity};
pub use render_human::render_human;
pub use render_json::{JsonReport, json_file};
pub use suggest::did_you_mean;
