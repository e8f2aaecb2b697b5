//! `POST /hooks/fieldnation`: a Field Nation webhook v3 delivery. `X-FN-Signature` must be the
//! HMAC-SHA256 of the raw body under the webhook secret (compared in constant time); the body's
//! `timestamp` must be within the configured window of now, so an old delivery cannot be
//! replayed; and `X-FN-Delivery-Id` (`<uuid>:<attempt>`) is recorded by its uuid in the same
//! transaction as the event job, so a delivery sent again is refused with 409.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::super::job_payload::{EventDelivery, SourceRecord};
use super::problem::json_reply;
use super::{Intake, Problem};
use crate::fieldnation::signature;

pub const SIGNATURE_HEADER: &str = "X-FN-Signature";
pub const DELIVERY_HEADER: &str = "X-FN-Delivery-Id";

pub(super) async fn handle(
    State(intake): State<Intake>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let config = &intake.config.fieldnation;
    let body = intake.admit(peer, &config.allow, body).await?;
    let header = |name: &str| headers.get(name).and_then(|h| h.to_str().ok());
    let Some(signed) = header(SIGNATURE_HEADER) else {
        return Err(Problem::unauthorized(format!(
            "the {SIGNATURE_HEADER} header is missing"
        )));
    };
    let valid = intake
        .secrets
        .accepted()
        .iter()
        .any(|s| signature::verify(s.fieldnation_webhook.expose().as_bytes(), &body, signed));
    if !valid {
        return Err(Problem::unauthorized(format!(
            "the {SIGNATURE_HEADER} header does not match the body"
        )));
    }
    let delivery = header(DELIVERY_HEADER)
        .map(|id| id.split(':').next().unwrap_or(id).trim())
        .filter(|id| !id.is_empty())
        .ok_or_else(|| Problem::bad_request(format!("the {DELIVERY_HEADER} header is missing")))?
        .to_owned();
    let json: Value = serde_json::from_slice(&body)
        .map_err(|e| Problem::bad_request(format!("the body is not JSON: {e}")))?;
    let event = EventDelivery::new(delivery.clone(), json);
    if event.name().is_none() || event.work_order_id().is_none() {
        return Err(Problem::bad_request(
            "the body names no event (`event.name`) or no work order (`workorder.id`)",
        ));
    }
    let Some(at) = event.timestamp() else {
        return Err(Problem::bad_request(
            "the body has no `timestamp` with an offset",
        ));
    };
    let window = SignedDuration::try_from(config.timestamp_window).unwrap_or(SignedDuration::MAX);
    let age = Timestamp::now().duration_since(at);
    if age.abs() > window {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "stale delivery",
            format!(
                "the event's timestamp {at} is {}s from now; at most {}s are accepted",
                age.as_secs(),
                window.as_secs()
            ),
        ));
    }
    // The events of a work order write the record it came from: they run in that record's
    // lane, one at a time with its other work orders' events and its dispatches.
    let correlation = match event.work_order_id() {
        Some(id) => intake
            .store
            .correlation_for_work_order(id)
            .await
            .map_err(Problem::unavailable)?,
        None => None,
    };
    let source = correlation.as_ref().map(|c| SourceRecord {
        entity: &c.source_entity,
        id: c.source_id,
    });
    let enqueued = intake
        .store
        .enqueue_delivery(&delivery, event.job(source))
        .await
        .map_err(Problem::unavailable)?;
    let Some(enqueued) = enqueued else {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "delivery already received",
            format!("delivery {delivery} was received before; it is not applied twice"),
        ));
    };
    intake.wake.notify_waiters();
    Ok(json_reply(
        StatusCode::ACCEPTED,
        json!({"job": enqueued.job.id, "delivery": delivery}),
    ))
}
