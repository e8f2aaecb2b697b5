//! The operations of the ATWS v1.6 WSDL: one table of body elements, from which the
//! `SOAPAction`, the response and result elements follow. The casing of the body element
//! differs between operations (`query`, `GetFieldInfo`, `getUDFInfo`), and `SOAPAction` must
//! follow it exactly.

use super::ATWS_NAMESPACE;

/// An operation of the ATWS v1.6 WSDL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    Query,
    Create,
    Update,
    Delete,
    GetEntityInfo,
    GetFieldInfo,
    GetUdfInfo,
    GetZoneInfo,
    GetThresholdAndUsageInfo,
    GetWsdlVersion,
    GetAttachment,
    CreateAttachment,
    DeleteAttachment,
    GetInvoiceMarkup,
}

/// Body element names, cased as the WSDL writes them.
const OPERATIONS: [(Operation, &str); 14] = [
    (Operation::Query, "query"),
    (Operation::Create, "create"),
    (Operation::Update, "update"),
    (Operation::Delete, "delete"),
    (Operation::GetEntityInfo, "GetEntityInfo"),
    (Operation::GetFieldInfo, "GetFieldInfo"),
    (Operation::GetUdfInfo, "getUDFInfo"),
    (Operation::GetZoneInfo, "getZoneInfo"),
    (
        Operation::GetThresholdAndUsageInfo,
        "getThresholdAndUsageInfo",
    ),
    (Operation::GetWsdlVersion, "GetWsdlVersion"),
    (Operation::GetAttachment, "GetAttachment"),
    (Operation::CreateAttachment, "CreateAttachment"),
    (Operation::DeleteAttachment, "DeleteAttachment"),
    (Operation::GetInvoiceMarkup, "GetInvoiceMarkup"),
];

impl Operation {
    /// The request's body element (and the `SOAPAction` suffix), e.g. `getUDFInfo`.
    pub fn element(self) -> &'static str {
        OPERATIONS
            .iter()
            .find(|(operation, _)| *operation == self)
            .map_or("", |(_, element)| element)
    }

    /// The operation whose body element this is, cased exactly.
    pub fn from_element(element: &str) -> Option<Operation> {
        OPERATIONS
            .iter()
            .find(|(_, known)| *known == element)
            .map(|(operation, _)| *operation)
    }

    /// The operation a `SOAPAction` header value names (quotes optional, casing exact), or
    /// `None` when the server would not recognize it.
    pub fn from_soap_action(header: &str) -> Option<Operation> {
        Operation::from_element(soap_action_text(header).strip_prefix(ATWS_NAMESPACE)?)
    }

    /// The answer's body element, e.g. `getUDFInfoResponse`.
    pub fn response_element(self) -> String {
        format!("{}Response", self.element())
    }

    /// The element inside the answer that holds the result, e.g. `getUDFInfoResult`.
    pub fn result_element(self) -> String {
        format!("{}Result", self.element())
    }

    /// The `SOAPAction` header value, quoted as SOAP 1.1 wants it.
    pub fn soap_action(self) -> String {
        format!("\"{ATWS_NAMESPACE}{}\"", self.element())
    }

    /// Only zone discovery goes without Basic auth and the integration header.
    pub fn is_authenticated(self) -> bool {
        self != Operation::GetZoneInfo
    }

    /// Whether the operation answers with an `ATWSResponse`, which has room for errors; the
    /// others can only fail with a SOAP fault.
    pub fn answers_atws_response(self) -> bool {
        matches!(
            self,
            Operation::Query
                | Operation::Create
                | Operation::Update
                | Operation::Delete
                | Operation::GetThresholdAndUsageInfo
        )
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.element())
    }
}

/// A `SOAPAction` header value without surrounding whitespace and quotes.
pub fn soap_action_text(header: &str) -> &str {
    let trimmed = header.trim();
    trimmed
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soap_action_casing_follows_the_body_element() {
        assert_eq!(
            Operation::Query.soap_action(),
            "\"http://autotask.net/ATWS/v1_6/query\""
        );
        assert_eq!(
            Operation::GetFieldInfo.soap_action(),
            "\"http://autotask.net/ATWS/v1_6/GetFieldInfo\""
        );
        assert_eq!(
            Operation::GetUdfInfo.soap_action(),
            "\"http://autotask.net/ATWS/v1_6/getUDFInfo\""
        );
        assert_eq!(
            Operation::GetEntityInfo.response_element(),
            "GetEntityInfoResponse"
        );
        assert!(!Operation::GetZoneInfo.is_authenticated());
    }

    #[test]
    fn a_soap_action_names_an_operation_only_when_cased_exactly() {
        assert_eq!(
            Operation::from_soap_action("\"http://autotask.net/ATWS/v1_6/query\""),
            Some(Operation::Query)
        );
        assert_eq!(
            Operation::from_soap_action("http://autotask.net/ATWS/v1_6/getUDFInfo"),
            Some(Operation::GetUdfInfo)
        );
        assert_eq!(
            Operation::from_soap_action("\"http://autotask.net/ATWS/v1_6/Query\""),
            None
        );
        assert_eq!(Operation::from_soap_action("\"\""), None);
    }

    #[test]
    fn every_operation_has_its_own_element() {
        for (operation, element) in OPERATIONS {
            assert_eq!(operation.element(), element);
            assert_eq!(Operation::from_element(element), Some(operation));
        }
    }
}
