//! `fieldmap explain <mapping> [--schema FILE]`

use std::path::PathBuf;

use super::inputs;
use super::{EXIT_FINDINGS, EXIT_OK, UsageError};

#[derive(clap::Args)]
pub struct Args {
    /// The mapping file.
    mapping: PathBuf,
    /// A tenant snapshot to compile against instead of the demo tenant.
    #[arg(long)]
    schema: Option<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    super::exit_code(execute(&args))
}

fn execute(args: &Args) -> Result<u8, UsageError> {
    let schemas = inputs::schemas(args.schema.as_deref())?;
    let Some(program) = inputs::compile(&args.mapping, schemas)? else {
        return Ok(EXIT_FINDINGS);
    };
    out!("{}", fieldmap::ir::explain(&program));
    Ok(EXIT_OK)
}
