//! Why a simulator could not start.

use std::net::SocketAddr;
use std::path::PathBuf;

/// A simulator that failed to start; a running one reports problems to its
/// clients instead, as Autotask would.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The address could not be bound (in use, not local, no permission).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// A data folder or tenant file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The tenant snapshot is not valid.
    #[error("tenant snapshot {name}: {message}")]
    Tenant { name: String, message: String },
    /// The webhook sender could not be set up.
    #[error("webhooks: {0}")]
    Webhook(String),
    /// A data file is not a query response the simulator can serve.
    #[error("data file {file}: {message}")]
    Data { file: String, message: String },
}
