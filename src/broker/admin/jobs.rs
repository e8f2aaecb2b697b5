//! `/jobs`: list, show, retry and drop jobs, as `fieldmap jobs` does.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::AdminState;
use super::problem::{json_reply, problem, store_problem};
use super::view::{JobDetail, job_json};
use crate::broker::store::{JobFilter, JobKind, JobState};
use crate::fieldnation::simulator::query_string::parse_query;

/// The most jobs one listing returns.
pub const MAX_LIMIT: u32 = 1000;

/// `GET /jobs?state=&kind=&key=&after=&limit=`: `{"jobs": […]}`, by id.
pub(super) async fn list(State(state): State<AdminState>, RawQuery(query): RawQuery) -> Response {
    let filter = match parse_filter(query.as_deref()) {
        Ok(filter) => filter,
        Err(detail) => return problem(StatusCode::BAD_REQUEST, detail),
    };
    match state.store.jobs(&filter).await {
        Ok(jobs) => json_reply(
            StatusCode::OK,
            &json!({"jobs": jobs.iter().map(job_json).collect::<Vec<_>>()}),
        ),
        Err(e) => store_problem(&e),
    }
}

/// The filter a query string asks for; an unknown parameter or value is an error, so that a
/// typo never lists everything.
pub fn parse_filter(query: Option<&str>) -> Result<JobFilter, String> {
    let mut filter = JobFilter::default();
    for (name, value) in parse_query(query) {
        match name.as_str() {
            "state" if !value.is_empty() => {
                filter.state = Some(value.parse::<JobState>().map_err(|_| {
                    format!("state `{value}`: expected queued, leased, done or dead")
                })?);
            }
            "kind" if !value.is_empty() => {
                filter.kind = Some(value.parse::<JobKind>().map_err(|_| {
                    format!("kind `{value}`: expected dispatch, event or writeback")
                })?);
            }
            "key" if !value.is_empty() => filter.key = Some(value),
            "after" if !value.is_empty() => {
                filter.after_id = Some(
                    value
                        .parse()
                        .map_err(|_| format!("after `{value}`: expected a job id"))?,
                );
            }
            "limit" if !value.is_empty() => {
                filter.limit = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| format!("limit `{value}`: expected 1 to {MAX_LIMIT}"))?;
            }
            "state" | "kind" | "key" | "after" | "limit" => {}
            other => {
                return Err(format!(
                    "unknown parameter `{other}`: expected state, kind, key, after or limit"
                ));
            }
        }
    }
    Ok(filter)
}

fn not_an_id(text: &str) -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        format!("`{text}` is not a job id: expected a number"),
    )
}

fn not_found(id: i64) -> Response {
    problem(StatusCode::NOT_FOUND, format!("no job {id}"))
}

/// `GET /jobs/{id}`: the job with its payload, correlation and calls.
pub(super) async fn show(State(state): State<AdminState>, Path(text): Path<String>) -> Response {
    let Ok(id) = text.parse::<i64>() else {
        return not_an_id(&text);
    };
    match JobDetail::load(&state.store, id).await {
        Ok(Some(detail)) => json_reply(StatusCode::OK, &detail.to_json()),
        Ok(None) => not_found(id),
        Err(e) => store_problem(&e),
    }
}

/// `POST /jobs/{id}/retry`: a dead letter (or a job waiting for its retry) queued to run now;
/// answers with the job as it is now.
pub(super) async fn retry(State(state): State<AdminState>, Path(text): Path<String>) -> Response {
    let Ok(id) = text.parse::<i64>() else {
        return not_an_id(&text);
    };
    let job = match state.store.job(id).await {
        Ok(Some(job)) => job,
        Ok(None) => return not_found(id),
        Err(e) => return store_problem(&e),
    };
    if !matches!(job.state, JobState::Dead | JobState::Queued) {
        return problem(
            StatusCode::CONFLICT,
            format!(
                "job {id} is {}: only dead or queued jobs can be retried",
                job.state
            ),
        );
    }
    match state.store.requeue(id).await {
        Ok(job) => json_reply(StatusCode::OK, &json!({"job": job_json(&job)})),
        Err(e) => store_problem(&e),
    }
}

/// `DELETE /jobs/{id}`: removes a job no worker holds; 204.
pub(super) async fn drop(State(state): State<AdminState>, Path(text): Path<String>) -> Response {
    let Ok(id) = text.parse::<i64>() else {
        return not_an_id(&text);
    };
    let job = match state.store.job(id).await {
        Ok(Some(job)) => job,
        Ok(None) => return not_found(id),
        Err(e) => return store_problem(&e),
    };
    match state.store.drop_job(id).await {
        Ok(true) => super::problem::with_type(StatusCode::NO_CONTENT, String::new(), "text/plain"),
        Ok(false) => problem(
            StatusCode::CONFLICT,
            format!(
                "job {id} is {}: a worker holds it; drop it once its lease is over",
                job.state
            ),
        ),
        Err(e) => store_problem(&e),
    }
}
