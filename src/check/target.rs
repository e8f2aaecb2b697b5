//! Resolving work order target paths against Field Nation's WorkOrderCreateDto.

use super::Checker;
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::ir::Emit;
use crate::schema::{Node, NodeType};
use crate::syntax::ast::{TargetPath, TargetSegment};
use crate::value::Type;

/// One step from the work order's root to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Step {
    Key(String),
    Index(u64),
}

/// Where an assignment writes.
pub(super) enum Target<'s> {
    /// A field reached by steps, with its shape.
    Field { steps: Vec<Step>, node: &'s Node },
    /// `custom_fields[129]`: a Field Nation custom field by id.
    CustomField { id: u64 },
}

impl<'s> Target<'s> {
    /// The canonical path text: `contacts.results[0].name`, `custom_fields[129]`.
    pub fn display(&self) -> String {
        match self {
            Target::CustomField { id } => format!("custom_fields[{id}]"),
            Target::Field { steps, .. } => display_steps(steps),
        }
    }
}

pub(super) fn display_steps(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

impl<'a> Checker<'a> {
    pub(super) fn resolve_target(&mut self, path: &TargetPath) -> Option<Target<'a>> {
        let root: &'a Node = &self.schemas.workorder;
        if let [
            TargetSegment::Field(name),
            TargetSegment::Index { index, .. },
        ] = path.segments.as_slice()
            && name.name == "custom_fields"
        {
            return Some(Target::CustomField { id: *index });
        }
        let mut node = root;
        let mut steps = Vec::new();
        for segment in &path.segments {
            match segment {
                TargetSegment::Field(name) => {
                    if node.ty != NodeType::Object {
                        self.report(
                            Diagnostic::new(
                                Code::UnknownTargetPath,
                                name.span,
                                format!(
                                    "`{}` is {}, it has no fields",
                                    display_steps(&steps),
                                    article(node.ty)
                                ),
                            )
                            .with_label("no such field"),
                        );
                        return None;
                    }
                    let Some(child) = node.property(&name.name) else {
                        let at = if steps.is_empty() {
                            "the work order".to_string()
                        } else {
                            format!("`{}`", display_steps(&steps))
                        };
                        let mut d = Diagnostic::new(
                            Code::UnknownTargetPath,
                            name.span,
                            format!("{at} has no field `{}`", name.name),
                        );
                        let names = node.properties.keys().map(String::as_str);
                        d = match did_you_mean(&name.name, names) {
                            Some(s) => d
                                .with_label(format!("did you mean `{s}`?"))
                                .with_help(format!("replace `{}` with `{s}`", name.name)),
                            None => {
                                let list: Vec<&str> =
                                    node.properties.keys().map(String::as_str).collect();
                                d.with_label("not a work order field")
                                    .with_help(format!("fields here: {}", list.join(", ")))
                            }
                        };
                        self.report(d);
                        return None;
                    };
                    steps.push(Step::Key(name.name.clone()));
                    node = child;
                }
                TargetSegment::Index { index, span } => {
                    // Field Nation wraps lists as `{results: [...]}`; `contacts[0]` means
                    // `contacts.results[0]`.
                    if node.ty == NodeType::Object
                        && let Some(results) = node.property("results")
                        && results.ty == NodeType::Array
                    {
                        steps.push(Step::Key("results".into()));
                        node = results;
                    }
                    match (&node.ty, &node.items) {
                        (NodeType::Array, Some(items)) => {
                            if *index > 49 {
                                self.report(
                                    Diagnostic::new(
                                        Code::UnknownTargetPath,
                                        *span,
                                        "list indexes above 49 are not supported",
                                    )
                                    .with_label("too large"),
                                );
                                return None;
                            }
                            steps.push(Step::Index(*index));
                            node = items;
                        }
                        _ => {
                            self.report(
                                Diagnostic::new(
                                    Code::UnknownTargetPath,
                                    *span,
                                    format!(
                                        "`{}` is {}, not a list",
                                        display_steps(&steps),
                                        article(node.ty)
                                    ),
                                )
                                .with_label("cannot index"),
                            );
                            return None;
                        }
                    }
                }
            }
        }
        Some(Target::Field { steps, node })
    }

    /// Decides how a value of type `ty` is written to a target node, or reports why it can't be.
    pub(super) fn emit_for(
        &mut self,
        target: &mut Target<'a>,
        ty: &Type,
        value_span: crate::diagnostics::Span,
        target_span: crate::diagnostics::Span,
    ) -> Option<Emit> {
        let (node_ty, shown) = match target {
            Target::CustomField { .. } => (NodeType::String, target.display()),
            Target::Field { steps, node } => {
                // A date-time assigned to a `{utc, local}` object writes its `utc`.
                if node.ty == NodeType::Object
                    && let Some(utc) = node.property("utc")
                    && matches!(ty, Type::DateTime)
                {
                    steps.push(Step::Key("utc".into()));
                    *node = utc;
                    return Some(Emit::FieldNationUtc);
                }
                (node.ty, display_steps(steps))
            }
        };
        let is_utc = matches!(target, Target::Field { steps, .. } if steps.last() == Some(&Step::Key("utc".into())));
        let emit = match (node_ty, ty) {
            (_, Type::Any | Type::Null) => Some(match node_ty {
                NodeType::String if is_utc => Emit::FieldNationUtc,
                NodeType::String => Emit::String,
                NodeType::Number => Emit::Number,
                NodeType::Integer => Emit::Integer,
                NodeType::Boolean => Emit::Boolean,
                _ => Emit::Json,
            }),
            (NodeType::String, Type::DateTime) if is_utc => Some(Emit::FieldNationUtc),
            (NodeType::String, t) if t.is_textual() => Some(Emit::String),
            (NodeType::Number, Type::Int | Type::Decimal | Type::Picklist(_)) => Some(Emit::Number),
            (NodeType::Integer, Type::Int | Type::Picklist(_)) => Some(Emit::Integer),
            (NodeType::Boolean, Type::Bool) => Some(Emit::Boolean),
            (NodeType::Any, _) => Some(Emit::Json),
            _ => None,
        };
        if emit.is_some() {
            return emit;
        }
        let (expected, help) = match (node_ty, ty) {
            (NodeType::Object | NodeType::Array, _) => {
                let mut d = Diagnostic::new(
                    Code::NotAValueTarget,
                    target_span,
                    format!("`{shown}` is {}, not a single value", article(node_ty)),
                )
                .with_label("assign its fields instead");
                if shown == "schedule.time_zone" {
                    // The one object people write a zone name to; its id is not derivable.
                    d = d.with_note(
                        "Field Nation takes `schedule.time_zone.id`, its own zone number; the numbers are not published, so a zone name cannot be turned into one (docs/language.md, Time)",
                    );
                }
                self.report(d);
                return None;
            }
            (NodeType::String, Type::DateTime) => (
                "text",
                "say how to write it: `| format(\"MM/DD/YYYY h:mm A\")` after choosing the zone with `at \"America/Chicago\"`",
            ),
            (NodeType::Number | NodeType::Integer, Type::String) => {
                ("a number", "convert it: `| decimal` or `| int`")
            }
            (NodeType::Integer, Type::Decimal) => ("an integer", "round it: `| round(0) | int`"),
            (NodeType::String, Type::Bool) => (
                "text",
                "choose the text: `match { true => \"Yes\", _ => \"No\" }`",
            ),
            _ => ("a value Field Nation accepts", ""),
        };
        let mut d = Diagnostic::new(
            Code::TypeMismatch,
            value_span,
            format!(
                "`{shown}` takes {expected} ({}), but this is {ty}",
                node_ty.name()
            ),
        )
        .with_label(format!("this is {ty}"))
        .with_context(
            target_span,
            format!("Field Nation type: {}", node_ty.name()),
        );
        if !help.is_empty() {
            d = d.with_help(help);
        }
        self.report(d);
        None
    }
}

fn article(ty: NodeType) -> &'static str {
    match ty {
        NodeType::Object => "an object",
        NodeType::Array => "a list",
        NodeType::String => "text",
        NodeType::Number => "a number",
        NodeType::Integer => "an integer",
        NodeType::Boolean => "a boolean",
        NodeType::Any => "a value",
    }
}
