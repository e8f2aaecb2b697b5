//! `fieldmap fmt [--check] <files|dirs>`

use std::path::PathBuf;

use fieldmap::diagnostics::render_human;

use super::inputs;
use super::{EXIT_FINDINGS, EXIT_OK, UsageError};

#[derive(clap::Args)]
pub struct Args {
    /// Mapping files, or directories to search for `*.fmap` files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Change nothing; list the files whose layout is not canonical and exit 1 if there are any.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> u8 {
    super::exit_code(execute(&args))
}

fn execute(args: &Args) -> Result<u8, UsageError> {
    let files = inputs::mapping_files(&args.paths)?;
    let (mut unformatted, mut broken) = (0, 0);
    for file in &files {
        let (source, not_utf8) = inputs::read_mapping(file)?;
        let formatted = match not_utf8.map_or_else(|| fieldmap::syntax::format(&source), Err) {
            Ok(text) => text,
            Err(diagnostic) => {
                broken += 1;
                err!(
                    "{}",
                    render_human(
                        &[diagnostic],
                        &file.display().to_string(),
                        &source,
                        inputs::color()
                    )
                );
                continue;
            }
        };
        if formatted == source {
            continue;
        }
        unformatted += 1;
        if args.check {
            outln!("{}", file.display());
        } else {
            fieldmap::files::write_atomically(file, &formatted)
                .map_err(|e| UsageError(format!("cannot write {}: {e}", file.display())))?;
            errln!("formatted {}", file.display());
        }
    }
    if args.check && unformatted > 0 {
        errln!(
            "{unformatted} of {} file(s) would be reformatted",
            files.len()
        );
    }
    Ok(if broken > 0 || (args.check && unformatted > 0) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}
