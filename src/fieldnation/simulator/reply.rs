//! Answers as Field Nation writes them: JSON bodies, errors as DefaultResponseErrorDto
//! (`{"status", "message"}`), the token endpoint's errors as AuthErrorDto
//! (`{"status_code", "message"}`), validation errors with the paths at fault.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One thing wrong with a request body: the work order path and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct BodyProblem {
    pub path: String,
    pub message: String,
}

pub(super) fn json_reply(status: u16, value: &Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, value.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// DefaultResponseErrorDto.
pub(super) fn error_reply(status: u16, message: &str) -> Response {
    json_reply(status, &json!({"status": status, "message": message}))
}

/// AuthErrorDto, the token endpoint's error body.
pub(super) fn auth_error_reply(status: u16, message: &str) -> Response {
    json_reply(status, &json!({"status_code": status, "message": message}))
}

/// 422 with every problem: the spec's error body, its message listing the paths, and an
/// `errors` list of `{field, message}`.
pub(super) fn validation_reply(problems: &[BodyProblem]) -> Response {
    let listed: Vec<String> = problems
        .iter()
        .map(|p| format!("{}: {}", p.path, p.message))
        .collect();
    let errors: Vec<Value> = problems
        .iter()
        .map(|p| json!({"field": p.path, "message": p.message}))
        .collect();
    json_reply(
        422,
        &json!({
            "status": 422,
            "message": format!("Validation failed: {}", listed.join("; ")),
            "errors": errors,
        }),
    )
}

/// 429 with `Retry-After`, when given.
pub(super) fn rate_limited_reply(retry_after: Option<u64>) -> Response {
    with_retry_after(
        error_reply(429, "Too many requests, slow down"),
        retry_after,
    )
}

/// 503 with `Retry-After`, when given.
pub(super) fn unavailable_reply(retry_after: Option<u64>) -> Response {
    with_retry_after(
        error_reply(503, "Service temporarily unavailable"),
        retry_after,
    )
}

fn with_retry_after(mut response: Response, retry_after: Option<u64>) -> Response {
    if let Some(seconds) = retry_after
        && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// A 200 whose body fails at once: the server closes the connection without a complete
/// answer, as a crash right after the commit would.
pub(super) fn dropped_connection() -> Response {
    Response::new(Body::new(BrokenBody))
}

struct BrokenBody;

impl HttpBody for BrokenBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "simulated crash after the commit",
        ))))
    }
}
