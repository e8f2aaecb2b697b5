//! Reading a request envelope: the `AutotaskIntegrations` header and the
//! operation element in the `Body`.

use super::response_envelope::FaultCode;
use crate::autotask::wire::{SOAP_NAMESPACE, XmlElement, parse_document};

/// A request the simulator could read.
#[derive(Debug)]
pub(super) struct SoapRequest {
    /// `AutotaskIntegrations/IntegrationCode`, trimmed; `None` when absent.
    pub(super) integration_code: Option<String>,
    /// The first element of the `Body`, e.g. `query`.
    pub(super) operation: XmlElement,
}

/// Why a request is not a SOAP 1.1 envelope; answered with a fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EnvelopeError {
    pub(super) code: FaultCode,
    pub(super) message: String,
}

impl EnvelopeError {
    fn unreadable(detail: impl std::fmt::Display) -> Self {
        EnvelopeError {
            code: FaultCode::Client,
            message: format!("Server was unable to read request. ---> {detail}"),
        }
    }
}

pub(super) fn read_request(body: &[u8]) -> Result<SoapRequest, EnvelopeError> {
    let envelope = parse_document(body).map_err(EnvelopeError::unreadable)?;
    if envelope.local_name != "Envelope" {
        return Err(EnvelopeError::unreadable(format!(
            "The root element is <{}>, not a SOAP Envelope.",
            envelope.local_name
        )));
    }
    if envelope.namespace.as_deref() != Some(SOAP_NAMESPACE) {
        return Err(EnvelopeError {
            code: FaultCode::VersionMismatch,
            message: format!(
                "Possible SOAP version mismatch: Envelope namespace {} was unexpected. Expecting {SOAP_NAMESPACE}.",
                envelope.namespace.as_deref().unwrap_or("(none)")
            ),
        });
    }
    let integration_code = envelope
        .child("Header")
        .and_then(|header| header.child("AutotaskIntegrations"))
        .and_then(|integrations| integrations.child("IntegrationCode"))
        .map(|code| code.text.trim().to_owned());
    let mut envelope = envelope;
    let body_index = envelope
        .children
        .iter()
        .position(|child| child.local_name == "Body")
        .ok_or_else(|| EnvelopeError::unreadable("The SOAP Envelope has no Body."))?;
    let mut body = envelope.children.swap_remove(body_index);
    if body.children.is_empty() {
        return Err(EnvelopeError::unreadable("The SOAP Body is empty."));
    }
    let operation = body.children.swap_remove(0);
    Ok(SoapRequest {
        integration_code,
        operation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_header_and_operation_whatever_the_prefixes() {
        let request = read_request(
            br#"<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="http://autotask.net/ATWS/v1_6/"><SOAP-ENV:Header><ns1:AutotaskIntegrations><ns1:IntegrationCode> X </ns1:IntegrationCode></ns1:AutotaskIntegrations></SOAP-ENV:Header><SOAP-ENV:Body><ns1:query><ns1:sXML>q</ns1:sXML></ns1:query></SOAP-ENV:Body></SOAP-ENV:Envelope>"#,
        )
        .unwrap();
        assert_eq!(request.integration_code.as_deref(), Some("X"));
        assert_eq!(request.operation.local_name, "query");
        assert_eq!(
            request.operation.namespace.as_deref(),
            Some("http://autotask.net/ATWS/v1_6/")
        );
    }

    #[test]
    fn soap_12_and_broken_envelopes_are_refused() {
        let soap12 = read_request(
            br#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><query/></e:Body></e:Envelope>"#,
        )
        .unwrap_err();
        assert_eq!(soap12.code, FaultCode::VersionMismatch);
        for input in [
            &b"<Envelope/>"[..],
            br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/>"#,
            br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>"#,
            b"<query/>",
            b"not xml",
        ] {
            assert!(read_request(input).is_err(), "{input:?}");
        }
    }
}
