//! `fieldmap lint <files|dirs> [--schema FILE] [--config FILE] [--format human|json|sarif|github]`
//!
//! Exit codes: 0 no warning or error, 1 at least one error, 3 warnings but no error,
//! 2 usage or I/O.

use std::path::PathBuf;

use fieldmap::diagnostics::{
    FileDiagnostics, JsonReport, Severity, json_file, render_github, render_human, render_sarif,
};
use fieldmap::lint::{LintConfig, lint, rationale};

use super::inputs;
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError};

/// Warnings but no error.
const EXIT_WARNINGS: u8 = 3;

#[derive(clap::Args)]
pub struct Args {
    /// Mapping files, or directories to search for `*.fmap` files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// A tenant snapshot (picklists and UDFs) to check against instead of the demo tenant.
    #[arg(long)]
    schema: Option<PathBuf>,
    /// Lint levels (`[lint] FM0902 = "error"`); by default the nearest `fieldmap.toml` above each file.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

pub fn run(args: Args) -> u8 {
    match execute(&args) {
        Ok(code) => code,
        Err(UsageError(message)) => {
            eprintln!("error: {message}");
            EXIT_USAGE
        }
    }
}

fn execute(args: &Args) -> Result<u8, UsageError> {
    let schemas = inputs::schemas(args.schema.as_deref())?;
    let files = inputs::mapping_files(&args.paths)?;
    if files.is_empty() {
        return Err(UsageError("no `.fmap` files found".into()));
    }
    let fixed = match &args.config {
        Some(path) => Some(
            LintConfig::from_toml(&inputs::read(path)?, Some(path.clone()))
                .map_err(|e| UsageError(format!("{}: {e}", path.display())))?,
        ),
        None => None,
    };
    let mut results = Vec::new();
    for file in &files {
        let config = match &fixed {
            Some(config) => config.clone(),
            None => LintConfig::discover(file).map_err(UsageError)?,
        };
        let (source, not_utf8) = inputs::read_mapping(file)?;
        let diagnostics = match not_utf8 {
            Some(d) => vec![d],
            None => lint(&source, schemas.clone(), &config),
        };
        results.push((file.display().to_string(), source, diagnostics));
    }
    let count = |severity| {
        results
            .iter()
            .flat_map(|r| &r.2)
            .filter(|d| d.severity == severity)
            .count()
    };
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    match args.format {
        Format::Human => {
            for (name, source, diagnostics) in &results {
                eprint!(
                    "{}",
                    render_human(diagnostics, name, source, inputs::color())
                );
            }
            eprintln!(
                "linted {} file(s): {errors} error(s), {warnings} warning(s)",
                results.len()
            );
        }
        Format::Json => {
            let files = results
                .iter()
                .map(|(name, source, d)| json_file(name, source, d))
                .collect();
            println!("{}", serde_json::to_string_pretty(&JsonReport::new(files))?);
        }
        Format::Sarif => {
            let files: Vec<FileDiagnostics> = results
                .iter()
                .map(|(path, source, diagnostics)| FileDiagnostics {
                    path,
                    source,
                    diagnostics,
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&render_sarif(&files, rationale))?
            );
        }
        Format::Github => {
            for (name, source, diagnostics) in &results {
                print!("{}", render_github(name, source, diagnostics));
            }
        }
    }
    Ok(if errors > 0 {
        EXIT_FINDINGS
    } else if warnings > 0 {
        EXIT_WARNINGS
    } else {
        EXIT_OK
    })
}
