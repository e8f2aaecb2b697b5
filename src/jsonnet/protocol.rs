//! What a parent and a Jsonnet worker process say to each other over the worker's stdin and
//! stdout: one JSON object a line, a request and then its reply.

use serde::{Deserialize, Serialize};

use super::{JsonnetError, JsonnetOutput};

/// The subcommand of the `fieldmap` binary that runs a worker process.
pub const WORKER_SUBCOMMAND: &str = "__jsonnet-worker";

/// One block to evaluate. The worker keeps what it prepared by `block`, unique per parent.
#[derive(Debug, Serialize, Deserialize)]
pub struct Request {
    pub block: u64,
    pub code: String,
    pub input: serde_json::Value,
}

/// The answer to one request.
pub type Reply = Result<JsonnetOutput, JsonnetError>;
