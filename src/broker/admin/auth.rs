//! Optional bearer-token authentication of the jobs routes (`[admin] token` in
//! `fieldmap.toml`): with a token configured, `/jobs…` answers 401 unless the request carries
//! `Authorization: Bearer <token>`, compared in constant time. Health, readiness and metrics
//! stay open for probes and scrapers. The token is read at each request, so a rotated one
//! takes effect without a restart.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::AdminState;
use super::problem::problem;
use crate::broker::secrets::constant_time_eq;
use crate::redaction::Secret;

/// Where the current token comes from: `None` when none is configured.
#[derive(Clone)]
pub struct TokenSource(Arc<dyn Fn() -> Option<Secret> + Send + Sync>);

impl TokenSource {
    /// A source that asks `current` at each request.
    pub fn new(current: impl Fn() -> Option<Secret> + Send + Sync + 'static) -> TokenSource {
        TokenSource(Arc::new(current))
    }

    fn current(&self) -> Option<Secret> {
        (self.0)()
    }
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSource")
    }
}

/// Lets the request through when no token is configured or it carries the token.
pub(super) async fn require_token(
    State(state): State<AdminState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(expected) = state.token.as_ref().and_then(TokenSource::current) else {
        return next.run(request).await;
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(token) if constant_time_eq(token.as_bytes(), expected.expose().as_bytes()) => {
            next.run(request).await
        }
        _ => {
            let mut refused = problem(
                StatusCode::UNAUTHORIZED,
                "the jobs routes need `Authorization: Bearer <token>` with the token of `[admin] token`",
            );
            refused
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            refused
        }
    }
}
