//! HTTP responses: SOAP documents, faults, and the plain answers of the
//! web server in front of the API (401, 404, 405, 413).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::request_envelope::EnvelopeError;
use super::response_envelope::fault_document;

const SOAP_CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// HTTP 200 with a SOAP document.
pub(super) fn soap_ok(document: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, SOAP_CONTENT_TYPE)],
        document,
    )
        .into_response()
}

/// HTTP 500 with a `soap:Fault`, as SOAP 1.1 requires for faults.
pub(super) fn soap_fault(error: &EnvelopeError) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, SOAP_CONTENT_TYPE)],
        fault_document(error.code, &error.message),
    )
        .into_response()
}

/// A document on success, a fault otherwise.
pub(super) fn soap_answer(answer: Result<String, EnvelopeError>) -> Response {
    match answer {
        Ok(document) => soap_ok(document),
        Err(error) => soap_fault(&error),
    }
}

/// HTTP 401 with the web server's HTML page, not SOAP: Basic auth is
/// checked before the request reaches the API.
pub(super) fn unauthorized() -> Response {
    let mut response = (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "text/html")],
        concat!(
            "<!DOCTYPE html><html><head><title>401 - Unauthorized</title></head><body>",
            "<h1>401 - Unauthorized: Access is denied due to invalid credentials.</h1>",
            "<p>You do not have permission to view this directory or page using the credentials that you supplied.</p>",
            "</body></html>"
        ),
    )
        .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"Autotask Web Services\""),
    );
    response
}

/// A plain-text answer for requests that never reach the SOAP endpoint.
pub(super) fn plain(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_owned(),
    )
        .into_response()
}
