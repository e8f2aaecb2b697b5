//! The connection flags `schema pull`, `poll` and `run --ticket-id` share, and what they
//! become: credentials, a client configuration, and the API calls printed on stderr.
//!
//! Each part of the credentials comes from the first place that has it: a flag, the
//! environment (`AUTOTASK_USER`, `AUTOTASK_SECRET`, `AUTOTASK_INTEGRATION_CODE`,
//! `AUTOTASK_ZONE_URL`), then the `--credentials` file (`KEY=VALUE` lines, same keys).
//! The secret is never taken from a plain flag without a warning: command lines end up in
//! shell histories and process lists.

use std::io::BufRead;
use std::path::PathBuf;
use std::time::Duration;

use fieldmap::autotask_client::{
    AutotaskClient, CallLog, ClientConfig, CredentialValues, Credentials, DEFAULT_DISCOVERY_URL,
    DEFAULT_MAX_RESPONSE_BYTES, Secret,
};

use super::UsageError;

#[derive(clap::Args, Clone, Debug)]
pub struct ConnectionArgs {
    /// The Autotask zone URL (skips zone discovery) [env: AUTOTASK_ZONE_URL].
    #[arg(long, value_name = "URL")]
    zone_url: Option<String>,
    /// Where zone discovery asks for the user's zone.
    #[arg(long, value_name = "URL", default_value = DEFAULT_DISCOVERY_URL)]
    discovery_url: String,
    /// The API user [env: AUTOTASK_USER].
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// A file holding the API user's secret (password); `-` reads it from stdin
    /// [env: AUTOTASK_SECRET].
    #[arg(long, value_name = "FILE")]
    secret_file: Option<PathBuf>,
    /// The secret itself. Discouraged: other users can see command lines; prefer
    /// --secret-file or AUTOTASK_SECRET.
    #[arg(long, value_name = "SECRET", conflicts_with = "secret_file")]
    secret: Option<String>,
    /// The integration's tracking identifier [env: AUTOTASK_INTEGRATION_CODE].
    #[arg(long, value_name = "CODE")]
    integration_code: Option<String>,
    /// A file of KEY=VALUE lines (AUTOTASK_USER, AUTOTASK_SECRET, AUTOTASK_INTEGRATION_CODE,
    /// AUTOTASK_ZONE_URL), read for what flags and environment leave open.
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// Seconds one request may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    timeout: u64,
    /// Retries of a request that failed in a way that may pass (server error, timeout,
    /// threshold).
    #[arg(long, value_name = "N", default_value_t = 4)]
    max_retries: u32,
    /// The largest answer read, in MiB; a larger one fails the call.
    #[arg(long, value_name = "MIB", default_value_t = DEFAULT_MAX_RESPONSE_BYTES / (1024 * 1024))]
    max_response_mib: usize,
}

impl ConnectionArgs {
    /// A client for the credentials and URLs the flags, environment and file give.
    pub fn client(&self) -> Result<AutotaskClient, UsageError> {
        let mut values = CredentialValues {
            user: self.user.clone(),
            secret: self.secret_from_flags()?,
            integration_code: self.integration_code.clone(),
            zone_url: self.zone_url.clone(),
        };
        values.fill_from(|key| std::env::var(key).ok());
        let mut source = "flags and environment".to_owned();
        if let Some(path) = &self.credentials {
            values.fill_missing(
                CredentialValues::from_file(path).map_err(|e| UsageError(e.to_string()))?,
            );
            source = format!("flags, environment and {}", path.display());
        }
        let zone_url = values.zone_url.clone();
        let credentials: Credentials = values
            .finish(&source)
            .map_err(|e| UsageError(e.to_string()))?;
        let config = ClientConfig {
            discovery_url: self.discovery_url.clone(),
            zone_url,
            request_timeout: Duration::from_secs(self.timeout.max(1)),
            max_retries: self.max_retries,
            max_response_bytes: self.max_response_mib.max(1).saturating_mul(1024 * 1024),
            ..ClientConfig::default()
        };
        AutotaskClient::new(credentials, config).map_err(|e| UsageError(e.to_string()))
    }

    fn secret_from_flags(&self) -> Result<Option<Secret>, UsageError> {
        if let Some(secret) = &self.secret {
            errln!(
                "warning: --secret puts the secret in the shell history and the process list; use --secret-file or AUTOTASK_SECRET"
            );
            return Ok(Some(Secret::new(secret.clone())));
        }
        match &self.secret_file {
            None => Ok(None),
            Some(path) if path.as_os_str() == "-" => {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| UsageError(format!("cannot read the secret from stdin: {e}")))?;
                let secret = line.trim_end_matches(['\r', '\n']);
                if secret.is_empty() {
                    return Err(UsageError("stdin gave an empty secret".into()));
                }
                Ok(Some(Secret::new(secret)))
            }
            Some(path) => Secret::from_file(path)
                .map(Some)
                .map_err(|e| UsageError(e.to_string())),
        }
    }
}

/// The async runtime the network commands run on.
pub fn runtime() -> Result<tokio::runtime::Runtime, UsageError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| UsageError(format!("cannot start the async runtime: {e}")))
}

/// The API calls a command made, on stderr.
pub fn print_calls(log: &CallLog) {
    let discovery = log.discovery_calls();
    let discovery_note = if discovery > 0 {
        format!(" (and {discovery} zone discovery)")
    } else {
        String::new()
    };
    errln!("Autotask API calls: {}{discovery_note}", log.api_calls());
    for call in log.calls() {
        errln!("  {call}");
    }
}
