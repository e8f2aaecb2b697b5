//! `fieldmap __jsonnet-worker` (hidden): a worker process that evaluates Jsonnet blocks for
//! another `fieldmap` process, over its stdin and stdout. Every other command runs its blocks
//! in such workers (`docs/jsonnet.md`, Isolation).

use super::{EXIT_OK, EXIT_USAGE};

pub fn run() -> u8 {
    match fieldmap::serve_worker() {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("error: Jsonnet worker: {e}");
            EXIT_USAGE
        }
    }
}

/// Runs this process's Jsonnet blocks in workers started from this same binary.
pub fn isolate_blocks() {
    match std::env::current_exe() {
        Ok(program) => {
            let _ = fieldmap::use_worker_processes(fieldmap::WorkerProcesses::new(program));
        }
        Err(e) => tracing::warn!(
            "Jsonnet blocks run in this process: the path of this program is unknown ({e})"
        ),
    }
}
