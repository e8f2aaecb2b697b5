//! The client: every operation goes through one loop that adds the access token, retries what
//! may succeed on a second try, refreshes the token once on a 401, and logs each request.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, Url};
use serde_json::Value;

use super::backoff::backoff_delay;
use super::call_log::{ApiCall, CallLog};
use super::catalog::{account, custom_fields_page, page_count, types_of_work_page};
use super::config::ClientConfig;
use super::credentials::{Credentials, Secret};
use super::error::{CallSite, FieldProblem, FnError};
use super::marker::Marker;
use super::problems::read_error_body;
use super::redaction::Redactor;
use super::token::{CachedToken, DEFAULT_TOKEN_LIFETIME};
use super::transport::{Answer, Transport, excerpt};
use super::work_order::{WorkOrder, number_as_id};
use crate::fieldnation::paths;
use crate::schema::{CustomField, FieldNationAccount, TypeOfWork};

/// The client's own log keeps this many recent requests (its count covers all).
const CLIENT_LOG_LENGTH: usize = 1000;
/// Rows per page when the client reads the work order list.
const LIST_PAGE_SIZE: u32 = 100;
/// Pages of types of work or custom fields read at most.
const MAX_CATALOG_PAGES: u64 = 100;

/// A Field Nation REST API v2 client. Cheap to clone; clones share the token, the call log
/// and the HTTP connections, so one client should serve the whole process.
#[derive(Clone)]
pub struct FieldNationClient {
    inner: Arc<Inner>,
    /// Another log for one unit of work (a broker job), besides the client's own.
    scoped_log: Option<Arc<CallLog>>,
}

struct Inner {
    config: ClientConfig,
    base: Url,
    credentials: Credentials,
    transport: Transport,
    token: tokio::sync::Mutex<Option<CachedToken>>,
    redactor: Redactor,
    log: CallLog,
}

impl fmt::Debug for FieldNationClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldNationClient")
            .field("base_url", &self.inner.config.base_url)
            .field("credentials", &self.inner.credentials)
            .finish()
    }
}

/// What [`FieldNationClient::create_work_order_once`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateOutcome {
    pub work_order: WorkOrder,
    /// True when an attempt whose answer was lost had created the work order, and the
    /// marker found it: nothing was created twice.
    pub found_by_marker: bool,
}

impl FieldNationClient {
    /// A client; nothing is sent until the first call (which fetches the token).
    pub fn new(credentials: Credentials, config: ClientConfig) -> Result<Self, FnError> {
        let base = Url::parse(&config.base_url)
            .map_err(|e| FnError::Setup(format!("base URL {:?}: {e}", config.base_url)))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(FnError::Setup(format!(
                "base URL {:?}: not http or https",
                config.base_url
            )));
        }
        let transport = Transport::new(config.request_timeout, config.max_response_bytes)?;
        let inner = Inner {
            redactor: Redactor::new(credentials.secrets()),
            token: tokio::sync::Mutex::new(None),
            log: CallLog::keeping_last(CLIENT_LOG_LENGTH),
            base,
            transport,
            credentials,
            config,
        };
        Ok(FieldNationClient {
            inner: Arc::new(inner),
            scoped_log: None,
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The same client, also recording its calls in `log` (a broker job's audit trail).
    pub fn with_call_log(&self, log: Arc<CallLog>) -> FieldNationClient {
        FieldNationClient {
            inner: self.inner.clone(),
            scoped_log: Some(log),
        }
    }

    /// The requests this client (and its clones) sent: the count of all, the last 1,000.
    pub fn call_log(&self) -> &CallLog {
        &self.inner.log
    }

    /// `POST /workorders` with `body` as it is (the bytes `Program::evaluate_to_json`
    /// writes). Resent only when the first attempt surely did not arrive.
    pub async fn create_work_order(&self, body: &[u8]) -> Result<WorkOrder, FnError> {
        let answer = self
            .call("create", Method::POST, paths::WORKORDERS, &[], Some(body))
            .await?;
        self.work_order(
            &self.site("create", Method::POST, paths::WORKORDERS),
            &answer,
        )
    }

    /// Creates the work order with `marker` in it, exactly once as far as the API lets a
    /// client tell: when an attempt's outcome is unknown (a time-out, a dropped connection, a
    /// server error), the work orders created since yesterday are searched for the marker
    /// before the create is sent again.
    pub async fn create_work_order_once(
        &self,
        body: &[u8],
        marker: &Marker,
    ) -> Result<CreateOutcome, FnError> {
        let mut json: Value = serde_json::from_slice(body).map_err(|e| {
            FnError::InvalidRequest(format!("the work order body is not JSON: {e}"))
        })?;
        marker.insert_into(&mut json)?;
        let bytes = serde_json::to_vec(&json)
            .map_err(|e| FnError::InvalidRequest(format!("the work order body: {e}")))?;
        let today = jiff::Timestamp::now()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date();
        let since = today.yesterday().unwrap_or(today);
        let mut round = 0;
        loop {
            round += 1;
            match self.create_work_order(&bytes).await {
                Ok(work_order) => {
                    return Ok(CreateOutcome {
                        work_order,
                        found_by_marker: false,
                    });
                }
                Err(error) if error.create_outcome_unknown() => {
                    // A server still busy with the lost attempt may commit it a moment later.
                    tokio::time::sleep(self.inner.config.base_delay).await;
                    if let Some(work_order) = self.find_by_marker(marker, since).await? {
                        return Ok(CreateOutcome {
                            work_order,
                            found_by_marker: true,
                        });
                    }
                    if round > self.inner.config.max_retries {
                        return Err(error);
                    }
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// `GET /workorders/{id}`.
    pub async fn get_work_order(&self, id: u64) -> Result<WorkOrder, FnError> {
        let path = paths::workorder(id);
        let answer = self.call("get", Method::GET, &path, &[], None).await?;
        self.work_order(&self.site("get", Method::GET, &path), &answer)
    }

    /// `PUT /workorders/{id}`: only the fields in `body` change (a re-dispatch sends the
    /// whole mapped body again).
    pub async fn update_work_order(&self, id: u64, body: &[u8]) -> Result<WorkOrder, FnError> {
        let path = paths::workorder(id);
        let answer = self
            .call("update", Method::PUT, &path, &[], Some(body))
            .await?;
        self.work_order(&self.site("update", Method::PUT, &path), &answer)
    }

    /// `POST /workorders/{id}/publish`: a draft becomes visible to providers.
    pub async fn publish_work_order(&self, id: u64) -> Result<WorkOrder, FnError> {
        let path = paths::publish(id);
        let answer = self.call("publish", Method::POST, &path, &[], None).await?;
        self.work_order(&self.site("publish", Method::POST, &path), &answer)
    }

    /// `POST /workorders/{id}/route` to one provider; returns the routing id.
    pub async fn route_work_order(&self, id: u64, technician_id: u64) -> Result<u64, FnError> {
        let path = paths::route(id);
        let body = serde_json::json!({"technician": {"id": technician_id}}).to_string();
        let answer = self
            .call("route", Method::POST, &path, &[], Some(body.as_bytes()))
            .await?;
        let at = self.site("route", Method::POST, &path);
        let json = self.json(&at, &answer)?;
        json.get("id")
            .and_then(number_as_id)
            .ok_or_else(|| FnError::UnexpectedResponse {
                at,
                message: "the answer has no routing id".into(),
            })
    }

    /// `GET /workorders` with list filters (`f_created`, `f_search`…) and paging
    /// (`page`, `per_page`); the answer as it came (WorkOrderAllResponseDto).
    pub async fn list_work_orders(&self, query: &[(&str, String)]) -> Result<Value, FnError> {
        let answer = self
            .call("list", Method::GET, paths::WORKORDERS, query, None)
            .await?;
        self.json(&self.site("list", Method::GET, paths::WORKORDERS), &answer)
    }

    /// The work order that carries `marker`, among those created from `since` (a UTC date)
    /// to tomorrow. The list's `f_created` filter bounds the search; each row's custom fields
    /// decide, and a row that does not show them is read in full. Exact match only.
    pub async fn find_by_marker(
        &self,
        marker: &Marker,
        since: jiff::civil::Date,
    ) -> Result<Option<WorkOrder>, FnError> {
        let mut found = self
            .find_by_markers(std::slice::from_ref(marker), since)
            .await?;
        Ok(found.remove(&marker.value))
    }

    /// As [`FieldNationClient::find_by_marker`] for several markers in one pass over the
    /// list (a batch of retried dispatches searches once, not once per job): the work orders
    /// found, by marker value. The search stops once every marker is found.
    pub async fn find_by_markers(
        &self,
        markers: &[Marker],
        since: jiff::civil::Date,
    ) -> Result<HashMap<String, WorkOrder>, FnError> {
        let mut found = HashMap::new();
        if markers.is_empty() {
            return Ok(found);
        }
        let today = jiff::Timestamp::now()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date();
        let until = today.tomorrow().unwrap_or(today);
        let created = format!("{since},{until}");
        let on = |work_order: &Value, found: &HashMap<String, WorkOrder>| {
            markers
                .iter()
                .find(|m| !found.contains_key(&m.value) && m.is_on(work_order))
                .map(|m| m.value.clone())
        };
        let mut page = 1u32;
        loop {
            let query = [
                ("f_created", created.clone()),
                ("per_page", LIST_PAGE_SIZE.to_string()),
                ("page", page.to_string()),
            ];
            let listing = self.list_work_orders(&query).await?;
            let rows = listing
                .get("results")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for row in &rows {
                let Some(id) = row.get("id").and_then(number_as_id) else {
                    continue;
                };
                if Marker::row_lacks_custom_fields(row) {
                    let full = self.get_work_order(id).await?;
                    if let Some(value) = on(&full.json, &found) {
                        found.insert(value, full);
                    }
                } else if let Some(value) = on(row, &found) {
                    // A list row may leave sections out: the caller gets the whole work order.
                    found.insert(value, self.get_work_order(id).await?);
                }
                if found.len() == markers.len() {
                    return Ok(found);
                }
            }
            let pages = page_count(&listing);
            if rows.is_empty()
                || u64::from(page) >= pages
                || page >= self.inner.config.max_search_pages
            {
                return Ok(found);
            }
            page += 1;
        }
    }

    /// Every type of work of the account (`GET /types-of-work`, all pages).
    pub async fn types_of_work(&self) -> Result<Vec<TypeOfWork>, FnError> {
        let pages = self.catalog("types_of_work", paths::TYPES_OF_WORK).await?;
        Ok(pages.iter().flat_map(types_of_work_page).collect())
    }

    /// Every work order custom field of the account (`GET /custom-fields`, all pages).
    pub async fn custom_fields(&self) -> Result<Vec<CustomField>, FnError> {
        let pages = self.catalog("custom_fields", paths::CUSTOM_FIELDS).await?;
        Ok(pages.iter().flat_map(custom_fields_page).collect())
    }

    /// The account's types of work and custom fields, with Field Nation's contact roles: the
    /// `fieldnation` section of a snapshot (docs/tenant-snapshot.md).
    pub async fn pull_account(&self, name: &str) -> Result<FieldNationAccount, FnError> {
        let types_of_work = self.types_of_work().await?;
        let custom_fields = self.custom_fields().await?;
        Ok(account(name, types_of_work, custom_fields))
    }

    async fn catalog(&self, operation: &'static str, path: &str) -> Result<Vec<Value>, FnError> {
        let at = self.site(operation, Method::GET, path);
        let mut pages = Vec::new();
        let mut page = 1u64;
        loop {
            let query = [("page", page.to_string())];
            let answer = self
                .call(operation, Method::GET, path, &query, None)
                .await?;
            let json = self.json(&at, &answer)?;
            let count = page_count(&json).min(MAX_CATALOG_PAGES);
            pages.push(json);
            if page >= count {
                return Ok(pages);
            }
            page += 1;
        }
    }

    /// Sends one API request with the access token, retrying what may succeed on a second
    /// try; returns the body of a 2xx answer.
    async fn call(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&[u8]>,
    ) -> Result<Vec<u8>, FnError> {
        let at = self.site(operation, method.clone(), path);
        let creating = operation == "create";
        let mut attempt = 0u32;
        let mut retries = 0u32;
        let mut refreshed = false;
        loop {
            attempt += 1;
            let token = self.token(None).await?;
            let url = self.url(path, query, Some(&token))?;
            let started = Instant::now();
            let sent = self
                .inner
                .transport
                .send(
                    &at,
                    method.clone(),
                    url,
                    body.map(<[u8]>::to_vec),
                    &self.inner.redactor,
                )
                .await;
            let status = sent.as_ref().ok().map(|answer| answer.status);
            let result = match sent {
                Ok(answer) if (200..300).contains(&answer.status) => Ok(answer.body),
                Ok(answer) => Err(self.classify(&at, &answer)),
                Err(error) => Err(error),
            };
            self.record(operation, attempt, status, &result, started.elapsed());
            let error = match result {
                Ok(body) => return Ok(body),
                Err(error) => error,
            };
            if status == Some(401) && !refreshed {
                // The token may have been revoked or expired early: one new token, one retry.
                refreshed = true;
                self.token(Some(&token)).await?;
                continue;
            }
            let may_resend = if creating {
                error.is_safe_to_resend_create()
            } else {
                error.is_retryable()
            };
            if !may_resend || retries >= self.inner.config.max_retries {
                return Err(error);
            }
            retries += 1;
            let wait = self.retry_wait(&error, retries).ok_or(error)?;
            tokio::time::sleep(wait).await;
        }
    }

    /// How long to wait before retry number `retry`: what `Retry-After` asked for (on a 429 or
    /// a 5xx such as 503), when the
    /// client is willing to wait that long (`None` when not), else backoff with jitter.
    fn retry_wait(&self, error: &FnError, retry: u32) -> Option<Duration> {
        let config = &self.inner.config;
        match error {
            FnError::RateLimited {
                retry_after: Some(after),
                ..
            }
            | FnError::Server {
                retry_after: Some(after),
                ..
            } => (*after <= config.max_retry_after).then_some(*after),
            _ => Some(backoff_delay(config.base_delay, config.max_delay, retry)),
        }
    }

    /// A usable token: the kept one while fresh, else a new one. With `stale`, the token
    /// the API just refused, a new one is fetched unless another task already replaced it.
    async fn token(&self, stale: Option<&Secret>) -> Result<Secret, FnError> {
        let mut kept = self.inner.token.lock().await;
        if let Some(cached) = kept.as_ref()
            && cached.is_fresh(Instant::now())
            && stale.is_none_or(|stale| *stale != cached.token)
        {
            return Ok(cached.token.clone());
        }
        let fresh = self.fetch_token().await?;
        let token = fresh.token.clone();
        *kept = Some(fresh);
        Ok(token)
    }

    /// `POST /authentication/api/oauth/token` with the configured grant.
    async fn fetch_token(&self) -> Result<CachedToken, FnError> {
        let at = self.site("token", Method::POST, paths::TOKEN);
        let body = self.inner.credentials.token_request_body();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let url = self.url(paths::TOKEN, &[], None)?;
            let started = Instant::now();
            let sent = self
                .inner
                .transport
                .send(
                    &at,
                    Method::POST,
                    url,
                    Some(body.clone()),
                    &self.inner.redactor,
                )
                .await;
            let status = sent.as_ref().ok().map(|answer| answer.status);
            let result = match sent {
                Ok(answer) if (200..300).contains(&answer.status) => {
                    self.read_token(&at, &answer.body)
                }
                Ok(answer) => Err(token_refusal(self.classify(&at, &answer))),
                Err(error) => Err(error),
            };
            self.record("token", attempt, status, &result, started.elapsed());
            match result {
                Ok(token) => return Ok(token),
                Err(error) if error.is_retryable() && attempt <= self.inner.config.max_retries => {
                    let wait = self.retry_wait(&error, attempt).ok_or(error)?;
                    tokio::time::sleep(wait).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    fn read_token(&self, at: &CallSite, body: &[u8]) -> Result<CachedToken, FnError> {
        let json = self.json(at, body)?;
        let token = json
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| FnError::UnexpectedResponse {
                at: at.clone(),
                message: "the answer has no access_token".into(),
            })?;
        self.inner.redactor.add_token(token);
        if let Some(refresh) = json.get("refresh_token").and_then(Value::as_str) {
            self.inner.redactor.add_token(refresh);
        }
        let lifetime = json
            .get("expires_in")
            .and_then(Value::as_f64)
            .filter(|s| s.is_finite() && *s > 0.0)
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .unwrap_or(DEFAULT_TOKEN_LIFETIME);
        Ok(CachedToken::new(
            Secret::new(token),
            Instant::now(),
            lifetime,
            self.inner.config.token_refresh_margin,
        ))
    }

    /// The error a non-2xx answer means, its texts scrubbed.
    fn classify(&self, at: &CallSite, answer: &Answer) -> FnError {
        let scrub = |text: &str| self.inner.redactor.scrub(text);
        let (message, problems) = read_error_body(&answer.body);
        let message = match message {
            Some(message) => scrub(&message),
            None => excerpt(&answer.body, &self.inner.redactor),
        };
        let at = at.clone();
        let status = answer.status;
        match status {
            401 | 403 => FnError::Authentication {
                at,
                status,
                message,
            },
            400 | 422 => FnError::Validation {
                at,
                status,
                message,
                problems: problems
                    .into_iter()
                    .map(|p| FieldProblem {
                        path: p.path.map(|path| scrub(&path)),
                        message: scrub(&p.message),
                    })
                    .collect(),
            },
            404 => FnError::NotFound { at, message },
            429 => FnError::RateLimited {
                at,
                retry_after: answer.retry_after,
            },
            500..=599 => FnError::Server {
                at,
                status,
                message,
                retry_after: answer.retry_after,
            },
            _ => FnError::Rejected {
                at,
                status,
                message,
            },
        }
    }

    fn json(&self, at: &CallSite, body: &[u8]) -> Result<Value, FnError> {
        serde_json::from_slice(body).map_err(|e| FnError::UnexpectedResponse {
            at: at.clone(),
            message: format!("not JSON: {e}"),
        })
    }

    fn work_order(&self, at: &CallSite, body: &[u8]) -> Result<WorkOrder, FnError> {
        let json = self.json(at, body)?;
        WorkOrder::from_json(json).ok_or_else(|| FnError::UnexpectedResponse {
            at: at.clone(),
            message: "the answer has no work order id".into(),
        })
    }

    fn url(
        &self,
        path: &str,
        query: &[(&str, String)],
        token: Option<&Secret>,
    ) -> Result<Url, FnError> {
        let mut url = self
            .inner
            .base
            .join(path)
            .map_err(|e| FnError::InvalidRequest(format!("path {path}: {e}")))?;
        if !query.is_empty() || token.is_some() {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in query {
                pairs.append_pair(key, value);
            }
            if let Some(token) = token {
                pairs.append_pair(paths::ACCESS_TOKEN_PARAM, token.expose());
            }
        }
        Ok(url)
    }

    fn site(&self, operation: &'static str, method: Method, path: &str) -> CallSite {
        CallSite {
            operation,
            endpoint: format!("{method} {path}"),
        }
    }

    fn record<T>(
        &self,
        operation: &'static str,
        attempt: u32,
        status: Option<u16>,
        result: &Result<T, FnError>,
        elapsed: Duration,
    ) {
        let now = jiff::Timestamp::now();
        let call = ApiCall {
            operation,
            attempt,
            status,
            outcome: match result {
                Ok(_) => "ok".into(),
                Err(error) => error.short(),
            },
            at: jiff::SignedDuration::try_from(elapsed)
                .ok()
                .and_then(|took| now.checked_sub(took).ok())
                .unwrap_or(now),
            elapsed,
        };
        if let Some(log) = &self.scoped_log {
            log.record(call.clone());
        }
        self.inner.log.record(call);
    }
}

/// The token endpoint refuses a bad grant with 400 as well as 401: every refusal of the
/// credentials is an authentication error there.
fn token_refusal(error: FnError) -> FnError {
    match error {
        FnError::Validation {
            at,
            status,
            message,
            ..
        }
        | FnError::Rejected {
            at,
            status,
            message,
        } if status < 500 && status != 429 => FnError::Authentication {
            at,
            status,
            message,
        },
        other => other,
    }
}
