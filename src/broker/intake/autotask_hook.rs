//! `POST /hooks/autotask/{token}`: Autotask says a record changed. The token in the path is
//! compared in constant time; when a signature key is configured, `X-Hook-Signature` must be
//! the HMAC-SHA1 of the raw body. The body only names the record (callback or minimal form,
//! [`crate::autotask::webhook`]); a dispatch job is enqueued for each mapping whose
//! source is that entity, and the worker fetches the record fresh.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::super::job_payload::DispatchRequest;
use super::super::secrets::constant_time_eq;
use super::problem::json_reply;
use super::{Intake, Problem};
use crate::autotask::webhook::{self, HookAction};

pub(super) async fn handle(
    State(intake): State<Intake>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let allow = &intake.config.autotask.allow;
    if !allow.allows(peer.ip()) {
        return Err(Problem::forbidden_address(peer.ip()));
    }
    let accepted = intake.secrets.accepted();
    if !accepted
        .iter()
        .any(|s| constant_time_eq(s.hook_token.expose().as_bytes(), token.as_bytes()))
    {
        return Err(Problem::unauthorized("unknown webhook token"));
    }
    let body = intake.admit(peer, allow, body).await?;
    let keys: Vec<&[u8]> = accepted
        .iter()
        .filter_map(|s| s.hook_signature.as_ref())
        .map(|s| s.expose().as_bytes())
        .collect();
    if !keys.is_empty() {
        let Some(header) = headers
            .get(webhook::SIGNATURE_HEADER)
            .and_then(|h| h.to_str().ok())
        else {
            return Err(Problem::unauthorized(format!(
                "the {} header is missing",
                webhook::SIGNATURE_HEADER
            )));
        };
        if !keys.iter().any(|key| webhook::verify(key, &body, header)) {
            return Err(Problem::unauthorized(format!(
                "the {} header does not match the body",
                webhook::SIGNATURE_HEADER
            )));
        }
    }
    let notice = webhook::parse(&body).map_err(|e| Problem::bad_request(e.to_string()))?;
    if matches!(notice.action, HookAction::Delete | HookAction::Deactivated) {
        return Ok(json_reply(
            StatusCode::OK,
            json!({"jobs": [], "ignored": format!("{} of {} {} dispatches nothing", notice.action.as_str(), notice.entity_type, notice.id)}),
        ));
    }
    let requests: Vec<DispatchRequest> = intake
        .program
        .mappings()
        .iter()
        .filter(|m| m.source().eq_ignore_ascii_case(&notice.entity_type))
        .map(|m| DispatchRequest::new(m.name(), m.source(), notice.id))
        .collect();
    if requests.is_empty() {
        return Ok(json_reply(
            StatusCode::OK,
            json!({"jobs": [], "ignored": format!("no mapping dispatches {} records", notice.entity_type)}),
        ));
    }
    let mut jobs = Vec::new();
    for request in requests {
        let enqueued = intake
            .store
            .enqueue(request.job())
            .await
            .map_err(Problem::unavailable)?;
        jobs.push(json!({
            "mapping": request.mapping,
            "job": enqueued.job.id,
            "created": enqueued.created,
        }));
    }
    intake.wake.notify_waiters();
    Ok(json_reply(StatusCode::ACCEPTED, json!({ "jobs": jobs })))
}
