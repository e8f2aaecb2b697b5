//! `fieldmap schema pull [--entities Ticket,Task,…] [--out FILE] [--name NAME] <connection>`
//!
//! Writes a tenant snapshot (docs/tenant-snapshot.md) from a live Autotask database or the
//! simulator: every picklist of the entities named (`GetFieldInfo`) and their UDFs
//! (`getUDFInfo`). `fieldmap check --schema FILE` reads the result.

use std::path::PathBuf;

use fieldmap::Schemas;
use fieldmap::autotask::client::{DEFAULT_SNAPSHOT_ENTITIES, pull_tenant_snapshot};

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
    /// The entities to cover, comma-separated [default: Ticket, TicketNote, Task, ServiceCall,
    /// Account, Contact, Resource, Project, AccountPhysicalLocation].
    #[arg(long, value_delimiter = ',', value_name = "ENTITIES")]
    entities: Vec<String>,
    /// Where to write the snapshot [default: stdout].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The tenant's display name [default: the name of the database owner, Account 0].
    #[arg(long)]
    name: Option<String>,
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
    let text = snapshot.to_text();
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
