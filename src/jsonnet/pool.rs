//! Worker threads that run Jsonnet blocks. Each owns a jrsonnet state (which is not `Send`) and
//! the blocks it has prepared; callers send JSON in and get JSON back.
//!
//! A block that runs past the time limit is told to stop (its job's stop flag, which the
//! `bounds` checks read), and the caller waits a moment for the worker to unwind and take the
//! next job. A worker that does not come back within that moment is stuck in one long step no
//! check reaches: the pool starts a replacement, up to [`MAX_STUCK_WORKERS`] of them, and
//! refuses blocks while that many are stuck. A stuck worker that finishes leaves the pool.
//!
//! A panic inside jrsonnet (its `std.format` overflows on a huge width) is caught: the block
//! fails with [`JsonnetError::Crashed`], and the worker, whose state it may have left half-way,
//! leaves the pool for a fresh one.

use std::any::Any;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use jrsonnet_evaluator::function::NativeFn;
use jrsonnet_evaluator::{State, Val};

use super::{JsonnetBlock, JsonnetError, JsonnetOutput, MAX_STUCK_WORKERS};
use super::{bounds, engine_error, sandbox};

/// How long a caller waits, after its block's time is up, for the block to unwind.
const GRACE: Duration = Duration::from_millis(500);

/// Workers busy with a stopped block past [`GRACE`], each already replaced.
static STUCK: AtomicUsize = AtomicUsize::new(0);

/// Room for what jrsonnet walks recursively without its depth check: dropping a deeply nested
/// value recurses once per level. Reserved address space; only the pages touched are memory.
const WORKER_STACK: usize = 1024 * 1024 * 1024;

struct Job {
    block: Arc<JsonnetBlock>,
    input: serde_json::Value,
    reply: Sender<Result<JsonnetOutput, JsonnetError>>,
    ticket: Arc<Ticket>,
}

/// What the caller and the worker know of one job.
struct Ticket {
    state: Mutex<Stage>,
    /// Set when the caller's time is up; the running block's checks read it.
    stop: Arc<AtomicBool>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Queued,
    Running,
    /// The caller gave up before a worker took the job.
    Cancelled,
    /// The worker did not unwind in time; a replacement took its place.
    Abandoned,
}

struct Pool {
    jobs: Sender<Job>,
    queue: Arc<Mutex<Receiver<Job>>>,
}

static POOL: LazyLock<Mutex<Option<Pool>>> = LazyLock::new(|| Mutex::new(None));

fn workers() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 8)
}

/// Sends a job to the pool (starting it on first use) and waits at most `limit`, then stops it.
pub fn run(
    block: Arc<JsonnetBlock>,
    input: serde_json::Value,
    limit: Duration,
) -> Result<JsonnetOutput, JsonnetError> {
    if STUCK.load(Ordering::SeqCst) >= MAX_STUCK_WORKERS {
        return Err(JsonnetError::Stuck);
    }
    let (reply, answer) = channel();
    let ticket = Arc::new(Ticket {
        state: Mutex::new(Stage::Queued),
        stop: Arc::new(AtomicBool::new(false)),
    });
    {
        let mut guard = POOL.lock().map_err(|_| JsonnetError::Unavailable)?;
        let pool = match guard.as_mut() {
            Some(pool) => pool,
            None => guard.insert(start()),
        };
        pool.jobs
            .send(Job {
                block,
                input,
                reply,
                ticket: ticket.clone(),
            })
            .map_err(|_| JsonnetError::Unavailable)?;
    }
    if let Ok(result) = answer.recv_timeout(limit) {
        return result;
    }
    ticket.stop.store(true, Ordering::SeqCst);
    {
        let Ok(mut stage) = ticket.state.lock() else {
            return Err(JsonnetError::Timeout);
        };
        if *stage == Stage::Queued {
            *stage = Stage::Cancelled;
            return Err(JsonnetError::Timeout);
        }
    }
    // The block is told to stop; its worker replies (with an error) once it has unwound.
    if answer.recv_timeout(GRACE).is_ok() {
        return Err(JsonnetError::Timeout);
    }
    if let Ok(mut stage) = ticket.state.lock()
        && *stage == Stage::Running
    {
        *stage = Stage::Abandoned;
        STUCK.fetch_add(1, Ordering::SeqCst);
        if let Ok(guard) = POOL.lock()
            && let Some(pool) = guard.as_ref()
        {
            spawn_worker(pool.queue.clone());
        }
    }
    Err(JsonnetError::Timeout)
}

fn start() -> Pool {
    let (jobs, queue) = channel();
    let queue = Arc::new(Mutex::new(queue));
    for _ in 0..workers() {
        spawn_worker(queue.clone());
    }
    Pool { jobs, queue }
}

fn spawn_worker(queue: Arc<Mutex<Receiver<Job>>>) {
    let _ = std::thread::Builder::new()
        .name("fieldmap-jsonnet".into())
        .stack_size(WORKER_STACK)
        .spawn(move || work(&queue));
}

fn work(queue: &Arc<Mutex<Receiver<Job>>>) {
    let state = sandbox::new_state();
    let Some(_entered) = state.try_enter() else {
        return;
    };
    let mut prepared: HashMap<u64, NativeFn<(Val, Val)>> = HashMap::new();
    loop {
        let job = match queue.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        match job.ticket.state.lock() {
            Ok(mut stage) if *stage == Stage::Queued => *stage = Stage::Running,
            _ => continue,
        }
        let result = {
            let _armed = bounds::arm(job.ticket.stop.clone());
            catch_unwind(AssertUnwindSafe(|| {
                evaluate(&state, &mut prepared, &job.block, job.input)
            }))
        };
        let (result, panicked) = match result {
            Ok(result) => (result, false),
            Err(payload) => (Err(JsonnetError::Crashed(panic_message(&*payload))), true),
        };
        let abandoned = match job.ticket.state.lock() {
            Ok(stage) => *stage == Stage::Abandoned,
            Err(_) => true,
        };
        // The caller may have given up (timeout); then nobody listens.
        let _ = job.reply.send(result);
        if abandoned {
            // A replacement took this worker's place.
            STUCK.fetch_sub(1, Ordering::SeqCst);
            return;
        }
        if panicked {
            spawn_worker(queue.clone());
            return;
        }
    }
}

pub(super) fn panic_message(payload: &(dyn Any + Send)) -> String {
    match (
        payload.downcast_ref::<&str>(),
        payload.downcast_ref::<String>(),
    ) {
        (Some(message), _) => (*message).to_string(),
        (_, Some(message)) => message.clone(),
        _ => "a panic without a message".to_string(),
    }
}

/// Evaluates `block` on this thread's state, preparing it on first use. The pool's workers and
/// the worker processes share it.
pub(super) fn evaluate(
    state: &State,
    prepared: &mut HashMap<u64, NativeFn<(Val, Val)>>,
    block: &JsonnetBlock,
    input: serde_json::Value,
) -> Result<JsonnetOutput, JsonnetError> {
    let failed = |error: jrsonnet_evaluator::Error| {
        let traces = sandbox::take_traces();
        if let jrsonnet_evaluator::error::ErrorKind::RuntimeError(message) = error.error()
            && let Some(limit) = message.strip_prefix(bounds::LIMIT_MARK)
        {
            return JsonnetError::Limit(limit.to_string());
        }
        engine_error::describe(&error, &sandbox::wrapped(&block.code), &input, traces)
    };
    let function = match prepared.get(&block.id) {
        Some(f) => f.clone(),
        None => {
            let f = sandbox::prepare(state, &block.code).map_err(failed)?;
            prepared.insert(block.id, f.clone());
            f
        }
    };
    let value = sandbox::call(&function, &input, bounds::to_json).map_err(failed)?;
    Ok(JsonnetOutput {
        value,
        traces: sandbox::take_traces(),
    })
}
