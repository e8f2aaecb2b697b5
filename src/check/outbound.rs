//! Checking outbound rules: Field Nation events that update the ticket and add notes.

use super::Checker;
use super::expr::pick_value;
use super::path::{Scope, ScopeKind};
use crate::diagnostics::Span;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Expr, NotePlan, OutboundRule, TicketSet};
use crate::schema::FieldType;
use crate::syntax::ast::{NoteBlock, OnEvent, OutboundStatement, TicketField};
use crate::value::Type;
use crate::value::Value;

impl<'a> Checker<'a> {
    pub(super) fn on_event(&mut self, on: &'a OnEvent) -> OutboundRule {
        let events = &self.schemas.webhooks.events;
        if !events.contains(&on.event.name) {
            let names: Vec<String> = events.clone();
            self.unknown(
                crate::diagnostics::Code::UnknownEvent,
                on.event.span,
                format!("`{}` is not a Field Nation webhook event", on.event.name),
                &on.event.name,
                names.iter().map(String::as_str),
            );
        }
        let mut rule = OutboundRule {
            event: on.event.name.clone(),
            span: on.span,
            sets: Vec::new(),
            notes: Vec::new(),
        };
        let Some(ticket) = self.schemas.autotask.entity("Ticket") else {
            return rule;
        };
        let mut scope = Scope::new(ScopeKind::Outbound, ticket);
        let mut written: Vec<(String, Span)> = Vec::new();
        for statement in &on.statements {
            match statement {
                OutboundStatement::SetTicket { field, value, span } => {
                    let lowered = self.lower(value, &mut scope);
                    let name = match field {
                        TicketField::Field(f) => f.name.clone(),
                        TicketField::Udf(u) => format!("udf({:?})", u.value),
                    };
                    if let Some((_, first)) = written.iter().find(|(n, _)| *n == name) {
                        self.report(
                            Diagnostic::new(
                                Code::DuplicateAssignment,
                                *span,
                                format!("`ticket.{name}` is set twice"),
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
                    if let Some(plan) = self.note(note, &mut scope) {
                        rule.notes.push(plan);
                    }
                }
            }
        }
        rule
    }

    fn ticket_set(
        &mut self,
        ticket: &'a crate::schema::Entity,
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
                        format!("unknown field `{}` on Ticket", ident.name),
                        &ident.name,
                        names,
                    );
                    return None;
                };
                let f = &ticket.fields[slot];
                if f.read_only {
                    self.report(
                        Diagnostic::new(Code::ReadOnlyField, ident.span, format!("Ticket.{} is read-only in Autotask", f.name))
                            .with_label("cannot be written")
                            .with_help("Autotask ignores or rejects writes to read-only fields; write a UDF or a note instead"),
                    );
                    return None;
                }
                let picklist = f
                    .picklist
                    .then(|| self.schemas.tenant.picklist("Ticket", &f.name))
                    .flatten();
                let expr = match picklist {
                    Some(list) => {
                        let p = self.picklists.register(format!("Ticket.{}", f.name), list);
                        self.picklist_write(&p, value, value_span)?
                    }
                    None => self.typed_write(f.ty, value, value_span)?,
                };
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
                let udfs = self.schemas.tenant.udfs("Ticket");
                let Some(slot) = udfs.iter().position(|u| u.name == lit.value) else {
                    let names: Vec<&str> = udfs.iter().map(|u| u.name.as_str()).collect();
                    self.unknown(
                        Code::UnknownUdf,
                        lit.span,
                        format!("unknown UDF {:?} on Ticket", lit.value),
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
                let (name, ty) = (udf.name.clone(), udf.ty);
                let expr = match &udf.picklist {
                    Some(list) => {
                        let p = self
                            .picklists
                            .register(format!("Ticket UDF {:?}", udf.name), list);
                        self.picklist_write(&p, value, value_span)?
                    }
                    None => self.typed_write(ty, value, value_span)?,
                };
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

    fn note(&mut self, note: &'a NoteBlock, scope: &mut Scope<'a>) -> Option<NotePlan> {
        let mut title = None;
        let mut description = None;
        let mut note_type = None;
        // An internal note must never go out to all users because the snapshot lacks the
        // picklist that says how to keep it internal; a plain note defaults to all users.
        let mut publish = match &note.kind {
            Some(kind) if kind.name == "internal" => {
                self.note_label_at("Publish", "Internal Project Team", kind.span, true)
            }
            _ => self.note_label_at("Publish", "All Autotask Users", note.span, false),
        };
        for field in &note.fields {
            let lowered = self.lower(&field.value, scope);
            match field.name.name.as_str() {
                "title" | "description" => {
                    if !lowered.ty.is_textual() {
                        self.mismatch(field.value.span, "text", &lowered.ty, None);
                    }
                    let text = self.as_text(lowered);
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
                    let value = self.note_label_at(picklist, label, field.value.span, true);
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
                        format!("a ticket note has no field `{other}`"),
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
                .with_help("Autotask requires a TicketNote description"),
            );
            return None;
        };
        let note_type = match note_type {
            Some(t) => Some(t),
            None => self.default_value("NoteType"),
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
        picklist: &str,
        label: &str,
        span: Span,
        required: bool,
    ) -> Option<i64> {
        let Some(list) = self.schemas.tenant.picklist("TicketNote", picklist) else {
            if required {
                self.report(
                    Diagnostic::new(
                        Code::MissingTenantPicklist,
                        span,
                        format!(
                            "the tenant snapshot has no TicketNote.{picklist} picklist, so \
                             {label:?} cannot be resolved"
                        ),
                    )
                    .with_label(format!("needs TicketNote.{picklist}"))
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
            .register(format!("TicketNote.{picklist}"), list);
        match self.label_to_value(&p, label, span) {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }

    fn default_value(&mut self, picklist: &str) -> Option<i64> {
        let list = self.schemas.tenant.picklist("TicketNote", picklist)?;
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
