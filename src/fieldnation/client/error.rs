//! Everything that can go wrong talking to Field Nation, sorted by what a caller should do
//! about it: fix credentials, fix the mapping or data, or wait and try again. No variant
//! holds a secret: every text from the server or the transport is scrubbed first.

use std::time::Duration;

use super::credentials::CredentialsError;

/// Which operation, at which endpoint: the first half of every error message. The endpoint
/// is the method and path, never the query (which carries the access token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSite {
    pub operation: &'static str,
    pub endpoint: String,
}

impl std::fmt::Display for CallSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.operation, self.endpoint)
    }
}

/// One thing Field Nation found wrong with a request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The work order path it names, dotted: `location.mode`, `contacts.results[0].role`.
    /// `None` when the message names no field.
    pub path: Option<String>,
    pub message: String,
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{path}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FnError {
    /// The credentials or the token were refused (401/403, or the token endpoint's refusal).
    /// Not retried: a person must fix the credentials.
    #[error("{at}: Field Nation refused the credentials (HTTP {status}): {message}")]
    Authentication {
        at: CallSite,
        status: u16,
        message: String,
    },

    /// The body was refused (400/422), with the work order paths Field Nation named. Not
    /// retried: the same body fails again.
    #[error(
        "{at}: Field Nation refused the request (HTTP {status}): {}",
        show_problems(message, problems)
    )]
    Validation {
        at: CallSite,
        status: u16,
        message: String,
        problems: Vec<FieldProblem>,
    },

    /// No such work order (or not visible to this client).
    #[error("{at}: not found (HTTP 404): {message}")]
    NotFound { at: CallSite, message: String },

    /// Another 4xx: the request is wrong in a way retrying does not fix (e.g. a lifecycle
    /// step the work order's status does not allow).
    #[error("{at}: HTTP {status}: {message}")]
    Rejected {
        at: CallSite,
        status: u16,
        message: String,
    },

    /// HTTP 429, after the retries allowed (or with a `Retry-After` longer than the client
    /// waits).
    #[error("{at}: rate limited (HTTP 429){}", retry_after.map(|d| format!(", retry after {} s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        at: CallSite,
        retry_after: Option<Duration>,
    },

    /// A 5xx answer, after the retries allowed.
    #[error("{at}: server error (HTTP {status}): {message}")]
    Server {
        at: CallSite,
        status: u16,
        message: String,
        /// What a 503's `Retry-After` asked for.
        retry_after: Option<Duration>,
    },

    /// No complete answer within the request timeout.
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

    /// The answer is larger than the configured cap; it was not read.
    #[error("{at}: the answer is larger than {limit} bytes")]
    ResponseTooLarge { at: CallSite, limit: usize },

    /// A success status with a body that is not what the operation answers.
    #[error("{at}: unreadable answer: {message}")]
    UnexpectedResponse { at: CallSite, message: String },

    /// The caller's input cannot be sent (e.g. a body that is not a JSON object).
    #[error("{0}")]
    InvalidRequest(String),

    #[error(transparent)]
    Credentials(#[from] CredentialsError),

    /// The HTTP client could not be set up.
    #[error("cannot set up the HTTP client: {0}")]
    Setup(String),
}

fn show_problems(message: &str, problems: &[FieldProblem]) -> String {
    if problems.is_empty() {
        return message.to_owned();
    }
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl FnError {
    /// Whether the same request may succeed later: rate limits, server errors, time-outs and
    /// broken connections.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            FnError::RateLimited { .. }
                | FnError::Server { .. }
                | FnError::Timeout { .. }
                | FnError::Network { .. }
        )
    }

    /// Whether a create may be sent again without risking a second work order: only when the
    /// server surely did nothing (rate limited, connection refused, a gateway saying the
    /// service is unavailable).
    pub fn is_safe_to_resend_create(&self) -> bool {
        match self {
            FnError::RateLimited { .. } => true,
            FnError::Network { before_sending, .. } => *before_sending,
            FnError::Server { status, .. } => matches!(status, 502 | 503),
            _ => false,
        }
    }

    /// Whether a create that failed this way may nevertheless have created the work order:
    /// the request went out and no clear refusal came back.
    pub fn create_outcome_unknown(&self) -> bool {
        match self {
            FnError::Timeout { .. }
            | FnError::ResponseTooLarge { .. }
            | FnError::UnexpectedResponse { .. } => true,
            FnError::Network { before_sending, .. } => !before_sending,
            FnError::Server { status, .. } => !matches!(status, 502 | 503),
            _ => false,
        }
    }

    /// The paths and messages of a validation error; empty for the other kinds.
    pub fn problems(&self) -> &[FieldProblem] {
        match self {
            FnError::Validation { problems, .. } => problems,
            _ => &[],
        }
    }

    /// A few words for the call log.
    pub fn short(&self) -> String {
        match self {
            FnError::Authentication { .. } => "authentication refused".into(),
            FnError::Validation { problems, .. } => format!("{} problem(s)", problems.len()),
            FnError::NotFound { .. } => "not found".into(),
            FnError::Rejected { status, .. } => format!("HTTP {status}"),
            FnError::RateLimited { .. } => "rate limited".into(),
            FnError::Server { status, .. } => format!("HTTP {status}"),
            FnError::Timeout { .. } => "timeout".into(),
            FnError::Network { .. } => "connection failed".into(),
            FnError::ResponseTooLarge { .. } => "answer too large".into(),
            FnError::UnexpectedResponse { .. } => "unreadable answer".into(),
            FnError::InvalidRequest(_) => "invalid request".into(),
            FnError::Credentials(_) => "credentials".into(),
            FnError::Setup(_) => "setup".into(),
        }
    }

    /// Where the failing call went, when it was a call.
    pub fn call_site(&self) -> Option<&CallSite> {
        match self {
            FnError::Authentication { at, .. }
            | FnError::Validation { at, .. }
            | FnError::NotFound { at, .. }
            | FnError::Rejected { at, .. }
            | FnError::RateLimited { at, .. }
            | FnError::Server { at, .. }
            | FnError::Timeout { at, .. }
            | FnError::Network { at, .. }
            | FnError::ResponseTooLarge { at, .. }
            | FnError::UnexpectedResponse { at, .. } => Some(at),
            FnError::InvalidRequest(_) | FnError::Credentials(_) | FnError::Setup(_) => None,
        }
    }
}
