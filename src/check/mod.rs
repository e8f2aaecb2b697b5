//! Checking a parsed file against the schemas, and lowering it to the IR in the same walk:
//! every name is resolved, every type checked, every label turned into an id. Errors do not
//! stop the walk; each becomes a diagnostic and the walk goes on with `Type::Any`.

mod compile;
mod dependent_picklists;
mod event_words;
mod expr;
mod fieldnation_ids;
mod fold;
mod helper;
mod imports;
mod jsonnet;
mod lookup;
mod mapping;
mod outbound;
mod path;
mod picklists;
mod positive;
mod schedule;
mod table;
mod target;
mod text_length;

use std::collections::HashMap;
use std::sync::Arc;

pub use crate::value::{PicklistType, Type};
pub use compile::{
    CompileFailure, Compiled, compile, compile_importing, compile_with_warnings, eval_standalone,
};
pub use imports::Imports;

use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::ir::{self, Program};
use crate::schema::Schemas;
use crate::syntax::ast;

use picklists::PicklistRegistry;

/// What checking a file found.
pub struct Checked {
    /// The program; with errors it is partial (a failed expression is a null placeholder) and
    /// serves only lint rules, never evaluation.
    pub program: Program,
    pub has_errors: bool,
    /// Errors and warnings of the language itself.
    pub diagnostics: Vec<Diagnostic>,
    /// Findings of lint rules (codes 09xx) that need the checker's knowledge; `fieldmap lint`
    /// reports them, `check` and `compile` do not.
    pub lints: Vec<Diagnostic>,
}

/// Checks and lowers a parsed file. The program is returned only when there is no error;
/// warnings come back either way. Imports are relative to the current folder.
pub fn check(file: &ast::File, schemas: Arc<Schemas>) -> Checked {
    check_importing(file, schemas, &Imports::none())
}

/// As [`check`], with the imports found from the file(s) `imports` names. Files joined into one
/// text are checked one by one, each with its own tables, helpers and imports, into one program:
/// a name one file declares means nothing in another.
pub fn check_importing(file: &ast::File, schemas: Arc<Schemas>, imports: &Imports) -> Checked {
    let units = imports.units(file);
    let (libraries, problems): (Vec<_>, Vec<_>) = units
        .iter()
        .map(|unit| imports::load(&unit.items, imports))
        .unzip();
    let mut checker = Checker::new(schemas.as_ref());
    let mut mappings = Vec::new();
    let mut outbound = Vec::new();
    let mut names: HashMap<&str, crate::diagnostics::Span> = HashMap::new();
    for ((unit, libraries), problems) in units.iter().zip(&libraries).zip(problems) {
        checker.tables.clear();
        checker.helpers.clear();
        for problem in problems {
            checker.report(problem);
        }
        for library in libraries {
            checker.declare_library(library);
        }
        checker.declare_tables(unit.items.iter().copied());
        checker.declare_helpers(unit.items.iter().copied());
        checker.check_unit(unit, &mut names, &mut mappings, &mut outbound);
    }
    let diagnostics = checker.diagnostics;
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    let program = Program {
        mappings,
        outbound,
        picklists: checker.picklists.into_labels(),
        schemas: schemas.clone(),
    };
    Checked {
        program,
        has_errors,
        diagnostics,
        lints: checker.lints,
    }
}

struct Checker<'a> {
    schemas: &'a Schemas,
    diagnostics: Vec<Diagnostic>,
    lints: Vec<Diagnostic>,
    picklists: PicklistRegistry,
    tables: HashMap<String, DeclaredTable<'a>>,
    /// Helpers, in the order they are declared (imported files first).
    helpers: Vec<helper::DeclaredHelper<'a>>,
    /// The imported file whose helper is being lowered into a mapping: its Jsonnet blocks
    /// name that file in their errors.
    lowering_from: Option<&'a imports::Library>,
    /// How deep inside helpers being lowered again the walk is: their own uses of other
    /// helpers are part of their size, not counted again.
    relowering: usize,
    /// The imported file whose tables and helpers are being declared.
    importing: Option<&'a imports::Library>,
}

/// A named table, checked and lowered when declared.
struct DeclaredTable<'a> {
    decl: &'a ast::Table,
    /// The picklist its keys are labels of, if keyed by a field.
    key: Option<Type>,
    value: Type,
    lowered: Option<Arc<ir::Table>>,
    used: bool,
    /// The imported file it comes from: its spans point into that file.
    imported: Option<&'a imports::Library>,
}

impl<'a> Checker<'a> {
    fn new(schemas: &'a Schemas) -> Self {
        Checker {
            schemas,
            diagnostics: Vec::new(),
            lints: Vec::new(),
            picklists: PicklistRegistry::default(),
            tables: HashMap::new(),
            helpers: Vec::new(),
            lowering_from: None,
            relowering: 0,
            importing: None,
        }
    }

    /// The mappings and outbound rules of one file, its tables and helpers declared.
    fn check_unit(
        &mut self,
        unit: &imports::Unit<'a>,
        names: &mut HashMap<&'a str, crate::diagnostics::Span>,
        mappings: &mut Vec<ir::MappingProgram>,
        outbound: &mut Vec<ir::OutboundRule>,
    ) {
        let runs = |item: &&ast::Item| matches!(item, ast::Item::Mapping(_) | ast::Item::OnEvent(_));
        let library = |item: &&ast::Item| {
            matches!(
                item,
                ast::Item::Table(_) | ast::Item::Helper(_) | ast::Item::Import(_)
            )
        };
        // A file of tables and helpers is made to be imported; one with nothing at all is a
        // mistake: often an empty or truncated save, or a file of tables meant for another name.
        if !unit.items.iter().any(runs) && !unit.items.iter().any(library) {
            self.report(
                Diagnostic::new(
                    Code::NothingToRun,
                    crate::diagnostics::Span::new(unit.offset, unit.offset),
                    "this file holds no `mapping`, no `on` rule and no table: there is nothing to run",
                )
                .with_help("add a `mapping \"…\" { … }` or an `on workorder.… { … }` block"),
            );
        }
        for item in &unit.items {
            match item {
                ast::Item::Mapping(m) => {
                    if let Some(first) = names.insert(&m.name.value, m.name.span) {
                        self.report(
                            Diagnostic::new(
                                Code::DuplicateName,
                                m.name.span,
                                format!("a mapping named {:?} is already declared", m.name.value),
                            )
                            .with_label("declared again here")
                            .with_context(first, "first declared here"),
                        );
                    }
                    if let Some(program) = self.mapping(m) {
                        mappings.push(program);
                    }
                }
                ast::Item::OnEvent(on) => outbound.push(self.on_event(on)),
                ast::Item::Table(_) | ast::Item::Helper(_) | ast::Item::Import(_) => {}
            }
        }
        // A file of tables and helpers only is made to be imported: they are used elsewhere.
        if unit.items.iter().any(runs) {
            self.unused_tables();
            self.unused_helpers();
        }
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        if diagnostic.code.is_lint() {
            self.lints.push(diagnostic);
        } else {
            self.diagnostics.push(diagnostic);
        }
    }

    /// Declares the tables and helpers of an imported file. Its errors point into that file, so they
    /// become one diagnostic at the import, listing them; its warnings and lint findings
    /// belong to checking that file itself.
    fn declare_library(&mut self, library: &'a imports::Library) {
        let before = self.diagnostics.len();
        let lints_before = self.lints.len();
        self.importing = Some(library);
        self.declare_tables(&library.file.items);
        self.declare_helpers(&library.file.items);
        self.importing = None;
        self.lints.truncate(lints_before);
        let found: Vec<Diagnostic> = self.diagnostics.drain(before..).collect();
        let (clashes, found): (Vec<_>, Vec<_>) = found.into_iter().partition(|d| {
            d.code == Code::DuplicateName && d.primary_span() == library.import_span
        });
        self.diagnostics.extend(clashes);
        let errors: Vec<&Diagnostic> = found.iter().filter(|d| d.is_error()).collect();
        if errors.is_empty() {
            return;
        }
        let mut d = Diagnostic::new(
            Code::ImportFailed,
            library.import_span,
            format!("`{}` has {} error(s)", library.shown, errors.len()),
        )
        .with_label("imported here")
        .with_help(format!(
            "run `fieldmap check` on `{}` to see them in place",
            library.shown
        ));
        for error in errors {
            let (line, column) = error.primary_span().line_col(&library.source);
            d = d.with_note(format!(
                "line {line}, column {column}: {} {}",
                error.code.as_str(),
                error.message
            ));
        }
        self.report(d);
    }

    fn unused_tables(&mut self) {
        let mut unused: Vec<(String, crate::diagnostics::Span)> = self
            .tables
            .iter()
            .filter(|(_, t)| !t.used && t.imported.is_none())
            .map(|(name, t)| (name.clone(), t.decl.name.span))
            .collect();
        unused.sort_by_key(|(_, span)| span.start);
        for (name, span) in unused {
            self.report(
                Diagnostic::new(
                    Code::UnusedTable,
                    span,
                    format!("table `{name}` is never used"),
                )
                .with_label("declared here")
                .with_help(format!("use it as `value | {name}`, or delete it")),
            );
        }
    }

    /// The Autotask entity a mapping, helper or lookup names; an unknown or unqueryable one is
    /// reported with `code`.
    fn queryable_entity(
        &mut self,
        name: &ast::Ident,
        code: Code,
    ) -> Option<&'a crate::schema::Entity> {
        match self.schemas.autotask.entity(&name.name) {
            Some(entity) if entity.can_query => Some(entity),
            Some(entity) => {
                self.report(
                    Diagnostic::new(code, name.span, format!("Autotask cannot query {}", entity.name))
                        .with_label("not queryable"),
                );
                None
            }
            None => {
                let names: Vec<&str> = self.schemas.autotask.entity_names().collect();
                self.unknown(
                    code,
                    name.span,
                    format!("unknown Autotask entity `{}`", name.name),
                    &name.name,
                    names,
                );
                None
            }
        }
    }

    /// A table or helper (`what`, a `noun`) declared where the same name already is: in this
    /// file, by an import, or by two imports.
    fn redeclared(
        &self,
        what: &str,
        noun: &str,
        again: crate::diagnostics::Span,
        first: crate::diagnostics::Span,
        first_imported: Option<&imports::Library>,
    ) -> Diagnostic {
        match (self.importing, first_imported) {
            (None, None) => Diagnostic::new(
                Code::DuplicateName,
                again,
                format!("{what} is declared twice"),
            )
            .with_label("declared again here")
            .with_context(first, "first declared here"),
            (None, Some(library)) => Diagnostic::new(
                Code::DuplicateName,
                again,
                format!("{what} is already declared by `{}`", library.shown),
            )
            .with_label("declared again here")
            .with_context(library.import_span, "imported here")
            .with_help(format!("rename this {noun}, or use the imported one")),
            (Some(library), first_library) => {
                let first = first_library
                    .map_or_else(|| "this file".to_string(), |f| format!("`{}`", f.shown));
                Diagnostic::new(
                    Code::DuplicateName,
                    library.import_span,
                    format!("`{}` declares {what}, which {first} declares too", library.shown),
                )
                .with_label("imported here")
                .with_help(format!("a name means one {noun}: rename one of them"))
            }
        }
    }

    /// Reports an unknown name with the closest candidate as a suggestion.
    fn unknown<'c>(
        &mut self,
        code: Code,
        span: crate::diagnostics::Span,
        message: String,
        word: &str,
        candidates: impl IntoIterator<Item = &'c str>,
    ) {
        self.unknown_meaning(code, span, message, word, &[], candidates);
    }

    /// Reports an unknown name, suggesting the names it means (from a table of meanings) when
    /// there are some, else the closest candidate by spelling.
    fn unknown_meaning<'c>(
        &mut self,
        code: Code,
        span: crate::diagnostics::Span,
        message: String,
        word: &str,
        meant: &[&str],
        candidates: impl IntoIterator<Item = &'c str>,
    ) {
        let mut d = Diagnostic::new(code, span, message);
        if let [first, others @ ..] = meant {
            let mut help = format!("replace `{word}` with `{first}`");
            for other in others {
                help.push_str(&format!(" or `{other}`"));
            }
            self.report(
                d.with_label(format!("did you mean `{first}`?"))
                    .with_help(help),
            );
            return;
        }
        match did_you_mean(word, candidates) {
            Some(s) => {
                d = d
                    .with_label(format!("did you mean `{s}`?"))
                    .with_help(format!("replace `{word}` with `{s}`"))
            }
            None => d = d.with_label("not found"),
        }
        self.report(d);
    }
}

/// The most expression nodes a `let` or helper may hold once the names it uses are written out.
/// Each use copies a binding's expression (the IR has no variables), so a chain of bindings that
/// each use the one before twice doubles at every step; a real mapping's stay in the hundreds.
const MAX_VALUE_NODES: usize = 20_000;

/// The most nodes the uses of bindings and helpers may copy into one mapping, all together.
const MAX_COPIED_NODES: usize = 200_000;

const TOO_LARGE_HELP: &str = "each use copies a binding's value, so bindings that use the one \
     before several times grow at every step: write the value with fewer copies, or compute it \
     in a Jsonnet block";

fn node_count(value: &ir::Expr) -> usize {
    let mut nodes = 0usize;
    value.walk(&mut |_| nodes += 1);
    nodes
}

/// Reports a binding whose expression is past [`MAX_VALUE_NODES`]; whether it is.
fn too_large(checker: &mut Checker<'_>, value: &ir::Expr, name: &ast::Ident) -> bool {
    let nodes = node_count(value);
    if nodes <= MAX_VALUE_NODES {
        return false;
    }
    checker.report(
        Diagnostic::new(
            Code::ValueTooLarge,
            name.span,
            format!(
                "`{}` is {nodes} expression nodes once the names it uses are written out (at most {MAX_VALUE_NODES})",
                name.name
            ),
        )
        .with_label("grows too large")
        .with_help(TOO_LARGE_HELP),
    );
    true
}

impl Checker<'_> {
    /// Whether a use of a binding may copy `nodes` more into the scope; the first use past
    /// [`MAX_COPIED_NODES`] is reported.
    fn copy_allowed(&mut self, nodes: usize, name: &ast::Ident, scope: &mut path::Scope<'_>) -> bool {
        if self.relowering > 0 {
            return true;
        }
        let before = scope.copied_nodes;
        scope.copied_nodes = before.saturating_add(nodes);
        if scope.copied_nodes <= MAX_COPIED_NODES {
            return true;
        }
        if before <= MAX_COPIED_NODES {
            self.report(
                Diagnostic::new(
                    Code::ValueTooLarge,
                    name.span,
                    format!(
                        "this use of `{}` brings the values copied into this mapping past {MAX_COPIED_NODES} expression nodes",
                        name.name
                    ),
                )
                .with_label("one copy too many")
                .with_help(TOO_LARGE_HELP),
            );
        }
        false
    }
}

/// Lowers one expression with no records in scope (stdlib examples, quick checks).
pub fn lower_standalone(e: &ast::Expr, schemas: &Schemas) -> (ir::Expr, Vec<Diagnostic>) {
    let mut checker = Checker::new(schemas);
    let mut scope = path::Scope::constant();
    let lowered = checker.lower(e, &mut scope);
    (lowered.expr, checker.diagnostics)
}
