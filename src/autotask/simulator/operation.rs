//! The ATWS operations and the `SOAPAction` header that names them.

/// Every `SOAPAction` starts with the ATWS namespace.
const ACTION_PREFIX: &str = "http://autotask.net/ATWS/v1_6/";

/// An operation of the ATWS v1.6 WSDL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operation {
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
    /// In the WSDL, but not simulated (attachments, invoice markup).
    NotSimulated(&'static str),
}

/// Body element names, cased as the WSDL writes them (and so as
/// `SOAPAction` must: `query` but `GetFieldInfo` and `getUDFInfo`).
const OPERATIONS: [(&str, Operation); 14] = [
    ("query", Operation::Query),
    ("create", Operation::Create),
    ("update", Operation::Update),
    ("delete", Operation::Delete),
    ("GetEntityInfo", Operation::GetEntityInfo),
    ("GetFieldInfo", Operation::GetFieldInfo),
    ("getUDFInfo", Operation::GetUdfInfo),
    ("getZoneInfo", Operation::GetZoneInfo),
    (
        "getThresholdAndUsageInfo",
        Operation::GetThresholdAndUsageInfo,
    ),
    ("GetWsdlVersion", Operation::GetWsdlVersion),
    ("GetAttachment", Operation::NotSimulated("GetAttachment")),
    (
        "CreateAttachment",
        Operation::NotSimulated("CreateAttachment"),
    ),
    (
        "DeleteAttachment",
        Operation::NotSimulated("DeleteAttachment"),
    ),
    (
        "GetInvoiceMarkup",
        Operation::NotSimulated("GetInvoiceMarkup"),
    ),
];

impl Operation {
    /// The operation a `SOAPAction` header value names (quotes optional,
    /// casing exact), or `None` when the server would not recognize it.
    pub(super) fn from_soap_action(header: &str) -> Option<Operation> {
        let action = soap_action_text(header);
        let name = action.strip_prefix(ACTION_PREFIX)?;
        OPERATIONS
            .iter()
            .find(|(element, _)| *element == name)
            .map(|(_, operation)| *operation)
    }

    /// The body element (and `SOAPAction` suffix) of this operation.
    pub(super) fn element_name(self) -> &'static str {
        OPERATIONS
            .iter()
            .find(|(_, operation)| *operation == self)
            .map_or("", |(element, _)| element)
    }

    /// Whether the operation answers with an `ATWSResponse`, which has room
    /// for errors; the others can only fail with a SOAP fault.
    pub(super) fn answers_atws_response(self) -> bool {
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

/// A `SOAPAction` header value without surrounding whitespace and quotes.
pub(super) fn soap_action_text(header: &str) -> &str {
    let trimmed = header.trim();
    trimmed
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(trimmed)
}

#[cfg(test)]
mod tests {
    use super::Operation;

    #[test]
    fn soap_action_casing_follows_the_body_element() {
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
        assert_eq!(Operation::GetFieldInfo.element_name(), "GetFieldInfo");
    }
}
