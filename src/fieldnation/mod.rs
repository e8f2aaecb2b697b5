//! Field Nation REST API v2 and webhooks v3: the client that creates and follows work orders,
//! and a simulator that plays Field Nation on this machine, faults and signed webhooks
//! included. What both sides must agree on (paths, the lifecycle, the signature) lives here.

pub mod lifecycle;
pub mod paths;
pub mod signature;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "sim")]
pub mod simulator;

/// reqwest is built without a TLS crypto provider of its own; rustls gets the ring provider,
/// installed once for the process (installing it again is harmless and ignored). Called before
/// any HTTP client is built.
#[cfg(feature = "client")]
pub(crate) fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
