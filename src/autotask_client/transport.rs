//! One HTTP POST of a SOAP envelope, and what its status means: 200 is an answer to read,
//! 401 is a bad user or secret, 500 is usually a SOAP fault, anything else an HTTP error.
//! Bodies are read up to a size cap; every text taken from an answer is scrubbed of the secret
//! whole, before it is collapsed or cut for a message.

use std::time::Duration;

use super::answer::read_fault;
use super::credentials::Credentials;
use super::error::{CallSite, ClientError, classify_fault};
use crate::autotask::soap::SoapError;
use crate::autotask::wire::Operation;
use crate::redaction::SecretForms;

/// How much of an unexpected body an error message quotes.
const EXCERPT_CHARS: usize = 200;

#[derive(Debug, Clone)]
pub struct Transport {
    http: reqwest::Client,
    timeout: Duration,
    max_bytes: usize,
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
    pub fn new(timeout: Duration, max_bytes: usize) -> Result<Transport, ClientError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("fieldmap/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Setup(error_chain(&e)))?;
        Ok(Transport {
            http,
            timeout,
            max_bytes,
        })
    }

    /// Posts `envelope` to `at.endpoint`; with `credentials`, Basic auth goes along. Texts
    /// from the answer are scrubbed of every form in `secrets`.
    pub async fn post(
        &self,
        at: &CallSite,
        operation: Operation,
        credentials: Option<&Credentials>,
        envelope: String,
        secrets: &SecretForms,
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
        let scrub = |text: String| secrets.scrub_owned(text);
        let mut response = request
            .send()
            .await
            .map_err(|e| self.send_error(at, &e, scrub))?;
        let status = response.status().as_u16();
        let too_large = || ClientError::ResponseTooLarge {
            at: at.clone(),
            limit: self.max_bytes,
        };
        if response
            .content_length()
            .is_some_and(|length| length > self.max_bytes as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.send_error(at, &e, scrub))?
        {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
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
                    body_excerpt: excerpt(&body, secrets),
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

/// The start of a body that is not SOAP, on one line, for an error message: scrubbed whole,
/// then collapsed and cut, so no part of a secret survives at the cut.
fn excerpt(body: &[u8], secrets: &SecretForms) -> Option<String> {
    let text = secrets.scrub(&String::from_utf8_lossy(body));
    let excerpt = crate::redaction::excerpt(&text, EXCERPT_CHARS);
    (!excerpt.is_empty()).then_some(excerpt)
}
