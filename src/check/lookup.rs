//! `lookup Name = Entity where Field == value and …`: a record found by its fields rather than
//! by an id the source holds (the account's primary contact). It becomes a relation of the
//! mapping, read like one (`PrimaryContact.Phone`), with the match the runtime and the fetcher
//! apply: one field equal to a value of the record (the key), the other fields compared with
//! constants.

use super::Checker;
use super::expr::Typed;
use super::path::Scope;
use crate::diagnostics::{Code, Diagnostic, Span};
use crate::ir::{CompareOp, Expr, LookupFilter, LookupMatch, RecordRef, Relation};
use crate::schema::Entity;
use crate::syntax::ast::{self, BinaryOp, ExprKind, PathSegment};

/// One `Field == value` of the condition, its value lowered.
struct Comparison<'e> {
    field: &'e ast::Ident,
    op: BinaryOp,
    op_span: Span,
    value: Typed,
    value_span: Span,
    span: Span,
}

impl<'a> Checker<'a> {
    pub(super) fn lookup(&mut self, l: &ast::Lookup, source: &'a Entity, scope: &mut Scope<'a>) {
        let outer_reads = std::mem::take(&mut scope.reads);
        self.lookup_inner(l, source, scope);
        scope.reads = outer_reads;
    }

    fn lookup_inner(&mut self, l: &ast::Lookup, source: &'a Entity, scope: &mut Scope<'a>) {
        if !self.lookup_name_is_free(&l.name, source, scope) {
            return;
        }
        let Some(entity) = self.lookup_entity(&l.entity) else {
            scope.broken_lookups.push(l.name.name.clone());
            return;
        };
        let mut conjuncts = Vec::new();
        flatten_and(&l.condition, &mut conjuncts);
        // Values first: a key may register the relation it reads (`Account.id`), which must
        // come before the lookup in the relation list (parents first).
        let mut comparisons = Vec::new();
        let mut broken = false;
        for conjunct in conjuncts {
            let ExprKind::Binary {
                op: op @ (BinaryOp::Eq | BinaryOp::Ne),
                op_span,
                lhs,
                rhs,
            } = &conjunct.kind
            else {
                self.report(
                    Diagnostic::new(
                        Code::LookupCondition,
                        conjunct.span,
                        "a lookup's condition compares fields with `==` or `!=`, joined by `and`",
                    )
                    .with_label("not a `Field == value` comparison")
                    .with_help(format!(
                        "for example `{} where AccountID == AccountID and PrimaryContact == true`",
                        l.entity.name
                    )),
                );
                broken = true;
                continue;
            };
            let field = match &lhs.kind {
                ExprKind::Path(path) => match path.segments.as_slice() {
                    [PathSegment::Field(field)] => Some(field),
                    _ => None,
                },
                _ => None,
            };
            let Some(field) = field else {
                self.report(
                    Diagnostic::new(
                        Code::LookupCondition,
                        lhs.span,
                        format!(
                            "the left side of a lookup's comparison is a field of {}",
                            entity.name
                        ),
                    )
                    .with_label(format!("expected a field name of {}", entity.name))
                    .with_help(
                        "write the looked-up entity's field on the left, the value on the right",
                    ),
                );
                continue;
            };
            let value = self.lower(rhs, scope);
            comparisons.push(Comparison {
                field,
                op: *op,
                op_span: *op_span,
                value,
                value_span: rhs.span,
                span: conjunct.span,
            });
        }
        let Some((key_at, holder, via_field, via_slot)) =
            self.lookup_key(l, entity, &comparisons, broken, scope)
        else {
            scope.broken_lookups.push(l.name.name.clone());
            return;
        };
        let index = scope.relations.len() as u16;
        scope.relations.push((
            Relation {
                name: l.name.name.clone(),
                via_field,
                via_slot,
                entity: entity.name.clone(),
                from: holder,
                lookup: None,
            },
            entity,
        ));
        let mut matched = None;
        let mut filters = Vec::new();
        for (i, comparison) in comparisons.into_iter().enumerate() {
            let Some(field) = self.lookup_field(entity, index, comparison.field, scope) else {
                continue;
            };
            let field_span = comparison.field.span;
            let compared = self.compare(
                comparison.op,
                comparison.op_span,
                field.1,
                field_span,
                comparison.value,
                comparison.value_span,
            );
            let (op, value) = match compared.expr {
                Expr::Compare { op, rhs, .. } => (op, *rhs),
                Expr::IsNull { negated, .. } => (
                    if negated {
                        CompareOp::Ne
                    } else {
                        CompareOp::Eq
                    },
                    Expr::null(),
                ),
                // A mismatch the comparison reported already.
                _ => continue,
            };
            let name = entity.fields[field.0 as usize].name.clone();
            if i == key_at {
                matched = Some(LookupMatch {
                    field: name,
                    slot: field.0,
                    filters: Vec::new(),
                });
                continue;
            }
            match value.as_const() {
                Some(value) => filters.push(LookupFilter {
                    field: name,
                    slot: field.0,
                    equal: op == CompareOp::Eq,
                    value: value.clone(),
                }),
                // A picklist compared with computed text: no id to send.
                None => self.report(
                    Diagnostic::new(
                        Code::LookupCondition,
                        comparison.span,
                        "Autotask cannot query this comparison",
                    )
                    .with_label("compares a picklist with computed text")
                    .with_help("compare the picklist with one of its labels"),
                ),
            }
        }
        if let (Some(mut matched), Some((relation, _))) = (matched, scope.relations.last_mut()) {
            matched.filters = filters;
            relation.lookup = Some(matched);
        } else {
            // The key's field did not check: the lookup stays, finding nothing.
            if let Some((relation, _)) = scope.relations.last_mut() {
                relation.lookup = Some(LookupMatch {
                    field: String::new(),
                    slot: u32::MAX,
                    filters: Vec::new(),
                });
            }
        }
    }

    /// A lookup's name may not hide a field, a related entity, a `let` or another lookup.
    fn lookup_name_is_free(
        &mut self,
        name: &ast::Ident,
        source: &Entity,
        scope: &Scope<'a>,
    ) -> bool {
        let what = if source.field(&name.name).is_some() {
            Some(format!("a field of {}", source.name))
        } else if source.relation(&name.name).is_some()
            || scope.relations.iter().any(|(r, _)| r.name == name.name)
        {
            Some(format!("a related entity of {}", source.name))
        } else if scope.lets.iter().any(|l| l.name == name.name) {
            Some("bound by a `let`".into())
        } else if self.helper_named(source, &name.name).is_some() {
            Some(format!("a helper of {}", source.name))
        } else {
            None
        };
        let Some(what) = what else {
            return true;
        };
        let first = scope
            .relations
            .iter()
            .find(|(r, _)| r.name == name.name && r.lookup.is_some());
        let mut d = Diagnostic::new(
            Code::DuplicateName,
            name.span,
            match first {
                Some(_) => format!("a lookup named `{}` is already declared", name.name),
                None => format!("`{}` is already {what}; a lookup cannot hide it", name.name),
            },
        )
        .with_label("already a name here");
        if let Some(l) = scope.lets.iter().find(|l| l.name == name.name) {
            d = d.with_context(l.span, "bound here");
        }
        self.report(d.with_help("give the lookup another name, such as `SiteContact`"));
        false
    }

    fn lookup_entity(&mut self, name: &ast::Ident) -> Option<&'a Entity> {
        self.queryable_entity(name, Code::UnknownLookupEntity)
    }

    /// The one comparison whose value reads the record: its position, and the record and
    /// field holding the key.
    fn lookup_key(
        &mut self,
        l: &ast::Lookup,
        entity: &Entity,
        comparisons: &[Comparison<'_>],
        broken: bool,
        scope: &Scope<'a>,
    ) -> Option<(usize, Option<u16>, String, u32)> {
        let mut key = None;
        let mut ok = true;
        for (i, c) in comparisons.iter().enumerate() {
            if c.value.expr.as_const().is_some() {
                continue;
            }
            let Expr::Field { record, slot } = c.value.expr else {
                self.report(
                    Diagnostic::new(
                        Code::LookupKey,
                        c.value_span,
                        "a lookup compares with a constant or a field of the record",
                    )
                    .with_label("computed, or not a field")
                    .with_help("Autotask matches the lookup's fields with values it is sent: name a field, such as `AccountID` or `Account.id`"),
                );
                ok = false;
                continue;
            };
            let holder = match record {
                RecordRef::Source => None,
                RecordRef::Related(r) => Some(r),
            };
            let (holder_entity, holder_relation) = match holder {
                None => (scope.source, None),
                Some(r) => scope
                    .relations
                    .get(usize::from(r))
                    .map_or((None, None), |(rel, e)| (Some(*e), Some(rel))),
            };
            if holder_relation.is_some_and(|rel| rel.lookup.is_some()) {
                self.report(
                    Diagnostic::new(
                        Code::LookupKey,
                        c.value_span,
                        "a lookup's key cannot come from another lookup",
                    )
                    .with_label("read from a lookup's record")
                    .with_help("match on a field of the record or of an entity it refers to"),
                );
                ok = false;
                continue;
            }
            let Some(field) = holder_entity.and_then(|e| e.fields.get(slot as usize)) else {
                continue;
            };
            if c.op != BinaryOp::Eq {
                self.report(
                    Diagnostic::new(
                        Code::LookupKey,
                        c.op_span,
                        "a lookup matches the record's value with `==`",
                    )
                    .with_label("`!=` would match almost every record")
                    .with_help("compare with `==`; `!=` takes constants"),
                );
                ok = false;
                continue;
            }
            if let Some((first, _)) = &key {
                let first: &Comparison<'_> = &comparisons[*first];
                self.report(
                    Diagnostic::new(
                        Code::LookupKey,
                        c.span,
                        "a lookup matches one field with a value of the record",
                    )
                    .with_label("a second value of the record")
                    .with_context(first.span, "the first")
                    .with_help("Autotask is asked for all the records' values at once, for one field: keep one, compare the others with constants"),
                );
                ok = false;
                continue;
            }
            key = Some((i, (holder, field.name.clone(), slot)));
        }
        if !ok || (broken && key.is_none()) {
            return None;
        }
        let Some((at, (holder, via_field, via_slot))) = key else {
            self.report(
                Diagnostic::new(
                    Code::LookupKey,
                    l.condition.span,
                    format!(
                        "this lookup compares {} with constants only, so it would find the same record for every {}",
                        entity.name,
                        scope.source.map_or("record", |s| s.name.as_str())
                    ),
                )
                .with_label("no value of the record")
                .with_help(format!(
                    "match one field with a field of the record, e.g. `{} where AccountID == AccountID`",
                    entity.name
                )),
            );
            return None;
        };
        Some((at, holder, via_field, via_slot))
    }

    /// A field of the looked-up entity that Autotask can query, read through the lookup (so
    /// the fetch plan asks for it), with its slot.
    fn lookup_field(
        &mut self,
        entity: &'a Entity,
        index: u16,
        field: &ast::Ident,
        scope: &mut Scope<'a>,
    ) -> Option<(u32, Typed)> {
        let (expr, ty) = self.resolve_on_entity(
            entity,
            Some(index),
            &PathSegment::Field(field.clone()),
            scope,
        );
        let Expr::Field { slot, .. } = expr else {
            return None;
        };
        if !entity.fields[slot as usize].queryable {
            self.report(
                Diagnostic::new(
                    Code::LookupCondition,
                    field.span,
                    format!("Autotask cannot query {} by `{}`", entity.name, field.name),
                )
                .with_label("not a queryable field"),
            );
            return None;
        }
        Some((slot, Typed { expr, ty }))
    }
}

/// The comparisons of `a and b and c`, in order.
fn flatten_and<'e>(e: &'e ast::Expr, out: &mut Vec<&'e ast::Expr>) {
    match &e.kind {
        ExprKind::Binary {
            op: BinaryOp::And,
            lhs,
            rhs,
            ..
        } => {
            flatten_and(lhs, out);
            flatten_and(rhs, out);
        }
        _ => out.push(e),
    }
}
