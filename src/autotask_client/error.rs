//! Everything that can go wrong talking to Autotask, each saying which call failed where.
//! No variant ever holds the API secret: every error a call ends with passes through
//! [`ClientError::scrubbed`], which replaces the secret in any of its forms (see
//! [`crate::redaction`]) in every text the error holds.

use std::time::Duration;

use super::credentials::CredentialsError;
use crate::autotask::soap::SoapError;
use crate::redaction::SecretForms;

/// What was being done, and against which URL: the first half of every error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSite {
    /// The SOAP operation, e.g. `query`, `GetFieldInfo`.
    pub operation: &'static str,
    /// The entity the call was about, when there is one (`Ticket`).
    pub entity: Option<String>,
    /// The endpoint URL.
    pub endpoint: String,
}

impl std::fmt::Display for CallSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.entity {
            Some(entity) => write!(f, "{} {entity} at {}", self.operation, self.endpoint),
            None => write!(f, "{} at {}", self.operation, self.endpoint),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// HTTP 401: the user name or secret is wrong (or the user is not an API user).
    #[error("{at}: Autotask refused the user name or secret (HTTP 401)")]
    Unauthorized { at: CallSite },

    /// `ReturnCode` -1 with "IntegrationCode is invalid.".
    #[error("{at}: Autotask rejected the integration code: {message}")]
    IntegrationCode { at: CallSite, message: String },

    /// Autotask refused the request: validation errors and other `ATWSError`s.
    #[error("{at}: Autotask answered with errors: {}", messages.join(" | "))]
    Api { at: CallSite, messages: Vec<String> },

    /// A SOAP fault: the server could not route or read the request.
    #[error("{at}: SOAP fault {code} (HTTP {status}): {message}")]
    Fault {
        at: CallSite,
        status: u16,
        code: String,
        message: String,
    },

    /// An HTTP status other than 200 that is neither 401 nor a SOAP fault.
    #[error("{at}: HTTP {status}{}", body_excerpt.as_deref().map(|b| format!(": {b}")).unwrap_or_default())]
    Http {
        at: CallSite,
        status: u16,
        body_excerpt: Option<String>,
    },

    /// The answer is longer than the client reads (`ClientConfig::max_response_bytes`).
    #[error("{at}: the answer is larger than {limit} bytes, the most the client reads")]
    ResponseTooLarge { at: CallSite, limit: usize },

    /// No answer within the per-request timeout (after the retries allowed).
    #[error("{at}: no answer within {timeout:?}")]
    Timeout { at: CallSite, timeout: Duration },

    /// The connection could not be made or broke off.
    #[error("{at}: {message}")]
    Network {
        at: CallSite,
        message: String,
        /// The request surely never reached the server (the connection was refused).
        before_sending: bool,
    },

    /// The hourly request threshold of the Autotask database is reached, by Autotask's word or
    /// by the client's own count.
    #[error("{at}: the request threshold is reached: {message}")]
    Threshold { at: CallSite, message: String },

    /// The answer is not the SOAP response the operation has.
    #[error("{at}: unreadable response: {source}")]
    Xml {
        at: CallSite,
        #[source]
        source: Box<SoapError>,
    },

    /// `getZoneInfo` did not give a zone URL for the user.
    #[error("zone discovery for {user} at {endpoint}: {message}")]
    ZoneDiscovery {
        user: String,
        endpoint: String,
        message: String,
    },

    /// The records asked for do not exist (or the API user may not see them).
    #[error(
        "Autotask returned no {entity} with id {id} (it does not exist, or the API user may not see it)"
    )]
    NotFound { entity: String, id: i64 },

    /// A request the client refuses to send, e.g. a field the schema does not have.
    #[error("{0}")]
    InvalidRequest(String),

    #[error(transparent)]
    Credentials(#[from] CredentialsError),

    /// A task of the client's own stopped before it finished (it panicked or was cancelled).
    #[error("internal failure: {0}")]
    TaskFailed(String),

    /// The HTTP client could not be set up.
    #[error("cannot set up the HTTP client: {0}")]
    Setup(String),
}

impl ClientError {
    /// Whether sending the same request again may succeed: server errors, timeouts, broken
    /// connections and the request threshold. Never 401, faults the client caused, or
    /// validation errors.
    pub fn is_retryable(&self) -> bool {
        self.is_transient()
    }

    /// Whether a `create` may be sent again: only when the server surely saved nothing (the
    /// threshold refused it, the connection was never made, or a proxy said the service is
    /// unavailable). A timeout or a server error may come after the save, and creating twice
    /// makes duplicates.
    pub fn is_safe_to_resend_create(&self) -> bool {
        match self {
            ClientError::Threshold { .. } => true,
            ClientError::Network { before_sending, .. } => *before_sending,
            ClientError::Http { status, .. } => matches!(status, 429 | 502 | 503),
            _ => false,
        }
    }

    fn is_transient(&self) -> bool {
        match self {
            ClientError::Http { status, .. } => *status >= 500 || *status == 429,
            ClientError::Fault { code, status, .. } => {
                *status >= 500 && !code.to_ascii_lowercase().contains("client")
            }
            ClientError::Timeout { .. }
            | ClientError::Network { .. }
            | ClientError::Threshold { .. } => true,
            ClientError::Unauthorized { .. }
            | ClientError::IntegrationCode { .. }
            | ClientError::Api { .. }
            | ClientError::Xml { .. }
            | ClientError::ResponseTooLarge { .. }
            | ClientError::ZoneDiscovery { .. }
            | ClientError::NotFound { .. }
            | ClientError::InvalidRequest(_)
            | ClientError::Credentials(_)
            | ClientError::TaskFailed(_)
            | ClientError::Setup(_) => false,
        }
    }

    /// A few words for the call log: `timeout`, `HTTP 503`, `threshold`…
    pub fn short(&self) -> String {
        match self {
            ClientError::Unauthorized { .. } => "unauthorized".into(),
            ClientError::IntegrationCode { .. } => "integration code rejected".into(),
            ClientError::Api { messages, .. } => format!("errors: {}", messages.join(" | ")),
            ClientError::Fault { code, .. } => format!("SOAP fault {code}"),
            ClientError::Http { status, .. } => format!("HTTP {status}"),
            ClientError::Timeout { .. } => "timeout".into(),
            ClientError::Network { .. } => "connection failed".into(),
            ClientError::Threshold { .. } => "threshold reached".into(),
            ClientError::Xml { .. } => "unreadable response".into(),
            ClientError::ResponseTooLarge { .. } => "response too large".into(),
            ClientError::ZoneDiscovery { .. } => "zone discovery failed".into(),
            ClientError::NotFound { .. } => "not found".into(),
            ClientError::InvalidRequest(_) => "invalid request".into(),
            ClientError::Credentials(_) => "credentials".into(),
            ClientError::TaskFailed(_) => "internal failure".into(),
            ClientError::Setup(_) => "setup".into(),
        }
    }

    /// Where the failing call went, when it was a call.
    pub fn call_site(&self) -> Option<&CallSite> {
        match self {
            ClientError::Unauthorized { at }
            | ClientError::IntegrationCode { at, .. }
            | ClientError::Api { at, .. }
            | ClientError::Fault { at, .. }
            | ClientError::Http { at, .. }
            | ClientError::Timeout { at, .. }
            | ClientError::Network { at, .. }
            | ClientError::Threshold { at, .. }
            | ClientError::Xml { at, .. }
            | ClientError::ResponseTooLarge { at, .. } => Some(at),
            _ => None,
        }
    }
}

impl ClientError {
    /// The same error with every form of the secret replaced in every text it holds: server
    /// messages, fault texts, body excerpts, reader errors, transport messages, even the URL.
    pub fn scrubbed(self, forms: &SecretForms) -> ClientError {
        let s = |text: String| forms.scrub_owned(text);
        let site = |at: CallSite| CallSite {
            endpoint: s(at.endpoint),
            entity: at.entity.map(s),
            ..at
        };
        match self {
            ClientError::Unauthorized { at } => ClientError::Unauthorized { at: site(at) },
            ClientError::IntegrationCode { at, message } => ClientError::IntegrationCode {
                at: site(at),
                message: s(message),
            },
            ClientError::Api { at, messages } => ClientError::Api {
                at: site(at),
                messages: messages.into_iter().map(s).collect(),
            },
            ClientError::Fault {
                at,
                status,
                code,
                message,
            } => ClientError::Fault {
                at: site(at),
                status,
                code: s(code),
                message: s(message),
            },
            ClientError::Http {
                at,
                status,
                body_excerpt,
            } => ClientError::Http {
                at: site(at),
                status,
                body_excerpt: body_excerpt.map(s),
            },
            ClientError::ResponseTooLarge { at, limit } => ClientError::ResponseTooLarge {
                at: site(at),
                limit,
            },
            ClientError::Timeout { at, timeout } => ClientError::Timeout {
                at: site(at),
                timeout,
            },
            ClientError::Network {
                at,
                message,
                before_sending,
            } => ClientError::Network {
                at: site(at),
                message: s(message),
                before_sending,
            },
            ClientError::Threshold { at, message } => ClientError::Threshold {
                at: site(at),
                message: s(message),
            },
            ClientError::Xml { at, source } => ClientError::Xml {
                at: site(at),
                source: Box::new(scrub_soap(*source, &s)),
            },
            ClientError::ZoneDiscovery {
                user,
                endpoint,
                message,
            } => ClientError::ZoneDiscovery {
                user,
                endpoint: s(endpoint),
                message: s(message),
            },
            ClientError::InvalidRequest(message) => ClientError::InvalidRequest(s(message)),
            ClientError::TaskFailed(message) => ClientError::TaskFailed(s(message)),
            ClientError::Setup(message) => ClientError::Setup(s(message)),
            other @ (ClientError::NotFound { .. } | ClientError::Credentials(_)) => other,
        }
    }
}

fn scrub_soap(error: SoapError, s: &impl Fn(String) -> String) -> SoapError {
    match error {
        SoapError::Xml {
            position,
            line,
            column,
            message,
        } => SoapError::Xml {
            position,
            line,
            column,
            message: s(message),
        },
        SoapError::UnexpectedElement {
            expected,
            found,
            position,
            line,
            column,
        } => SoapError::UnexpectedElement {
            expected: s(expected),
            found: s(found),
            position,
            line,
            column,
        },
        SoapError::Invalid {
            position,
            line,
            column,
            message,
        } => SoapError::Invalid {
            position,
            line,
            column,
            message: s(message),
        },
        SoapError::Fault {
            code,
            message,
            detail,
        } => SoapError::Fault {
            code: s(code),
            message: s(message),
            detail: detail.map(s),
        },
        SoapError::Rejected {
            return_code,
            errors,
        } => SoapError::Rejected {
            return_code,
            errors: errors.into_iter().map(s).collect(),
        },
        SoapError::UnreadableUsage { message } => SoapError::UnreadableUsage {
            message: message.map(s),
        },
    }
}

/// Sorts the `ATWSError` messages of a failed response into the error they mean.
pub(crate) fn classify_atws_errors(at: CallSite, messages: Vec<String>) -> ClientError {
    let lower: Vec<String> = messages.iter().map(|m| m.to_ascii_lowercase()).collect();
    if lower
        .iter()
        .any(|m| m.contains("integrationcode") || m.contains("integration code"))
    {
        return ClientError::IntegrationCode {
            at,
            message: messages.join(" "),
        };
    }
    if lower.iter().any(|m| m.contains("threshold")) {
        return ClientError::Threshold {
            at,
            message: messages.join(" "),
        };
    }
    ClientError::Api { at, messages }
}

/// Sorts a SOAP fault: the metadata calls have no room for `ATWSError`s, so Autotask refuses
/// them with a fault that says why (bad integration code, threshold, unknown entity type).
pub(crate) fn classify_fault(
    at: CallSite,
    status: u16,
    code: String,
    message: String,
) -> ClientError {
    let lower = message.to_ascii_lowercase();
    if lower.contains("integrationcode") || lower.contains("integration code") {
        return ClientError::IntegrationCode { at, message };
    }
    if lower.contains("threshold") {
        return ClientError::Threshold { at, message };
    }
    if lower.contains("invalid entity type") {
        return ClientError::Api {
            at,
            messages: vec![message],
        };
    }
    ClientError::Fault {
        at,
        status,
        code,
        message,
    }
}
