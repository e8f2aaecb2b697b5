//! `let site_zone for Ticket = Account.State | us_state_zone`: helpers, named values of an
//! Autotask entity declared outside any mapping. Each is checked once, against its entity
//! alone, where it is declared. A mapping whose source is that entity reads it by name, in the
//! file that declares it and in every file that imports that one. The IR has no variables, so a
//! use lowers the helper's expression again in the mapping's scope: the related records it reads
//! join that mapping's fetch plan. That lowering is quiet, since its findings were reported once.

use super::imports::Library;
use super::path::{Scope, ScopeKind};
use super::Checker;
use super::expr::Typed;
use crate::diagnostics::{Code, Diagnostic};
use crate::schema::Entity;
use crate::syntax::ast;

/// A helper, checked.
pub(super) struct DeclaredHelper<'a> {
    pub decl: &'a ast::Helper,
    pub entity: &'a Entity,
    /// The imported file that declares it, if not the file being checked.
    pub imported: Option<&'a Library>,
    /// It has errors of its own: its uses read null and stay quiet.
    pub broken: bool,
    /// Its expression's size, which each use lowers again.
    pub nodes: usize,
    pub used: bool,
}

impl<'a> Checker<'a> {
    /// Checks the helpers of a file, in order: a helper may read the ones declared before it.
    pub(super) fn declare_helpers(&mut self, items: impl IntoIterator<Item = &'a ast::Item>) {
        for item in items {
            if let ast::Item::Helper(helper) = item {
                self.declare_helper(helper);
            }
        }
    }

    fn declare_helper(&mut self, decl: &'a ast::Helper) {
        let Some(entity) = self.queryable_entity(&decl.entity, Code::UnknownSource) else {
            return;
        };
        let name = &decl.name.name;
        if let Some(first) = self.helper_index(entity, name) {
            let first = &self.helpers[first];
            let what = format!("helper `{name}` of {}", entity.name);
            let d = self.redeclared(&what, "helper", decl.name.span, first.decl.name.span, first.imported);
            self.report(d);
            return;
        }
        if let Some(what) = hidden_name(entity, name) {
            self.report(
                Diagnostic::new(
                    Code::DuplicateName,
                    decl.name.span,
                    format!("`{name}` is {what} of {}; a helper cannot hide it", entity.name),
                )
                .with_label("already a name on the entity")
                .with_help("choose another name, such as `site_zone` or `window_hours`"),
            );
            return;
        }
        let errors_before = self.diagnostics.iter().filter(|d| d.is_error()).count();
        let mut scope = Scope::new(ScopeKind::Mapping, entity);
        let lowered = self.lower(&decl.value, &mut scope);
        let broken = super::too_large(self, &lowered.expr, &decl.name)
            || self.diagnostics.iter().filter(|d| d.is_error()).count() > errors_before;
        self.helpers.push(DeclaredHelper {
            decl,
            entity,
            imported: self.importing,
            broken,
            nodes: super::node_count(&lowered.expr),
            used: false,
        });
    }

    fn helper_index(&self, entity: &Entity, name: &str) -> Option<usize> {
        self.helpers
            .iter()
            .position(|h| h.entity.name == entity.name && h.decl.name.name == name)
    }

    /// The helper `name` of `source`, lowered in `scope`, if there is one.
    pub(super) fn use_helper(&mut self, name: &ast::Ident, scope: &mut Scope<'a>) -> Option<Typed> {
        let index = self.helper_index(scope.source?, &name.name)?;
        let helper = &mut self.helpers[index];
        helper.used = true;
        if helper.broken {
            return Some(Typed::error());
        }
        let nodes = helper.nodes;
        if !self.copy_allowed(nodes, name, scope) {
            return Some(Typed::error());
        }
        let helper = &self.helpers[index];
        let (value, imported) = (&helper.decl.value, helper.imported);
        let from = self.lowering_from;
        self.lowering_from = imported.or(from);
        let (diagnostics, lints) = (self.diagnostics.len(), self.lints.len());
        // The helpers it uses in turn are part of its size, already counted.
        self.relowering += 1;
        let lowered = self.lower(value, scope);
        self.relowering -= 1;
        self.diagnostics.truncate(diagnostics);
        self.lints.truncate(lints);
        self.lowering_from = from;
        Some(lowered)
    }

    /// The entity of a helper named `name` that is not a helper of `entity`.
    pub(super) fn helper_owner_other_than(&self, entity: &Entity, name: &str) -> Option<String> {
        if self.helper_index(entity, name).is_some() {
            return None;
        }
        self.helpers
            .iter()
            .find(|h| h.decl.name.name == name)
            .map(|h| h.entity.name.clone())
    }

    /// The names of `entity`'s helpers, for suggestions.
    pub(super) fn helper_names(&self, entity: &Entity) -> impl Iterator<Item = &'a str> + use<'a> {
        let names: Vec<&'a str> = self
            .helpers
            .iter()
            .filter(|h| h.entity.name == entity.name)
            .map(|h| h.decl.name.name.as_str())
            .collect();
        names.into_iter()
    }

    /// Where a mapping's `let` takes the name of a helper of its source: the helper's place.
    pub(super) fn helper_named(&self, source: &Entity, name: &str) -> Option<HelperPlace> {
        let helper = &self.helpers[self.helper_index(source, name)?];
        Some(match helper.imported {
            None => HelperPlace::Here(helper.decl.name.span),
            Some(library) => HelperPlace::Imported(library.shown.clone()),
        })
    }

    /// Helpers of this file that no mapping reads: usually a rule meant to use one.
    pub(super) fn unused_helpers(&mut self) {
        let unused: Vec<(String, String, crate::diagnostics::Span)> = self
            .helpers
            .iter()
            .filter(|h| !h.used && h.imported.is_none())
            .map(|h| {
                (
                    h.decl.name.name.clone(),
                    h.entity.name.clone(),
                    h.decl.name.span,
                )
            })
            .collect();
        for (name, entity, span) in unused {
            self.report(
                Diagnostic::new(
                    Code::UnusedLet,
                    span,
                    format!("helper `{name}` is never used"),
                )
                .with_label("declared here")
                .with_help(format!(
                    "read it by name in a mapping whose source is {entity} (`… = {name}`), or delete it"
                )),
            );
        }
    }
}

/// Where a helper is declared, for a diagnostic about a name that clashes with it.
pub(super) enum HelperPlace {
    Here(crate::diagnostics::Span),
    Imported(String),
}

/// What `name` already means on `entity`, if anything: a field or a related entity.
pub(super) fn hidden_name(entity: &Entity, name: &str) -> Option<&'static str> {
    if entity.field(name).is_some() {
        Some("a field")
    } else if entity.field(&format!("{name}ID")).is_some() {
        Some("a related entity")
    } else {
        None
    }
}
