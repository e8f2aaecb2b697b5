//! Resolving source paths: fields, UDFs and related entities of the mapping's source, and the
//! Field Nation event payload in outbound rules.

use std::collections::BTreeSet;

use super::Checker;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Expr, RecordRef, Relation};
use crate::schema::{Entity, Node, NodeType};
use crate::syntax::ast::{Path, PathSegment};
use crate::value::Type;

/// What names mean where an expression stands.
pub(super) struct Scope<'a> {
    pub kind: ScopeKind,
    /// The source entity (mappings) or the ticket (outbound rules).
    pub source: Option<&'a Entity>,
    pub relations: Vec<(Relation, &'a Entity)>,
    /// Paths read by the expression being lowered, for provenance.
    pub reads: Vec<String>,
    /// Fields and UDFs read per record (`None` = the source), for the fetch plan.
    pub fetch: Vec<(Option<u16>, FetchSet)>,
    /// The mapping's `let` bindings so far, by name.
    pub lets: Vec<LetValue>,
    /// Lookups whose declaration has errors: their uses stay quiet.
    pub broken_lookups: Vec<String>,
    /// Expression nodes copied into this scope by the uses of `let` bindings and helpers.
    pub copied_nodes: usize,
}

/// A `let` binding, lowered once and copied where its name is used (the IR has no variables;
/// a binding is a pure expression, so each use computes the same value).
pub(super) struct LetValue {
    pub name: String,
    pub span: crate::diagnostics::Span,
    pub expr: Expr,
    pub ty: Type,
    /// The paths it reads, added to the provenance of each rule that uses it.
    pub reads: Vec<String>,
    /// Its expression's size, which each use copies.
    pub nodes: usize,
    /// Whether a trigger, rule or later binding names it.
    pub used: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ScopeKind {
    /// Table rows: literals only.
    Constant,
    Mapping,
    Outbound,
}

#[derive(Debug, Default, Clone)]
pub(super) struct FetchSet {
    pub fields: BTreeSet<String>,
    pub udfs: BTreeSet<String>,
    /// A Jsonnet block reads the whole record.
    pub all: bool,
}

impl<'a> Scope<'a> {
    pub fn constant() -> Self {
        Scope {
            kind: ScopeKind::Constant,
            source: None,
            relations: Vec::new(),
            reads: Vec::new(),
            fetch: Vec::new(),
            lets: Vec::new(),
            broken_lookups: Vec::new(),
            copied_nodes: 0,
        }
    }

    pub fn new(kind: ScopeKind, source: &'a Entity) -> Self {
        Scope {
            source: Some(source),
            ..Scope {
                kind,
                ..Scope::constant()
            }
        }
    }

    /// Whether `expr` is a calendar date: a date-only field (a Project's EndDateTime), or a
    /// choice between such fields. Its day is the same in every zone.
    pub(super) fn is_calendar_date(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Field { record, slot } => {
                let entity = match record {
                    RecordRef::Source => self.source,
                    RecordRef::Related(i) => self.relations.get(*i as usize).map(|(_, e)| *e),
                };
                entity
                    .and_then(|e| e.fields.get(*slot as usize))
                    .is_some_and(|f| f.date_only)
            }
            Expr::Coalesce(a, b) => self.is_calendar_date(a) && self.is_calendar_date(b),
            Expr::If {
                then, otherwise, ..
            } => self.is_calendar_date(then) && self.is_calendar_date(otherwise),
            _ => false,
        }
    }

    pub(super) fn fetch_set(&mut self, record: Option<u16>) -> &mut FetchSet {
        let at = match self.fetch.iter().position(|(r, _)| *r == record) {
            Some(at) => at,
            None => {
                self.fetch.push((record, FetchSet::default()));
                self.fetch.len() - 1
            }
        };
        &mut self.fetch[at].1
    }
}

impl<'a> Checker<'a> {
    pub(super) fn resolve_path(&mut self, path: &Path, scope: &mut Scope<'a>) -> (Expr, Type) {
        match scope.kind {
            ScopeKind::Constant => {
                self.report(
                    Diagnostic::new(Code::TypeMismatch, path.span, "a table row must be a constant")
                        .with_label("a field is read here")
                        .with_help("tables map constants to constants; use an inline `match` to compute values"),
                );
                (Expr::null(), Type::Any)
            }
            ScopeKind::Outbound => self.resolve_outbound_path(path, scope),
            ScopeKind::Mapping => self.resolve_source_path(path, scope),
        }
    }

    fn resolve_source_path(&mut self, path: &Path, scope: &mut Scope<'a>) -> (Expr, Type) {
        let Some(source) = scope.source else {
            return (Expr::null(), Type::Any);
        };
        if let [PathSegment::Field(name)] = path.segments.as_slice()
            && let Some(bound) = scope.lets.iter_mut().find(|l| l.name == name.name)
        {
            bound.used = true;
            let nodes = bound.nodes;
            if !self.copy_allowed(nodes, name, scope) {
                return (Expr::null(), Type::Any);
            }
            let bound = scope.lets.iter().find(|l| l.name == name.name);
            let Some(bound) = bound else {
                return (Expr::null(), Type::Any);
            };
            let (expr, ty) = (bound.expr.clone(), bound.ty.clone());
            let reads = bound.reads.clone();
            scope.reads.extend(reads);
            return (expr, ty);
        }
        if let [PathSegment::Field(name)] = path.segments.as_slice()
            && let Some(helper) = self.use_helper(name, scope)
        {
            return (helper.expr, helper.ty);
        }
        match path.segments.as_slice() {
            [single] => self.resolve_on_entity(source, None, single, scope),
            [PathSegment::Field(rel), rest @ ..] => {
                let Some(index) = self.relation(source, rel, scope) else {
                    return (Expr::null(), Type::Any);
                };
                let entity = scope.relations[index as usize].1;
                match rest {
                    [segment] => self.resolve_on_entity(entity, Some(index), segment, scope),
                    _ => {
                        let names: Vec<String> = path
                            .segments
                            .iter()
                            .map(|s| match s {
                                PathSegment::Field(i) => i.name.clone(),
                                PathSegment::Udf(u) => format!("udf({:?})", u.value),
                            })
                            .collect();
                        let records = names[..names.len() - 1].join(".");
                        self.report(
                            Diagnostic::new(
                                Code::PathTooDeep,
                                path.span,
                                "this path reaches past the ticket's related entities",
                            )
                            .with_label("more than one reference away")
                            .with_help(format!(
                                "paths reach one reference away; read deeper records in a Jsonnet block that \
                                 declares them: `jsonnet({records}) ||| $.input.{} |||`",
                                names.join(".")
                            )),
                        );
                        (Expr::null(), Type::Any)
                    }
                }
            }
            [PathSegment::Udf(lit), ..] => {
                self.report(
                    Diagnostic::new(Code::PathTooDeep, path.span, "a UDF has no fields")
                        .with_label("the path continues after a UDF"),
                );
                let _ = lit;
                (Expr::null(), Type::Any)
            }
            [] => (Expr::null(), Type::Any),
        }
    }

    /// Finds or registers the relation `name` of the source record; reports unknown names.
    fn relation(
        &mut self,
        source: &'a Entity,
        name: &crate::syntax::ast::Ident,
        scope: &mut Scope<'a>,
    ) -> Option<u16> {
        self.relation_of(source, None, name, scope)
    }

    /// Finds or registers the relation `name` of `holder`, which is the source record
    /// (`parent` None) or the record of relation `parent` (for paths further away).
    pub(super) fn relation_of(
        &mut self,
        source: &'a Entity,
        parent: Option<u16>,
        name: &crate::syntax::ast::Ident,
        scope: &mut Scope<'a>,
    ) -> Option<u16> {
        let full_name = match parent {
            Some(p) => format!("{}.{}", scope.relations[usize::from(p)].0.name, name.name),
            None => name.name.clone(),
        };
        if let Some(i) = scope
            .relations
            .iter()
            .position(|(r, _)| r.name == full_name)
        {
            return Some(i as u16);
        }
        if scope.broken_lookups.contains(&full_name) {
            return None;
        }
        match source.relation(&name.name) {
            Some((slot, field)) => {
                let target = field.reference.as_deref().unwrap_or_default();
                let Some(entity) = self.schemas.autotask.entity(target) else {
                    self.report(Diagnostic::new(
                        Code::UnknownRelation,
                        name.span,
                        format!(
                            "`{}` refers to `{target}`, which the bundled schema does not describe",
                            name.name
                        ),
                    ));
                    return None;
                };
                scope.relations.push((
                    Relation {
                        name: full_name,
                        via_field: field.name.clone(),
                        via_slot: slot as u32,
                        entity: target.to_string(),
                        from: parent,
                        lookup: None,
                    },
                    entity,
                ));
                let via = field.name.clone();
                scope.fetch_set(parent).fields.insert(via);
                Some((scope.relations.len() - 1) as u16)
            }
            None => {
                if source.field(&name.name).is_some() {
                    self.report(
                        Diagnostic::new(
                            Code::UnknownRelation,
                            name.span,
                            format!(
                                "`{}` is a field of {}, not a related entity",
                                name.name, source.name
                            ),
                        )
                        .with_label("has no fields"),
                    );
                } else {
                    let candidates: Vec<&str> = source.relation_names().collect();
                    self.unknown(
                        Code::UnknownRelation,
                        name.span,
                        format!("{} has no related entity `{}`", source.name, name.name),
                        &name.name,
                        candidates,
                    );
                }
                None
            }
        }
    }

    pub(super) fn resolve_on_entity(
        &mut self,
        entity: &'a Entity,
        related: Option<u16>,
        segment: &PathSegment,
        scope: &mut Scope<'a>,
    ) -> (Expr, Type) {
        let record = related.map_or(RecordRef::Source, RecordRef::Related);
        let prefix = related
            .map(|i| format!("{}.", scope.relations[i as usize].0.name))
            .unwrap_or_default();
        match segment {
            PathSegment::Field(ident) => {
                let Some(slot) = entity.field_slot(&ident.name) else {
                    let lookup = scope
                        .relations
                        .iter()
                        .any(|(r, _)| r.name == ident.name && r.lookup.is_some());
                    if related.is_none() && (lookup || entity.relation(&ident.name).is_some()) {
                        let what = if lookup {
                            "a lookup"
                        } else {
                            "a related entity"
                        };
                        self.report(
                            Diagnostic::new(
                                Code::UnknownField,
                                ident.span,
                                format!("`{}` is {what}, not a value", ident.name),
                            )
                            .with_label("name one of its fields")
                            .with_help(format!("for example `{}.id`", ident.name)),
                        );
                        return (Expr::null(), Type::Any);
                    }
                    if related.is_none()
                        && let Some(owner) = self.helper_owner_other_than(entity, &ident.name)
                    {
                        self.report(
                            Diagnostic::new(
                                Code::UnknownField,
                                ident.span,
                                format!("unknown field `{}` on {}", ident.name, entity.name),
                            )
                            .with_label(format!("a helper of {owner}, not of {}", entity.name))
                            .with_help(format!(
                                "declare `let {} for {} = …` to use it here",
                                ident.name, entity.name
                            )),
                        );
                        return (Expr::null(), Type::Any);
                    }
                    let helpers = self.helper_names(entity);
                    let candidates: Vec<&str> = entity
                        .fields
                        .iter()
                        .map(|f| f.name.as_str())
                        .chain(if related.is_none() {
                            entity.relation_names().chain(helpers).collect()
                        } else {
                            Vec::new()
                        })
                        .collect();
                    self.unknown(
                        Code::UnknownField,
                        ident.span,
                        format!("unknown field `{}` on {}", ident.name, entity.name),
                        &ident.name,
                        candidates,
                    );
                    return (Expr::null(), Type::Any);
                };
                let field = &entity.fields[slot];
                scope.reads.push(format!("{prefix}{}", field.name));
                scope.fetch_set(related).fields.insert(field.name.clone());
                let ty = if field.picklist {
                    match self.schemas.tenant.picklist(&entity.name, &field.name) {
                        Some(list) => Type::Picklist(
                            self.picklists
                                .register(format!("{}.{}", entity.name, field.name), list),
                        ),
                        None => Type::from_field(field.ty),
                    }
                } else {
                    Type::from_field(field.ty)
                };
                (
                    Expr::Field {
                        record,
                        slot: slot as u32,
                    },
                    ty,
                )
            }
            PathSegment::Udf(lit) => {
                let udfs = self.schemas.tenant.udfs(&entity.name);
                let Some(slot) = udfs.iter().position(|u| u.name == lit.value) else {
                    let names: Vec<&str> = udfs.iter().map(|u| u.name.as_str()).collect();
                    let message = if names.is_empty() {
                        format!(
                            "{} has no user-defined fields in tenant {:?}",
                            entity.name, self.schemas.tenant.name
                        )
                    } else {
                        format!("unknown UDF {:?} on {}", lit.value, entity.name)
                    };
                    self.unknown(Code::UnknownUdf, lit.span, message, &lit.value, names);
                    return (Expr::null(), Type::Any);
                };
                let udf = &udfs[slot];
                scope.reads.push(format!("{prefix}udf({:?})", udf.name));
                scope.fetch_set(related).udfs.insert(udf.name.clone());
                let ty = match &udf.picklist {
                    Some(list) => Type::Picklist(
                        self.picklists
                            .register(format!("{} UDF {:?}", entity.name, udf.name), list),
                    ),
                    None => Type::from_field(udf.ty),
                };
                (
                    Expr::Udf {
                        record,
                        slot: slot as u32,
                    },
                    ty,
                )
            }
        }
    }

    fn resolve_outbound_path(&mut self, path: &Path, scope: &mut Scope<'a>) -> (Expr, Type) {
        let mut segments = path.segments.iter();
        let Some(PathSegment::Field(root)) = segments.next() else {
            self.report(Diagnostic::new(
                Code::UnknownEventPath,
                path.span,
                "outbound rules read `workorder.…`, `event.…`, `timestamp` or the record's own fields",
            ));
            return (Expr::null(), Type::Any);
        };
        let record = scope
            .source
            .map_or_else(|| "ticket".to_string(), |e| crate::ir::record_name(&e.name));
        match root.name.as_str() {
            name if name == record => {
                let rest = crate::syntax::ast::Path {
                    segments: path.segments[1..].to_vec(),
                    span: path.span,
                };
                if rest.segments.len() != 1 {
                    self.report(
                        Diagnostic::new(
                            Code::PathTooDeep,
                            path.span,
                            format!("outbound rules read the {record}'s own fields only"),
                        )
                        .with_label(format!(
                            "expected `{record}.<Field>` or `{record}.udf(\"…\")`"
                        )),
                    );
                    return (Expr::null(), Type::Any);
                }
                let Some(ticket) = scope.source else {
                    return (Expr::null(), Type::Any);
                };
                self.resolve_on_entity(ticket, None, &rest.segments[0], scope)
            }
            "timestamp" => {
                if let Some(extra) = segments.next() {
                    self.report(
                        Diagnostic::new(
                            Code::UnknownEventPath,
                            extra.span(),
                            "`timestamp` is a date-time; it has no fields",
                        )
                        .with_label("not a field of a date-time")
                        .with_help("convert it with `timestamp at \"<zone>\"` and format it with `| format(\"…\")`"),
                    );
                    return (Expr::null(), Type::Any);
                }
                scope.reads.push("timestamp".into());
                (
                    Expr::EventTime(vec!["timestamp".into()].into_boxed_slice()),
                    Type::DateTime,
                )
            }
            "event" => self.resolve_event_envelope(path, scope),
            "workorder" | "triggered_by_user" => {
                let mut keys: Vec<Box<str>> = vec![root.name.as_str().into()];
                let mut node: Option<&Node> =
                    (root.name == "workorder").then_some(&self.schemas.webhooks.workorder);
                for segment in segments {
                    let PathSegment::Field(ident) = segment else {
                        self.report(Diagnostic::new(
                            Code::UnknownEventPath,
                            segment.span(),
                            "event payloads have no UDFs",
                        ));
                        return (Expr::null(), Type::Any);
                    };
                    if let Some(n) = node {
                        match n.property(&ident.name) {
                            Some(child) => node = Some(child),
                            None if n.properties.is_empty() => node = None,
                            None => {
                                let names: Vec<&str> =
                                    n.properties.keys().map(String::as_str).collect();
                                let shown: String = keys.join(".");
                                self.unknown(
                                    Code::UnknownEventPath,
                                    ident.span,
                                    format!("`{shown}` has no field `{}` in Field Nation's work order payload", ident.name),
                                    &ident.name,
                                    names,
                                );
                                return (Expr::null(), Type::Any);
                            }
                        }
                    }
                    keys.push(ident.name.as_str().into());
                }
                scope.reads.push(keys.join("."));
                let ty = match node.map(|n| n.ty) {
                    Some(NodeType::String) => Type::String,
                    Some(NodeType::Integer) => Type::Int,
                    Some(NodeType::Number) => Type::Decimal,
                    Some(NodeType::Boolean) => Type::Bool,
                    _ => Type::Any,
                };
                if node.is_some_and(|n| n.format.as_deref() == Some("date-time"))
                    && ty == Type::String
                {
                    return (Expr::EventTime(keys.into_boxed_slice()), Type::DateTime);
                }
                (Expr::EventPath(keys.into_boxed_slice()), ty)
            }
            other => {
                self.unknown(
                    Code::UnknownEventPath,
                    root.span,
                    format!("unknown name `{other}` in an outbound rule"),
                    other,
                    ["workorder", "event", record.as_str(), "timestamp"],
                );
                (Expr::null(), Type::Any)
            }
        }
    }

    /// `event.name` (text) and `event.params.…` (as Field Nation sends them): the webhook v3
    /// envelope around the work order.
    fn resolve_event_envelope(&mut self, path: &Path, scope: &mut Scope<'a>) -> (Expr, Type) {
        let keys: Vec<&str> = path
            .segments
            .iter()
            .map(|s| match s {
                PathSegment::Field(i) => i.name.as_str(),
                PathSegment::Udf(_) => "udf",
            })
            .collect();
        let ty = match keys.as_slice() {
            ["event", "name"] => Type::String,
            ["event", "params", ..] => Type::Any,
            ["event", other, ..] => {
                let span = path.segments[1].span();
                self.unknown(
                    Code::UnknownEventPath,
                    span,
                    format!("a Field Nation event has no field `{other}`"),
                    other,
                    ["name", "params"],
                );
                return (Expr::null(), Type::Any);
            }
            _ => {
                self.report(
                    Diagnostic::new(
                        Code::UnknownEventPath,
                        path.span,
                        "`event` is an object: read `event.name` or `event.params.…`",
                    )
                    .with_label("an object, not a value"),
                );
                return (Expr::null(), Type::Any);
            }
        };
        scope.reads.push(keys.join("."));
        let keys: Vec<Box<str>> = keys.into_iter().map(Into::into).collect();
        (Expr::EventPath(keys.into_boxed_slice()), ty)
    }
}
