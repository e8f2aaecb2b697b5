//! `fieldmap lint <files|dirs> [--schema FILE] [--config FILE] [--format human|json|sarif|github]`
//!
//! Exit codes: 0 no warning or error, 1 at least one error, 3 warnings but no error,
//! 2 usage or I/O.

use std::path::PathBuf;

use fieldmap::Imports;
use fieldmap::lint::{LintConfig, lint_importing};

use super::inputs;
use super::report::{self, FileFindings, Format};
use super::{EXIT_FINDINGS, EXIT_OK, UsageError};

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

pub fn run(args: Args) -> u8 {
    super::exit_code(execute(&args))
}

fn execute(args: &Args) -> Result<u8, UsageError> {
    let schemas = inputs::schemas(args.schema.as_deref())?;
    let files = inputs::mapping_files(&args.paths)?;
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
            None => lint_importing(&source, schemas.clone(), &config, &Imports::file(file)),
        };
        results.push(FileFindings {
            path: file.display().to_string(),
            source,
            diagnostics,
        });
    }
    let (errors, warnings) = report::print(&results, args.format, "linted")?;
    Ok(if errors > 0 {
        EXIT_FINDINGS
    } else if warnings > 0 {
        EXIT_WARNINGS
    } else {
        EXIT_OK
    })
}
