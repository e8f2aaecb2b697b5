//! Error answers as RFC 9457 problem details: `application/problem+json` with the status, a
//! short title and a detail that says what to change.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

use crate::broker::store::StoreError;

/// A JSON answer with `status`.
pub(super) fn json_reply(status: StatusCode, value: &Json) -> Response {
    with_type(status, value.to_string(), "application/json")
}

/// A problem: `status`, its standard title, and `detail`.
pub(super) fn problem(status: StatusCode, detail: impl Into<String>) -> Response {
    let body = json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail.into(),
    });
    with_type(status, body.to_string(), "application/problem+json")
}

/// A store error as a problem: a job in the wrong state or a conflict is 409; anything else
/// is the store failing (503: the request may succeed later).
pub(super) fn store_problem(error: &StoreError) -> Response {
    match error {
        StoreError::Job(..) | StoreError::Conflict(_) => {
            problem(StatusCode::CONFLICT, error.to_string())
        }
        _ => problem(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the store failed: {error}"),
        ),
    }
}

pub(super) fn with_type(status: StatusCode, body: String, content_type: &'static str) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
