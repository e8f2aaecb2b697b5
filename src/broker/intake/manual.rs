//! Manual dispatch: an operator imports a record by id, over HTTP
//! (`POST /dispatch/{mapping}/{id}`, loopback only unless configured) or with
//! `fieldmap dispatch`. The job is the same as a webhook's; the trigger is still checked on
//! the fresh record.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::super::job_payload::DispatchRequest;
use super::super::store::{Enqueued, Store, StoreError};
use super::problem::json_reply;
use super::{Intake, Problem};
use crate::ir::Program;

/// Why a manual dispatch was not enqueued.
#[derive(Debug, thiserror::Error)]
pub enum ManualError {
    #[error("no mapping named {name:?}; the program has {known:?}")]
    UnknownMapping { name: String, known: Vec<String> },
    #[error("record id {0} is not a positive integer")]
    BadId(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The dispatch request for record `id` with the mapping named `mapping`.
///
/// # Errors
///
/// The program has no such mapping; the id is not a positive integer.
pub fn request(program: &Program, mapping: &str, id: &str) -> Result<DispatchRequest, ManualError> {
    let Some(found) = program.mappings().iter().find(|m| m.name() == mapping) else {
        return Err(ManualError::UnknownMapping {
            name: mapping.to_owned(),
            known: program
                .mappings()
                .iter()
                .map(|m| m.name().to_owned())
                .collect(),
        });
    };
    let id = id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ManualError::BadId(id.to_owned()))?;
    Ok(DispatchRequest::new(found.name(), found.source(), id))
}

/// Enqueues the dispatch of record `id` with `mapping` (one open job per record and mapping:
/// an open one is returned as is).
///
/// # Errors
///
/// As [`request`]; the store failed.
pub async fn enqueue(
    store: &Store,
    program: &Program,
    mapping: &str,
    id: &str,
) -> Result<(DispatchRequest, Enqueued), ManualError> {
    let request = request(program, mapping, id)?;
    let enqueued = store.enqueue(request.job()).await?;
    Ok((request, enqueued))
}

pub(super) async fn handle(
    State(intake): State<Intake>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((mapping, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, Problem> {
    intake
        .admit(peer, &intake.config.manual.allow, body)
        .await?;
    let (request, enqueued) = enqueue(&intake.store, &intake.program, &mapping, &id)
        .await
        .map_err(|e| match e {
            ManualError::Store(e) => Problem::unavailable(e),
            ManualError::UnknownMapping { .. } => {
                Problem::new(StatusCode::NOT_FOUND, "unknown mapping", e.to_string())
            }
            ManualError::BadId(_) => Problem::bad_request(e.to_string()),
        })?;
    intake.wake.notify_waiters();
    Ok(json_reply(
        StatusCode::ACCEPTED,
        json!({
            "mapping": request.mapping,
            "entity": request.entity,
            "id": request.id,
            "job": enqueued.job.id,
            "created": enqueued.created,
        }),
    ))
}
