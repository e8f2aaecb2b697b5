//! One HTTP POST of a SOAP envelope, and what its status means: 200 is an answer to read,
//! 401 is a bad user or secret, 500 is usually a SOAP fault, anything else an HTTP error.

use std::time::Duration;

use super::answer::read_fault;
use super::credentials::Credentials;
use super::error::{CallSite, ClientError, classify_fault};
use crate::autotask::soap::SoapError;
use crate::autotask::wire::Operation;

/// How much of an unexpected body an error message quotes.
const EXCERPT_CHARS: usize = 200;

#[derive(Debug, Clone)]
pub struct Transport {
    http: reqwest::Client,
    timeout: Duration,
}

/// An answer with status 200.
#[derive(Debug)]
pub struct HttpAnswer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Transport {
    /// Builds the HTTP client. TLS goes through rustls with the ring provider, installed here
    /// once for the process (installing it again is harmless and ignored).
    pub fn new(timeout: Duration) -> Result<Transport, ClientError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("fieldmap/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Setup(error_chain(&e)))?;
        Ok(Transport { http, timeout })
    }

    /// Posts `envelope` to `at.endpoint`; with `credentials`, Basic auth goes along.
    pub async fn post(
        &self,
        at: &CallSite,
        operation: Operation,
        credentials: Option<&Credentials>,
        envelope: String,
    ) -> Result<HttpAnswer, ClientError> {
        let mut request = self
            .http
            .post(&at.endpoint)
            .timeout(self.timeout)
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", operation.soap_action())
            .body(envelope);
        if let Some(credentials) = credentials {
            request = request.basic_auth(&credentials.user, Some(credentials.secret.expose()));
        }
        let scrub = |text: String| match credentials {
            Some(c) => scrub_secret(text, c.secret.expose()),
            None => text,
        };
        let response = request
            .send()
            .await
            .map_err(|e| self.send_error(at, &e, scrub))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.send_error(at, &e, scrub))?
            .to_vec();
        match status {
            200 => Ok(HttpAnswer { status, body }),
            401 => Err(ClientError::Unauthorized { at: at.clone() }),
            _ => Err(match read_fault(&body) {
                Some(SoapError::Fault { code, message, .. }) => {
                    classify_fault(at.clone(), status, scrub(code), scrub(message))
                }
                _ => ClientError::Http {
                    at: at.clone(),
                    status,
                    body_excerpt: excerpt(&body).map(scrub),
                },
            }),
        }
    }

    fn send_error(
        &self,
        at: &CallSite,
        error: &reqwest::Error,
        scrub: impl Fn(String) -> String,
    ) -> ClientError {
        if error.is_timeout() {
            ClientError::Timeout {
                at: at.clone(),
                timeout: self.timeout,
            }
        } else {
            ClientError::Network {
                at: at.clone(),
                message: scrub(error_chain(error)),
                before_sending: error.is_connect(),
            }
        }
    }
}

/// An error and its causes, `outer: inner: innermost`, without repeats.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// The start of a body that is not SOAP, on one line, for an error message.
fn excerpt(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        return None;
    }
    Some(match one_line.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    })
}

/// Server texts end up in errors; a server that echoes the request must not leak the secret.
pub(crate) fn scrub_secret(text: String, secret: &str) -> String {
    if secret.is_empty() || !text.contains(secret) {
        text
    } else {
        text.replace(secret, "[redacted]")
    }
}
