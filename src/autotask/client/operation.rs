//! The ATWS operations the client calls, with the element names and `SOAPAction` of each.
//! The casing of the body element differs between operations (`query`, `GetFieldInfo`,
//! `getUDFInfo`); the `SOAPAction` follows it exactly.

/// The ATWS v1.6 namespace: of the body elements, the header and `SOAPAction`.
pub const ATWS_NAMESPACE: &str = "http://autotask.net/ATWS/v1_6/";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    Query,
    Create,
    Update,
    GetFieldInfo,
    GetUdfInfo,
    GetEntityInfo,
    GetZoneInfo,
    GetThresholdAndUsageInfo,
}

impl Operation {
    /// The request's body element, e.g. `getUDFInfo`.
    pub fn element(self) -> &'static str {
        match self {
            Operation::Query => "query",
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::GetFieldInfo => "GetFieldInfo",
            Operation::GetUdfInfo => "getUDFInfo",
            Operation::GetEntityInfo => "GetEntityInfo",
            Operation::GetZoneInfo => "getZoneInfo",
            Operation::GetThresholdAndUsageInfo => "getThresholdAndUsageInfo",
        }
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
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.element())
    }
}

#[cfg(test)]
mod tests {
    use super::Operation;

    #[test]
    fn soap_action_follows_the_body_element_casing() {
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
}
