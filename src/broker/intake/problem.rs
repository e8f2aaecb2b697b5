//! Refusals as RFC 9457 problem details: `application/problem+json` with a title a machine can
//! match and a detail a person can act on. A refused request enqueued nothing.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A refusal: the status, a short stable title and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
}

impl Problem {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            status,
            title,
            detail: detail.into(),
        }
    }

    pub fn forbidden_address(ip: std::net::IpAddr) -> Self {
        Problem::new(
            StatusCode::FORBIDDEN,
            "address not allowed",
            format!("{ip} is not in this endpoint's allowlist"),
        )
    }

    pub fn too_large(limit: usize) -> Self {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body too large",
            format!("the body is larger than {limit} bytes"),
        )
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::UNAUTHORIZED, "not authenticated", detail)
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::BAD_REQUEST, "invalid request", detail)
    }

    /// The store could not take the job: the sender should try again.
    pub fn unavailable(detail: impl std::fmt::Display) -> Self {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store unavailable",
            format!("the job could not be stored; try again: {detail}"),
        )
    }
}

/// A JSON answer.
pub fn json_reply(status: StatusCode, body: serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = json!({
            "type": "about:blank",
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        let mut response = (self.status, body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}
