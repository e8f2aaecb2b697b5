//! Autotask SOAP API v1.6: the streaming wire reader and loading records from its responses.

#[cfg(feature = "client")]
pub mod client;
mod record_loader;
#[cfg(feature = "sim")]
pub mod simulator;
pub mod soap;

pub use record_loader::{LoadError, LoadIssue, LoadReport, load_query_response};
