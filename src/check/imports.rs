//! `import "tables.fmap"`: the tables and helpers of other files, read and parsed before the importing
//! file is checked. A path is relative to the folder of the file that names it; a file imported
//! twice (by two files, or along two paths) is read once. Every problem with an imported file is
//! a diagnostic at the `import` line of the file being checked, since that is the file whose
//! spans the diagnostics point into.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::syntax::ast::{self, Item};

/// Which file the text being checked comes from, so its imports can be found: one file, or
/// several files joined into one text (the broker's configured mappings), each from its offset.
#[derive(Debug, Clone, Default)]
pub struct Imports {
    /// `(offset in the text, the file its text from there on comes from)`, by offset.
    files: Vec<(usize, PathBuf)>,
}

impl Imports {
    /// A text that is no file: imports are relative to the current folder.
    pub fn none() -> Self {
        Imports::default()
    }

    /// The text of the file at `path`: imports are relative to its folder.
    pub fn file(path: &Path) -> Self {
        Imports {
            files: vec![(0, path.to_path_buf())],
        }
    }

    /// Files joined into one text, each starting at its offset.
    pub fn joined(mut files: Vec<(usize, PathBuf)>) -> Self {
        files.sort_by_key(|(offset, _)| *offset);
        Imports { files }
    }

    /// The items of `file` by the file each comes from, in order: one unit for one file, one
    /// per file for joined files (a file with no items has none).
    pub(super) fn units<'f>(&self, file: &'f ast::File) -> Vec<Unit<'f>> {
        let mut units: Vec<Unit<'f>> = Vec::new();
        for item in &file.items {
            let start = item.span().start;
            let offset = self
                .files
                .iter()
                .rev()
                .find(|(offset, _)| *offset <= start)
                .map_or(0, |(offset, _)| *offset);
            match units.last_mut() {
                Some(unit) if unit.offset == offset => unit.items.push(item),
                _ => units.push(Unit {
                    offset,
                    items: vec![item],
                }),
            }
        }
        if units.is_empty() {
            units.push(Unit {
                offset: 0,
                items: Vec::new(),
            });
        }
        units
    }

    /// The file whose text holds byte `offset`.
    fn file_at(&self, offset: usize) -> Option<&Path> {
        self.files
            .iter()
            .rev()
            .find(|(start, _)| *start <= offset)
            .map(|(_, path)| path.as_path())
    }

    fn folder_at(&self, offset: usize) -> PathBuf {
        self.file_at(offset)
            .and_then(Path::parent)
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    }
}

/// The items of one file of the text being checked.
pub(super) struct Unit<'f> {
    /// Where the file's text begins.
    pub offset: usize,
    pub items: Vec<&'f ast::Item>,
}

/// An imported file, read and parsed.
pub(super) struct Library {
    /// How the diagnostics name it: the path as the import wrote it, with the chain of imports
    /// that led to it (`tables.fmap → zones.fmap`).
    pub shown: String,
    pub source: String,
    pub file: ast::File,
    /// The `import` of the checked file that brought it in.
    pub import_span: Span,
}

/// Reads every file the `root` items import, and the files those import. Problems come back as
/// diagnostics at the import in `root` that led to them.
pub(super) fn load(root: &[&ast::Item], imports: &Imports) -> (Vec<Library>, Vec<Diagnostic>) {
    let mut loader = Loader {
        libraries: Vec::new(),
        diagnostics: Vec::new(),
        seen: HashSet::new(),
    };
    for item in root {
        let Item::Import(import) = item else {
            continue;
        };
        let mut stack: Vec<PathBuf> = imports
            .file_at(import.span.start)
            .and_then(|f| f.canonicalize().ok())
            .into_iter()
            .collect();
        let folder = imports.folder_at(import.span.start);
        loader.visit(
            &import.path.value,
            &folder,
            import.path.value.clone(),
            import.span,
            &mut stack,
        );
    }
    (loader.libraries, loader.diagnostics)
}

struct Loader {
    libraries: Vec<Library>,
    diagnostics: Vec<Diagnostic>,
    /// Files already read, by canonical path.
    seen: HashSet<PathBuf>,
}

impl Loader {
    fn visit(
        &mut self,
        written: &str,
        folder: &Path,
        shown: String,
        at: Span,
        stack: &mut Vec<PathBuf>,
    ) {
        let path = folder.join(written);
        let canonical = match path.canonicalize() {
            Ok(canonical) => canonical,
            Err(e) => {
                self.failed(
                    at,
                    format!("cannot read `{shown}`: {e}"),
                );
                return;
            }
        };
        if stack.contains(&canonical) {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::ImportCycle,
                    at,
                    format!("`{shown}` imports a file that imports it back"),
                )
                .with_label("part of an import cycle")
                .with_help("move the shared tables into a file that imports nothing of the others"),
            );
            return;
        }
        if !self.seen.insert(canonical.clone()) {
            return;
        }
        let source = match std::fs::read_to_string(&canonical) {
            Ok(source) => source,
            Err(e) => {
                self.failed(
                    at,
                    format!("cannot read `{shown}`: {e}"),
                );
                return;
            }
        };
        let file = match crate::syntax::parse(&source) {
            Ok(file) => file,
            Err(d) => {
                let (line, column) = d.primary_span().line_col(&source);
                self.failed(
                    at,
                    format!(
                        "`{shown}` does not parse: line {line}, column {column}: {}",
                        d.message
                    ),
                );
                return;
            }
        };
        for item in &file.items {
            let what = match item {
                Item::Mapping(m) => format!("a mapping ({:?})", m.name.value),
                Item::OnEvent(on) => format!("an outbound rule (`on {}`)", on.event.name),
                Item::Table(_) | Item::Helper(_) | Item::Import(_) => continue,
            };
            let span = match item {
                Item::Mapping(m) => m.span,
                Item::OnEvent(on) => on.span,
                _ => continue,
            };
            let (line, _) = span.line_col(&source);
            self.diagnostics.push(
                Diagnostic::new(
                    Code::ImportContents,
                    at,
                    format!("`{shown}` holds {what} on line {line}: an imported file holds tables and helpers only"),
                )
                .with_label("imported here")
                .with_help("check that file on its own, or move its tables and helpers into a file of their own to import"),
            );
        }
        stack.push(canonical.clone());
        let here = canonical
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        for item in &file.items {
            if let Item::Import(inner) = item {
                let chain = format!("{shown} → {}", inner.path.value);
                self.visit(&inner.path.value, &here, chain, at, stack);
            }
        }
        stack.pop();
        self.libraries.push(Library {
            shown,
            source,
            file,
            import_span: at,
        });
    }

    fn failed(&mut self, at: Span, message: String) {
        self.diagnostics
            .push(Diagnostic::new(Code::ImportFailed, at, message).with_label("imported here"));
    }
}
