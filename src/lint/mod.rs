//! `fieldmap lint`: every checker diagnostic plus lint rules, with per-project severities and
//! per-line allow comments. Each rule's documentation lives in `rationale.rs`, from which
//! docs/lint-rules.md's table is generated.

mod config;
mod overlapping_triggers;
mod rationale;
mod rules;

use std::sync::Arc;

pub use config::{Level, LintConfig};
pub use rationale::{RULES, RuleDoc, rationale, rule_doc};

use crate::diagnostics::Diagnostic;
use crate::schema::Schemas;

/// All findings for one file, in source order, after the configuration is applied. Imports
/// are relative to the current folder; [`lint_importing`] reads them from the file's.
pub fn lint(source: &str, schemas: Arc<Schemas>, config: &LintConfig) -> Vec<Diagnostic> {
    lint_importing(source, schemas, config, &crate::check::Imports::none())
}

/// Mappings of one program whose triggers can take the same record (FM0909): the broker warns
/// about them across all its configured files, which `lint` sees one at a time.
pub fn overlapping_triggers(program: &crate::ir::Program) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    overlapping_triggers::overlapping_mappings(program, &mut found);
    found
}

/// As [`lint`], for the text of the file `imports` names.
pub fn lint_importing(
    source: &str,
    schemas: Arc<Schemas>,
    config: &LintConfig,
    imports: &crate::check::Imports,
) -> Vec<Diagnostic> {
    let file = match crate::syntax::parse_all(source) {
        Ok(file) => file,
        Err(errors) => return errors,
    };
    let checked = crate::check::check_importing(&file, schemas, imports);
    let mut all = checked.diagnostics;
    all.extend(checked.lints);
    // With errors the program is partial: rules that judge triggers would judge placeholders.
    all.extend(rules::program_lints(&checked.program, !checked.has_errors));
    let mut kept = config.apply(all, source);
    kept.sort_by_key(|d| (d.primary_span().start, d.code));
    kept
}
