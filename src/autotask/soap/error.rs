//! Everything that can go wrong while reading an ATWS response.

/// Why a response could not be read.
///
/// Positions are byte offsets into the bytes that were handed to the reader
/// (a leading byte order mark counts); lines and columns start at 1 and
/// columns count characters, so they match what an editor shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SoapError {
    /// The bytes are not well-formed XML (this includes a truncated response).
    #[error("malformed XML at line {line}, column {column} (byte {position}): {message}")]
    Xml {
        /// Byte offset into the input.
        position: usize,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// What is wrong, in the parser's words.
        message: String,
    },

    /// Well-formed XML, but not the element this response must have here,
    /// for example a `createResponse` where a `queryResponse` belongs.
    #[error("expected {expected} at line {line}, column {column} (byte {position}), found {found}")]
    UnexpectedElement {
        /// What belongs here, e.g. `<queryResponse> in the SOAP Body`.
        expected: String,
        /// What is there instead, e.g. `<createResponse>` or `text "Unauthorized"`.
        found: String,
        /// Byte offset into the input.
        position: usize,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
    },

    /// The expected elements are there, but their content breaks the ATWS
    /// contract, for example a `ReturnCode` that is not a number.
    #[error("invalid ATWS response at line {line}, column {column} (byte {position}): {message}")]
    Invalid {
        /// Byte offset into the input.
        position: usize,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// Which rule the response breaks.
        message: String,
    },

    /// The server answered with a SOAP fault (HTTP 500), for example for an
    /// unknown SOAPAction or a malformed request envelope.
    #[error("SOAP fault {code}: {message}")]
    Fault {
        /// `faultcode`, e.g. `soap:Client`.
        code: String,
        /// `faultstring`; for Autotask often a .NET exception with stack trace.
        message: String,
        /// The text of `detail`, when it has any.
        detail: Option<String>,
    },

    /// Autotask refused the request (`ReturnCode` other than 1). Only the
    /// readers whose result has no room for ATWS errors report this; query,
    /// create and update outcomes carry the errors instead.
    #[error("Autotask refused the request (ReturnCode {return_code}): {}", errors.join(" "))]
    Rejected {
        /// The `ReturnCode`, normally -1.
        return_code: i32,
        /// The `ATWSError/Message` texts.
        errors: Vec<String>,
    },

    /// `getThresholdAndUsageInfo` answered without a message in the
    /// `ThresholdOfExternalRequest: …; TimeframeOfLimitation: …;
    /// numberOfExternalRequest: …;` form.
    #[error("unreadable threshold and usage message: {}", message.as_deref().unwrap_or("(none)"))]
    UnreadableUsage {
        /// The first `EntityReturnInfo/Message`, if there was one.
        message: Option<String>,
    },
}

impl SoapError {
    /// The byte offset the error points at, when it points into the document.
    pub fn position(&self) -> Option<usize> {
        match self {
            SoapError::Xml { position, .. }
            | SoapError::UnexpectedElement { position, .. }
            | SoapError::Invalid { position, .. } => Some(*position),
            SoapError::Fault { .. }
            | SoapError::Rejected { .. }
            | SoapError::UnreadableUsage { .. } => None,
        }
    }
}
