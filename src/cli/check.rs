//! `fieldmap check <files|dirs> [--schema FILE] [--format human|json|sarif|github]`

use std::path::PathBuf;

use super::inputs::{self, imports};
use super::report::{self, FileFindings, Format};
use super::{EXIT_FINDINGS, EXIT_OK, UsageError};

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

pub fn run(args: Args) -> u8 {
    super::exit_code(check(&args))
}

fn check(args: &Args) -> Result<u8, UsageError> {
    let schemas = inputs::schemas(args.schema.as_deref())?;
    let files = inputs::mapping_files(&args.paths)?;
    let mut results = Vec::new();
    for file in &files {
        let (source, not_utf8) = inputs::read_mapping(file)?;
        let diagnostics = match not_utf8 {
            Some(d) => vec![d],
            None => match fieldmap::compile_importing(&source, schemas.clone(), &imports(file)) {
                Ok(compiled) => compiled.warnings,
                Err(failure) => failure.diagnostics,
            },
        };
        results.push(FileFindings {
            path: file.display().to_string(),
            source,
            diagnostics,
        });
    }
    let (errors, _) = report::print(&results, args.format, "checked")?;
    Ok(if errors > 0 { EXIT_FINDINGS } else { EXIT_OK })
}
