//! Which tenant snapshot a command checks and evaluates against, said out loud. Picklist ids
//! and UDFs differ between Autotask tenants, so the live commands (`run --ticket-id`, `poll`)
//! and `event` take the snapshot `--schema` names, else the `tenant_snapshot` of the
//! `fieldmap.toml` in the working directory, and only then the bundled demo tenant (a warning
//! against a server). Against a server, the source entity's picklists are compared with the snapshot's
//! (one `GetFieldInfo` call) and a mismatch is a warning.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use fieldmap::Schemas;
use fieldmap::autotask_client::AutotaskClient;

use super::UsageError;
use super::inputs;

/// The broker's configuration file, read for its `[mappings] tenant_snapshot`.
const CONFIG_FILE: &str = "fieldmap.toml";

/// Differences listed before the rest are only counted.
const SHOWN_DIFFERENCES: usize = 3;

/// The schemas and where their tenant came from, in words.
pub struct ChosenTenant {
    pub schemas: Arc<Schemas>,
    pub source: String,
}

/// How loudly the demo tenant is chosen.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Demo {
    /// Against a server: the demo tenant is a warning.
    Warn,
    /// On files (`event`): the demo data is the usual input, so the demo tenant is said nothing
    /// about; a snapshot that is used is still named.
    Quiet,
}

/// Picks the snapshot and prints which one on stderr.
pub fn choose(flag: Option<&Path>, demo: Demo) -> Result<ChosenTenant, UsageError> {
    let (path, source) = match flag {
        Some(path) => (
            Some(path.to_path_buf()),
            format!("{} (--schema)", path.display()),
        ),
        None => from_config(Path::new(CONFIG_FILE))?,
    };
    let schemas = inputs::schemas(path.as_deref())?;
    match path {
        Some(_) => errln!("tenant snapshot: {source}"),
        None if demo == Demo::Quiet => {}
        None => errln!(
            "warning: tenant snapshot: the bundled demo tenant ({source}); its picklist ids and UDFs are not your tenant's: pass --schema with a snapshot from `fieldmap schema pull`"
        ),
    }
    Ok(ChosenTenant { schemas, source })
}

/// The snapshot a `fieldmap.toml` names, relative to the file; `None` for the demo tenant,
/// with the reason.
fn from_config(config: &Path) -> Result<(Option<PathBuf>, String), UsageError> {
    if !config.is_file() {
        return Ok((None, format!("no --schema, no {CONFIG_FILE} here")));
    }
    let text = inputs::read(config)?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| UsageError(format!("{}: {e}", config.display())))?;
    let named = table
        .get("mappings")
        .and_then(|m| m.get("tenant_snapshot"))
        .map(|v| {
            v.as_str().map(str::to_owned).ok_or_else(|| {
                UsageError(format!(
                    "{}: [mappings] tenant_snapshot must be a path",
                    config.display()
                ))
            })
        })
        .transpose()?;
    Ok(match named {
        Some(named) => {
            let base = config.parent().unwrap_or(Path::new("."));
            let path = base.join(&named);
            let source = format!("{} ({CONFIG_FILE} tenant_snapshot)", path.display());
            (Some(path), source)
        }
        None => (None, format!("{CONFIG_FILE} names no tenant_snapshot")),
    })
}

/// Compares the server's picklists of `entity` with the snapshot's and warns about labels
/// whose ids differ or that the snapshot lacks. A failed call is a warning too: the command's
/// own calls have already succeeded.
pub async fn compare_with_server(client: &AutotaskClient, chosen: &ChosenTenant, entity: &str) {
    let fields = match client.field_info(entity).await {
        Ok(fields) => fields,
        Err(e) => {
            errln!("warning: could not compare the tenant snapshot with the server: {e}");
            return;
        }
    };
    let tenant = &chosen.schemas.tenant;
    let mut differences = Vec::new();
    for field in fields.iter().filter(|f| f.is_picklist) {
        let Some(snapshot) = tenant.picklist(entity, &field.name) else {
            continue;
        };
        for value in &field.picklist_values {
            let ours = snapshot.by_label(&value.label).map(|e| e.value.to_string());
            match ours {
                Some(ours) if ours == value.value => {}
                Some(ours) => differences.push(format!(
                    "{entity}.{} {:?} is {} on the server, {ours} in the snapshot",
                    field.name, value.label, value.value
                )),
                None => differences.push(format!(
                    "{entity}.{} {:?} ({}) is not in the snapshot",
                    field.name, value.label, value.value
                )),
            }
        }
    }
    if differences.is_empty() {
        return;
    }
    let more = differences.len().saturating_sub(SHOWN_DIFFERENCES);
    differences.truncate(SHOWN_DIFFERENCES);
    let more = if more > 0 {
        format!(" (and {more} more)")
    } else {
        String::new()
    };
    errln!(
        "warning: the server's tenant does not match the snapshot {}: {}{more}; refresh it with `fieldmap schema pull`",
        chosen.source,
        differences.join("; ")
    );
}
