//! One HTTP request and its answer, read up to a size cap. What the status means is the
//! client's business; here only the failures of the exchange itself become errors.

use std::time::Duration;

use reqwest::{Method, Url};

use super::backoff::parse_retry_after;
use super::error::{CallSite, FnError};
use super::redaction::Redactor;

#[derive(Debug)]
pub(super) struct Transport {
    http: reqwest::Client,
    timeout: Duration,
    max_bytes: usize,
}

/// An answer, whatever its status.
#[derive(Debug)]
pub(super) struct Answer {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

impl Transport {
    /// TLS goes through rustls with the ring provider, installed once for the process
    /// (installing it again is harmless and ignored).
    pub(super) fn new(timeout: Duration, max_bytes: usize) -> Result<Transport, FnError> {
        crate::fieldnation::install_tls_provider();
        let http = reqwest::Client::builder()
            .user_agent(concat!("fieldmap/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FnError::Setup(error_chain(&e.without_url())))?;
        Ok(Transport {
            http,
            timeout,
            max_bytes,
        })
    }

    pub(super) async fn send(
        &self,
        at: &CallSite,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        redactor: &Redactor,
    ) -> Result<Answer, FnError> {
        let mut request = self
            .http
            .request(method, url)
            .timeout(self.timeout)
            .header("Accept", "application/json");
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| self.exchange_error(at, e, redactor))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("Retry-After")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        if response
            .content_length()
            .is_some_and(|length| length > self.max_bytes as u64)
        {
            return Err(FnError::ResponseTooLarge {
                at: at.clone(),
                limit: self.max_bytes,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.exchange_error(at, e, redactor))?
        {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(FnError::ResponseTooLarge {
                    at: at.clone(),
                    limit: self.max_bytes,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }

    fn exchange_error(&self, at: &CallSite, error: reqwest::Error, redactor: &Redactor) -> FnError {
        if error.is_timeout() {
            return FnError::Timeout {
                at: at.clone(),
                timeout: self.timeout,
            };
        }
        let before_sending = error.is_connect();
        FnError::Network {
            at: at.clone(),
            message: redactor.scrub(&error_chain(&error.without_url())),
            before_sending,
        }
    }
}

/// An error and its causes, `outer: inner: innermost`, without repeats.
pub(super) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
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

/// The start of a body, on one line, for an error message, scrubbed before it is cut.
pub(super) fn excerpt(body: &[u8], redactor: &Redactor) -> String {
    const EXCERPT_CHARS: usize = 200;
    crate::redaction::excerpt(
        &redactor.scrub(&String::from_utf8_lossy(body)),
        EXCERPT_CHARS,
    )
}
