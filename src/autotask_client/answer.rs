//! Reading the answers that are not entity streams (`GetFieldInfo`, `getUDFInfo`,
//! `GetEntityInfo`, `getZoneInfo`) and SOAP faults, as element trees: they are small, and a
//! tree makes their optional, any-order elements easy to read.

use crate::autotask::soap::SoapError;
use crate::autotask::wire::{Operation, XmlElement, XmlError, parse_document};

/// The result element of an ATWS answer (`GetFieldInfoResult` inside `GetFieldInfoResponse`
/// inside the SOAP `Body`). A SOAP fault is returned as [`SoapError::Fault`]. A missing result
/// element reads as an empty one (the WSDL makes every result optional).
pub fn read_answer(xml: &[u8], operation: Operation) -> Result<XmlElement, SoapError> {
    let envelope = parse_document(xml).map_err(malformed)?;
    if envelope.local_name != "Envelope" {
        return Err(unexpected(
            "a SOAP <Envelope>",
            format!("<{}>", envelope.local_name),
        ));
    }
    let body = envelope
        .child("Body")
        .ok_or_else(|| unexpected("a SOAP <Body>", "none".to_owned()))?;
    let Some(first) = body.children.first() else {
        return Err(unexpected(
            "an answer in the SOAP Body",
            "nothing".to_owned(),
        ));
    };
    if first.local_name == "Fault" {
        return Err(fault(first));
    }
    let response = operation.response_element();
    if first.local_name != response {
        return Err(unexpected(
            &format!("<{response}> in the SOAP Body"),
            format!("<{}>", first.local_name),
        ));
    }
    let result = operation.result_element();
    Ok(first.child(&result).cloned().unwrap_or(XmlElement {
        local_name: result,
        ..XmlElement::default()
    }))
}

/// The SOAP fault in a document, when it is one.
pub fn read_fault(xml: &[u8]) -> Option<SoapError> {
    let envelope = parse_document(xml).ok()?;
    let first = envelope.child("Body")?.children.first()?;
    (first.local_name == "Fault").then(|| fault(first))
}

fn fault(node: &XmlElement) -> SoapError {
    let text = |names: [&str; 2]| {
        names
            .iter()
            .find_map(|n| node.child(n))
            .map(XmlElement::all_text)
            .unwrap_or_default()
    };
    let detail = text(["detail", "Detail"]);
    SoapError::Fault {
        code: text(["faultcode", "Code"]),
        message: text(["faultstring", "Reason"]),
        detail: (!detail.is_empty()).then_some(detail),
    }
}

fn malformed(error: XmlError) -> SoapError {
    SoapError::Xml {
        position: error.position,
        line: error.line,
        column: error.column,
        message: error.message,
    }
}

fn unexpected(expected: &str, found: String) -> SoapError {
    SoapError::UnexpectedElement {
        expected: expected.to_owned(),
        found,
        position: 0,
        line: 1,
        column: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_answer_and_a_fault() {
        let answer = br#"<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><getZoneInfoResponse xmlns="http://autotask.net/ATWS/v1_6/"><getZoneInfoResult><URL>https://x/a&amp;b</URL><ErrorCode>0</ErrorCode></getZoneInfoResult></getZoneInfoResponse></s:Body></s:Envelope>"#;
        let result = read_answer(answer, Operation::GetZoneInfo).unwrap_or_default();
        assert_eq!(result.child_text("URL"), Some("https://x/a&b"));

        let fault = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>Server did not recognize the value of HTTP Header SOAPAction: x.</faultstring></soap:Fault></soap:Body></soap:Envelope>"#;
        assert!(matches!(
            read_answer(fault, Operation::Query),
            Err(SoapError::Fault { code, .. }) if code == "soap:Client"
        ));
        assert!(read_fault(fault).is_some());
        assert!(read_answer(b"<a><b></a>", Operation::Query).is_err());
        assert!(read_answer(b"Unauthorized", Operation::Query).is_err());
    }
}
