//! The HTTP side: each request is matched to an endpoint, then, in the order Field Nation's
//! front end and API would: an injected fault, the access token, the body, the operation.
//! Control endpoints under `/_sim/` let tests and demos play the provider; they need no token.

use std::sync::Arc;

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::response::Response;
use serde_json::{Value, json};

use super::create_checks::check_body;
use super::faults::{Endpoint, Fault, TIMEOUT_HOLD};
use super::query_string::{param, parse_query};
use super::reply::{
    BodyProblem, auth_error_reply, dropped_connection, error_reply, json_reply, rate_limited_reply,
    unavailable_reply, validation_reply,
};
use super::request_log::RequestRecord;
use super::state::SimState;
use super::store::{DEMO_PROVIDER, Provider, merge};
use crate::fieldnation::lifecycle::Status;
use crate::fieldnation::paths;

/// Rows per page of list answers, unless asked otherwise, and at most.
const DEFAULT_PER_PAGE: usize = 25;
const MAX_PER_PAGE: usize = 100;

/// Where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Api(Endpoint, Option<u64>),
    Transition(u64),
    NotFound,
    MethodNotAllowed,
}

fn route(method: &Method, path: &str) -> Route {
    let path = path.trim_end_matches('/');
    let api = |endpoint, id| Route::Api(endpoint, id);
    if path == paths::TOKEN {
        return if method == Method::POST {
            api(Endpoint::Token, None)
        } else {
            Route::MethodNotAllowed
        };
    }
    if path == paths::TYPES_OF_WORK || path == paths::CUSTOM_FIELDS {
        let endpoint = if path == paths::TYPES_OF_WORK {
            Endpoint::TypesOfWork
        } else {
            Endpoint::CustomFields
        };
        return if method == Method::GET {
            api(endpoint, None)
        } else {
            Route::MethodNotAllowed
        };
    }
    if path == paths::WORKORDERS {
        return match *method {
            Method::POST => api(Endpoint::Create, None),
            Method::GET => api(Endpoint::List, None),
            _ => Route::MethodNotAllowed,
        };
    }
    if let Some(rest) = path.strip_prefix("/_sim/workorders/") {
        return match rest.split_once('/') {
            Some((id, "transition")) if method == Method::POST => match id.parse() {
                Ok(id) => Route::Transition(id),
                Err(_) => Route::NotFound,
            },
            _ => Route::NotFound,
        };
    }
    let Some(rest) = path
        .strip_prefix(paths::WORKORDERS)
        .and_then(|r| r.strip_prefix('/'))
    else {
        return Route::NotFound;
    };
    let (id, action) = rest.split_once('/').unwrap_or((rest, ""));
    let Ok(id) = id.parse::<u64>() else {
        return Route::NotFound;
    };
    match (action, method.clone()) {
        ("", Method::GET) => api(Endpoint::Get, Some(id)),
        ("", Method::PUT) => api(Endpoint::Update, Some(id)),
        ("publish", Method::POST) => api(Endpoint::Publish, Some(id)),
        ("route", Method::POST) => api(Endpoint::Route, Some(id)),
        ("" | "publish" | "route", _) => Route::MethodNotAllowed,
        _ => Route::NotFound,
    }
}

pub(super) async fn handle_request(
    State(state): State<Arc<SimState>>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let query = parse_query(parts.uri.query());
    let target = route(&parts.method, &path);
    let endpoint_name = match target {
        Route::Api(endpoint, _) => endpoint.name(),
        Route::Transition(_) => "control",
        Route::NotFound | Route::MethodNotAllowed => "unknown",
    };
    let record = |status: Option<u16>| RequestRecord {
        method: parts.method.to_string(),
        path: path.clone(),
        endpoint: endpoint_name,
        status,
    };
    let body = match to_bytes(body, state.config.max_request_bytes).await {
        Ok(bytes) => bytes,
        Err(_) => {
            state.requests.record(record(Some(413)));
            return error_reply(413, "Request body too large");
        }
    };
    let (response, answered) = match target {
        Route::NotFound => (error_reply(404, "Not found"), true),
        Route::MethodNotAllowed => (error_reply(405, "Method not allowed"), true),
        Route::Transition(id) => (control_transition(&state, id, &query, &body), true),
        Route::Api(endpoint, id) => {
            api_request(&state, endpoint, id, &parts.headers, &query, &body).await
        }
    };
    let status = answered.then(|| response.status().as_u16());
    state.requests.record(record(status));
    response
}

/// An API request; the flag is false when no answer goes out (a dropped connection).
async fn api_request(
    state: &SimState,
    endpoint: Endpoint,
    id: Option<u64>,
    headers: &axum::http::HeaderMap,
    query: &[(String, String)],
    body: &[u8],
) -> (Response, bool) {
    let latency = state.config.faults.latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let mut drop_after = false;
    match state.faults.next(endpoint, &state.config.faults) {
        Some(Fault::Status(status)) => {
            let message = match status {
                500..=599 => "Internal server error",
                _ => "Request refused",
            };
            return (error_reply(status, message), true);
        }
        Some(Fault::RateLimited { retry_after }) => return (rate_limited_reply(retry_after), true),
        Some(Fault::Unavailable { retry_after }) => return (unavailable_reply(retry_after), true),
        Some(Fault::Latency(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::Timeout) => {
            let mut stop = state.shutdown.clone();
            tokio::select! {
                () = tokio::time::sleep(TIMEOUT_HOLD) => {}
                _ = stop.wait_for(|stopped| *stopped) => {}
            }
            return (error_reply(504, "Gateway timeout"), true);
        }
        Some(Fault::Oversized(bytes)) => {
            let filler = "x".repeat(bytes);
            return (json_reply(200, &json!({"id": 1, "title": filler})), true);
        }
        Some(Fault::CommitThenDrop) => drop_after = true,
        None => {}
    }
    if endpoint != Endpoint::Token && !has_valid_token(state, headers, query) {
        return (error_reply(401, "Invalid or expired access token"), true);
    }
    let response = match (endpoint, id) {
        (Endpoint::Token, _) => token(state, body),
        (Endpoint::Create, _) => create(state, body),
        (Endpoint::List, _) => list(state, query),
        (Endpoint::Get, Some(id)) => get(state, id),
        (Endpoint::Update, Some(id)) => update(state, id, body),
        (Endpoint::Publish, Some(id)) => {
            answer_transition(state.transition(id, Status::Published, None))
        }
        (Endpoint::Route, Some(id)) => route_to(state, id, body),
        (Endpoint::TypesOfWork, _) => types_of_work(state, query),
        (Endpoint::CustomFields, _) => custom_fields(state, query),
        (_, None) => error_reply(404, "Not found"),
    };
    if drop_after {
        return (dropped_connection(), false);
    }
    (response, true)
}

/// The spec's `access_token` query parameter, or a Bearer token.
fn has_valid_token(
    state: &SimState,
    headers: &axum::http::HeaderMap,
    query: &[(String, String)],
) -> bool {
    if let Some(token) = param(query, paths::ACCESS_TOKEN_PARAM) {
        return state.tokens.is_valid(token);
    }
    headers
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .is_some_and(|token| state.tokens.is_valid(token.trim()))
}

fn token(state: &SimState, body: &[u8]) -> Response {
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(body) else {
        return auth_error_reply(
            400,
            "The request body must be a JSON object (AuthTokenPayloadDto)",
        );
    };
    let text = |key: &str| request.get(key).and_then(Value::as_str).unwrap_or("");
    let client_ok = text("client_id") == state.config.client_id
        && text("client_secret") == state.config.client_secret;
    let granted = match text("grant_type") {
        "client_credentials" => client_ok,
        "password" => {
            client_ok
                && state.config.users.iter().any(|(user, password)| {
                    user == text("username") && password == text("password")
                })
        }
        "" => return auth_error_reply(400, "grant_type is required"),
        other => return auth_error_reply(400, &format!("Unsupported grant_type {other:?}")),
    };
    if !granted {
        return auth_error_reply(401, "Invalid client or user credentials");
    }
    let (access_token, lifetime) = state.tokens.issue();
    json_reply(
        200,
        &json!({
            "access_token": access_token,
            "expires_in": lifetime.as_secs(),
            "token_type": "Bearer",
            "scope": "",
        }),
    )
}

/// The JSON of a request body, or the message of Field Nation's 400 for it.
fn read_body(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| format!("Request body is not valid JSON: {e}"))
}

fn body_problems(state: &SimState, body: &Value, partial: bool) -> Vec<BodyProblem> {
    let mut problems = check_body(body, &state.create_schema, &state.account, partial);
    for problem in &mut problems {
        if problem.path.is_empty() {
            problem.path = "(body)".into();
        }
    }
    problems
}

fn create(state: &SimState, body: &[u8]) -> Response {
    let body = match read_body(body) {
        Ok(body) => body,
        Err(message) => return error_reply(400, &message),
    };
    let problems = body_problems(state, &body, false);
    if !problems.is_empty() {
        return validation_reply(&problems);
    }
    let view = {
        let mut store = state.store();
        let id = store.create(body);
        match store.get(id) {
            Some(order) => state.view(order),
            None => return error_reply(500, "Internal server error"),
        }
    };
    let id = view.get("id").cloned().unwrap_or(Value::Null);
    state.emit(
        "workorder.created",
        json!({"work_order_id": id}),
        view.clone(),
    );
    json_reply(200, &view)
}

fn get(state: &SimState, id: u64) -> Response {
    let store = state.store();
    match store.get(id) {
        Some(order) => json_reply(200, &state.view(order)),
        None => error_reply(404, &format!("Work order {id} not found")),
    }
}

fn update(state: &SimState, id: u64, body: &[u8]) -> Response {
    let patch = match read_body(body) {
        Ok(patch) => patch,
        Err(message) => return error_reply(400, &message),
    };
    let problems = body_problems(state, &patch, true);
    if !problems.is_empty() {
        return validation_reply(&problems);
    }
    let mut store = state.store();
    let Some(order) = store.get_mut(id) else {
        return error_reply(404, &format!("Work order {id} not found"));
    };
    merge(&mut order.body, &patch);
    let order = order.clone();
    json_reply(200, &state.view(&order))
}

fn route_to(state: &SimState, id: u64, body: &[u8]) -> Response {
    let body = match read_body(body) {
        Ok(body) => body,
        Err(message) => return error_reply(400, &message),
    };
    let Some(technician) = body.pointer("/technician/id").and_then(Value::as_u64) else {
        return validation_reply(&[BodyProblem {
            path: "technician.id".into(),
            message: "required field `id` is missing".into(),
        }]);
    };
    let provider = if technician == DEMO_PROVIDER.id {
        DEMO_PROVIDER
    } else {
        Provider {
            id: technician,
            first_name: "Provider",
            last_name: "",
            phone: "",
        }
    };
    match state.transition(id, Status::Routed, Some(provider)) {
        Ok(_) => {
            let route_id = state.store().next_route_id();
            json_reply(200, &json!({"id": route_id}))
        }
        Err((status, message)) => error_reply(status, &message),
    }
}

fn answer_transition(result: Result<Value, (u16, String)>) -> Response {
    match result {
        Ok(view) => json_reply(200, &view),
        Err((status, message)) => error_reply(status, &message),
    }
}

/// `POST /_sim/workorders/{id}/transition` with `{"event": "checked_in"}` (or `?event=`):
/// what a provider or the buyer's staff would do in Field Nation's screens.
fn control_transition(
    state: &SimState,
    id: u64,
    query: &[(String, String)],
    body: &[u8],
) -> Response {
    let from_body = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|b| b.get("event").and_then(Value::as_str).map(str::to_owned));
    let Some(event) = from_body.or_else(|| param(query, "event").map(str::to_owned)) else {
        return error_reply(400, "Name the event: {\"event\": \"checked_in\"}");
    };
    let Some(to) = Status::from_event(&event) else {
        let known: Vec<&str> = Status::ALL.iter().map(|s| s.event_suffix()).collect();
        return error_reply(
            400,
            &format!("Unknown event {event:?}; use one of {}", known.join(", ")),
        );
    };
    answer_transition(state.transition(id, to, None))
}

/// `page` and `per_page` of a query, and the slice of `total` rows they select.
fn paging(query: &[(String, String)], total: usize) -> (usize, usize, std::ops::Range<usize>) {
    let per_page = param(query, "per_page")
        .or_else(|| param(query, "perPage"))
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_PER_PAGE)
        .min(MAX_PER_PAGE);
    let page = param(query, "page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1);
    let start = (page - 1).saturating_mul(per_page).min(total);
    let end = start.saturating_add(per_page).min(total);
    (page, per_page, start..end)
}

fn metadata(total: usize, page: usize, per_page: usize) -> Value {
    json!({"total": total, "page": page, "pages": total.div_ceil(per_page).max(1), "per_page": per_page})
}

/// `GET /workorders` with the filters a marker search uses: `f_created` (a date or an
/// inclusive range, UTC), `f_work_order_id`, `f_search` (in the title).
fn list(state: &SimState, query: &[(String, String)]) -> Response {
    let created = match param(query, "f_created").map(parse_date_range).transpose() {
        Ok(range) => range,
        Err(message) => return error_reply(400, &message),
    };
    let ids: Option<Vec<u64>> = param(query, "f_work_order_id").map(|ids| {
        ids.split(',')
            .filter_map(|id| id.trim().parse().ok())
            .collect()
    });
    let search = param(query, "f_search").map(str::to_lowercase);
    let store = state.store();
    let matching: Vec<_> = store
        .all()
        .filter(|order| {
            let day = order
                .created
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .date();
            created.is_none_or(|(from, to)| from <= day && day <= to)
        })
        .filter(|order| ids.as_ref().is_none_or(|ids| ids.contains(&order.id)))
        .filter(|order| {
            search.as_ref().is_none_or(|needle| {
                order
                    .body
                    .get("title")
                    .and_then(Value::as_str)
                    .is_some_and(|title| title.to_lowercase().contains(needle))
            })
        })
        .collect();
    let (page, per_page, rows) = paging(query, matching.len());
    let results: Vec<Value> = matching[rows]
        .iter()
        .map(|order| state.view(order))
        .collect();
    json_reply(
        200,
        &json!({
            "metadata": metadata(matching.len(), page, per_page),
            "results": results,
        }),
    )
}

fn parse_date_range(text: &str) -> Result<(jiff::civil::Date, jiff::civil::Date), String> {
    let parse = |part: &str| {
        part.trim()
            .parse::<jiff::civil::Date>()
            .map_err(|_| format!("f_created: {part:?} is not a date (YYYY-MM-DD)"))
    };
    match text.split_once(',') {
        Some((from, to)) => Ok((parse(from)?, parse(to)?)),
        None => {
            let day = parse(text)?;
            Ok((day, day))
        }
    }
}

fn types_of_work(state: &SimState, query: &[(String, String)]) -> Response {
    let all = &state.account.types_of_work;
    let (page, per_page, rows) = paging(query, all.len());
    let results: Vec<Value> = all[rows]
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "industry_id": t.industry_id.unwrap_or(0),
                "industry": t.industry.clone().unwrap_or_default(),
                "name": t.name,
            })
        })
        .collect();
    json_reply(
        200,
        &json!({
            "actions": [],
            "params": [],
            "metadata": metadata(all.len(), page, per_page),
            "results": results,
        }),
    )
}

fn custom_fields(state: &SimState, query: &[(String, String)]) -> Response {
    let all = &state.account.custom_fields;
    let (page, per_page, rows) = paging(query, all.len());
    let flag = |field: &crate::schema::CustomField, name: &str| {
        u8::from(field.flags.iter().any(|f| f == name))
    };
    let results: Vec<Value> = all[rows]
        .iter()
        .map(|f| {
            json!({
                "id": f.id,
                "name": f.name,
                "tip": "",
                "type": f.field_type.clone().unwrap_or_else(|| "text".into()),
                "required": flag(f, "required"),
                "internal": flag(f, "internal_id"),
                "unique": flag(f, "unique"),
                "for_tech": flag(f, "seen_by_provider"),
                "actions": [],
                "admin_edit_only": 0,
                "template": 0,
                "flags": f.flags,
            })
        })
        .collect();
    json_reply(
        200,
        &json!({
            "actions": [],
            "metadata": metadata(all.len(), page, per_page),
            "params": [],
            "lists": [],
            "results": results,
            "correlation_id": "",
        }),
    )
}
