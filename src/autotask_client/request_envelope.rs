//! SOAP 1.1 request envelopes: the `AutotaskIntegrations` header and one body element per
//! operation, in the ATWS namespace.

use crate::autotask::wire::{
    ATWS_NAMESPACE, Operation, QueryXml, SOAP_NAMESPACE, XSD_NAMESPACE, XSI_NAMESPACE, cdata,
    escape,
};

/// A whole request: `inner` is the content of the operation's body element (already XML).
/// The header is left out when there is no integration code (zone discovery).
pub fn envelope(operation: Operation, integration_code: Option<&str>, inner: &str) -> String {
    let mut xml = String::with_capacity(inner.len() + 600);
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    xml.push_str(&format!(
        "<soap:Envelope xmlns:soap=\"{SOAP_NAMESPACE}\" xmlns:xsi=\"{XSI_NAMESPACE}\" xmlns:xsd=\"{XSD_NAMESPACE}\">"
    ));
    if let Some(code) = integration_code {
        xml.push_str("<soap:Header>");
        xml.push_str(&format!(
            "<AutotaskIntegrations xmlns=\"{ATWS_NAMESPACE}\"><IntegrationCode>{}</IntegrationCode></AutotaskIntegrations>",
            escape(code)
        ));
        xml.push_str("</soap:Header>");
    }
    xml.push_str("<soap:Body>");
    let element = operation.element();
    if inner.is_empty() {
        xml.push_str(&format!("<{element} xmlns=\"{ATWS_NAMESPACE}\" />"));
    } else {
        xml.push_str(&format!("<{element} xmlns=\"{ATWS_NAMESPACE}\">"));
        xml.push_str(inner);
        xml.push_str(&format!("</{element}>"));
    }
    xml.push_str("</soap:Body></soap:Envelope>");
    xml
}

/// `query(sXML)`: the QueryXML travels as CDATA, so it stays readable in traces.
pub fn query_body(query: &QueryXml) -> String {
    format!("<sXML>{}</sXML>", cdata(&query.to_xml()))
}

/// `GetFieldInfo(psObjectType)`.
pub fn field_info_body(entity: &str) -> String {
    format!("<psObjectType>{}</psObjectType>", escape(entity))
}

/// `getUDFInfo(psTable)`.
pub fn udf_info_body(entity: &str) -> String {
    format!("<psTable>{}</psTable>", escape(entity))
}

/// `getZoneInfo(UserName)`.
pub fn zone_info_body(user: &str) -> String {
    format!("<UserName>{}</UserName>", escape(user))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_carries_the_escaped_integration_code() {
        let xml = envelope(Operation::GetEntityInfo, Some("A&B"), "");
        assert!(xml.contains("<IntegrationCode>A&amp;B</IntegrationCode>"));
        assert!(xml.contains("<GetEntityInfo xmlns=\"http://autotask.net/ATWS/v1_6/\" />"));
        let discovery = envelope(Operation::GetZoneInfo, None, &zone_info_body("u@x"));
        assert!(!discovery.contains("Header"));
        assert!(discovery.contains("<getZoneInfo xmlns=\"http://autotask.net/ATWS/v1_6/\"><UserName>u@x</UserName></getZoneInfo>"));
    }
}
