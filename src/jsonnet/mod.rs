//! The Jsonnet escape hatch: blocks that read records further away than one reference (the
//! ticket's account's parent account…) and compute with Jsonnet, as Field Nation's broker does in
//! its custom actions.
//!
//! A block sees `$.input` (the records it declared, built by the runtime), `$.util` (the broker's helper
//! library, `stdlib/jsonnet/util.libsonnet`) and `std`. It runs sandboxed: no file or network
//! access (imports resolve to the shipped library only), a stack bound and a time bound.
//!
//! jrsonnet's evaluator state is not `Send`, so blocks never run on the caller's thread: a small
//! pool of worker threads each keeps its own state and its own cache of prepared blocks, and
//! callers exchange plain JSON with them over channels. The compiled [`crate::Program`] holds only
//! the block's text, so it stays `Send + Sync`.

#[cfg(feature = "jsonnet")]
mod local;
#[cfg(feature = "jsonnet")]
mod natives;
#[cfg(feature = "jsonnet")]
mod pool;
#[cfg(feature = "jsonnet")]
mod sandbox;

#[cfg(feature = "jsonnet")]
pub use local::LocalJsonnet;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::diagnostics::Span;

/// How long one block may run before it is abandoned with an error.
pub const TIME_LIMIT: Duration = Duration::from_secs(2);
/// Jsonnet call depth allowed in one block.
pub const STACK_LIMIT: usize = 200;

/// A checked block, ready to evaluate.
#[derive(Debug)]
pub struct JsonnetBlock {
    /// Unique per block, so workers can cache what they prepared.
    pub id: u64,
    pub code: String,
    /// Where the code sits in the mapping file.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JsonnetOutput {
    pub value: serde_json::Value,
    /// What `std.trace` printed, in order.
    pub traces: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JsonnetError {
    #[error("Jsonnet error: {message}")]
    Runtime {
        message: String,
        traces: Vec<String>,
    },
    #[error("the Jsonnet block ran longer than {} ms and was stopped", TIME_LIMIT.as_millis())]
    Timeout,
    #[error("the Jsonnet workers are unavailable")]
    Unavailable,
}

/// A syntax error inside a block, with its byte range relative to the block's code.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxProblem {
    pub start: usize,
    pub end: usize,
    pub message: String,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl JsonnetBlock {
    /// Checks the block's syntax (and its use of names) now, so errors surface at compile time.
    pub fn compile(code: &str, span: Span) -> Result<Arc<JsonnetBlock>, SyntaxProblem> {
        #[cfg(feature = "jsonnet")]
        sandbox::check_syntax(code)?;
        Ok(Arc::new(JsonnetBlock {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            code: code.to_string(),
            span,
        }))
    }

    /// Evaluates the block with `input` as `$.input`. Safe from any thread.
    pub fn evaluate(
        self: &Arc<Self>,
        input: serde_json::Value,
    ) -> Result<JsonnetOutput, JsonnetError> {
        #[cfg(feature = "jsonnet")]
        return pool::run(self.clone(), input, TIME_LIMIT);
        #[cfg(not(feature = "jsonnet"))]
        {
            let _ = input;
            Err(JsonnetError::Unavailable)
        }
    }
}

#[cfg(all(test, feature = "jsonnet"))]
mod tests {
    use super::*;
    use serde_json::json;

    fn block(code: &str) -> Arc<JsonnetBlock> {
        JsonnetBlock::compile(code, Span::new(100, 100 + code.len())).unwrap()
    }

    #[test]
    fn a_block_reads_its_input_and_traces() {
        let b = block(
            "local parent = $.input.Account.ParentAccount;\nstd.trace('parent ' + parent.AccountName, parent.AccountName)",
        );
        let out = b
            .evaluate(
                json!({"Account": {"ParentAccount": {"AccountName": "Müller Hospitality Group"}}}),
            )
            .unwrap();
        assert_eq!(out.value, json!("Müller Hospitality Group"));
        assert_eq!(out.traces, ["parent Müller Hospitality Group"]);
    }

    #[test]
    fn syntax_errors_point_into_the_block() {
        let problem = JsonnetBlock::compile("local x = ;\nx", Span::default()).unwrap_err();
        assert_eq!(
            &"local x = ;\nx"[problem.start..problem.end.max(problem.start + 1)],
            ";"
        );
        let unknown =
            JsonnetBlock::compile("$.input.a + undefined_name", Span::default()).unwrap_err();
        assert!(unknown.message.contains("undefined_name"), "{unknown:?}");
    }

    #[test]
    fn runaway_recursion_and_imports_fail_cleanly() {
        let deep = block("local f(x) = f(x + 1) + 1; f(0)")
            .evaluate(json!({}))
            .unwrap_err();
        assert!(deep.to_string().contains("stack overflow"), "{deep}");
        let file = block("import '/etc/passwd'")
            .evaluate(json!({}))
            .unwrap_err();
        assert!(
            file.to_string().contains("only \"util.libsonnet\""),
            "{file}"
        );
    }

    #[test]
    fn a_block_that_runs_too_long_is_abandoned() {
        let slow = block("std.foldl(function(a, b) a + b, std.range(1, 200000000), 0)");
        let started = std::time::Instant::now();
        assert_eq!(slow.evaluate(json!({})).unwrap_err(), JsonnetError::Timeout);
        assert!(started.elapsed() < TIME_LIMIT * 3);
        // The pool keeps working after a timeout.
        assert_eq!(block("1 + 1").evaluate(json!({})).unwrap().value, json!(2));
    }
}
