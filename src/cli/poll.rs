//! `fieldmap poll <mapping> [--mapping-name NAME] [--format text|json] <connection>`
//!
//! Lists the source records each trigger matches now: Autotask is asked with the trigger's
//! QueryXML (page by page), and every record it returns is checked again with the trigger's
//! own predicate, because Autotask compares text without regard to case.

use std::path::PathBuf;

use fieldmap::autotask_client::{MappingPoll, poll_mapping};
use serde_json::json;

use super::connection::{ConnectionArgs, print_calls, runtime};
use super::inputs;
use super::tenant_choice;
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError};

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// The mapping file.
    mapping: PathBuf,
    /// Poll only the mapping with this name [default: every mapping in the file].
    #[arg(long = "mapping-name")]
    mapping_name: Option<String>,
    /// A tenant snapshot to compile against [default: fieldmap.toml's tenant_snapshot, else
    /// the demo tenant, with a warning].
    #[arg(long)]
    schema: Option<PathBuf>,
    /// The clock for `now()` in triggers.
    #[arg(long)]
    now: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    #[command(flatten)]
    connection: ConnectionArgs,
}

pub fn run(args: Args) -> u8 {
    execute(&args).unwrap_or_else(|UsageError(message)| {
        errln!("error: {message}");
        EXIT_USAGE
    })
}

fn execute(args: &Args) -> Result<u8, UsageError> {
    let tenant = tenant_choice::choose(args.schema.as_deref(), tenant_choice::Demo::Warn)?;
    let Some(program) = inputs::compile(&args.mapping, tenant.schemas.clone())? else {
        return Ok(EXIT_FINDINGS);
    };
    let ctx = inputs::context(args.now.as_deref())?;
    let selected: Vec<usize> = program
        .mappings()
        .iter()
        .enumerate()
        .filter(|(_, m)| {
            args.mapping_name
                .as_ref()
                .is_none_or(|name| m.name() == name)
        })
        .map(|(index, _)| index)
        .collect();
    if selected.is_empty() {
        let names: Vec<&str> = program.mappings().iter().map(|m| m.name()).collect();
        return Err(UsageError(match &args.mapping_name {
            Some(name) => format!("no mapping named {name:?}; the file has {names:?}"),
            None => format!("{} has no `mapping` to poll", args.mapping.display()),
        }));
    }
    let client = args.connection.client()?;
    let polls = runtime()?.block_on(async {
        let mut polls = Vec::new();
        for index in &selected {
            polls.push(poll_mapping(&client, &program, *index, &ctx).await?);
        }
        let mut sources: Vec<&str> = selected
            .iter()
            .map(|i| program.mappings()[*i].source())
            .collect();
        sources.dedup();
        for source in sources {
            tenant_choice::compare_with_server(&client, &tenant, source).await;
        }
        Ok::<_, fieldmap::autotask_client::ClientError>(polls)
    });
    print_calls(client.call_log());
    let polls = polls.map_err(|e| UsageError(e.to_string()))?;
    match args.format {
        Format::Text => polls.iter().for_each(print_text),
        Format::Json => {
            let report: Vec<serde_json::Value> = polls.iter().map(to_json).collect();
            outln!("{}", serde_json::to_string_pretty(&report)?);
        }
    }
    Ok(EXIT_OK)
}

fn print_text(poll: &MappingPoll) {
    outln!("mapping {:?} ({}):", poll.mapping, poll.source);
    if poll.triggers.is_empty() {
        outln!(
            "  no trigger: the mapping applies to every {}; nothing to poll",
            poll.source
        );
    }
    for trigger in &poll.triggers {
        let number = trigger.trigger + 1;
        if let Some(reason) = &trigger.not_pollable {
            outln!("  trigger {number}: not pollable: {reason}");
            continue;
        }
        outln!(
            "  trigger {number}: {} matched by Autotask, {} hold: {}",
            trigger.matched.len(),
            trigger.confirmed.len(),
            ids(&trigger.confirmed)
        );
        for id in &trigger.matched {
            if trigger.confirmed.contains(id) {
                continue;
            }
            match trigger.failed.iter().find(|(failed, _)| failed == id) {
                Some((_, reason)) => outln!("    {id}: not evaluated: {reason}"),
                None => outln!(
                    "    {id}: matched by Autotask, but the trigger does not hold (Autotask compares text without case)"
                ),
            }
        }
    }
    outln!("  to dispatch: {}", ids(&poll.confirmed()));
}

fn to_json(poll: &MappingPoll) -> serde_json::Value {
    json!({
        "mapping": poll.mapping,
        "source": poll.source,
        "triggers": poll.triggers.iter().map(|t| json!({
            "trigger": t.trigger + 1,
            "not_pollable": t.not_pollable,
            "matched": t.matched,
            "confirmed": t.confirmed,
            "failed": t.failed.iter().map(|(id, reason)| json!({"id": id, "reason": reason})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "confirmed": poll.confirmed(),
        "api_calls": poll.stats.api_calls,
    })
}

fn ids(ids: &[i64]) -> String {
    if ids.is_empty() {
        "none".to_owned()
    } else {
        ids.iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}
