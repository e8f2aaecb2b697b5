//! Streaming reader for Autotask SOAP API v1.6 (ATWS) responses.
//!
//! Responses are read event by event, never as a tree: entities go to an
//! [`EntitySink`] as they are parsed, and field values reach it borrowed from
//! the response bytes unless unescaping forced a copy.
//!
//! Elements are matched by local name, because clients and proxies bind the
//! SOAP and ATWS namespaces to any prefix (`soap:`, `s:`, `SOAP-ENV:`, `a:`, a
//! default namespace). Only `xsi:type`/`xsi:nil` are resolved through their
//! namespace, and a type's own prefix (`xsd:`, `q1:`) is dropped.
//!
//! Wire facts relied on (Autotask's documentation and observed traffic):
//! every entity carries `xsi:type`; within it `id` comes first, then
//! `UserDefinedFields` (every UDF listed, `Value` left out when null), then
//! one element per non-null field with its own `xsi:type`; null fields are
//! left out and empty strings are self-closing.

mod atws_response;
mod collect;
mod entity_results;
mod envelope;
mod error;
mod fault;
mod outcome;
mod query;
mod return_infos;
mod sink;
mod text_builder;
mod threshold;
mod wire_type;
mod write;
mod xml_events;
mod xsi_scope;

pub use collect::{CollectedEntity, EntityCollector, collect_entities};
pub use error::SoapError;
pub use outcome::{EntityReturnInfo, QueryOutcome, WriteOutcome};
pub use query::read_query_response;
pub use sink::{EntitySink, IgnoreEntities};
pub use threshold::{ThresholdAndUsage, read_threshold_and_usage_response};
pub use wire_type::WireType;
pub use write::{WriteOperation, read_write_response};

#[cfg(test)]
mod malformed_input_tests;
#[cfg(test)]
mod query_tests;
#[cfg(test)]
mod test_fixtures;
#[cfg(test)]
mod wire_variant_tests;
#[cfg(test)]
mod write_and_usage_tests;
