//! Checking outbound rules: Field Nation events that update the record a work order came
//! from (a Ticket unless `for <Entity>` says otherwise) and add its notes.

use super::Checker;
use super::expr::pick_value;
use super::path::{Scope, ScopeKind};
use crate::diagnostics::Span;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Expr, NotePlan, OutboundRule, Piece, TicketSet, record_name};
use crate::schema::{Entity, FieldType, NodeType, entities_with_notes, note_entity};
use crate::syntax::ast::{NoteBlock, OnEvent, OutboundStatement, TicketField};
use crate::value::Type;
use crate::value::Value;

impl<'a> Checker<'a> {
    pub(super) fn on_event(&mut self, on: &'a OnEvent) -> OutboundRule {
        let events = &self.schemas.webhooks.events;
        if !events.contains(&on.event.name) {
            let names: Vec<String> = events.clone();
            self.unknown_meaning(
                crate::diagnostics::Code::UnknownEvent,
                on.event.span,
                format!("`{}` is not a Field Nation webhook event", on.event.name),
                &on.event.name,
                super::event_words::events_meant_by(&on.event.name),
                names.iter().map(String::as_str),
            );
        }
        let entity_name = on.entity.as_ref().map_or("Ticket", |e| e.name.as_str());
        let mut rule = OutboundRule {
            event: on.event.name.clone(),
            entity: entity_name.to_string(),
            condition: None,
            span: on.span,
            sets: Vec::new(),
            notes: Vec::new(),
        };
        let Some(ticket) = self.outbound_entity(on) else {
            return rule;
        };
        let record = record_name(&ticket.name);
        let mut scope = Scope::new(ScopeKind::Outbound, ticket);
        if let Some(condition) = &on.condition {
            let lowered = self.lower(condition, &mut scope);
            self.check_dependent_picklists(condition, ticket, Some(&record));
            self.expect(
                &lowered.ty,
                &Type::Bool,
                condition.span,
                "an outbound rule's `when` is a condition",
            );
            rule.condition = Some(lowered.expr);
        }
        let mut written: Vec<(String, Span)> = Vec::new();
        for statement in &on.statements {
            match statement {
                OutboundStatement::SetTicket {
                    record: head,
                    field,
                    value,
                    span,
                } => {
                    if head.name != record {
                        self.wrong_record(&head.name, head.span, &record, on);
                        continue;
                    }
                    let lowered = self.lower(value, &mut scope);
                    self.no_object_as_text(&lowered.expr, value.span);
                    let name = match field {
                        TicketField::Field(f) => f.name.clone(),
                        TicketField::Udf(u) => format!("udf({:?})", u.value),
                    };
                    if let Some((_, first)) = written.iter().find(|(n, _)| *n == name) {
                        self.report(
                            Diagnostic::new(
                                Code::DuplicateAssignment,
                                *span,
                                format!("`{record}.{name}` is set twice"),
                            )
                            .with_label("set again here")
                            .with_context(*first, "first set here"),
                        );
                        continue;
                    }
                    written.push((name, *span));
                    if let Some(set) = self.ticket_set(ticket, field, lowered, value.span, *span) {
                        rule.sets.push(set);
                    }
                }
                OutboundStatement::Note(note) => {
                    let Some(notes) = note_entity(&ticket.name) else {
                        let with: Vec<&str> = entities_with_notes().collect();
                        self.report(
                            Diagnostic::new(
                                Code::NoNoteEntity,
                                note.span,
                                format!("Autotask has no notes on a {}", ticket.name),
                            )
                            .with_label("no note entity to create")
                            .with_help(format!(
                                "notes exist for {}; write a field instead, or dispatch from one of those",
                                with.join(" and ")
                            )),
                        );
                        continue;
                    };
                    if let Some(plan) = self.note(note, notes.entity, &mut scope) {
                        rule.notes.push(plan);
                    }
                }
            }
        }
        rule
    }

    /// The entity `for <Entity>` names (a Ticket without it), if outbound rules can update it.
    fn outbound_entity(&mut self, on: &OnEvent) -> Option<&'a Entity> {
        let autotask = &self.schemas.autotask;
        let Some(ident) = &on.entity else {
            return autotask.entity("Ticket");
        };
        match autotask.entity(&ident.name) {
            Some(entity) if entity.can_update => Some(entity),
            Some(entity) => {
                self.report(
                    Diagnostic::new(
                        Code::UnknownOutboundEntity,
                        ident.span,
                        format!("Autotask does not allow updates to a {}", entity.name),
                    )
                    .with_label("cannot be written back"),
                );
                None
            }
            None => {
                let names: Vec<&str> = autotask
                    .entities
                    .values()
                    .filter(|e| e.can_update)
                    .map(|e| e.name.as_str())
                    .collect();
                self.unknown(
                    Code::UnknownOutboundEntity,
                    ident.span,
                    format!("`{}` is not an Autotask entity", ident.name),
                    &ident.name,
                    names,
                );
                None
            }
        }
    }

    /// An event value that Field Nation's schema says is an object or a list, written as text
    /// or pasted into a template: it would read `{"id":…}` or nothing useful.
    fn no_object_as_text(&mut self, expr: &Expr, span: Span) {
        let mut pasted: Vec<&[Box<str>]> = Vec::new();
        if let Expr::EventPath(keys) = expr {
            pasted.push(keys);
        }
        expr.walk(&mut |e| {
            if let Expr::Template(pieces) = e {
                for piece in pieces.iter() {
                    if let Piece::Value(Expr::EventPath(keys)) = piece {
                        pasted.push(keys);
                    }
                }
            }
        });
        for keys in pasted {
            let kind = match keys.first().map(|k| &**k) {
                Some("event") if keys.len() == 2 && &*keys[1] == "params" => Some(NodeType::Object),
                Some("workorder") => {
                    let mut node = Some(&self.schemas.webhooks.workorder);
                    for key in &keys[1..] {
                        node = node.and_then(|n| n.property(key));
                    }
                    node.map(|n| n.ty)
                }
                _ => None,
            };
            let Some(kind @ (NodeType::Object | NodeType::Array)) = kind else {
                continue;
            };
            let path = keys.join(".");
            let mut d = Diagnostic::new(
                Code::TypeMismatch,
                span,
                format!("`{path}` is an {}, not text", kind.name()),
            )
            .with_label(format!("`{path}` is written as text here"));
            let node = (keys[0].as_ref() == "workorder").then(|| {
                keys[1..]
                    .iter()
                    .try_fold(&self.schemas.webhooks.workorder, |n, k| n.property(k))
            });
            if let Some(Some(node)) = node {
                let fields: Vec<&str> =
                    node.properties.keys().map(String::as_str).take(6).collect();
                if !fields.is_empty() {
                    d = d.with_help(format!(
                        "name one of its fields: {}",
                        fields
                            .iter()
                            .map(|f| format!("`{path}.{f}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
            self.report(d);
        }
    }

    /// `ticket.Status = …` in a rule that writes a Task, say.
    fn wrong_record(&mut self, written: &str, span: Span, record: &str, on: &OnEvent) {
        let mut d = Diagnostic::new(
            Code::WrongRecordName,
            span,
            format!("this rule writes a `{record}`, not a `{written}`"),
        )
        .with_label(format!("expected `{record}`"));
        d = match &on.entity {
            Some(entity) => {
                d.with_context(entity.span, format!("the rule is `for {}`", entity.name))
            }
            None => d.with_help(format!(
                "rules write to a Ticket unless they say otherwise: `on {} for <Entity> {{ … }}`",
                on.event.name
            )),
        };
        self.report(d);
    }

    fn ticket_set(
        &mut self,
        ticket: &'a Entity,
        field: &TicketField,
        value: super::expr::Typed,
        value_span: Span,
        span: Span,
    ) -> Option<TicketSet> {
        match field {
            TicketField::Field(ident) => {
                let Some(slot) = ticket.field_slot(&ident.name) else {
                    let names: Vec<&str> = ticket.fields.iter().map(|f| f.name.as_str()).collect();
                    self.unknown(
                        Code::UnknownField,
                        ident.span,
                        format!("unknown field `{}` on {}", ident.name, ticket.name),
                        &ident.name,
                        names,
                    );
                    return None;
                };
                let f = &ticket.fields[slot];
                if f.read_only {
                    self.report(
                        Diagnostic::new(Code::ReadOnlyField, ident.span, format!("{}.{} is read-only in Autotask", ticket.name, f.name))
                            .with_label("cannot be written")
                            .with_help("Autotask ignores or rejects writes to read-only fields; write a UDF or a note instead"),
                    );
                    return None;
                }
                let picklist = f
                    .picklist
                    .then(|| self.schemas.tenant.picklist(&ticket.name, &f.name))
                    .flatten();
                let expr = match picklist {
                    Some(list) => {
                        let p = self
                            .picklists
                            .register(format!("{}.{}", ticket.name, f.name), list);
                        self.picklist_write(&p, value, value_span)?
                    }
                    None => self.typed_write(f.ty, value, value_span)?,
                };
                let shown = format!("{}.{}", ticket.name, f.name);
                self.check_constant_length(&expr, f.length, &shown, value_span);
                Some(TicketSet {
                    field: f.name.clone(),
                    udf: false,
                    slot: slot as u32,
                    ty: f.ty,
                    expr,
                    span,
                })
            }
            TicketField::Udf(lit) => {
                if !ticket.has_udfs {
                    self.report(
                        Diagnostic::new(
                            Code::UnknownUdf,
                            lit.span,
                            format!("a {} has no user-defined fields in Autotask", ticket.name),
                        )
                        .with_label("no UDFs on this entity")
                        .with_help(match ticket.field_slot("ExternalID") {
                            Some(_) => format!(
                                "write one of the {}'s own fields (such as ExternalID) or a note",
                                ticket.name
                            ),
                            None => {
                                format!("write one of the {}'s own fields instead", ticket.name)
                            }
                        }),
                    );
                    return None;
                }
                let udfs = self.schemas.tenant.udfs(&ticket.name);
                let Some(slot) = udfs.iter().position(|u| u.name == lit.value) else {
                    let names: Vec<&str> = udfs.iter().map(|u| u.name.as_str()).collect();
                    self.unknown(
                        Code::UnknownUdf,
                        lit.span,
                        format!("unknown UDF {:?} on {}", lit.value, ticket.name),
                        &lit.value,
                        names,
                    );
                    return None;
                };
                let udf = &udfs[slot];
                if udf.read_only {
                    self.report(
                        Diagnostic::new(
                            Code::ReadOnlyField,
                            lit.span,
                            format!("UDF {:?} is read-only", udf.name),
                        )
                        .with_label("cannot be written"),
                    );
                    return None;
                }
                let (name, ty, length) = (udf.name.clone(), udf.ty, udf.length);
                let expr = match &udf.picklist {
                    Some(list) => {
                        let p = self
                            .picklists
                            .register(format!("{} UDF {:?}", ticket.name, udf.name), list);
                        self.picklist_write(&p, value, value_span)?
                    }
                    None => self.typed_write(ty, value, value_span)?,
                };
                let shown = format!("{} UDF {name:?}", ticket.name);
                self.check_constant_length(&expr, length, &shown, value_span);
                Some(TicketSet {
                    field: name,
                    udf: true,
                    slot: slot as u32,
                    ty,
                    expr,
                    span,
                })
            }
        }
    }

    /// A picklist field takes a constant label (resolved now) or a value of the same picklist.
    fn picklist_write(
        &mut self,
        p: &super::PicklistType,
        value: super::expr::Typed,
        span: Span,
    ) -> Option<Expr> {
        match (&value.ty, value.expr.as_const()) {
            (Type::String, Some(Value::Str(label))) => {
                let v = self.label_to_value(p, label, span);
                (!v.is_null()).then_some(Expr::Const(v))
            }
            (Type::Picklist(q), _) if q == p => Some(value.expr),
            (Type::Int | Type::Null | Type::Any, _) => Some(value.expr),
            (ty, _) => {
                self.mismatch(
                    span,
                    &format!("a constant {} label", p.name),
                    ty,
                    Some("picklist fields are written by label, which fieldmap checks and turns into the tenant's id"),
                );
                None
            }
        }
    }

    fn typed_write(
        &mut self,
        ty: FieldType,
        value: super::expr::Typed,
        span: Span,
    ) -> Option<Expr> {
        let want = Type::from_field(ty);
        let ok = match (&want, &value.ty) {
            (_, Type::Any | Type::Null) => true,
            (Type::String, t) => t.is_textual(),
            (Type::Decimal, t) => t.is_numeric(),
            (a, b) => a == b,
        };
        if !ok {
            self.mismatch(
                span,
                &format!("{want} (Autotask {})", ty.name()),
                &value.ty,
                None,
            );
            return None;
        }
        Some(if want == Type::String {
            self.as_text(value)
        } else {
            value.expr
        })
    }

    fn note(
        &mut self,
        note: &'a NoteBlock,
        entity: &str,
        scope: &mut Scope<'a>,
    ) -> Option<NotePlan> {
        let mut title = None;
        let mut description = None;
        let mut note_type = None;
        // An internal note must never go out to all users because the snapshot lacks the
        // picklist that says how to keep it internal; a plain note defaults to all users.
        let mut publish = match &note.kind {
            Some(kind) if kind.name == "internal" => {
                self.note_label_at(entity, "Publish", "Internal Project Team", kind.span, true)
            }
            _ => self.note_label_at(entity, "Publish", "All Autotask Users", note.span, false),
        };
        for field in &note.fields {
            let lowered = self.lower(&field.value, scope);
            match field.name.name.as_str() {
                "title" | "description" => {
                    self.no_object_as_text(&lowered.expr, field.value.span);
                    if !lowered.ty.is_textual() {
                        self.mismatch(field.value.span, "text", &lowered.ty, None);
                    }
                    let text = self.as_text(lowered);
                    let (at, shown) = match field.name.name.as_str() {
                        "title" => ("Title", format!("{entity}.Title")),
                        _ => ("Description", format!("{entity}.Description")),
                    };
                    let length = self
                        .schemas
                        .autotask
                        .entity(entity)
                        .and_then(|e| e.field(at))
                        .and_then(|f| f.length);
                    self.check_constant_length(&text, length, &shown, field.value.span);
                    if field.name.name == "title" {
                        title = Some(text);
                    } else {
                        description = Some(text);
                    }
                }
                "type" | "publish" => {
                    let Some(Value::Str(label)) = lowered.expr.as_const() else {
                        self.report(
                            Diagnostic::new(
                                Code::TypeMismatch,
                                field.value.span,
                                "a note's type and publish are constant labels",
                            )
                            .with_label("not a constant label"),
                        );
                        continue;
                    };
                    let picklist = if field.name.name == "type" {
                        "NoteType"
                    } else {
                        "Publish"
                    };
                    let value = self.note_label_at(entity, picklist, label, field.value.span, true);
                    if field.name.name == "type" {
                        note_type = value;
                    } else {
                        publish = value;
                    }
                }
                other => {
                    self.unknown(
                        Code::UnknownNoteField,
                        field.name.span,
                        format!("a {entity} has no field `{other}`"),
                        other,
                        ["title", "description", "type", "publish"],
                    );
                }
            }
        }
        let Some(description) = description else {
            self.report(
                Diagnostic::new(
                    Code::MissingNoteField,
                    note.span,
                    "this note has no description",
                )
                .with_label("`description = …` missing")
                .with_help(format!("Autotask requires a {entity} description")),
            );
            return None;
        };
        let note_type = match note_type {
            Some(t) => Some(t),
            None => self.default_value(entity, "NoteType"),
        };
        Some(NotePlan {
            span: note.span,
            title: title.unwrap_or_else(|| Expr::Const(Value::str("Field Nation update"))),
            description,
            note_type: note_type.unwrap_or(3),
            publish: publish.unwrap_or(1),
        })
    }

    /// The tenant's value for a TicketNote picklist label. When the snapshot lacks the
    /// picklist, a `required` label is an error (the value cannot be known); otherwise `None`
    /// lets the caller fall back to Autotask's default.
    fn note_label_at(
        &mut self,
        entity: &str,
        picklist: &str,
        label: &str,
        span: Span,
        required: bool,
    ) -> Option<i64> {
        let Some(list) = self.schemas.tenant.picklist(entity, picklist) else {
            if required {
                self.report(
                    Diagnostic::new(
                        Code::MissingTenantPicklist,
                        span,
                        format!(
                            "the tenant snapshot has no {entity}.{picklist} picklist, so \
                             {label:?} cannot be resolved"
                        ),
                    )
                    .with_label(format!("needs {entity}.{picklist}"))
                    .with_help(
                        "pull the tenant's snapshot with `fieldmap schema pull` and check \
                         with `--schema`; without it the note could reach every Autotask user",
                    ),
                );
            }
            return None;
        };
        let p = self
            .picklists
            .register(format!("{entity}.{picklist}"), list);
        match self.label_to_value(&p, label, span) {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }

    fn default_value(&mut self, entity: &str, picklist: &str) -> Option<i64> {
        let list = self.schemas.tenant.picklist(entity, picklist)?;
        let entry = list
            .values
            .iter()
            .find(|v| v.is_default)
            .or(list.values.iter().find(|v| v.active))?;
        match pick_value(&entry.value) {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }
}
