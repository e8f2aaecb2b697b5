//! Checking a Jsonnet block: its declared paths against the schema (any depth), its syntax
//! against jrsonnet's parser, with errors placed inside the mapping file.

use super::Checker;
use super::expr::Typed;
use super::path::{Scope, ScopeKind};
use crate::diagnostics::Span;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::Expr;
use crate::ir::InputTree;
use crate::jsonnet::JsonnetBlock;
use crate::syntax::ast::{Path, PathSegment};
use crate::value::Type;

impl<'a> Checker<'a> {
    pub(super) fn jsonnet(
        &mut self,
        reads: &[Path],
        code: &str,
        code_span: Span,
        span: Span,
        scope: &mut Scope<'a>,
    ) -> Typed {
        if !cfg!(feature = "jsonnet") {
            self.report(
                Diagnostic::new(
                    Code::JsonnetUnsupported,
                    span,
                    "this build of fieldmap has no Jsonnet engine",
                )
                .with_label("cannot run here")
                .with_help("build fieldmap with the `jsonnet` feature to use Jsonnet blocks"),
            );
            return Typed {
                expr: Expr::null(),
                ty: Type::Any,
            };
        }
        if scope.kind != ScopeKind::Mapping {
            self.report(
                Diagnostic::new(
                    Code::JsonnetUnsupported,
                    span,
                    "a Jsonnet block can only compute a work order field",
                )
                .with_label("not in a mapping rule")
                .with_help("use it on the right of `field = …` inside a `mapping`"),
            );
            return Typed {
                expr: Expr::null(),
                ty: Type::Any,
            };
        }
        let mut tree = InputTree::default();
        for path in reads {
            if let Some(chain) = self.relation_chain(path, scope)
                && let Some((_, last)) = chain.last()
            {
                tree.insert(&chain);
                let full = scope.relations[usize::from(*last)].0.name.clone();
                scope.reads.push(format!("jsonnet({full})"));
            }
        }
        // The block also sees the source record whole.
        scope.fetch_set(None).all = true;
        let block = match JsonnetBlock::compile(code, code_span) {
            Ok(block) => block,
            Err(problem) => {
                let start = code_span.start + problem.start;
                let end = (code_span.start + problem.end)
                    .max(start + 1)
                    .min(code_span.end.max(start + 1));
                self.report(
                    Diagnostic::new(Code::JsonnetSyntax, Span::new(start, end), format!("Jsonnet: {}", problem.message))
                        .with_label("here")
                        .with_help("the block is checked when the mapping compiles; `$.input`, `$.util` and `std` are in scope"),
                );
                return Typed {
                    expr: Expr::null(),
                    ty: Type::Any,
                };
            }
        };
        Typed {
            expr: Expr::Jsonnet { block, input: tree },
            ty: Type::Any,
        }
    }

    /// `Account.ParentAccount`: each name a related entity of the one before, registered as a
    /// relation (so the planner fetches it) and read whole. Returns `(path so far, relation)`.
    fn relation_chain(&mut self, path: &Path, scope: &mut Scope<'a>) -> Option<Vec<(String, u16)>> {
        let mut entity = scope.source?;
        let mut parent = None;
        let mut chain = Vec::new();
        for segment in &path.segments {
            let PathSegment::Field(name) = segment else {
                self.report(
                    Diagnostic::new(
                        Code::JsonnetPath,
                        segment.span(),
                        "a Jsonnet block declares related entities, not UDFs",
                    )
                    .with_label("not a related entity")
                    .with_help("UDFs come with each record, under `udfs` in `$.input`"),
                );
                return None;
            };
            if entity.relation(&name.name).is_none() && entity.field(&name.name).is_some() {
                self.report(
                    Diagnostic::new(
                        Code::JsonnetPath,
                        name.span,
                        format!("`{}` is a field of {}; declare the records to fetch, and read fields inside the block", name.name, entity.name),
                    )
                    .with_label("a field, not a related entity")
                    .with_help(format!("declare `{}` and read `$.input.….{}` in the block", path_before(path, segment), name.name)),
                );
                return None;
            }
            let index = self.relation_of(entity, parent, name, scope)?;
            chain.push((name.name.clone(), index));
            entity = scope.relations[usize::from(index)].1;
            parent = Some(index);
            scope.fetch_set(Some(index)).all = true;
        }
        Some(chain)
    }
}

/// The path up to (not including) `segment`, for help texts.
fn path_before(path: &Path, segment: &PathSegment) -> String {
    path.segments
        .iter()
        .take_while(|s| *s != segment)
        .map(|s| match s {
            PathSegment::Field(i) => i.name.clone(),
            PathSegment::Udf(u) => format!("udf({:?})", u.value),
        })
        .collect::<Vec<_>>()
        .join(".")
}
