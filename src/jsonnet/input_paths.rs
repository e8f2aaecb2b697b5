//! The `$.input` paths a block reads, found in its syntax tree, for the checker to compare
//! with what the block declared.
//!
//! A path is read statically when each key is a name or a string literal: `$.input.Account.City`,
//! `$.input['udfs']['Send to FN']`, and through locals bound to such a path
//! (`local a = $.input.Account; a.City`). A computed key ends the path there; a name that a
//! function parameter, a comprehension or an object local rebinds is not followed.

use jrsonnet_ir::visit::{self, Visitor};
use jrsonnet_ir::{BindSpec, CompSpec, Destruct, Expr, LiteralType, ObjBody, Source};
use jrsonnet_ir_parser::ParserSettings;

/// One key of a path, with its place inside the block's code (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathKey {
    pub name: String,
    pub start: usize,
    pub end: usize,
}

/// The keys read below `$.input`, outermost first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputPath {
    pub keys: Vec<PathKey>,
}

/// Every static `$.input` path `code` reads, in the order they appear; none if it does not
/// parse (its syntax error is reported on its own).
pub fn input_paths(code: &str) -> Vec<InputPath> {
    let settings = ParserSettings {
        source: Source::new_virtual("mapping block".into(), code.into()),
    };
    let Ok(expr) = jrsonnet_ir_parser::parse(code, &settings) else {
        return Vec::new();
    };
    let mut finder = Finder::default();
    finder.visit_expr(&expr);
    finder.found.sort_by_key(|p| p.keys.last().map(|k| k.start));
    finder.found
}

/// Every key written as a name or a string literal in an index (`x.name`, `x['name']`), in
/// order, for placing errors that jrsonnet gives no place.
pub fn index_keys(code: &str) -> Vec<PathKey> {
    struct Keys(Vec<PathKey>);
    impl Visitor for Keys {
        fn visit_expr(&mut self, expr: &Expr) {
            if let Expr::Index { parts, .. } = expr {
                for part in parts {
                    if let Expr::Str(name) = &part.value {
                        let key = PathKey {
                            name: name.to_string(),
                            start: part.span.1 as usize,
                            end: part.span.2 as usize,
                        };
                        self.0.push(key);
                    }
                }
            }
            visit::visit_expr(self, expr);
        }
    }
    let settings = ParserSettings {
        source: Source::new_virtual("mapping block".into(), code.into()),
    };
    let Ok(expr) = jrsonnet_ir_parser::parse(code, &settings) else {
        return Vec::new();
    };
    let mut keys = Keys(Vec::new());
    keys.visit_expr(&expr);
    keys.0.sort_by_key(|k| k.start);
    keys.0
}

#[derive(Default)]
struct Finder {
    /// Names in scope, innermost last: the `$.input` path each stands for, if it does.
    scope: Vec<(String, Option<Vec<PathKey>>)>,
    found: Vec<InputPath>,
}

impl Finder {
    /// The `$.input` path `expr` stands for, if it is one (keys below `input`).
    fn path_of(&self, expr: &Expr) -> Option<Vec<PathKey>> {
        match expr {
            Expr::Var(name) => self.lookup(&name.value),
            Expr::Index { indexable, parts } => {
                let (mut keys, rest) = match &**indexable {
                    Expr::Literal(LiteralType::Dollar) => {
                        let (first, rest) = parts.split_first()?;
                        if !matches!(&first.value, Expr::Str(s) if s.as_str() == "input") {
                            return None;
                        }
                        (Vec::new(), rest)
                    }
                    other => (self.path_of(other)?, &parts[..]),
                };
                for part in rest {
                    let Expr::Str(name) = &part.value else {
                        return Some(keys);
                    };
                    keys.push(PathKey {
                        name: name.to_string(),
                        start: part.span.1 as usize,
                        end: part.span.2 as usize,
                    });
                }
                Some(keys)
            }
            _ => None,
        }
    }

    fn lookup(&self, name: &str) -> Option<Vec<PathKey>> {
        self.scope
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, path)| path.clone())
    }

    fn bind_unknown(&mut self, destruct: &Destruct) {
        let Destruct::Full(name) = destruct;
        self.scope.push((name.value.to_string(), None));
    }

    /// Binds the names of `binds` (aliases where a value is a path), visits their values.
    fn locals(&mut self, binds: &[BindSpec]) {
        for bind in binds {
            match bind {
                BindSpec::Field {
                    into: Destruct::Full(name),
                    value,
                } => {
                    let path = self.path_of(value);
                    self.scope.push((name.value.to_string(), path));
                }
                BindSpec::Function { name, .. } => self.scope.push((name.to_string(), None)),
            }
        }
        for bind in binds {
            match bind {
                BindSpec::Field { value, .. } => self.visit_expr(value),
                BindSpec::Function { params, value, .. } => {
                    let depth = self.scope.len();
                    for param in &params.exprs {
                        self.bind_unknown(&param.destruct);
                    }
                    visit::visit_params(self, params);
                    self.visit_expr(value);
                    self.scope.truncate(depth);
                }
            }
        }
    }

    fn comprehension(&mut self, specs: &[CompSpec]) {
        for spec in specs {
            if let CompSpec::ForSpec(for_spec) = spec {
                self.bind_unknown(&for_spec.destruct);
            }
        }
    }
}

impl Visitor for Finder {
    fn visit_expr(&mut self, expr: &Expr) {
        let depth = self.scope.len();
        match expr {
            Expr::Index { indexable, parts } => {
                if let Some(keys) = self.path_of(expr) {
                    // Only the longest path counts: `$.input.a.b` reads `a` and `a.b`.
                    if !keys.is_empty() {
                        self.found.push(InputPath { keys });
                    }
                    for part in parts {
                        if !matches!(part.value, Expr::Str(_)) {
                            self.visit_expr(&part.value);
                        }
                    }
                } else {
                    self.visit_expr(indexable);
                    for part in parts {
                        self.visit_expr(&part.value);
                    }
                }
            }
            Expr::LocalExpr(binds, body) => {
                self.locals(binds);
                self.visit_expr(body);
            }
            Expr::Function(params, body) => {
                for param in &params.exprs {
                    self.bind_unknown(&param.destruct);
                }
                visit::visit_params(self, params);
                self.visit_expr(body);
            }
            Expr::ArrComp(_, specs) => {
                self.comprehension(specs);
                visit::visit_expr(self, expr);
            }
            Expr::Obj(body) | Expr::ObjExtend(_, body) => {
                match body {
                    ObjBody::MemberList(members) => {
                        for local in &members.locals {
                            bind_name(&mut self.scope, local);
                        }
                    }
                    ObjBody::ObjComp(comp) => {
                        for local in &comp.locals {
                            bind_name(&mut self.scope, local);
                        }
                        self.comprehension(&comp.compspecs);
                    }
                }
                visit::visit_expr(self, expr);
            }
            _ => visit::visit_expr(self, expr),
        }
        self.scope.truncate(depth);
    }
}

/// An object local hides an outer name of the same spelling.
fn bind_name(scope: &mut Vec<(String, Option<Vec<PathKey>>)>, bind: &BindSpec) {
    match bind {
        BindSpec::Field {
            into: Destruct::Full(name),
            ..
        } => scope.push((name.value.to_string(), None)),
        BindSpec::Function { name, .. } => scope.push((name.to_string(), None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(code: &str) -> Vec<String> {
        input_paths(code)
            .iter()
            .map(|p| {
                p.keys
                    .iter()
                    .map(|k| {
                        assert!(code[k.start..k.end].contains(&k.name), "{k:?} in {code}");
                        k.name.as_str()
                    })
                    .collect::<Vec<_>>()
                    .join(".")
            })
            .collect()
    }

    #[test]
    fn static_paths_direct_and_through_locals() {
        let code = "local account = $.input.Account;\nlocal group = if account.ParentAccount == null then account else account.ParentAccount;\n'%s %s' % [$.input['TicketNumber'], group.AccountName]";
        assert_eq!(
            paths(code),
            [
                "Account",
                "Account.ParentAccount",
                "Account.ParentAccount",
                "TicketNumber"
            ]
        );
        assert_eq!(
            paths("$.input.udfs['Send to FN'] + $.input.Title"),
            ["udfs.Send to FN", "Title"]
        );
    }

    #[test]
    fn computed_keys_and_rebound_names_end_the_path() {
        assert_eq!(paths("local k = 'x'; $.input.Account[k].y"), ["Account"]);
        assert_eq!(
            paths("local a = $.input.Account; local f(a) = a.Nope; f(1) + a.City"),
            ["Account", "Account.City"]
        );
        assert_eq!(paths("[a.Nope for a in [1]]"), Vec::<String>::new());
        assert_eq!(
            paths("$.util.lookup_field($.input, 'A.B', 0)"),
            Vec::<String>::new()
        );
        assert_eq!(paths("local x = ;"), Vec::<String>::new());
    }
}
