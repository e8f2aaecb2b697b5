//! `fieldmap.toml`: what `fieldmap serve` runs. Read with serde (unknown keys are errors, so a
//! misspelt key is never silently ignored), then validated; every error names its key.
//!
//! Secrets are never written in the file: each is a [`SecretRef`], an environment variable or
//! a file, read by [`super::secrets`] at start and again on rotation. docs/broker.md documents
//! every key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::intake::allowlist::Allowlist;
use super::retry_policy::RetryPolicy;

/// The whole configuration, validated.
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    pub mappings: MappingsConfig,
    pub autotask: AutotaskConfig,
    pub fieldnation: FieldNationConfig,
    pub store: StoreConfig,
    pub intake: IntakeConfig,
    pub retry: RetryPolicy,
    pub workers: WorkersConfig,
    pub secrets: SecretsConfig,
    /// Polling per mapping name.
    pub polling: Vec<PollingConfig>,
    /// `[admin]`: the operations routes.
    pub admin: AdminConfig,
}

/// `[admin]`.
#[derive(Debug, Clone, Default)]
pub struct AdminConfig {
    /// The bearer token the `/jobs…` routes ask for; `None`: they ask for none.
    pub token: Option<SecretRef>,
}

/// `[mappings]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingsConfig {
    /// Mapping files (`.fmap`), compiled together into one program.
    pub files: Vec<PathBuf>,
    /// A tenant snapshot (`fieldmap schema pull`); none: the bundled demo tenant.
    #[serde(default)]
    pub tenant_snapshot: Option<PathBuf>,
    /// The Field Nation custom field that carries each work order's source record.
    #[serde(default = "default_marker_field")]
    pub marker_field: u64,
}

/// `[autotask]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutotaskConfig {
    /// The zone URL; none: zone discovery at `discovery_url`.
    #[serde(default)]
    pub zone_url: Option<String>,
    #[serde(default = "default_discovery_url")]
    pub discovery_url: String,
    pub user: String,
    pub integration_code: String,
    pub secret: SecretRef,
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    #[serde(default = "default_client_retries")]
    pub max_retries: u32,
}

/// `[fieldnation]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldNationConfig {
    pub base_url: String,
    pub client_id: String,
    pub client_secret: SecretRef,
    /// With `password`, the `password` grant.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<SecretRef>,
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    #[serde(default = "default_client_retries")]
    pub max_retries: u32,
}

/// `[store]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `sqlite:PATH` or `postgres://…`.
    #[serde(default = "default_store_url")]
    pub url: String,
    /// PostgreSQL: the schema the tables live in.
    #[serde(default)]
    pub schema: Option<String>,
    #[serde(default = "default_pool_size")]
    pub pool_size: usize,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            url: default_store_url(),
            schema: None,
            pool_size: default_pool_size(),
        }
    }
}

/// `[intake]` and its endpoint tables.
#[derive(Debug, Clone)]
pub struct IntakeConfig {
    pub listen: SocketAddr,
    /// The largest request body read; a longer one gets 413.
    pub max_body_bytes: usize,
    pub autotask: AutotaskHookConfig,
    pub fieldnation: FieldNationHookConfig,
    pub manual: ManualConfig,
}

/// `[intake.autotask]`: `POST /hooks/autotask/{token}`.
#[derive(Debug, Clone)]
pub struct AutotaskHookConfig {
    pub token: SecretRef,
    /// The webhook's secret key: `X-Hook-Signature` is required and verified when set.
    pub signature_secret: Option<SecretRef>,
    pub allow: Allowlist,
}

/// `[intake.fieldnation]`: `POST /hooks/fieldnation`.
#[derive(Debug, Clone)]
pub struct FieldNationHookConfig {
    pub secret: SecretRef,
    /// How far the body's `timestamp` may be from now, either way.
    pub timestamp_window: Duration,
    pub allow: Allowlist,
}

/// `[intake.manual]`: `POST /dispatch/{mapping}/{id}`.
#[derive(Debug, Clone)]
pub struct ManualConfig {
    pub allow: Allowlist,
}

/// `[workers]`.
#[derive(Debug, Clone)]
pub struct WorkersConfig {
    /// Worker loops in this process; 0: intake only (another process runs the jobs).
    pub count: usize,
    /// Jobs leased per run.
    pub batch_size: u32,
    /// After a job arrives, how long a worker waits for others to join its batch.
    pub batch_window: Duration,
    /// How often an idle worker looks for due jobs (retries, other processes' intake).
    pub idle_interval: Duration,
    pub lease_for: Duration,
}

impl Default for WorkersConfig {
    fn default() -> Self {
        WorkersConfig {
            count: 2,
            batch_size: 50,
            batch_window: Duration::from_millis(20),
            idle_interval: Duration::from_secs(1),
            lease_for: Duration::from_secs(120),
        }
    }
}

/// `[secrets]`.
#[derive(Debug, Clone)]
pub struct SecretsConfig {
    /// How often secret files are checked for changes.
    pub check_interval: Duration,
    /// After a rotation, how long the previous intake secrets are still accepted.
    pub grace: Duration,
}

impl Default for SecretsConfig {
    fn default() -> Self {
        SecretsConfig {
            check_interval: Duration::from_secs(5),
            grace: Duration::from_secs(300),
        }
    }
}

/// `[[polling]]`: one mapping polled with its triggers' QueryXML.
#[derive(Debug, Clone, PartialEq)]
pub struct PollingConfig {
    pub mapping: String,
    pub enabled: bool,
    pub interval: Duration,
}

/// Where a secret is read from: `{ env = "NAME" }` or `{ file = "PATH" }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "SecretInput")]
pub struct SecretRef {
    pub env: Option<String>,
    pub file: Option<PathBuf>,
}

/// A secret's entry as written: a table, or (refused) the secret itself.
#[derive(Deserialize)]
#[serde(untagged)]
enum SecretInput {
    Table {
        #[serde(default)]
        env: Option<String>,
        #[serde(default)]
        file: Option<PathBuf>,
    },
    Inline(serde::de::IgnoredAny),
}

impl TryFrom<SecretInput> for SecretRef {
    type Error = &'static str;

    fn try_from(input: SecretInput) -> Result<Self, Self::Error> {
        match input {
            SecretInput::Table { env, file } => Ok(SecretRef { env, file }),
            // The message must not repeat the value: it may be the secret.
            SecretInput::Inline(_) => Err(
                "a secret is never written in the file: use { env = \"NAME\" } or { file = \"PATH\" }",
            ),
        }
    }
}

/// Why a configuration cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("{path}: {message}")]
    Syntax { path: String, message: String },
    #[error("{path}: `{key}` {reason}")]
    Invalid {
        path: String,
        key: String,
        reason: String,
    },
}

// ---- the file as written ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    mappings: MappingsConfig,
    autotask: AutotaskConfig,
    fieldnation: FieldNationConfig,
    #[serde(default)]
    store: StoreConfig,
    intake: RawIntake,
    #[serde(default)]
    retry: Option<RawRetry>,
    #[serde(default)]
    workers: Option<RawWorkers>,
    #[serde(default)]
    secrets: Option<RawSecrets>,
    #[serde(default)]
    polling: Vec<RawPolling>,
    #[serde(default)]
    admin: Option<RawAdmin>,
    /// `fieldmap lint`'s levels share the file; the lint configuration reads them.
    #[serde(default, rename = "lint")]
    _lint: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdmin {
    token: Option<SecretRef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIntake {
    #[serde(default = "default_listen")]
    listen: String,
    #[serde(default = "default_max_body_bytes")]
    max_body_bytes: usize,
    autotask: RawAutotaskHook,
    fieldnation: RawFieldNationHook,
    #[serde(default)]
    manual: Option<RawManual>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAutotaskHook {
    token: SecretRef,
    #[serde(default)]
    signature_secret: Option<SecretRef>,
    #[serde(default)]
    allow: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFieldNationHook {
    secret: SecretRef,
    #[serde(default = "default_timestamp_window_secs")]
    timestamp_window_secs: u64,
    #[serde(default)]
    allow: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManual {
    #[serde(default)]
    allow: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetry {
    delays_secs: Vec<f64>,
    #[serde(default = "default_jitter")]
    jitter: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkers {
    count: Option<usize>,
    batch_size: Option<u32>,
    batch_window_ms: Option<u64>,
    idle_interval_ms: Option<u64>,
    lease_secs: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecrets {
    check_interval_secs: Option<f64>,
    grace_secs: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolling {
    mapping: String,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default = "default_poll_interval_secs")]
    interval_secs: u64,
}

fn default_marker_field() -> u64 {
    145
}
fn default_discovery_url() -> String {
    crate::autotask_client::DEFAULT_DISCOVERY_URL.to_owned()
}
fn default_timeout_secs() -> u64 {
    30
}
fn default_client_retries() -> u32 {
    4
}
fn default_store_url() -> String {
    "sqlite:fieldmap.db".to_owned()
}
fn default_pool_size() -> usize {
    8
}
fn default_listen() -> String {
    "127.0.0.1:8080".to_owned()
}
fn default_max_body_bytes() -> usize {
    256 * 1024
}
/// Longer than Field Nation's retries of one delivery (about 21 minutes), which keep the
/// body's original timestamp.
fn default_timestamp_window_secs() -> u64 {
    1800
}
fn default_jitter() -> f64 {
    0.1
}
fn yes() -> bool {
    true
}
fn default_poll_interval_secs() -> u64 {
    60
}

impl BrokerConfig {
    /// Reads and validates `path`. Relative paths in it (mapping files, the snapshot, secret
    /// files, a SQLite file) are taken from the file's directory.
    ///
    /// # Errors
    ///
    /// The file cannot be read, is not TOML of this shape, or a value is out of range.
    pub fn load(path: &Path) -> Result<BrokerConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        BrokerConfig::parse(&text, &path.display().to_string(), base)
    }

    /// Parses and validates `text`; `name` is the file's name in errors, `base` the directory
    /// relative paths start from.
    ///
    /// # Errors
    ///
    /// As [`BrokerConfig::load`].
    pub fn parse(text: &str, name: &str, base: &Path) -> Result<BrokerConfig, ConfigError> {
        // The message and the place only: toml's own rendering quotes the line, which could
        // hold a secret written where it does not belong.
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(String::new(), |span| {
                let before = text.get(..span.start).unwrap_or(text);
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!("line {line}, column {column}: ")
            });
            ConfigError::Syntax {
                path: name.to_owned(),
                message: format!("{at}{}", e.message().trim_end()),
            }
        })?;
        let invalid = |key: &str, reason: String| ConfigError::Invalid {
            path: name.to_owned(),
            key: key.to_owned(),
            reason,
        };
        let rebase = |p: &Path| -> PathBuf {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };

        let mut mappings = raw.mappings;
        if mappings.files.is_empty() {
            return Err(invalid(
                "mappings.files",
                "is empty; name at least one mapping file".into(),
            ));
        }
        mappings.files = mappings.files.iter().map(|p| rebase(p)).collect();
        mappings.tenant_snapshot = mappings.tenant_snapshot.as_deref().map(rebase);

        let mut autotask = raw.autotask;
        check_url("autotask.discovery_url", &autotask.discovery_url, &invalid)?;
        if let Some(url) = &autotask.zone_url {
            check_url("autotask.zone_url", url, &invalid)?;
        }
        non_empty("autotask.user", &autotask.user, &invalid)?;
        non_empty(
            "autotask.integration_code",
            &autotask.integration_code,
            &invalid,
        )?;
        autotask.secret = autotask
            .secret
            .validated("autotask.secret", &invalid, &rebase)?;
        positive("autotask.timeout_secs", autotask.timeout_secs, &invalid)?;

        let mut fieldnation = raw.fieldnation;
        check_url("fieldnation.base_url", &fieldnation.base_url, &invalid)?;
        non_empty("fieldnation.client_id", &fieldnation.client_id, &invalid)?;
        fieldnation.client_secret =
            fieldnation
                .client_secret
                .validated("fieldnation.client_secret", &invalid, &rebase)?;
        fieldnation.password = match (&fieldnation.username, fieldnation.password.take()) {
            (None, None) => None,
            (Some(_), Some(p)) => Some(p.validated("fieldnation.password", &invalid, &rebase)?),
            (Some(_), None) => {
                return Err(invalid(
                    "fieldnation.password",
                    "is missing; `fieldnation.username` needs it".into(),
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "fieldnation.username",
                    "is missing; `fieldnation.password` needs it".into(),
                ));
            }
        };
        positive(
            "fieldnation.timeout_secs",
            fieldnation.timeout_secs,
            &invalid,
        )?;

        let mut store = raw.store;
        if let Some(path) = store.url.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err(invalid("store.url", "names no SQLite file".into()));
            }
            if path != ":memory:" {
                store.url = format!("sqlite:{}", rebase(Path::new(path)).display());
            }
        } else if !(store.url.starts_with("postgres://") || store.url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "store.url",
                format!("is {:?}; expected sqlite:PATH or postgres://…", store.url),
            ));
        }
        if store.pool_size == 0 {
            return Err(invalid("store.pool_size", "must be at least 1".into()));
        }

        let intake = raw.intake;
        let listen: SocketAddr = intake.listen.parse().map_err(|_| {
            invalid(
                "intake.listen",
                format!(
                    "is {:?}; expected an address and port such as 127.0.0.1:8080",
                    intake.listen
                ),
            )
        })?;
        if intake.max_body_bytes < 1024 {
            return Err(invalid(
                "intake.max_body_bytes",
                "must be at least 1024".into(),
            ));
        }
        let allowlist = |key: &str, entries: Option<Vec<String>>, default: Allowlist| match entries
        {
            None => Ok(default),
            Some(entries) => Allowlist::parse(&entries).map_err(|reason| invalid(key, reason)),
        };
        let hook = intake.autotask;
        let autotask_hook = AutotaskHookConfig {
            token: hook
                .token
                .validated("intake.autotask.token", &invalid, &rebase)?,
            signature_secret: match hook.signature_secret {
                None => None,
                Some(s) => {
                    Some(s.validated("intake.autotask.signature_secret", &invalid, &rebase)?)
                }
            },
            allow: allowlist("intake.autotask.allow", hook.allow, Allowlist::any())?,
        };
        let fn_hook = intake.fieldnation;
        positive(
            "intake.fieldnation.timestamp_window_secs",
            fn_hook.timestamp_window_secs,
            &invalid,
        )?;
        let fieldnation_hook = FieldNationHookConfig {
            secret: fn_hook
                .secret
                .validated("intake.fieldnation.secret", &invalid, &rebase)?,
            timestamp_window: Duration::from_secs(fn_hook.timestamp_window_secs),
            allow: allowlist("intake.fieldnation.allow", fn_hook.allow, Allowlist::any())?,
        };
        let manual = ManualConfig {
            allow: allowlist(
                "intake.manual.allow",
                intake.manual.and_then(|m| m.allow),
                Allowlist::loopback(),
            )?,
        };

        let retry = match raw.retry {
            None => RetryPolicy::default(),
            Some(r) => {
                if let Some(bad) = r
                    .delays_secs
                    .iter()
                    .find(|d| !(d.is_finite() && **d >= 0.0))
                {
                    return Err(invalid(
                        "retry.delays_secs",
                        format!("holds {bad}; delays are seconds, 0 or more"),
                    ));
                }
                if !(0.0..=1.0).contains(&r.jitter) {
                    return Err(invalid(
                        "retry.jitter",
                        format!("is {}; expected a fraction from 0 to 1", r.jitter),
                    ));
                }
                RetryPolicy {
                    delays: r
                        .delays_secs
                        .iter()
                        .map(|d| Duration::from_secs_f64(*d))
                        .collect(),
                    jitter: r.jitter,
                }
            }
        };

        let mut workers = WorkersConfig::default();
        if let Some(w) = raw.workers {
            workers.count = w.count.unwrap_or(workers.count);
            if workers.count > 64 {
                return Err(invalid("workers.count", "must be at most 64".into()));
            }
            if let Some(n) = w.batch_size {
                if !(1..=500).contains(&n) {
                    return Err(invalid(
                        "workers.batch_size",
                        format!("is {n}; expected 1 to 500"),
                    ));
                }
                workers.batch_size = n;
            }
            if let Some(ms) = w.batch_window_ms {
                workers.batch_window = Duration::from_millis(ms);
            }
            if let Some(ms) = w.idle_interval_ms {
                positive("workers.idle_interval_ms", ms, &invalid)?;
                workers.idle_interval = Duration::from_millis(ms);
            }
            if let Some(secs) = w.lease_secs {
                positive("workers.lease_secs", secs, &invalid)?;
                workers.lease_for = Duration::from_secs(secs);
            }
        }

        let mut secrets = SecretsConfig::default();
        if let Some(s) = raw.secrets {
            if let Some(secs) = s.check_interval_secs {
                if !(secs.is_finite() && secs > 0.0) {
                    return Err(invalid(
                        "secrets.check_interval_secs",
                        "must be more than 0".into(),
                    ));
                }
                secrets.check_interval = Duration::from_secs_f64(secs);
            }
            if let Some(secs) = s.grace_secs {
                secrets.grace = Duration::from_secs(secs);
            }
        }

        let mut polling: Vec<PollingConfig> = Vec::new();
        for (i, p) in raw.polling.into_iter().enumerate() {
            let key = format!("polling[{i}]");
            if p.mapping.trim().is_empty() {
                return Err(invalid(&format!("{key}.mapping"), "is empty".into()));
            }
            if polling.iter().any(|q| q.mapping == p.mapping) {
                return Err(invalid(
                    &format!("{key}.mapping"),
                    format!("{:?} is polled twice", p.mapping),
                ));
            }
            positive(&format!("{key}.interval_secs"), p.interval_secs, &invalid)?;
            polling.push(PollingConfig {
                mapping: p.mapping,
                enabled: p.enabled,
                interval: Duration::from_secs(p.interval_secs),
            });
        }

        let admin = AdminConfig {
            token: match raw.admin.and_then(|a| a.token) {
                None => None,
                Some(token) => Some(token.validated("admin.token", &invalid, &rebase)?),
            },
        };
        Ok(BrokerConfig {
            admin,
            mappings,
            autotask,
            fieldnation,
            store,
            intake: IntakeConfig {
                listen,
                max_body_bytes: intake.max_body_bytes,
                autotask: autotask_hook,
                fieldnation: fieldnation_hook,
                manual,
            },
            retry,
            workers,
            secrets,
            polling,
        })
    }
}

impl SecretRef {
    /// Exactly one source, a usable variable name, a file path made absolute.
    fn validated(
        self,
        key: &str,
        invalid: &impl Fn(&str, String) -> ConfigError,
        rebase: &impl Fn(&Path) -> PathBuf,
    ) -> Result<SecretRef, ConfigError> {
        match (&self.env, &self.file) {
            (Some(name), None) if !name.trim().is_empty() => Ok(self),
            (None, Some(file)) => Ok(SecretRef {
                env: None,
                file: Some(rebase(file)),
            }),
            (Some(_), None) => Err(invalid(key, "names an empty environment variable".into())),
            _ => Err(invalid(
                key,
                "must be { env = \"NAME\" } or { file = \"PATH\" } (one of them; secrets are never written in the file)".into(),
            )),
        }
    }

    /// Where the secret comes from, for messages (never the secret).
    pub fn describe(&self) -> String {
        match (&self.env, &self.file) {
            (Some(name), _) => format!("environment variable {name}"),
            (_, Some(file)) => format!("file {}", file.display()),
            _ => "nowhere".to_owned(),
        }
    }
}

fn check_url(
    key: &str,
    url: &str,
    invalid: &impl Fn(&str, String) -> ConfigError,
) -> Result<(), ConfigError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(invalid(key, format!("is {url:?}; expected an http(s) URL")))
    }
}

fn non_empty(
    key: &str,
    value: &str,
    invalid: &impl Fn(&str, String) -> ConfigError,
) -> Result<(), ConfigError> {
    if value.trim().is_empty() {
        Err(invalid(key, "is empty".into()))
    } else {
        Ok(())
    }
}

fn positive(
    key: &str,
    value: u64,
    invalid: &impl Fn(&str, String) -> ConfigError,
) -> Result<(), ConfigError> {
    if value == 0 {
        Err(invalid(key, "must be more than 0".into()))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../fieldmap.example.toml");

    fn parse(text: &str) -> Result<BrokerConfig, ConfigError> {
        BrokerConfig::parse(text, "fieldmap.toml", Path::new("/srv/fieldmap"))
    }

    fn error(text: &str) -> String {
        parse(text).err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn the_example_parses_with_paths_from_its_directory() {
        let config = parse(EXAMPLE).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            config.mappings.files[0],
            Path::new("/srv/fieldmap/mappings/dispatch-service-ticket.fmap")
        );
        assert_eq!(config.store.url, "sqlite:/srv/fieldmap/fieldmap.db");
        assert_eq!(config.intake.listen.port(), 8080);
        assert_eq!(
            config.intake.fieldnation.timestamp_window,
            Duration::from_secs(1800)
        );
        assert_eq!(config.retry, RetryPolicy::default());
        assert_eq!(config.polling[0].mapping, "Dispatch from service ticket");
        assert!(!config.polling[0].enabled);
        assert_eq!(
            config.fieldnation.client_secret.file.as_deref(),
            Some(Path::new("/run/secrets/fieldnation_client_secret"))
        );
        let local = "127.0.0.1".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(config.intake.manual.allow.allows(local));
    }

    #[test]
    fn errors_name_the_key() {
        let replace = |from: &str, to: &str| error(&EXAMPLE.replacen(from, to, 1));
        assert_eq!(
            replace("listen = \"0.0.0.0:8080\"", "listen = \"everywhere\""),
            "fieldmap.toml: `intake.listen` is \"everywhere\"; expected an address and port such as 127.0.0.1:8080"
        );
        let inline = replace(
            "secret = { env = \"AUTOTASK_SECRET\" }",
            "secret = \"hunter2\"",
        );
        assert!(inline.contains("never written in the file"), "{inline}");
        assert!(inline.contains("line 14, column 10"), "{inline}");
        assert!(!inline.contains("hunter2"), "{inline}");
        assert!(
            replace(
                "secret = { env = \"AUTOTASK_SECRET\" }",
                "secret = { env = \"A\", file = \"b\" }"
            )
            .contains("`autotask.secret` must be { env = \"NAME\" } or { file = \"PATH\" }")
        );
        assert!(
            replace("url = \"sqlite:fieldmap.db\"", "url = \"mysql://x\"")
                .contains("`store.url` is \"mysql://x\"")
        );
        assert!(
            replace(
                "# allow = [\"203.0.113.0/24\"]",
                "allow = [\"203.0.113.0/40\"]"
            )
            .contains("`intake.autotask.allow` holds \"203.0.113.0/40\"")
        );
        assert!(replace("batch_size = 50", "batch_size = 0").contains("`workers.batch_size`"));
        assert!(replace("jitter = 0.1", "jitter = 3").contains("`retry.jitter`"));
        assert!(
            replace("interval_secs = 300", "interval_secs = 0")
                .contains("`polling[0].interval_secs` must be more than 0")
        );
        // A misspelt key is an error, with the key and its line.
        let typo = replace("batch_size = 50", "batch_sise = 50");
        assert!(typo.contains("batch_sise"), "{typo}");
        assert!(typo.contains("line"), "{typo}");
        // `fieldmap lint` shares the file.
        let shared = format!("{EXAMPLE}\n[lint]\nFM0902 = \"error\"\n");
        assert!(parse(&shared).is_ok());
        let missing = error("[mappings]\nfiles = []\n");
        assert!(missing.contains("autotask"), "{missing}");
    }
}
