//! Machine-readable diagnostics: one JSON document per run, a stable shape for CI tools.
//!
//! ```json
//! {"files": [{"path": "m.fmap", "diagnostics": [{"code": "FM0203", "severity": "error",
//!   "message": "…", "line": 4, "column": 23, "span": {"start": 80, "end": 89},
//!   "labels": [{"span": {…}, "message": "…", "primary": true}], "help": "…", "notes": []}]}],
//!  "summary": {"errors": 1, "warnings": 0}}
//! ```

use serde::Serialize;

use super::{Diagnostic, Label, Severity};
use crate::diagnostics::Span;

#[derive(Serialize)]
pub struct JsonReport<'a> {
    pub files: Vec<JsonFile<'a>>,
    pub summary: JsonSummary,
}

#[derive(Serialize)]
pub struct JsonFile<'a> {
    pub path: &'a str,
    pub diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub code: &'static str,
    pub severity: Severity,
    pub message: &'a str,
    pub line: usize,
    pub column: usize,
    pub span: Span,
    pub labels: &'a [Label],
    pub help: Option<&'a str>,
    pub notes: &'a [String],
}

#[derive(Serialize, Default)]
pub struct JsonSummary {
    pub errors: usize,
    pub warnings: usize,
}

/// One file's diagnostics, with line and column computed from its source.
pub fn json_file<'a>(path: &'a str, source: &str, diagnostics: &'a [Diagnostic]) -> JsonFile<'a> {
    let diagnostics = diagnostics
        .iter()
        .map(|d| {
            let span = d.primary_span();
            let (line, column) = span.line_col(source);
            JsonDiagnostic {
                code: d.code.as_str(),
                severity: d.severity,
                message: &d.message,
                line,
                column,
                span,
                labels: &d.labels,
                help: d.help.as_deref(),
                notes: &d.notes,
            }
        })
        .collect();
    JsonFile { path, diagnostics }
}

impl<'a> JsonReport<'a> {
    pub fn new(files: Vec<JsonFile<'a>>) -> Self {
        let mut summary = JsonSummary::default();
        for d in files.iter().flat_map(|f| &f.diagnostics) {
            match d.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Note => {}
            }
        }
        JsonReport { files, summary }
    }
}
