//! `fieldmap schema pull [--entities Ticket,Task,…] [--out FILE] [--name NAME]
//! [--fieldnation-url URL] <connection>`
//!
//! Writes a tenant snapshot (docs/tenant-snapshot.md) from a live Autotask database or the
//! simulator: every picklist of the entities named (`GetFieldInfo`) and their UDFs
//! (`getUDFInfo`); with `--fieldnation-url`, also the Field Nation account's types of work and
//! custom fields (credentials from `FIELDNATION_CLIENT_ID`, `FIELDNATION_CLIENT_SECRET` and,
//! for the password grant, `FIELDNATION_USERNAME`, `FIELDNATION_PASSWORD`). `fieldmap check
//! --schema FILE` reads the result.

use std::path::PathBuf;

use fieldmap::Schemas;
use fieldmap::autotask_client::{DEFAULT_SNAPSHOT_ENTITIES, pull_tenant_snapshot};

use super::connection::{ConnectionArgs, print_calls, runtime};
use super::{EXIT_OK, EXIT_USAGE, UsageError};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Pull the tenant's picklists and UDFs into a snapshot file.
    Pull(PullArgs),
}

#[derive(clap::Args)]
struct PullArgs {
    /// The entities to cover, comma-separated [default: Ticket, TicketNote, Task, TaskNote, ServiceCall,
    /// Account, Contact, Resource, Project, AccountPhysicalLocation].
    #[arg(long, value_delimiter = ',', value_name = "ENTITIES")]
    entities: Vec<String>,
    /// Where to write the snapshot [default: stdout].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The tenant's display name [default: the name of the database owner, Account 0].
    #[arg(long)]
    name: Option<String>,
    /// Also pull the Field Nation account's types of work and custom fields from this API
    /// (e.g. https://api-sandbox.fndev.net, or the simulator's base URL).
    #[arg(long, value_name = "URL")]
    fieldnation_url: Option<String>,
    #[command(flatten)]
    connection: ConnectionArgs,
}

pub fn run(args: Args) -> u8 {
    let Action::Pull(args) = args.action;
    pull(&args).unwrap_or_else(|UsageError(message)| {
        errln!("error: {message}");
        EXIT_USAGE
    })
}

fn pull(args: &PullArgs) -> Result<u8, UsageError> {
    let entities: Vec<String> = if args.entities.is_empty() {
        DEFAULT_SNAPSHOT_ENTITIES
            .iter()
            .map(|e| (*e).to_owned())
            .collect()
    } else {
        args.entities
            .iter()
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .collect()
    };
    let schemas = Schemas::bundled().map_err(|e| UsageError(e.to_string()))?;
    let client = args.connection.client()?;
    let outcome = runtime()?.block_on(pull_tenant_snapshot(
        &client,
        &schemas,
        &entities,
        args.name.as_deref(),
    ));
    print_calls(client.call_log());
    let snapshot = outcome.map_err(|e| UsageError(e.to_string()))?;
    for warning in &snapshot.warnings {
        errln!("warning: {warning}");
    }
    let mut text = snapshot.to_text();
    if let Some(url) = &args.fieldnation_url {
        text = add_fieldnation(&text, url)?;
    }
    // What `check --schema` would refuse is not worth writing.
    Schemas::with_tenant_json(&text)
        .map_err(|e| UsageError(format!("the pulled snapshot does not load: {e}")))?;
    match &args.out {
        Some(path) => {
            fieldmap::files::write_atomically(path, &text)
                .map_err(|e| UsageError(format!("cannot write {}: {e}", path.display())))?;
            errln!(
                "wrote the snapshot of {} entities to {}",
                entities.len(),
                path.display()
            );
        }
        None => out!("{text}"),
    }
    Ok(EXIT_OK)
}

/// The snapshot with the Field Nation account's section.
fn add_fieldnation(snapshot: &str, url: &str) -> Result<String, UsageError> {
    use fieldmap::fieldnation::client::{ClientConfig, Credentials, FieldNationClient};

    let credentials = Credentials::from_env().map_err(|e| UsageError(e.to_string()))?;
    let config = ClientConfig {
        base_url: url.to_owned(),
        ..ClientConfig::default()
    };
    let client =
        FieldNationClient::new(credentials, config).map_err(|e| UsageError(e.to_string()))?;
    let account = runtime()?
        .block_on(client.pull_account("Field Nation account"))
        .map_err(|e| UsageError(e.to_string()));
    for call in client.call_log().calls() {
        eprintln!("  Field Nation {call}");
    }
    let account = account?;
    eprintln!(
        "Field Nation: {} types of work, {} custom fields",
        account.types_of_work.len(),
        account.custom_fields.len()
    );
    account.add_to_snapshot(snapshot).map_err(UsageError)
}
