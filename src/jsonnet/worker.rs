//! The inside of a Jsonnet worker process: limit the process's own memory, then answer
//! requests from stdin on stdout, one JSON line each, until stdin closes.
//!
//! Whatever a block does, the damage stays in this process: an allocation past the memory
//! limit aborts it (Rust aborts on a failed allocation), a stack overflow aborts it, and a
//! block past its time is killed by the parent. The parent reads the reason from this
//! process's stderr and exit status, reports it on the rule and starts a fresh worker.

use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::protocol::{Reply, Request};
use super::{JsonnetBlock, JsonnetError, MEMORY_LIMIT, PROCESS_STACK, TIME_LIMIT};
use super::{pool, sandbox};

/// What the limit leaves for the runtime itself (its buffers, the request and reply text).
const HEADROOM: u64 = 64 * 1024 * 1024;

/// A block still running this long after it started belongs to a parent that is gone (the
/// parent kills its worker at [`TIME_LIMIT`]): the worker ends itself.
const ORPHANED_AFTER: Duration = Duration::from_secs(TIME_LIMIT.as_secs() * 5);

/// Runs this process as a Jsonnet worker until its stdin closes.
pub fn serve_worker() -> io::Result<()> {
    limit_memory()?;
    let busy_since: Arc<Mutex<Option<Instant>>> = Arc::default();
    let watched = busy_since.clone();
    std::thread::Builder::new()
        .name("watchdog".into())
        .spawn(move || watchdog(&watched))?;
    let evaluator = std::thread::Builder::new()
        .name("jsonnet".into())
        .stack_size(PROCESS_STACK)
        .spawn(move || answer_requests(&busy_since))?;
    evaluator
        .join()
        .map_err(|_| io::Error::other("the Jsonnet worker failed"))?
}

/// The data limit counts what a block can fill (heap and anonymous mappings, the evaluating
/// thread's stack included), unlike the address-space limit, which also counts the mapped
/// binary and the allocator's reserved but unused arenas.
#[cfg(unix)]
fn limit_memory() -> io::Result<()> {
    let limit = MEMORY_LIMIT + PROCESS_STACK as u64 + HEADROOM;
    rlimit::setrlimit(rlimit::Resource::DATA, limit, limit)
}

/// No limit where the platform has no `setrlimit`; time and the engine's size bounds still hold.
#[cfg(not(unix))]
fn limit_memory() -> io::Result<()> {
    Ok(())
}

fn watchdog(busy_since: &Mutex<Option<Instant>>) {
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let since = busy_since.lock().map(|b| *b).unwrap_or(None);
        if since.is_some_and(|s| s.elapsed() > ORPHANED_AFTER) {
            std::process::exit(3);
        }
    }
}

fn answer_requests(busy_since: &Mutex<Option<Instant>>) -> io::Result<()> {
    let state = sandbox::new_state();
    let _entered = state.try_enter();
    let mut prepared = HashMap::new();
    let stdin = io::stdin().lock();
    let mut stdout = io::stdout().lock();
    for line in stdin.lines() {
        let request: Request = serde_json::from_str(&line?).map_err(io::Error::other)?;
        let block = JsonnetBlock {
            id: request.block,
            code: request.code,
            span: crate::diagnostics::Span::default(),
            first_line: None,
            file: None,
        };
        set(busy_since, Some(Instant::now()));
        let reply: Reply = catch_unwind(AssertUnwindSafe(|| {
            pool::evaluate(&state, &mut prepared, &block, request.input)
        }))
        .unwrap_or_else(|payload| Err(JsonnetError::Crashed(pool::panic_message(&*payload))));
        set(busy_since, None);
        let crashed = matches!(reply, Err(JsonnetError::Crashed(_)));
        serde_json::to_writer(&mut stdout, &reply).map_err(io::Error::other)?;
        stdout.write_all(b"\n")?;
        stdout.flush()?;
        if crashed {
            // The engine's state may be half-way through something: a fresh worker follows.
            return Ok(());
        }
    }
    Ok(())
}

fn set(busy_since: &Mutex<Option<Instant>>, value: Option<Instant>) {
    if let Ok(mut busy) = busy_since.lock() {
        *busy = value;
    }
}
