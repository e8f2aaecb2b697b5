//! The async Autotask SOAP API v1.6 client and the batching fetcher.
//!
//! ```no_run
//! # async fn example(program: fieldmap::Program) -> Result<(), Box<dyn std::error::Error>> {
//! use fieldmap::autotask_client::{AutotaskClient, ClientConfig, Credentials, Fetcher};
//!
//! let client = AutotaskClient::new(Credentials::from_env()?, ClientConfig::default())?;
//! client.connect().await?; // zone discovery, and the request budget from Autotask's count
//! let fetcher = Fetcher::new(client, program.schemas().clone());
//! let fetched = fetcher.fetch(program.mappings()[0].plan(), 9137).await?;
//! let ctx = fieldmap::stdlib::context::EvalContext::current();
//! let evaluation = program.evaluate(&fetched.records, 9137, &ctx, 0)?;
//! # Ok(()) }
//! ```
//!
//! The wire itself (operations, QueryXML, `Entity` elements, element trees, the rolling
//! request window) is [`crate::autotask::wire`], shared with the simulator.
//!
//! Calls go through a limiter (requests per rolling hour, calls in flight per endpoint) and are
//! retried with exponential backoff and jitter on server errors, timeouts and the request
//! threshold, never on 401 or on Autotask's validation errors. A call refused for Autotask's
//! threshold pauses every call of the client (and its clones, so every worker sharing it)
//! until `getThresholdAndUsageInfo` shows room again; [`AutotaskClient::headroom`] reads
//! what is left of the budget. Creates are retried only when
//! nothing can have been saved.

mod answer;
mod backoff;
mod call_log;
mod client;
mod config;
mod credentials;
mod entity_info;
mod entity_xml;
mod error;
mod fetcher;
mod field_info;
mod headroom;
mod metadata;
mod poller;
mod query;
mod rate_limiter;
mod read_modify_write;
mod request_envelope;
mod tenant_snapshot;
mod threshold_gate;
mod ticket_changes;
mod transport;
mod ttl_cache;
mod write;
mod zone_info;

pub use call_log::{ApiCall, CallLog};
pub use client::AutotaskClient;
pub use config::{ClientConfig, DEFAULT_DISCOVERY_URL, DEFAULT_MAX_RESPONSE_BYTES};
pub use credentials::{
    CredentialValues, Credentials, CredentialsError, ENV_INTEGRATION_CODE, ENV_SECRET, ENV_USER,
    ENV_ZONE_URL, Secret,
};
pub use entity_info::{EntityInfo, read_entity_info_response};
pub use entity_xml::{WireEntity, WireField, WireUdf, entities_body};
pub use error::{CallSite, ClientError};
pub use fetcher::{DEFAULT_CACHE_TTL, FetchStats, Fetched, Fetcher, SLOWLY_CHANGING};
pub use field_info::{FieldInfo, PicklistValueInfo, read_field_info_response};
pub use headroom::Headroom;
pub use poller::{MappingPoll, TriggerPoll, activity_field, poll_mapping, poll_mapping_since};
pub use query::QueryPage;
pub use rate_limiter::{BudgetExhausted, BudgetUsage};
pub use read_modify_write::{FieldEdit, prepare_update};
pub use request_envelope::{envelope, field_info_body, query_body, udf_info_body, zone_info_body};
pub use tenant_snapshot::{
    DEFAULT_SNAPSHOT_ENTITIES, TenantSnapshot, build_snapshot, pull_tenant_snapshot,
};
pub use ticket_changes::AppliedChanges;
pub use ttl_cache::TtlCache;
pub use write::{MAX_ENTITIES_PER_WRITE, Written};
pub use zone_info::{ZoneInfo, read_zone_info_response};
