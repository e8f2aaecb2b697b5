//! `fieldmap test [files|dirs] [--update]`: runs the `*.test.json` files beside the mappings,
//! shows a diff with the rule behind each wrong field, and reports coverage.

use std::path::{Path, PathBuf};

use fieldmap::testing::run_test_file;

use super::inputs;
use super::{EXIT_FINDINGS, EXIT_OK, UsageError};

#[derive(clap::Args)]
pub struct Args {
    /// Test files, or directories to search for `*.test.json` files (default: mappings/).
    paths: Vec<PathBuf>,
    /// Rewrite the expectations of failing cases with what the mapping now produces.
    #[arg(long)]
    update: bool,
    /// A tenant snapshot to compile against instead of the demo tenant.
    #[arg(long)]
    schema: Option<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    super::exit_code(execute(&args))
}

fn test_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            collect(path, &mut files)?;
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(UsageError(format!("{} does not exist", path.display())));
        }
    }
    Ok(files)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), UsageError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| UsageError(format!("cannot list {}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.to_string_lossy().ends_with(".test.json") {
            out.push(path);
        }
    }
    Ok(())
}

fn execute(args: &Args) -> Result<u8, UsageError> {
    let schemas = inputs::schemas(args.schema.as_deref())?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("mappings")]
    } else {
        args.paths.clone()
    };
    let files = test_files(&paths)?;
    if files.is_empty() {
        return Err(UsageError("no `*.test.json` files found".into()));
    }
    let (mut passed, mut failed) = (0, 0);
    let mut coverage_text = String::new();
    for file in &files {
        let outcome = run_test_file(file, schemas.clone(), args.update);
        outln!("{}", file.display());
        if let Some(error) = &outcome.error {
            failed += 1;
            outln!("  error: {error}");
            continue;
        }
        for case in &outcome.cases {
            if case.passed() {
                passed += 1;
                outln!("  ok      {}", case.name);
            } else {
                failed += 1;
                outln!("  FAILED  {}", case.name);
                for failure in &case.failures {
                    outln!("      {failure}");
                }
            }
        }
        if outcome.updated {
            outln!("  updated the expectations in {}", file.display());
        }
        if let Some(report) = &outcome.coverage {
            let (exercised, total) = report.totals();
            let percent = (exercised * 100).checked_div(total).unwrap_or(100);
            coverage_text.push_str(&format!(
                "{}: {exercised}/{total} exercised ({percent}%)\n",
                outcome.mapping_file.display()
            ));
            for item in &report.items {
                coverage_text.push_str(&format!(
                    "  line {:>3}  {:>3}/{:<3} {}\n",
                    item.line, item.exercised, item.total, item.what
                ));
                if !item.never.is_empty() {
                    coverage_text
                        .push_str(&format!("              never: {}\n", item.never.join(", ")));
                }
            }
        }
    }
    outln!("\ncoverage\n{coverage_text}");
    outln!("{passed} passed, {failed} failed");
    Ok(if failed > 0 { EXIT_FINDINGS } else { EXIT_OK })
}
