//! Jsonnet blocks evaluated in worker processes: the isolation the `fieldmap` binary uses.
//!
//! A worker is a child process (`fieldmap __jsonnet-worker`, see `worker`) that limits its own
//! memory and answers one request at a time over its stdin and stdout. Workers live on between
//! blocks, each keeping what it prepared, so a block costs a round trip of JSON, not a process
//! start. A worker is taken for one block and given back after it; at most one per core (2 to 8)
//! exist, started when first needed.
//!
//! A block past its time has its worker killed (and reaped: nothing keeps running); a worker
//! that dies (its memory limit, a stack overflow, a panic) has its reason read from its stderr.
//! Either way the block fails with a [`JsonnetError`] and the next block starts a fresh worker.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStderr, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

use super::protocol::{Reply, Request, WORKER_SUBCOMMAND};
use super::{JsonnetBlock, JsonnetError, JsonnetOutput, TIME_LIMIT};

/// How much of a dead worker's stderr is read for its reason.
const STDERR_READ: u64 = 16 * 1024;

static CHOSEN: OnceLock<WorkerProcesses> = OnceLock::new();

/// Runs every block of this process in `workers` from now on. The choice is made once: a
/// second call changes nothing and gives its argument back.
pub fn use_worker_processes(workers: WorkerProcesses) -> Result<(), WorkerProcesses> {
    CHOSEN.set(workers)
}

pub(super) fn chosen() -> Option<&'static WorkerProcesses> {
    CHOSEN.get()
}

/// Worker processes for Jsonnet blocks, started on demand from one program.
pub struct WorkerProcesses {
    program: PathBuf,
    args: Vec<OsString>,
    max: usize,
    time_limit: Duration,
    slots: Mutex<Slots>,
    freed: Condvar,
}

#[derive(Default)]
struct Slots {
    idle: Vec<Worker>,
    /// Workers that exist: idle, or taken by a caller.
    alive: usize,
}

impl WorkerProcesses {
    /// Workers that run `program __jsonnet-worker`: the `fieldmap` binary, or any program that
    /// calls [`super::serve_worker`] for that argument.
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Self::with_args(program, [WORKER_SUBCOMMAND])
    }

    /// Workers that run `program` with `args`.
    pub fn with_args<A: Into<OsString>>(
        program: impl Into<PathBuf>,
        args: impl IntoIterator<Item = A>,
    ) -> Self {
        WorkerProcesses {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
            max: std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .clamp(2, 8),
            time_limit: TIME_LIMIT,
            slots: Mutex::default(),
            freed: Condvar::new(),
        }
    }

    /// The process ids of the workers waiting for a block, for tests that count them.
    pub fn idle_pids(&self) -> Vec<u32> {
        self.slots
            .lock()
            .map(|s| s.idle.iter().map(|w| w.child.id()).collect())
            .unwrap_or_default()
    }

    /// Evaluates `block` with `input` as `$.input` in a worker process.
    pub fn evaluate(
        &self,
        block: &JsonnetBlock,
        input: serde_json::Value,
    ) -> Result<JsonnetOutput, JsonnetError> {
        let request = serde_json::to_string(&Request {
            block: block.id,
            code: block.code.clone(),
            input,
        })
        .map_err(|e| JsonnetError::Crashed(format!("the input could not be sent: {e}")))?;
        // A worker found dead when the request is written (killed from outside) is replaced once.
        for _ in 0..2 {
            let mut worker = self.take()?;
            let ended = !matches!(worker.child.try_wait(), Ok(None));
            if ended || worker.send(&request).is_err() {
                let _ = self.discard(worker);
                continue;
            }
            return match worker.replies.recv_timeout(self.time_limit) {
                Ok(line) => {
                    let reply = serde_json::from_str::<Reply>(&line).unwrap_or_else(|e| {
                        Err(JsonnetError::Crashed(format!("the worker answered {e}")))
                    });
                    if matches!(reply, Err(JsonnetError::Crashed(_))) {
                        let _ = self.discard(worker);
                    } else {
                        self.give_back(worker);
                    }
                    reply
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.discard(worker);
                    Err(JsonnetError::Timeout)
                }
                Err(RecvTimeoutError::Disconnected) => Err(self.discard(worker)),
            };
        }
        Err(JsonnetError::Unavailable)
    }

    /// An idle worker, a new one if fewer than the most are alive, or else the next given back.
    fn take(&self) -> Result<Worker, JsonnetError> {
        let mut slots = self.slots.lock().map_err(|_| JsonnetError::Unavailable)?;
        loop {
            if let Some(worker) = slots.idle.pop() {
                return Ok(worker);
            }
            if slots.alive < self.max {
                slots.alive += 1;
                drop(slots);
                return self.spawn().inspect_err(|_| self.forget_one());
            }
            slots = self
                .freed
                .wait(slots)
                .map_err(|_| JsonnetError::Unavailable)?;
        }
    }

    fn give_back(&self, worker: Worker) {
        if let Ok(mut slots) = self.slots.lock() {
            slots.idle.push(worker);
        }
        self.freed.notify_one();
    }

    /// Kills and reaps `worker`, and says why it ended if it ended by itself.
    fn discard(&self, mut worker: Worker) -> JsonnetError {
        let status = worker.end();
        let mut stderr = String::new();
        if let Some(pipe) = worker.stderr.take() {
            let _ = pipe.take(STDERR_READ).read_to_string(&mut stderr);
        }
        self.forget_one();
        why_it_ended(&stderr, status.ok())
    }

    fn forget_one(&self) {
        if let Ok(mut slots) = self.slots.lock() {
            slots.alive = slots.alive.saturating_sub(1);
        }
        self.freed.notify_one();
    }

    fn spawn(&self) -> Result<Worker, JsonnetError> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                JsonnetError::Crashed(format!(
                    "the Jsonnet worker {} could not start: {e}",
                    self.program.display()
                ))
            })?;
        let (Some(stdin), Some(stdout), stderr) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(JsonnetError::Unavailable);
        };
        let (sender, replies) = channel();
        // Ends when the worker's stdout closes, that is when the worker ends.
        let reader = std::thread::Builder::new()
            .name("jsonnet-worker-reader".into())
            .spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { return };
                    if sender.send(line).is_err() {
                        return;
                    }
                }
            });
        let Ok(reader) = reader else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(JsonnetError::Unavailable);
        };
        Ok(Worker {
            child,
            stdin,
            replies,
            stderr,
            reader: Some(reader),
        })
    }
}

/// The reason a worker ended by itself, from what it printed and how it exited.
fn why_it_ended(stderr: &str, status: Option<std::process::ExitStatus>) -> JsonnetError {
    if stderr.contains("memory allocation of") {
        JsonnetError::OutOfMemory
    } else if stderr.contains("has overflowed its stack") {
        JsonnetError::Limit(
            "the block nests too deep for its stack (a value built thousands of levels deep?)"
                .into(),
        )
    } else {
        let said = stderr.lines().rev().find(|l| !l.trim().is_empty());
        let how = status.map_or("ended".to_string(), |s| s.to_string());
        JsonnetError::Crashed(match said {
            Some(line) => format!("the Jsonnet worker {how}: {}", line.trim()),
            None => format!("the Jsonnet worker {how}"),
        })
    }
}

impl Drop for WorkerProcesses {
    fn drop(&mut self) {
        if let Ok(slots) = self.slots.get_mut() {
            for mut worker in slots.idle.drain(..) {
                let _ = worker.end();
            }
        }
    }
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    replies: Receiver<String>,
    stderr: Option<ChildStderr>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Worker {
    /// Kills and reaps the process, and waits for its reader thread, which its end ends.
    fn end(&mut self) -> std::io::Result<std::process::ExitStatus> {
        let _ = self.child.kill();
        let status = self.child.wait();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        status
    }

    fn send(&mut self, request: &str) -> std::io::Result<()> {
        self.stdin.write_all(request.as_bytes())?;
        self.stdin.write_all(b"\n")?;
        self.stdin.flush()
    }
}
