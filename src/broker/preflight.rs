//! `fieldmap serve --check`: the broker's "Test Connection". Each item passes or fails on its
//! own, so one run shows everything that is wrong: the secrets, the mappings compiled against
//! the tenant snapshot, the store (opened and migrated), Autotask (zone and request threshold)
//! and Field Nation (a token and a read).

use super::config::BrokerConfig;
use super::secrets::Secrets;
use super::server::{autotask_client, compile_mappings, fieldnation_client, open_store};

/// One item of the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckItem {
    pub name: &'static str,
    pub passed: bool,
    /// What was found, or why it failed.
    pub detail: String,
}

/// Checks everything `fieldmap serve` needs, in order.
pub async fn preflight(config: &BrokerConfig) -> Vec<CheckItem> {
    let mut items = Vec::new();
    let mut item = |name, result: Result<String, String>| {
        let passed = result.is_ok();
        let detail = result.unwrap_or_else(|e| e);
        items.push(CheckItem {
            name,
            passed,
            detail,
        });
        passed
    };
    let secrets = Secrets::load(config);
    let secrets_ok = item(
        "secrets",
        secrets
            .as_ref()
            .map(|_| "every secret is readable".to_owned())
            .map_err(|e| e.to_string()),
    );
    let mappings = compile_mappings(config);
    item(
        "mappings",
        mappings.as_ref().map_err(|e| e.to_string()).and_then(|m| {
            let names: Vec<&str> = m.program.mappings().iter().map(|m| m.name()).collect();
            let unknown: Vec<&str> = config
                .polling
                .iter()
                .map(|p| p.mapping.as_str())
                .filter(|p| !names.contains(p))
                .collect();
            if unknown.is_empty() {
                let overlaps: String = crate::lint::overlapping_triggers(&m.program)
                    .iter()
                    .map(|d| format!("; warning {}: {}", d.code.as_str(), d.message))
                    .collect();
                Ok(format!(
                    "{} files compiled; mappings {names:?}{overlaps}",
                    config.mappings.files.len()
                ))
            } else {
                Err(format!(
                    "`polling` names mappings no file defines: {unknown:?}"
                ))
            }
        }),
    );
    let store = open_store(config).await;
    item(
        "store",
        match &store {
            Ok(store) => match store.migrations().await {
                Ok(applied) => Ok(format!(
                    "{}, {} migrations applied",
                    store.backend(),
                    applied.len()
                )),
                Err(e) => Err(e.to_string()),
            },
            Err(e) => Err(e.to_string()),
        },
    );
    let (Ok(secrets), true) = (secrets, secrets_ok) else {
        item("autotask", Err("not tried: the secrets are missing".into()));
        item(
            "fieldnation",
            Err("not tried: the secrets are missing".into()),
        );
        return items;
    };
    let values = secrets.current();
    let autotask = match autotask_client(config, &values) {
        Ok(client) => match client.connect().await {
            Ok(usage) => Ok(format!(
                "connected to {}; {usage:?}",
                client.zone_url().await.unwrap_or_default()
            )),
            Err(e) => Err(e.to_string()),
        },
        Err(e) => Err(e.to_string()),
    };
    item("autotask", autotask);
    let fieldnation = match fieldnation_client(config, &values) {
        Ok(client) => match client.custom_fields().await {
            Ok(fields) => Ok(format!(
                "authenticated at {}; {} custom fields",
                config.fieldnation.base_url,
                fields.len()
            )),
            Err(e) => Err(e.to_string()),
        },
        Err(e) => Err(e.to_string()),
    };
    item("fieldnation", fieldnation);
    items
}
