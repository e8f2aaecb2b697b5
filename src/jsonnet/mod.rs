//! The Jsonnet escape hatch: blocks that read records further away than one reference (the
//! ticket's account's parent account…) and compute with Jsonnet, as Field Nation's broker does in
//! its custom actions.
//!
//! A block sees `$.input` (the records it declared, built by the runtime), `$.util` (the broker's helper
//! library, `stdlib/jsonnet/util.libsonnet`) and `std`. It runs sandboxed: no file or network
//! access (imports resolve to the shipped library only), and bounds on time, call depth, result
//! depth and the sizes of strings, arrays and the result (`bounds`, `docs/jsonnet.md`).
//!
//! Blocks run in one of two places, and callers exchange plain JSON with either:
//! - **worker processes** ([`WorkerProcesses`], chosen with [`use_worker_processes`]): each
//!   limits its own memory and is killed at the time limit, so no block can take the caller's
//!   process down or keep working after its time. The `fieldmap` binary runs every block this
//!   way (`fieldmap __jsonnet-worker`);
//! - **worker threads** in this process, the default for a library that has not chosen: a small
//!   pool, each thread with its own jrsonnet state (which is not `Send`). Sizes, depth and time
//!   are bounded there too, but a failed allocation aborts the process and a block stuck in one
//!   step can only be abandoned (`docs/jsonnet.md`).
//!
//! The compiled [`crate::Program`] holds only the block's text, so it stays `Send + Sync`.

#[cfg(feature = "jsonnet")]
mod bounds;
#[cfg(feature = "jsonnet")]
mod engine_error;
#[cfg(feature = "jsonnet")]
mod input_paths;
#[cfg(feature = "jsonnet")]
mod local;
#[cfg(feature = "jsonnet")]
mod natives;
#[cfg(feature = "jsonnet")]
mod operator_place;
#[cfg(feature = "jsonnet")]
mod pool;
#[cfg(feature = "jsonnet")]
mod processes;
#[cfg(feature = "jsonnet")]
mod protocol;
#[cfg(feature = "jsonnet")]
mod sandbox;
#[cfg(feature = "jsonnet")]
mod worker;

#[cfg(feature = "jsonnet")]
pub use input_paths::{InputPath, PathKey, index_keys, input_paths};
#[cfg(feature = "jsonnet")]
pub use local::LocalJsonnet;
#[cfg(feature = "jsonnet")]
pub use processes::{WorkerProcesses, use_worker_processes};
#[cfg(feature = "jsonnet")]
pub use worker::serve_worker;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::diagnostics::Span;

// The bounds on one block. `docs/jsonnet.md` states them; change them together.

/// How long one block may run before it is stopped with an error.
pub const TIME_LIMIT: Duration = Duration::from_secs(2);
/// Jsonnet call depth allowed in one block.
pub const STACK_LIMIT: usize = 200;
/// How deep a block's result may nest (arrays and objects).
pub const MAX_DEPTH: usize = 1_000;
/// The longest string a block may build or pass to `std`, in bytes.
pub const MAX_STRING: usize = 16 * 1024 * 1024;
/// The most elements an array a block builds or passes to `std` may have.
pub const MAX_ARRAY: usize = 1_000_000;
/// The largest result a block may give, counted as JSON text, in bytes.
pub const MAX_RESULT: usize = 16 * 1024 * 1024;
/// The memory a worker process may use for a block, besides its stack ([`PROCESS_STACK`]).
pub const MEMORY_LIMIT: u64 = 512 * 1024 * 1024;
/// The stack a block runs on: room for what jrsonnet walks recursively without its depth check
/// (dropping a deeply nested value recurses once per level).
pub const PROCESS_STACK: usize = 256 * 1024 * 1024;
/// Workers still busy with a stopped block that the pool replaces before it refuses new
/// blocks (only a block stuck inside one long native step can outlive its stop).
pub const MAX_STUCK_WORKERS: usize = 4;

/// A checked block, ready to evaluate.
#[derive(Debug)]
pub struct JsonnetBlock {
    /// Unique per block, so workers can cache what they prepared.
    pub id: u64,
    pub code: String,
    /// Where the code sits in the mapping file.
    pub span: Span,
    /// The line of the mapping file the code starts on, when known: errors name it.
    pub first_line: Option<usize>,
    /// The file the block is written in, when it is not the mapping's own (an imported
    /// helper's), as the import names it.
    pub file: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JsonnetOutput {
    pub value: serde_json::Value,
    /// What `std.trace` printed, in order.
    pub traces: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum JsonnetError {
    /// The block failed: what went wrong in plain words, and where inside the block.
    #[error("{}", runtime_message(message, *line, *file_line, file.as_deref()))]
    Runtime {
        message: String,
        traces: Vec<String>,
        /// The line inside the block (from 1) where it failed, when the engine says.
        line: Option<usize>,
        /// The same line counted in the mapping file, when the block knows where it starts.
        file_line: Option<usize>,
        /// The file that holds the block when it is not the mapping's own (an imported
        /// helper's), as the import names it.
        #[serde(default)]
        file: Option<String>,
    },
    #[error("the Jsonnet block ran longer than {} ms and was stopped", TIME_LIMIT.as_millis())]
    Timeout,
    #[error("the Jsonnet block ran out of memory (limit {} MiB) and was stopped", MEMORY_LIMIT / (1024 * 1024))]
    OutOfMemory,
    #[error("the Jsonnet block went past a limit: {0}")]
    Limit(String),
    #[error("the Jsonnet workers are unavailable")]
    Unavailable,
    #[error("the Jsonnet workers are all busy with blocks past their time limit")]
    Stuck,
    /// jrsonnet itself panicked on the block; the worker was replaced.
    #[error("the Jsonnet engine failed on this block: {0}")]
    Crashed(String),
}

fn runtime_message(
    message: &str,
    line: Option<usize>,
    file_line: Option<usize>,
    file: Option<&str>,
) -> String {
    match (line, file_line) {
        (Some(line), Some(at)) => {
            let file = file.map_or_else(|| "the file".to_owned(), |f| format!("`{f}`"));
            format!("the Jsonnet block failed on its line {line} (line {at} of {file}): {message}")
        }
        (Some(line), None) => format!("the Jsonnet block failed on its line {line}: {message}"),
        _ => format!("the Jsonnet block failed: {message}"),
    }
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
        Self::compile_at(code, span, None)
    }

    /// As [`JsonnetBlock::compile`], for code that starts on `first_line` of its file.
    pub fn compile_at(
        code: &str,
        span: Span,
        first_line: Option<usize>,
    ) -> Result<Arc<JsonnetBlock>, SyntaxProblem> {
        #[cfg(feature = "jsonnet")]
        sandbox::check_syntax(code)?;
        Ok(Arc::new(JsonnetBlock {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            code: code.to_string(),
            span,
            first_line,
            file: None,
        }))
    }

    /// The block, written in `file` rather than in the mapping's own file.
    pub fn in_file(mut self: Arc<Self>, file: Option<String>) -> Arc<Self> {
        if let Some(block) = Arc::get_mut(&mut self) {
            block.file = file;
        }
        self
    }

    /// Evaluates the block with `input` as `$.input`. Safe from any thread.
    pub fn evaluate(
        self: &Arc<Self>,
        input: serde_json::Value,
    ) -> Result<JsonnetOutput, JsonnetError> {
        #[cfg(feature = "jsonnet")]
        return match processes::chosen() {
            Some(workers) => workers.evaluate(self, input),
            None => pool::run(self.clone(), input, TIME_LIMIT),
        }
        .map_err(|e| self.place(e));
        #[cfg(not(feature = "jsonnet"))]
        {
            let _ = input;
            Err(JsonnetError::Unavailable)
        }
    }
}

impl JsonnetBlock {
    /// A failure's line inside the block, counted in the mapping file too.
    #[cfg(feature = "jsonnet")]
    fn place(&self, error: JsonnetError) -> JsonnetError {
        match error {
            JsonnetError::Runtime {
                message,
                traces,
                line: Some(line),
                file_line: None,
                file: None,
            } => JsonnetError::Runtime {
                message,
                traces,
                line: Some(line),
                file_line: self
                    .first_line
                    .map(|first| first + line - 1 + engine_error::blank_first_line(&self.code)),
                file: self.file.clone(),
            },
            other => other,
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

    fn limit(code: &str) -> String {
        match block(code).evaluate(json!({})) {
            Err(JsonnetError::Limit(message)) => message,
            other => panic!("{code}: {other:?}"),
        }
    }

    #[test]
    fn a_string_doubled_forty_times_is_refused_before_it_is_built() {
        let doubled = "std.foldl(function(s, i) s + s, std.range(1, 40), 'xxxxxxxxxx')";
        assert!(limit(doubled).contains("a string of"), "{}", limit(doubled));
        // Returned without a callback in between, it is refused before it is flattened.
        let chain = (0..40).fold("local s0 = 'xxxxxxxxxx';".to_string(), |code, i| {
            format!("{code} local s{} = s{i} + s{i};", i + 1)
        });
        let message = limit(&format!("{chain} s40"));
        assert!(
            message.contains("a string of 10995116277760 bytes"),
            "{message}"
        );
        assert!(limit("std.repeat('ab', 1e12)").contains("a string of"));
        assert!(limit("std.makeArray(1e9, function(i) i)").contains("an array of"));
        assert!(limit("std.length(std.range(1, 1e9))").contains("an array of"));
    }

    #[test]
    fn a_result_nested_300000_deep_is_refused() {
        // The reproducer takes most of the time limit in a debug build: either bound
        // may end it, and the process lives on.
        match block("std.foldl(function(a, i) [a], std.range(0, 300000), [])").evaluate(json!({})) {
            Err(JsonnetError::Limit(message)) => assert!(message.contains("deeper than 1000")),
            other => assert_eq!(other, Err(JsonnetError::Timeout)),
        }
        let message = limit("std.foldl(function(a, i) [a], std.range(0, 5000), [])");
        assert!(message.contains("deeper than 1000"), "{message}");
        let message = limit("std.foldl(function(a, i) {a: a}, std.range(0, 5000), null)");
        assert!(message.contains("deeper than 1000"), "{message}");
        // Up to the bound, a nested result is fine.
        let ok = block("std.foldl(function(a, i) [a], std.range(1, 999), [])")
            .evaluate(json!({}))
            .unwrap();
        let mut depth = 0;
        let mut node = &ok.value;
        while let Some(inner) = node.get(0) {
            depth += 1;
            node = inner;
        }
        assert_eq!(depth, 999);
    }

    /// Found by the `jsonnet` fuzz target: jrsonnet's `std.format` multiplies a huge width
    /// with overflow checks on (debug builds), and the panic took its worker down; the caller
    /// waited out the time limit, counted the dead worker as stuck, and after four such blocks
    /// every block failed at once for the life of the process.
    #[cfg(debug_assertions)]
    #[test]
    fn a_panic_inside_jrsonnet_fails_the_block_and_the_pool_lives_on() {
        let started = std::time::Instant::now();
        for _ in 0..MAX_STUCK_WORKERS + 2 {
            match block("std.format('%0999999999999d', 1)").evaluate(json!({})) {
                Err(JsonnetError::Crashed(message)) => assert!(message.contains("overflow")),
                other => panic!("{other:?}"),
            }
        }
        assert!(started.elapsed() < TIME_LIMIT, "{:?}", started.elapsed());
        assert_eq!(block("1 + 1").evaluate(json!({})).unwrap().value, json!(2));
    }

    #[test]
    fn a_block_that_runs_too_long_is_abandoned() {
        let slow = block(
            "std.foldl(function(a, i) a + std.foldl(function(b, j) b + j, std.range(1, 100000), 0), std.range(1, 100000), 0)",
        );
        let started = std::time::Instant::now();
        assert_eq!(slow.evaluate(json!({})).unwrap_err(), JsonnetError::Timeout);
        assert!(started.elapsed() < TIME_LIMIT * 3);
        // The pool keeps working after a timeout.
        assert_eq!(block("1 + 1").evaluate(json!({})).unwrap().value, json!(2));
    }
}
