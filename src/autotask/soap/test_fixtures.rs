//! The response fixtures shared by this module's tests.

pub(super) const TICKETS_PAGE: &str =
    include_str!("../../../tests/fixtures/soap/query_tickets_page.xml");
pub(super) const ACCOUNTS_PAGE: &str =
    include_str!("../../../tests/fixtures/soap/query_accounts_page.xml");
pub(super) const CONTACTS_PAGE: &str =
    include_str!("../../../tests/fixtures/soap/query_contacts_page.xml");
pub(super) const RESOURCES_PAGE: &str =
    include_str!("../../../tests/fixtures/soap/query_resources_page.xml");

/// The same two tickets as Autotask itself sends them (compact, `soap:`/`xsd:`).
pub(super) const TICKETS_WIRE: &str =
    include_str!("../../../tests/fixtures/soap/query_tickets_wire.xml");

/// The same two tickets as other clients and proxies write them.
pub(super) const TICKET_VARIANTS: [(&str, &str); 6] = [
    (
        "prefixed",
        include_str!("../../../tests/fixtures/soap/query_tickets_prefixed.xml"),
    ),
    (
        "default namespace",
        include_str!("../../../tests/fixtures/soap/query_tickets_default_ns.xml"),
    ),
    (
        "q1 type prefixes",
        include_str!("../../../tests/fixtures/soap/query_tickets_q1_types.xml"),
    ),
    (
        "CDATA",
        include_str!("../../../tests/fixtures/soap/query_tickets_cdata.xml"),
    ),
    (
        "character references",
        include_str!("../../../tests/fixtures/soap/query_tickets_char_refs.xml"),
    ),
    (
        "indented",
        include_str!("../../../tests/fixtures/soap/query_tickets_indented.xml"),
    ),
];

pub(super) const TICKETS_INDENTED: &str = TICKET_VARIANTS[5].1;

pub(super) const ERROR_INTEGRATION_CODE: &str =
    include_str!("../../../tests/fixtures/soap/query_error_integration_code.xml");
pub(super) const ERROR_BAD_QUERY: &str =
    include_str!("../../../tests/fixtures/soap/query_error_bad_query.xml");
pub(super) const FAULT_UNKNOWN_SOAP_ACTION: &str =
    include_str!("../../../tests/fixtures/soap/fault_unknown_soap_action.xml");
pub(super) const FAULT_SERVER_ERROR: &str =
    include_str!("../../../tests/fixtures/soap/fault_server_error.xml");
pub(super) const CREATE_TICKET: &str =
    include_str!("../../../tests/fixtures/soap/create_ticket_response.xml");
pub(super) const UPDATE_TICKET_REJECTED: &str =
    include_str!("../../../tests/fixtures/soap/update_ticket_rejected.xml");
pub(super) const THRESHOLD_AND_USAGE: &str =
    include_str!("../../../tests/fixtures/soap/threshold_and_usage_response.xml");

/// Wraps ATWS body content in the envelope Autotask sends.
pub(super) fn envelope(body: &str) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="utf-8"?>"#,
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" "#,
            r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
            r#"xmlns:xsd="http://www.w3.org/2001/XMLSchema">"#,
            "<soap:Body>{}</soap:Body></soap:Envelope>"
        ),
        body
    )
}

/// A successful `queryResponse` envelope around the given `Entity` elements.
pub(super) fn query_response(entities: &str) -> String {
    envelope(&format!(
        concat!(
            r#"<queryResponse xmlns="http://autotask.net/ATWS/v1_6/"><queryResult>"#,
            "<ReturnCode>1</ReturnCode><EntityResultType>ticket</EntityResultType>",
            "<EntityResults>{}</EntityResults><Errors /><EntityReturnInfoResults />",
            "</queryResult></queryResponse>"
        ),
        entities
    ))
}
