//! The client: zone discovery, then every call through the rate limiter, with retries.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio::sync::OnceCell;

use super::backoff::Backoff;
use super::call_log::{ApiCall, CallLog};
use super::config::ClientConfig;
use super::credentials::Credentials;
use super::error::{CallSite, ClientError};
use super::field_info::FieldInfo;
use super::headroom::Headroom;
use super::rate_limiter::{BudgetUsage, RateLimiter};
use super::request_envelope::{envelope, zone_info_body};
use super::threshold_gate::ThresholdGate;
use super::transport::{HttpAnswer, Transport};
use super::ttl_cache::TtlCache;
use super::zone_info::{ZoneInfo, read_zone_info_response};
use crate::autotask::soap::SoapError;
use crate::autotask::wire::Operation;
use crate::redaction::SecretForms;

/// The client's own log keeps this many recent calls (its counts cover all of them).
const CLIENT_LOG_LENGTH: usize = 1000;

/// An Autotask SOAP API v1.6 client. Cheap to clone; clones share the zone, the limiter, the
/// metadata cache and the call log, so one client should serve the whole process.
#[derive(Clone)]
pub struct AutotaskClient {
    inner: Arc<Inner>,
    /// More logs for units of work (a job, a fetch within it), besides the client's own.
    scoped_logs: Vec<Arc<CallLog>>,
}

struct Inner {
    config: ClientConfig,
    credentials: Credentials,
    /// The secret as it may come back in an answer: as is, escaped, encoded, in a Basic header.
    secrets: SecretForms,
    transport: Transport,
    zone_url: OnceCell<String>,
    limiter: RateLimiter,
    /// Shut while Autotask refuses calls for its threshold.
    gate: ThresholdGate,
    backoff: Backoff,
    log: CallLog,
    metadata: Mutex<TtlCache<String, Arc<Vec<FieldInfo>>>>,
}

impl fmt::Debug for AutotaskClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AutotaskClient")
            .field("credentials", &self.inner.credentials)
            .field("zone_url", &self.inner.zone_url.get())
            .field("config", &self.inner.config)
            .finish()
    }
}

/// What an operation's answer turned into, or why it is not one.
pub(super) type Interpret<'a, T> =
    dyn Fn(&[u8], &CallSite) -> Result<T, ClientError> + Send + Sync + 'a;

impl AutotaskClient {
    /// A client for the user in `credentials`. Nothing is sent yet: the zone is discovered on
    /// the first call (or by [`AutotaskClient::connect`]), unless `config.zone_url` names it.
    pub fn new(credentials: Credentials, config: ClientConfig) -> Result<Self, ClientError> {
        let transport = Transport::new(config.request_timeout, config.max_response_bytes)?;
        let mut secrets = SecretForms::new([credentials.secret.expose()]);
        secrets.add_basic(&credentials.user, credentials.secret.expose());
        let zone_url = match &config.zone_url {
            Some(url) => OnceCell::new_with(Some(url.clone())),
            None => OnceCell::new(),
        };
        let inner = Inner {
            limiter: RateLimiter::new(
                config.hourly_budget,
                config.budget_window,
                config.max_concurrent_per_endpoint,
                config.max_budget_wait,
            ),
            gate: ThresholdGate::default(),
            backoff: Backoff::new(config.base_delay, config.max_delay),
            metadata: Mutex::new(TtlCache::new(config.metadata_ttl)),
            log: CallLog::keeping_last(CLIENT_LOG_LENGTH),
            zone_url,
            transport,
            secrets,
            credentials,
            config,
        };
        Ok(AutotaskClient {
            inner: Arc::new(inner),
            scoped_logs: Vec::new(),
        })
    }

    /// The same client, also recording its calls in `log` (for counting one fetch's calls, or
    /// auditing one job's), besides any log this client already records in.
    pub fn with_call_log(&self, log: Arc<CallLog>) -> AutotaskClient {
        let mut scoped_logs = self.scoped_logs.clone();
        scoped_logs.push(log);
        AutotaskClient {
            inner: self.inner.clone(),
            scoped_logs,
        }
    }

    /// The requests this client (and its clones) sent: counts of all, the last 1,000 in full.
    pub fn call_log(&self) -> &CallLog {
        &self.inner.log
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    pub fn user(&self) -> &str {
        &self.inner.credentials.user
    }

    /// The limiter's count of requests in the current window.
    pub fn budget_usage(&self) -> BudgetUsage {
        self.inner.limiter.usage()
    }

    /// What is left of the request budget, and whether calls are paused for Autotask's
    /// threshold: a few counters under a lock, cheap enough for every metrics scrape.
    pub fn headroom(&self) -> Headroom {
        let usage = self.inner.limiter.usage();
        Headroom {
            limit: usage.limit,
            used: usage.used,
            remaining: usage.limit.saturating_sub(usage.used),
            paused: !self.inner.gate.is_open(),
            pauses: self.inner.gate.pauses(),
            reported: self.inner.limiter.last_report(),
        }
    }

    /// Discovers the zone (when not known yet) and seeds the limiter with Autotask's count of
    /// requests used: two calls, neither counted against a fetch.
    pub async fn connect(&self) -> Result<crate::autotask::soap::ThresholdAndUsage, ClientError> {
        self.zone_url().await?;
        self.threshold_and_usage().await
    }

    /// The zone URL of the user's database, discovered once and then kept.
    pub async fn zone_url(&self) -> Result<String, ClientError> {
        self.inner
            .zone_url
            .get_or_try_init(|| async {
                let zone = self.discover_zone().await?;
                zone.url.ok_or_else(|| ClientError::ZoneDiscovery {
                    user: self.inner.credentials.user.clone(),
                    endpoint: self.inner.config.discovery_url.clone(),
                    message: "the answer has no URL".into(),
                })
            })
            .await
            .cloned()
    }

    /// `getZoneInfo` for this client's user at the discovery URL.
    pub async fn discover_zone(&self) -> Result<ZoneInfo, ClientError> {
        let user = self.inner.credentials.user.clone();
        let discovery = self.inner.config.discovery_url.clone();
        let interpret = |body: &[u8], at: &CallSite| {
            read_zone_info_response(body).map_err(|e| soap_error(at, e))
        };
        let zone = self
            .send(
                &discovery,
                Operation::GetZoneInfo,
                None,
                zone_info_body(&user),
                &interpret,
            )
            .await?;
        if zone.error_code < 0 || zone.url.is_none() {
            return Err(ClientError::ZoneDiscovery {
                user,
                endpoint: discovery,
                message: format!(
                    "Autotask knows no API user by this name (ErrorCode {})",
                    zone.error_code
                ),
            });
        }
        Ok(zone)
    }

    /// Sends one authenticated operation to the zone, retrying what may succeed on a second
    /// try, and reads the answer with `interpret`.
    pub(super) async fn call<T>(
        &self,
        operation: Operation,
        entity: Option<&str>,
        inner_xml: String,
        interpret: &Interpret<'_, T>,
    ) -> Result<T, ClientError> {
        let zone = self.zone_url().await?;
        self.send(&zone, operation, entity, inner_xml, interpret)
            .await
    }

    async fn send<T>(
        &self,
        endpoint: &str,
        operation: Operation,
        entity: Option<&str>,
        inner_xml: String,
        interpret: &Interpret<'_, T>,
    ) -> Result<T, ClientError> {
        let authenticated = operation.is_authenticated();
        let credentials = authenticated.then_some(&self.inner.credentials);
        let request = envelope(
            operation,
            credentials.map(|c| c.integration_code.as_str()),
            &inner_xml,
        );
        let at = CallSite {
            operation: operation.element(),
            entity: entity.map(str::to_owned),
            endpoint: endpoint.to_owned(),
        };
        let limiter_key = match entity {
            Some(entity) => format!("{operation} {entity}"),
            None => operation.element().to_owned(),
        };
        // Discovery is unauthenticated and not part of the tenant's request budget; the
        // usage report is how the limiter catches up with Autotask, so it always goes out.
        let budgeted = authenticated && operation != Operation::GetThresholdAndUsageInfo;
        let max_pause = self.inner.config.max_budget_wait;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if budgeted && !self.inner.gate.wait(max_pause).await {
                return Err(ClientError::Threshold {
                    at: at.clone(),
                    message: format!(
                        "Autotask's request threshold is reached; calls were paused for {max_pause:?} and it does not allow them yet"
                    ),
                });
            }
            let permit = if budgeted {
                Some(
                    self.inner
                        .limiter
                        .acquire(&limiter_key)
                        .await
                        .map_err(|e| ClientError::Threshold {
                            at: at.clone(),
                            message: format!("the client's own limit: {e}"),
                        })?,
                )
            } else {
                None
            };
            let started = Instant::now();
            let sent_at = jiff::Timestamp::now();
            let answer = self
                .inner
                .transport
                .post(
                    &at,
                    operation,
                    credentials,
                    request.clone(),
                    &self.inner.secrets,
                )
                .await;
            drop(permit);
            let status = match &answer {
                Ok(HttpAnswer { status, .. }) => Some(*status),
                Err(ClientError::Fault { status, .. } | ClientError::Http { status, .. }) => {
                    Some(*status)
                }
                Err(ClientError::Unauthorized { .. }) => Some(401),
                Err(_) => None,
            };
            let result = answer
                .and_then(|answer| interpret(&answer.body, &at))
                .map_err(|error| self.scrubbed(error));
            self.record(ApiCall {
                operation,
                entity: entity.map(str::to_owned),
                attempt,
                status,
                outcome: match &result {
                    Ok(_) => "ok".into(),
                    Err(e) => e.short(),
                },
                at: sent_at,
                elapsed: started.elapsed(),
            });
            let refused_for_threshold =
                budgeted && matches!(result, Err(ClientError::Threshold { .. }));
            if refused_for_threshold {
                self.pause_for_threshold();
            }
            match result {
                Ok(value) => return Ok(value),
                Err(error)
                    if attempt <= self.inner.config.max_retries
                        && may_resend(operation, &error) =>
                {
                    // After a threshold refusal the gate is the wait: the next attempt goes
                    // when Autotask has room again.
                    if !refused_for_threshold {
                        tokio::time::sleep(self.inner.backoff.delay(attempt)).await;
                    } else if !self.inner.gate.wait(max_pause).await {
                        return Err(error);
                    }
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Shuts the gate for every call of this client; the call that shut it starts the one
    /// probe that opens it again. The probe's calls go to that call's logs too (the job that
    /// met the threshold has them in its audit trail).
    fn pause_for_threshold(&self) {
        if !self.inner.gate.close() {
            return;
        }
        let client = self.clone();
        tokio::spawn(async move { client.probe_until_allowed().await });
    }

    /// Asks `getThresholdAndUsageInfo` with backoff until the usage is under the threshold,
    /// then seeds the limiter with it and opens the gate. An unreadable report opens the gate
    /// too: the calls then find out for themselves.
    async fn probe_until_allowed(&self) {
        let mut probe = 0;
        loop {
            probe += 1;
            tokio::time::sleep(self.inner.backoff.delay(probe)).await;
            match self.usage_report().await {
                Ok(usage) if usage.threshold > 0 && usage.requests_used >= usage.threshold => {}
                Ok(usage) => {
                    self.inner.limiter.seed(&usage);
                    break;
                }
                Err(_) => break,
            }
        }
        self.inner.gate.reopen();
    }

    fn record(&self, call: ApiCall) {
        for log in &self.scoped_logs {
            log.record(call.clone());
        }
        self.inner.log.record(call);
    }

    /// `error` with every form of the secret taken out of its texts. Every error a call ends
    /// with passes through here, and so does any error made later from an answer's text.
    pub(super) fn scrubbed(&self, error: ClientError) -> ClientError {
        error.scrubbed(&self.inner.secrets)
    }

    /// Where a call of `operation` goes, for errors found after the call.
    pub(super) fn call_site(&self, operation: Operation, entity: Option<&str>) -> CallSite {
        CallSite {
            operation: operation.element(),
            entity: entity.map(str::to_owned),
            endpoint: self.inner.zone_url.get().cloned().unwrap_or_default(),
        }
    }

    pub(super) fn limiter(&self) -> &RateLimiter {
        &self.inner.limiter
    }

    pub(super) fn metadata_cache(
        &self,
    ) -> std::sync::MutexGuard<'_, TtlCache<String, Arc<Vec<FieldInfo>>>> {
        self.inner
            .metadata
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Creating is not idempotent: a retry must not risk saving twice.
fn may_resend(operation: Operation, error: &ClientError) -> bool {
    match operation {
        Operation::Create => error.is_safe_to_resend_create(),
        _ => error.is_retryable(),
    }
}

/// A reader error as the client reports it: a fault is a fault wherever it turns up.
pub(super) fn soap_error(at: &CallSite, error: SoapError) -> ClientError {
    match error {
        SoapError::Fault { code, message, .. } => {
            super::error::classify_fault(at.clone(), 200, code, message)
        }
        SoapError::Rejected { errors, .. } => {
            super::error::classify_atws_errors(at.clone(), errors)
        }
        other => ClientError::Xml {
            at: at.clone(),
            source: Box::new(other),
        },
    }
}
