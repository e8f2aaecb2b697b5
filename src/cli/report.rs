//! Printing diagnostics of many files in the format a user or a CI system asked for.

use fieldmap::diagnostics::{
    Diagnostic, FileDiagnostics, JsonReport, Severity, json_file, render_github, render_human,
    render_sarif,
};
use fieldmap::lint::rationale;

use super::inputs;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

/// One file's findings.
pub struct FileFindings {
    pub path: String,
    pub source: String,
    pub diagnostics: Vec<Diagnostic>,
}

/// Prints the findings; returns the number of errors and of warnings.
pub fn print(
    files: &[FileFindings],
    format: Format,
    verb: &str,
) -> serde_json::Result<(usize, usize)> {
    let count = |severity| {
        files
            .iter()
            .flat_map(|f| &f.diagnostics)
            .filter(|d| d.severity == severity)
            .count()
    };
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    match format {
        Format::Human => {
            for f in files {
                err!(
                    "{}",
                    render_human(&f.diagnostics, &f.path, &f.source, inputs::color())
                );
            }
            errln!(
                "{verb} {} file(s): {errors} error(s), {warnings} warning(s)",
                files.len()
            );
        }
        Format::Json => {
            let report = JsonReport::new(
                files
                    .iter()
                    .map(|f| json_file(&f.path, &f.source, &f.diagnostics))
                    .collect(),
            );
            outln!("{}", serde_json::to_string_pretty(&report)?);
        }
        Format::Sarif => {
            let sarif: Vec<FileDiagnostics> = files
                .iter()
                .map(|f| FileDiagnostics {
                    path: &f.path,
                    source: &f.source,
                    diagnostics: &f.diagnostics,
                })
                .collect();
            outln!(
                "{}",
                serde_json::to_string_pretty(&render_sarif(&sarif, rationale))?
            );
        }
        Format::Github => {
            for f in files {
                out!("{}", render_github(&f.path, &f.source, &f.diagnostics));
            }
        }
    }
    Ok((errors, warnings))
}
