//! Field Nation REST API v2 and webhooks v3: the client that creates and follows work orders,
//! and a simulator that plays Field Nation on this machine, faults and signed webhooks
//! included. What both sides must agree on (paths, the lifecycle, the signature) lives here.

pub mod lifecycle;
pub mod paths;
pub mod signature;

#[cfg(feature = "client")]
pub mod client;
