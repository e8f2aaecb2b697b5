//! The Autotask SOAP API v1.6 wire toolkit the client and the simulator share, and trigger
//! lowering builds on: the operation table, small element trees, the QueryXML tree with its
//! writer and reader, `Entity` elements, XML text as .NET writes it, and the rolling window of
//! the request threshold. Wire types ([`crate::autotask::soap::WireType`]) and the streaming
//! response reader live in [`crate::autotask::soap`].
//!
//! The simulator stays an independent oracle for the protocol's facts: what the toolkit writes
//! and reads is pinned by tests on recorded traffic (`recorded_traffic_tests`), not by the
//! simulator agreeing with the client.

mod entity_writer;
mod operation;
mod query_xml;
mod query_xml_reader;
mod rolling_window;
mod xml_tree;
mod xml_writer;

pub use entity_writer::{close_entity, open_entity, push_field, push_udfs};
pub use operation::{Operation, soap_action_text};
pub use query_xml::{
    Expression, FieldTest, MAX_IDS_PER_QUERY, Operator, PAGE_SIZE, QueryItem, QueryXml, id_batches,
};
pub use query_xml_reader::QueryXmlError;
pub use rolling_window::RollingWindow;
pub use xml_tree::{XmlAttribute, XmlElement, XmlError, parse_document};
pub use xml_writer::{cdata, close, escape, open, push_bool, push_empty, push_leaf, push_text};

/// The ATWS v1.6 namespace: of the body elements, the header and `SOAPAction`.
pub const ATWS_NAMESPACE: &str = "http://autotask.net/ATWS/v1_6/";
/// The SOAP 1.1 envelope namespace.
pub const SOAP_NAMESPACE: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The XML Schema instance namespace (`xsi:type`, `xsi:nil`).
pub const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The XML Schema namespace (`xsd:int`).
pub const XSD_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema";

#[cfg(test)]
mod recorded_traffic_tests;
#[cfg(test)]
mod round_trip_tests;
