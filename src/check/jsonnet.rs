//! Checking a Jsonnet block: its declared paths against the schema (any depth), its syntax
//! against jrsonnet's parser, and the `$.input` paths it reads against what it declared, with
//! errors placed inside the mapping file.

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
        (code_span, code_line): (Span, usize),
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
        let block = match JsonnetBlock::compile_at(code, code_span, Some(code_line)) {
            Ok(block) => block.in_file(self.lowering_from.map(|l| l.shown.clone())),
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
        #[cfg(feature = "jsonnet")]
        if let Some(source) = scope.source {
            for read in crate::jsonnet::input_paths(code) {
                self.input_path(&read.keys, source, &tree, code_span, scope);
            }
        }
        Typed {
            expr: Expr::Jsonnet { block, input: tree },
            ty: Type::Any,
        }
    }

    /// One `$.input` path the block reads, walked through what the block declared: each key a
    /// field of the record there, `udfs` and a UDF, `labels` and a picklist field, or a declared
    /// related record. Reports the first key that is none of these, inside the block.
    #[cfg(feature = "jsonnet")]
    fn input_path(
        &mut self,
        keys: &[crate::jsonnet::PathKey],
        source: &'a crate::schema::Entity,
        tree: &InputTree,
        code_span: Span,
        scope: &Scope<'a>,
    ) {
        let mut entity = source;
        let mut node = tree;
        let mut declared = Vec::new();
        let place = |key: &crate::jsonnet::PathKey| {
            Span::new(code_span.start + key.start, code_span.start + key.end)
        };
        for (i, key) in keys.iter().enumerate() {
            let name = key.name.as_str();
            if let Some((_, relation, below)) = node.children.iter().find(|(n, _, _)| n == name) {
                entity = scope.relations[usize::from(*relation)].1;
                node = below;
                declared.push(name);
                continue;
            }
            let next = keys.get(i + 1);
            let problem = match name {
                "udfs" => next.and_then(|udf| {
                    let udfs = self.schemas.tenant.udfs(&entity.name);
                    (!udfs.iter().any(|u| u.name == udf.name)).then(|| {
                        let close = crate::diagnostics::did_you_mean(
                            &udf.name,
                            udfs.iter().map(|u| u.name.as_str()),
                        );
                        (
                            udf,
                            format!("{} has no UDF {:?}", entity.name, udf.name),
                            close.map(|c| format!("udfs[{c:?}]")),
                        )
                    })
                }),
                "labels" => next.and_then(|field| {
                    let picklist = entity.field(&field.name).is_some_and(|f| f.picklist);
                    (!picklist).then(|| {
                        let close = crate::diagnostics::did_you_mean(
                            &field.name,
                            entity
                                .fields
                                .iter()
                                .filter(|f| f.picklist)
                                .map(|f| f.name.as_str()),
                        );
                        (
                            field,
                            format!(
                                "`{}` is not a picklist field of {}, so it has no label",
                                field.name, entity.name
                            ),
                            close.map(|c| format!("labels.{c}")),
                        )
                    })
                }),
                _ if entity.field(name).is_some() => next.map(|below| {
                    (
                        below,
                        format!(
                            "`{name}` is a field of {} with a plain value; it has no `{}`",
                            entity.name, below.name
                        ),
                        None,
                    )
                }),
                _ if entity.relation(name).is_some() => {
                    let mut chain = declared.clone();
                    chain.push(name);
                    let chain = chain.join(".");
                    self.report(
                        Diagnostic::new(
                            Code::JsonnetInput,
                            place(key),
                            format!("the block reads the related record `{chain}`, which it does not declare"),
                        )
                        .with_label("not declared")
                        .with_help(format!("declare it so it is fetched: `jsonnet({chain}, …)`")),
                    );
                    return;
                }
                _ => {
                    let mut names: Vec<&str> =
                        entity.fields.iter().map(|f| f.name.as_str()).collect();
                    names.extend(node.children.iter().map(|(n, _, _)| n.as_str()));
                    names.extend(["udfs", "labels"]);
                    let close = crate::diagnostics::did_you_mean(name, names.iter().copied());
                    Some((
                        key,
                        format!("{} has no field `{name}`", entity.name),
                        close.map(str::to_string),
                    ))
                }
            };
            if let Some((at, message, suggestion)) = problem {
                let mut diagnostic = Diagnostic::new(
                    Code::JsonnetInput,
                    place(at),
                    format!("`$.input`: {message}"),
                );
                diagnostic = match suggestion {
                    Some(close) => diagnostic.with_label(format!("did you mean `{close}`?")),
                    None => diagnostic.with_label("not in `$.input`"),
                };
                self.report(diagnostic.with_help(
                    "`$.input` holds the source record's fields, `udfs`, `labels` and the related records the block declares",
                ));
            }
            return;
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
