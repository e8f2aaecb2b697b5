//! Reading what the subcommands need: schemas, mapping files, records, events.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fieldmap::EvalContext;
use fieldmap::RecordSet;
use fieldmap::Schemas;
use fieldmap::autotask::{LoadReport, load_query_response};
use fieldmap::diagnostics::Span;
use fieldmap::diagnostics::{Code, Diagnostic, render_human};
use fieldmap::{CompileFailure, Program};

use super::UsageError;

/// The bundled schemas, with the tenant snapshot from `--schema` when given.
pub fn schemas(snapshot: Option<&Path>) -> Result<Arc<Schemas>, UsageError> {
    let schemas = match snapshot {
        Some(path) => Schemas::with_tenant_json(&read(path)?),
        None => Schemas::bundled(),
    };
    Ok(Arc::new(schemas.map_err(|e| UsageError(format!("{e}")))?))
}

/// A mapping file's text. Bytes that are not UTF-8 are a diagnostic about the file (exit 1),
/// not an I/O failure: the text is read lossily so the diagnostic can show where.
pub fn read_mapping(path: &Path) -> Result<(String, Option<Diagnostic>), UsageError> {
    let bytes = std::fs::read(path)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, None)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            // A binary file must not write its bytes into the terminal: the excerpt stops a
            // little after the first bad byte, and control characters show as `?` (one byte
            // for one, so the offsets before them stay right).
            let shown = &e.as_bytes()[..e.as_bytes().len().min(at + 40)];
            let text: String = String::from_utf8_lossy(shown)
                .chars()
                .map(|c| {
                    if c.is_control() && c != '\n' && c != '\t' {
                        '?'
                    } else {
                        c
                    }
                })
                .collect();
            let diagnostic = Diagnostic::new(
                Code::Syntax,
                Span::new(at, at + 1),
                format!("the file is not valid UTF-8 (byte {at})"),
            )
            .with_label("not UTF-8")
            .with_help("save the mapping file as UTF-8");
            Ok((text, Some(diagnostic)))
        }
    }
}

pub fn read(path: &Path) -> Result<String, UsageError> {
    std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))
}

/// Mapping files named directly, or found (`*.fmap`) under directories, sorted.
pub fn mapping_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, "fmap", &mut files)?;
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(UsageError(format!("{} does not exist", path.display())));
        }
    }
    if files.is_empty() {
        return Err(UsageError("no `.fmap` files found".into()));
    }
    Ok(files)
}

fn walk(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) -> Result<(), UsageError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| UsageError(format!("cannot list {}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, extension, out)?;
        } else if path.extension().is_some_and(|e| e == extension) {
            out.push(path);
        }
    }
    Ok(())
}

pub fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Where the imports of the mapping file at `path` are read from: its folder.
pub fn imports(path: &Path) -> fieldmap::Imports {
    fieldmap::Imports::file(path)
}

/// Compiles a mapping file, printing its warnings; on errors prints them and returns `None`.
pub fn compile(path: &Path, schemas: Arc<Schemas>) -> Result<Option<Program>, UsageError> {
    Ok(compile_with_text(path, schemas)?.map(|(program, _)| program))
}

/// As [`compile`], with the file's text, for placing the issues of an evaluation.
pub fn compile_with_text(
    path: &Path,
    schemas: Arc<Schemas>,
) -> Result<Option<(Program, String)>, UsageError> {
    let (source, not_utf8) = read_mapping(path)?;
    let name = path.display().to_string();
    if let Some(d) = not_utf8 {
        err!("{}", render_human(&[d], &name, &source, color()));
        return Ok(None);
    }
    match fieldmap::compile_importing(&source, schemas, &imports(path)) {
        Ok(compiled) => {
            err!(
                "{}",
                render_human(&compiled.warnings, &name, &source, color())
            );
            Ok(Some((compiled.program, source)))
        }
        Err(CompileFailure { diagnostics }) => {
            err!("{}", render_human(&diagnostics, &name, &source, color()));
            Ok(None)
        }
    }
}

/// Loads SOAP query responses (files, or `*.xml` under directories) into one record set.
pub fn records(
    paths: &[PathBuf],
    schemas: &Schemas,
    into: &mut RecordSet,
) -> Result<Vec<(PathBuf, LoadReport)>, UsageError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, "xml", &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    // A file named twice (the ticket file inside a records directory) loads once.
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    let mut reports: Vec<(PathBuf, LoadReport)> = Vec::new();
    // Where each record came from: the same record in two files must not differ, or which one
    // an evaluation reads would depend on the order of the files.
    let mut origin: std::collections::HashMap<(Arc<str>, i64), usize> = Default::default();
    for file in files {
        let xml = read(&file)?;
        let mut part = RecordSet::new();
        let report = load_query_response(&xml, schemas, &mut part)
            .map_err(|e| UsageError(format!("{}: {e}", file.display())))?;
        for record in part.into_records() {
            if let Some(earlier) = into.get(&record.entity, record.id)
                && *earlier != record
            {
                let first = origin
                    .get(&(record.entity.clone(), record.id))
                    .map(|&i| reports[i].0.display().to_string())
                    .unwrap_or_default();
                return Err(UsageError(format!(
                    "{} {} is in {first} and in {} with different values; keep one",
                    record.entity,
                    record.id,
                    file.display()
                )));
            }
            origin.insert((record.entity.clone(), record.id), reports.len());
            into.insert(record);
        }
        reports.push((file, report));
    }
    Ok(reports)
}

/// Prints the load issues of the records an evaluation used (others are not its concern).
pub fn print_load_issues(reports: &[(PathBuf, LoadReport)], used: &[(String, i64)]) {
    let mut warnings = Warnings::default();
    for (file, report) in reports {
        for issue in &report.issues {
            let relevant = match issue.id {
                Some(id) => used.iter().any(|(e, i)| *e == issue.entity && *i == id),
                None => true,
            };
            if relevant {
                let id = issue.id.map(|i| format!(" {i}")).unwrap_or_default();
                let field = issue
                    .field
                    .as_deref()
                    .map(|f| format!(".{f}"))
                    .unwrap_or_default();
                warnings.add(format!(
                    "{}: {}{id}{field}: {}",
                    file.display(),
                    issue.entity,
                    issue.message
                ));
            }
        }
    }
    warnings.print();
}

/// Warnings printed once each, in the order first seen, with how often each came: a response
/// of a million empty entities gives one line, not a million.
#[derive(Default)]
pub struct Warnings {
    order: Vec<String>,
    counts: std::collections::HashMap<String, usize>,
}

impl Warnings {
    pub fn add(&mut self, warning: String) {
        let count = self.counts.entry(warning).or_insert_with_key(|w| {
            self.order.push(w.clone());
            0
        });
        *count += 1;
    }

    pub fn print(&self) {
        for warning in &self.order {
            match self.counts.get(warning).copied().unwrap_or(1) {
                1 => errln!("warning: {warning}"),
                n => errln!("warning: {warning} ({} times)", thousands(n)),
            }
        }
    }
}

/// `1000000` as `1,000,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `--now` (an Autotask-style Eastern wall-clock time or an instant with offset), or the clock.
pub fn context(now: Option<&str>) -> Result<EvalContext, UsageError> {
    match now {
        Some(text) => {
            let (z, _) = fieldmap::time::parse_autotask_datetime(text)
                .map_err(|e| UsageError(format!("--now: {e}")))?;
            Ok(EvalContext::at(z))
        }
        None => Ok(EvalContext::current()),
    }
}
