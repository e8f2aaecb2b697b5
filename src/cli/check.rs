//! `fieldmap check <files|dirs> [--schema FILE] [--format human|json]`

use std::path::PathBuf;

use fieldmap::diagnostics::{JsonReport, Severity, json_file, render_human};

use super::inputs;
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError};

#[derive(clap::Args)]
pub struct Args {
    /// Mapping files, or directories to search for `*.fmap` files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// A tenant snapshot (picklists and UDFs) to check against instead of the demo tenant.
    #[arg(long)]
    schema: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Human,
    Json,
}

pub fn run(args: Args) -> u8 {
    match check(&args) {
        Ok(code) => code,
        Err(UsageError(message)) => {
            eprintln!("error: {message}");
            EXIT_USAGE
        }
    }
}

fn check(args: &Args) -> Result<u8, UsageError> {
    let schemas = inputs::schemas(args.schema.as_deref())?;
    let files = inputs::mapping_files(&args.paths)?;
    if files.is_empty() {
        return Err(UsageError("no `.fmap` files found".into()));
    }
    let mut results = Vec::new();
    for file in &files {
        let (source, not_utf8) = inputs::read_mapping(file)?;
        let diagnostics = match not_utf8 {
            Some(d) => vec![d],
            None => match fieldmap::compile_with_warnings(&source, schemas.clone()) {
                Ok(compiled) => compiled.warnings,
                Err(failure) => failure.diagnostics,
            },
        };
        results.push((file.display().to_string(), source, diagnostics));
    }
    let errors = results
        .iter()
        .flat_map(|r| &r.2)
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = results
        .iter()
        .flat_map(|r| &r.2)
        .filter(|d| d.severity == Severity::Warning)
        .count();
    match args.format {
        Format::Human => {
            for (name, source, diagnostics) in &results {
                eprint!(
                    "{}",
                    render_human(diagnostics, name, source, inputs::color())
                );
            }
            eprintln!(
                "checked {} file(s): {errors} error(s), {warnings} warning(s)",
                results.len()
            );
        }
        Format::Json => {
            let files = results
                .iter()
                .map(|(name, source, d)| json_file(name, source, d))
                .collect();
            let report = JsonReport::new(files);
            println!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
    }
    Ok(if errors > 0 { EXIT_FINDINGS } else { EXIT_OK })
}
