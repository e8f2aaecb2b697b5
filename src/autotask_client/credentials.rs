//! The API user's credentials. The secret never reaches a log line, an error message or a
//! `Debug` dump: it is only readable through [`Secret::expose`], which the transport calls to
//! build the `Authorization` header.

use std::fmt;
use std::path::Path;

/// The environment variables credentials are read from.
pub const ENV_USER: &str = "AUTOTASK_USER";
pub const ENV_SECRET: &str = "AUTOTASK_SECRET";
pub const ENV_INTEGRATION_CODE: &str = "AUTOTASK_INTEGRATION_CODE";
/// Skips zone discovery when set.
pub const ENV_ZONE_URL: &str = "AUTOTASK_ZONE_URL";

pub use crate::redaction::Secret;

impl Secret {
    /// A file holding only the secret; one trailing line break (as editors add) is dropped.
    pub fn from_file(path: &Path) -> Result<Secret, CredentialsError> {
        let text = std::fs::read_to_string(path).map_err(|e| CredentialsError::Unreadable {
            path: path.display().to_string(),
            reason: e.kind().to_string(),
        })?;
        let secret = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .unwrap_or(&text);
        if secret.is_empty() {
            return Err(CredentialsError::Missing {
                what: "secret",
                hint: format!("{} is empty", path.display()),
            });
        }
        Ok(Secret::new(secret))
    }
}

/// An Autotask API user: user name, secret (password) and the integration's tracking code.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub secret: Secret,
    pub integration_code: String,
}

impl Credentials {
    pub fn new(
        user: impl Into<String>,
        secret: impl Into<String>,
        integration_code: impl Into<String>,
    ) -> Self {
        Credentials {
            user: user.into(),
            secret: Secret::new(secret),
            integration_code: integration_code.into(),
        }
    }

    /// `AUTOTASK_USER`, `AUTOTASK_SECRET` and `AUTOTASK_INTEGRATION_CODE`.
    pub fn from_env() -> Result<Credentials, CredentialsError> {
        let mut values = CredentialValues::default();
        values.fill_from(|key| std::env::var(key).ok());
        values.finish("the environment")
    }

    /// A file of `KEY=VALUE` lines with the same keys as the environment (`#` starts a
    /// comment). Lines that do not parse are reported by number, never by content.
    pub fn from_file(path: &Path) -> Result<Credentials, CredentialsError> {
        let values = CredentialValues::from_file(path)?;
        values.finish(&path.display().to_string())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("secret", &self.secret)
            .field("integration_code", &self.integration_code)
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (secret [redacted], integration code {})",
            self.user, self.integration_code
        )
    }
}

/// Credential parts gathered from several places (flags, environment, file) before they are
/// known to be complete. Later sources fill only what earlier ones left empty.
#[derive(Clone, Default)]
pub struct CredentialValues {
    pub user: Option<String>,
    pub secret: Option<Secret>,
    pub integration_code: Option<String>,
    pub zone_url: Option<String>,
}

impl fmt::Debug for CredentialValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialValues")
            .field("user", &self.user)
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .field("integration_code", &self.integration_code)
            .field("zone_url", &self.zone_url)
            .finish()
    }
}

impl CredentialValues {
    /// Reads a `KEY=VALUE` credentials file.
    pub fn from_file(path: &Path) -> Result<CredentialValues, CredentialsError> {
        let text = std::fs::read_to_string(path).map_err(|e| CredentialsError::Unreadable {
            path: path.display().to_string(),
            reason: e.kind().to_string(),
        })?;
        let mut pairs = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let line = line.strip_prefix("export ").unwrap_or(line);
            let Some((key, value)) = line.split_once('=') else {
                return Err(CredentialsError::Malformed {
                    path: path.display().to_string(),
                    line: number + 1,
                });
            };
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            pairs.push((key.trim().to_owned(), value.to_owned()));
        }
        let mut values = CredentialValues::default();
        values.fill_from(|key| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        });
        Ok(values)
    }

    /// Fills the parts still missing from a lookup by environment variable name.
    pub fn fill_from(&mut self, lookup: impl Fn(&str) -> Option<String>) {
        let non_empty = |key: &str| lookup(key).filter(|v| !v.is_empty());
        if self.user.is_none() {
            self.user = non_empty(ENV_USER);
        }
        if self.secret.is_none() {
            self.secret = non_empty(ENV_SECRET).map(Secret::new);
        }
        if self.integration_code.is_none() {
            self.integration_code = non_empty(ENV_INTEGRATION_CODE);
        }
        if self.zone_url.is_none() {
            self.zone_url = non_empty(ENV_ZONE_URL);
        }
    }

    /// Fills the parts still missing from another set of values.
    pub fn fill_missing(&mut self, other: CredentialValues) {
        self.user = self.user.take().or(other.user);
        self.secret = self.secret.take().or(other.secret);
        self.integration_code = self.integration_code.take().or(other.integration_code);
        self.zone_url = self.zone_url.take().or(other.zone_url);
    }

    /// Complete credentials, or which part is missing (`source` names where we looked).
    pub fn finish(self, source: &str) -> Result<Credentials, CredentialsError> {
        let missing = |what: &'static str, env: &str| CredentialsError::Missing {
            what,
            hint: format!("not found in {source}; set {env}"),
        };
        Ok(Credentials {
            user: self.user.ok_or_else(|| missing("user", ENV_USER))?,
            secret: self.secret.ok_or_else(|| missing("secret", ENV_SECRET))?,
            integration_code: self
                .integration_code
                .ok_or_else(|| missing("integration code", ENV_INTEGRATION_CODE))?,
        })
    }
}

/// Why credentials could not be had. Never carries the secret or a line of a credentials file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    #[error("no Autotask {what}: {hint}")]
    Missing { what: &'static str, hint: String },
    #[error("cannot read credentials from {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("{path}, line {line}: expected KEY=VALUE")]
    Malformed { path: String, line: usize },
}
