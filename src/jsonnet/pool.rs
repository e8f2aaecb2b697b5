//! Worker threads that run Jsonnet blocks. Each owns a jrsonnet state (which is not `Send`) and
//! the blocks it has prepared; callers send JSON in and get JSON back. A block that runs past
//! the time limit is abandoned: the caller gets an error at once and a fresh worker takes the
//! stuck one's place, so the pool never shrinks.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use jrsonnet_evaluator::function::NativeFn;
use jrsonnet_evaluator::{State, Val};

use super::sandbox;
use super::{JsonnetBlock, JsonnetError, JsonnetOutput};

/// Jsonnet is deeply recursive; give workers room beyond the stack bound's checks.
const WORKER_STACK: usize = 64 * 1024 * 1024;

struct Job {
    block: Arc<JsonnetBlock>,
    input: serde_json::Value,
    reply: Sender<Result<JsonnetOutput, JsonnetError>>,
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

/// Sends a job to the pool (starting it on first use) and waits at most `limit`.
pub fn run(
    block: Arc<JsonnetBlock>,
    input: serde_json::Value,
    limit: Duration,
) -> Result<JsonnetOutput, JsonnetError> {
    let (reply, answer) = channel();
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
            })
            .map_err(|_| JsonnetError::Unavailable)?;
    }
    match answer.recv_timeout(limit) {
        Ok(result) => result,
        Err(_) => {
            // The worker on this job may never come back; add one so capacity stays the same.
            if let Ok(guard) = POOL.lock()
                && let Some(pool) = guard.as_ref()
            {
                spawn_worker(pool.queue.clone());
            }
            Err(JsonnetError::Timeout)
        }
    }
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

fn work(queue: &Mutex<Receiver<Job>>) {
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
        let result = evaluate(&state, &mut prepared, &job.block, job.input);
        // The caller may have given up (timeout); then nobody listens.
        let _ = job.reply.send(result);
    }
}

fn evaluate(
    state: &State,
    prepared: &mut HashMap<u64, NativeFn<(Val, Val)>>,
    block: &JsonnetBlock,
    input: serde_json::Value,
) -> Result<JsonnetOutput, JsonnetError> {
    // jrsonnet appends a stack trace, one line per frame; the first line says what failed.
    let runtime = |message: String| JsonnetError::Runtime {
        message: message
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string(),
        traces: sandbox::take_traces(),
    };
    let function = match prepared.get(&block.id) {
        Some(f) => f.clone(),
        None => {
            let f = sandbox::prepare(state, &block.code).map_err(runtime)?;
            prepared.insert(block.id, f.clone());
            f
        }
    };
    let value = sandbox::call(&function, input, |v| {
        serde_json::to_value(v).map_err(|e| e.to_string())
    })
    .map_err(runtime)?;
    Ok(JsonnetOutput {
        value,
        traces: sandbox::take_traces(),
    })
}
