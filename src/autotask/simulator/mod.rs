//! A protocol-faithful simulator of the Autotask SOAP API v1.6 (ATWS), for
//! testing clients without a tenant.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use fieldmap::autotask::simulator::{SimConfig, serve};
//!
//! let sim = serve(SimConfig::default(), "127.0.0.1:0".parse()?).await?;
//! println!("{}", sim.zone_url()); // http://127.0.0.1:PORT/atservices/1.6/atws.asmx
//! // … point a client at it: user "api@demo-msp.example", password "demo-password",
//! // integration code "DEMO-INTEGRATION-CODE" …
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! What it does as Autotask does:
//!
//! - SOAP 1.1 over HTTP POST at `/atservices/1.6/atws.asmx`, dispatched on
//!   the `SOAPAction` header (quoted or not, cased as the body element),
//!   which must match the body element; requests with any namespace
//!   prefixes or default namespaces, QueryXML in CDATA or escaped. An
//!   unknown `SOAPAction`, a mismatching body or an unreadable envelope is
//!   HTTP 500 with a `soap:Fault`.
//! - `getZoneInfo` needs no auth and no header; an unknown user gets
//!   `ErrorCode` -1. Every other call needs HTTP Basic auth (else HTTP 401
//!   with an HTML body) and the `AutotaskIntegrations/IntegrationCode`
//!   header (else `ReturnCode` -1, "IntegrationCode is invalid."; the
//!   metadata calls, which have no `ReturnCode`, answer with a fault).
//! - `query` with QueryXML's full semantics (`wire::QueryXml`, `query_plan`,
//!   `query_match`): 500 results per page sorted by id, one UDF per query,
//!   at most 500 OR conditions.
//! - `create`, `update`, `delete`: at most 200 entities, one transaction;
//!   `update` clears the writable fields a request leaves out but keeps
//!   UDFs it does not list (`write_rules`, `entity_input`).
//! - `GetEntityInfo`, `GetFieldInfo`, `getUDFInfo` from the bundled schema
//!   and the tenant snapshot; `getThresholdAndUsageInfo`; `GetWsdlVersion`.
//! - The threshold: requests counted over a rolling hour; at the threshold
//!   calls are refused (`ReturnCode` -1 with
//!   [`THRESHOLD_EXCEEDED_MESSAGE`]) until usage drops. Refused calls do
//!   not count; `getThresholdAndUsageInfo` is always answered.
//! - Date-times are New York wall-clock readings on the wire both ways;
//!   a wall-clock time in the spring-forward gap is refused on write.
//!
//! Simulator choices where Autotask's exact behaviour is not documented:
//! items of a query group are joined left to right (`A, OR B, C` is
//! `(A or B) and C`); nulls match only `IsNull`; references are checked
//! only against entity types the dataset holds; elements that are not
//! fields of the entity are ignored, as .NET's deserializer ignores them.
//!
//! Webhooks ([`HookConfig`]): a saved `create` or `update` of a subscribed entity type posts
//! Autotask's callback JSON, signed with `X-Hook-Signature`, to the configured URL: a create
//! always, an update only when a subscribed field changed, with the changed subscribed fields
//! and the always-sent ones in `Fields`; `SequenceNumber` counts up, `EventTime` is UTC.
//! Deliveries are asynchronous, in order, bounded, and retried on Autotask's schedule (5
//! retries within 2 minutes, or a shorter one for tests). [`SimHandle::update_record`]
//! changes a record as a dispatcher in the web UI would, and fires the same webhooks.
//!
//! For tests: [`SimHandle::inject`] queues [`Fault`]s, [`SimHandle::exceed_threshold_for`]
//! refuses every call as over the threshold for a while, [`SimHandle::calls`]
//! and [`SimHandle::request_count`] count API calls, and
//! [`SimHandle::advance_clock`] lets an hour pass at once.

mod basic_auth;
mod call_log;
mod clock;
mod config;
mod dataset;
mod datastore;
mod entity_input;
mod entity_xml;
mod error;
mod fault_injection;
mod field_info_xml;
mod handle;
mod hook_changes;
mod hook_config;
mod hook_delivery;
mod http_endpoint;
mod http_reply;
mod like_pattern;
mod metadata;
mod op_delete;
mod op_entity_info;
mod op_field_info;
mod op_query;
mod op_threshold;
mod op_udf_info;
mod op_write;
mod op_wsdl_version;
mod op_zone_info;
mod query_match;
mod query_plan;
mod record_edit;
mod rejection;
mod request_envelope;
mod response_envelope;
mod soundex;
mod state;
mod usage_window;
mod wire_value;
mod write_rules;

pub use call_log::{ACTION_CHARS_KEPT, CALLS_KEPT, CallRecord};
pub use config::{DEFAULT_THRESHOLD, DEMO_INTEGRATION_CODE, DEMO_PASSWORD, DEMO_USER, SimConfig};
pub use error::SimError;
pub use fault_injection::{Fault, TIMEOUT_HOLD};
pub use handle::{SimHandle, serve};
pub use hook_config::{
    AUTOTASK_RETRY_DELAYS, DEFAULT_HOOK_QUEUE, DEMO_HOOK_GUID, HookConfig, HookSubscription,
};
pub use hook_delivery::HookDelivery;
pub use op_threshold::THRESHOLD_EXCEEDED_MESSAGE;
