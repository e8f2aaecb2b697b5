//! `/healthz` (the process answers), `/readyz` (ready for work: the server's flag set, the
//! store reachable and migrated) and `/metrics`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::AdminState;
use super::problem::{json_reply, with_type};
use crate::broker::metrics::CONTENT_TYPE;

/// `GET /healthz`: 200 while the process runs.
pub(super) async fn healthz() -> Response {
    with_type(StatusCode::OK, "ok\n".into(), "text/plain; charset=utf-8")
}

/// `GET /readyz`: 200 with `{"ready": true, …}`, or 503 with the reasons it is not ready.
pub(super) async fn readyz(State(state): State<AdminState>) -> Response {
    let mut reasons = Vec::new();
    if !state.readiness.is_set() {
        reasons
            .push("the broker has not finished starting (connections not tested yet)".to_owned());
    }
    let latest = state.store.latest_migration();
    let applied = match state.store.migrations().await {
        Ok(list) => {
            let applied = list.last().map_or(0, |(version, _)| *version);
            if applied < latest {
                reasons.push(format!(
                    "the store is at migration {applied}; this broker needs {latest}"
                ));
            }
            Some(applied)
        }
        Err(e) => {
            reasons.push(format!("the store does not answer: {e}"));
            None
        }
    };
    let body = json!({
        "ready": reasons.is_empty(),
        "store": state.store.backend(),
        "migration": applied,
        "reasons": reasons,
    });
    let status = if reasons.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json_reply(status, &body)
}

/// `GET /metrics`: the Prometheus text format.
pub(super) async fn metrics(State(state): State<AdminState>) -> Response {
    let text = state.metrics.render(&state.store).await;
    with_type(StatusCode::OK, text, CONTENT_TYPE)
}
