//! The broker's secrets, read from the environment or files named in the configuration, and
//! read again without a restart: on SIGHUP and every few seconds (a changed file is picked up
//! by comparing what it holds, which also catches a file replaced by a rename).
//!
//! After a rotation the previous intake secrets (hook token, hook signature key, Field Nation
//! webhook secret) are still accepted for a grace window, so deliveries signed just before the
//! sender switched are not refused. The API secrets have no such window: the clients are
//! rebuilt with the new ones, and jobs already running finish with the clients they started
//! with. A reload that fails (a file removed, an empty secret) keeps the secrets in use.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::config::{BrokerConfig, SecretRef};
use crate::redaction::Secret;

/// Every secret the broker uses, as read at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretValues {
    pub autotask_api: Secret,
    pub fieldnation_client: Secret,
    pub fieldnation_password: Option<Secret>,
    pub hook_token: Secret,
    pub hook_signature: Option<Secret>,
    pub fieldnation_webhook: Secret,
    /// The bearer token of the jobs routes, when `[admin] token` is set.
    pub admin_token: Option<Secret>,
}

/// Why a secret could not be read. Names where it was looked for, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{key}`: {reason}")]
pub struct SecretError {
    pub key: &'static str,
    pub reason: String,
}

/// The secrets in use, and the previous ones during their grace window.
#[derive(Debug)]
pub struct Secrets {
    refs: Refs,
    grace: Duration,
    state: RwLock<State>,
}

#[derive(Debug, Clone)]
struct Refs {
    autotask_api: SecretRef,
    fieldnation_client: SecretRef,
    fieldnation_password: Option<SecretRef>,
    hook_token: SecretRef,
    hook_signature: Option<SecretRef>,
    fieldnation_webhook: SecretRef,
    admin_token: Option<SecretRef>,
}

#[derive(Debug)]
struct State {
    current: Arc<SecretValues>,
    previous: Option<(Arc<SecretValues>, Instant)>,
    /// Counts rotations: whoever built something from the secrets rebuilds when it changes.
    generation: u64,
}

impl Secrets {
    /// Reads every secret `config` names.
    ///
    /// # Errors
    ///
    /// A secret is missing, unreadable or empty.
    pub fn load(config: &BrokerConfig) -> Result<Secrets, SecretError> {
        let refs = Refs {
            autotask_api: config.autotask.secret.clone(),
            fieldnation_client: config.fieldnation.client_secret.clone(),
            fieldnation_password: config.fieldnation.password.clone(),
            hook_token: config.intake.autotask.token.clone(),
            hook_signature: config.intake.autotask.signature_secret.clone(),
            fieldnation_webhook: config.intake.fieldnation.secret.clone(),
            admin_token: config.admin.token.clone(),
        };
        let current = Arc::new(refs.read()?);
        Ok(Secrets {
            refs,
            grace: config.secrets.grace,
            state: RwLock::new(State {
                current,
                previous: None,
                generation: 0,
            }),
        })
    }

    /// The secrets in use.
    pub fn current(&self) -> Arc<SecretValues> {
        self.read_state().current.clone()
    }

    /// The secrets intake accepts: the current ones, then the previous ones while their grace
    /// window lasts.
    pub fn accepted(&self) -> Vec<Arc<SecretValues>> {
        let state = self.read_state();
        let mut all = vec![state.current.clone()];
        if let Some((previous, until)) = &state.previous
            && Instant::now() < *until
        {
            all.push(previous.clone());
        }
        all
    }

    /// How many rotations happened since the start.
    pub fn generation(&self) -> u64 {
        self.read_state().generation
    }

    /// Reads every secret again: whether any changed. On an error the secrets in use stay.
    ///
    /// # Errors
    ///
    /// A secret is missing, unreadable or empty.
    pub fn reload(&self) -> Result<bool, SecretError> {
        let fresh = self.refs.read()?;
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        if *state.current == fresh {
            return Ok(false);
        }
        let old = std::mem::replace(&mut state.current, Arc::new(fresh));
        state.previous = Some((old, Instant::now() + self.grace));
        state.generation += 1;
        Ok(true)
    }

    fn read_state(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }
}

impl Refs {
    fn read(&self) -> Result<SecretValues, SecretError> {
        let optional = |key, r: &Option<SecretRef>| r.as_ref().map(|r| read(key, r)).transpose();
        Ok(SecretValues {
            autotask_api: read("autotask.secret", &self.autotask_api)?,
            fieldnation_client: read("fieldnation.client_secret", &self.fieldnation_client)?,
            fieldnation_password: optional("fieldnation.password", &self.fieldnation_password)?,
            hook_token: read("intake.autotask.token", &self.hook_token)?,
            hook_signature: optional("intake.autotask.signature_secret", &self.hook_signature)?,
            fieldnation_webhook: read("intake.fieldnation.secret", &self.fieldnation_webhook)?,
            admin_token: optional("admin.token", &self.admin_token)?,
        })
    }
}

/// One secret from its variable or file; a file's one trailing line break is dropped.
pub fn read(key: &'static str, source: &SecretRef) -> Result<Secret, SecretError> {
    let error = |reason: String| SecretError { key, reason };
    let text = match (&source.env, &source.file) {
        (Some(name), _) => std::env::var(name)
            .map_err(|_| error(format!("environment variable {name} is not set")))?,
        (None, Some(path)) => std::fs::read_to_string(path)
            .map_err(|e| error(format!("cannot read {}: {}", path.display(), e.kind())))?,
        (None, None) => return Err(error("names no source".into())),
    };
    let secret = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    if secret.is_empty() {
        return Err(error(format!("{} is empty", source.describe())));
    }
    Ok(Secret::new(secret))
}

/// Compares two secrets in time that does not depend on where they differ (nor on the
/// length of the common prefix): both are hashed first, then every byte is compared.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    let (x, y) = (Sha256::digest(a), Sha256::digest(b));
    let diff = x
        .iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_comparison_is_equality() {
        assert!(constant_time_eq(b"token-1", b"token-1"));
        assert!(!constant_time_eq(b"token-1", b"token-2"));
        assert!(!constant_time_eq(b"token", b"token-1"));
        assert!(constant_time_eq(b"", b""));
    }
}
