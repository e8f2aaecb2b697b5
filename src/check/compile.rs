//! The entry point from text to program: parse, check, lower.

use std::sync::Arc;

use crate::diagnostics::Diagnostic;
use crate::ir::Program;
use crate::schema::Schemas;
use crate::syntax;

/// Why a file did not compile: every diagnostic, errors and warnings.
#[derive(Debug)]
pub struct CompileFailure {
    /// Errors and warnings, at least one error. Syntax errors (one per top-level item at
    /// most) come without the checker's findings: checking needs a file that parses.
    pub diagnostics: Vec<Diagnostic>,
}

impl std::fmt::Display for CompileFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let errors = self.diagnostics.iter().filter(|d| d.is_error()).count();
        write!(f, "the mapping has {errors} error(s)")
    }
}

impl std::error::Error for CompileFailure {}

/// A compiled program and the warnings found on the way.
pub struct Compiled {
    /// The compiled program.
    pub program: Program,
    /// Every diagnostic the checker gave; none is an error.
    pub warnings: Vec<Diagnostic>,
}

/// Parses, checks and lowers a mapping file. Diagnostics come back all at once. Its imports
/// are relative to the current folder; [`compile_importing`] reads them from the file's.
pub fn compile(source: &str, schemas: Arc<Schemas>) -> Result<Program, CompileFailure> {
    compile_with_warnings(source, schemas).map(|c| c.program)
}

/// As [`compile`], but keeps the warnings of a file that compiles.
pub fn compile_with_warnings(
    source: &str,
    schemas: Arc<Schemas>,
) -> Result<Compiled, CompileFailure> {
    compile_importing(source, schemas, &super::Imports::none())
}

/// As [`compile_with_warnings`], for the text of the file(s) `imports` names: its `import`s
/// are read relative to that file's folder.
pub fn compile_importing(
    source: &str,
    schemas: Arc<Schemas>,
    imports: &super::Imports,
) -> Result<Compiled, CompileFailure> {
    let file = syntax::parse_all(source).map_err(|diagnostics| CompileFailure { diagnostics })?;
    let checked = super::check_importing(&file, schemas, imports);
    if checked.has_errors {
        return Err(CompileFailure {
            diagnostics: checked.diagnostics,
        });
    }
    Ok(Compiled {
        program: checked.program,
        warnings: checked.diagnostics,
    })
}

/// Compiles a single expression with no records in scope and evaluates it at a fixed clock
/// (2025-01-15 09:00 New York); returns the value as JSON text. Runs the stdlib examples.
#[doc(hidden)]
pub fn eval_standalone(source: &str) -> Result<String, String> {
    let expr = syntax::parse_expr(source).map_err(|d| d.message)?;
    let schemas = Schemas::bundled().map_err(|e| e.to_string())?;
    let (lowered, diagnostics) = super::lower_standalone(&expr, &schemas);
    if let Some(d) = diagnostics.iter().find(|d| d.is_error()) {
        return Err(d.message.clone());
    }
    let now = crate::time::parse_autotask_datetime("2025-01-15T09:00:00")
        .map_err(|e| e.to_string())?
        .0;
    let ctx = crate::stdlib::context::EvalContext::at(now);
    let mut env = crate::runtime::eval::Env::without_records(&ctx);
    let value = env.eval(&lowered).map_err(|failure| failure.to_string())?;
    Ok(crate::value::json::to_json(&value).to_string())
}

#[cfg(test)]
mod tests {
    use crate::runtime::eval::Env;
    use crate::schema::Schemas;
    use crate::stdlib::Failure;
    use crate::stdlib::context::EvalContext;

    /// Evaluates an expression that must fail, giving the failure and the text it points at.
    fn failure(source: &str) -> (Failure, String) {
        let expr = crate::syntax::parse_expr(source).unwrap();
        let schemas = Schemas::bundled().unwrap();
        let (lowered, diagnostics) = super::super::lower_standalone(&expr, &schemas);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let now = crate::time::parse_autotask_datetime("2025-01-15T09:00:00")
            .unwrap()
            .0;
        let ctx = EvalContext::at(now);
        let failure = Env::without_records(&ctx).eval(&lowered).unwrap_err();
        let span = failure.span.expect("a failure with a place");
        (failure.reason, source[span.start..span.end].to_string())
    }

    #[test]
    fn a_failure_keeps_its_reason_and_the_innermost_place() {
        let (reason, at) = failure(r#"round(7 / (int("4 hours") + 1), 2)"#);
        assert_eq!(
            reason,
            Failure::Function("\"4 hours\" is not a whole number".into())
        );
        assert_eq!(at, r#"int("4 hours")"#);

        let (reason, at) = failure("9223372036854775807 + 1 - 3");
        assert_eq!(
            reason,
            Failure::OutOfRange {
                expr: "9223372036854775807 + 1".into()
            }
        );
        assert_eq!(at, "9223372036854775807 + 1");
        assert_eq!(
            reason.to_string(),
            "9223372036854775807 + 1 is out of range"
        );
    }
}
