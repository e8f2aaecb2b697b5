//! Autotask SOAP API v1.6: the streaming wire reader, loading records from its responses, and
//! the wire toolkit the client and the simulator share.

mod record_loader;
#[cfg(feature = "sim")]
pub mod simulator;
pub mod soap;
// Hook payloads and their HMAC signatures: the crypto crates come with the client.
#[cfg(feature = "client")]
pub mod webhook;
pub mod wire;

pub use record_loader::{LoadError, LoadIssue, LoadReport, load_query_response};
