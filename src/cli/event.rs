//! `fieldmap event <mapping> --event <json> --ticket <xml> [--entity Task]`

use fieldmap::diagnostics::Severity;
use std::path::PathBuf;

use fieldmap::RecordSet;

use super::inputs;
use super::issues;
use super::{EXIT_FINDINGS, EXIT_OK, UsageError};

#[derive(clap::Args)]
pub struct Args {
    /// The mapping file with `on <event>` rules.
    mapping: PathBuf,
    /// A Field Nation webhook v3 body.
    #[arg(long)]
    event: PathBuf,
    /// An Autotask query response holding the record the work order belongs to.
    #[arg(long, visible_alias = "record")]
    ticket: PathBuf,
    /// The record's entity, for rules `for Task` or `for ServiceCall`.
    #[arg(long, default_value = "Ticket")]
    entity: String,
    /// The record's id, when the file holds several.
    #[arg(long)]
    id: Option<i64>,
    /// The clock for `now()`.
    #[arg(long)]
    now: Option<String>,
    /// A tenant snapshot to compile against [default: fieldmap.toml's tenant_snapshot, else
    /// the demo tenant].
    #[arg(long)]
    schema: Option<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    super::exit_code(execute(&args))
}

fn execute(args: &Args) -> Result<u8, UsageError> {
    let schemas =
        super::tenant_choice::choose(args.schema.as_deref(), super::tenant_choice::Demo::Quiet)?
            .schemas;
    let Some((program, text)) = inputs::compile_with_text(&args.mapping, schemas.clone())? else {
        return Ok(EXIT_FINDINGS);
    };
    let body = inputs::read(&args.event)?;
    let event: serde_json::Value = serde_json::from_str(&body)
        .map_err(|e| UsageError(format!("{}: not JSON: {e}", args.event.display())))?;
    let mut records = RecordSet::new();
    let reports = inputs::records(std::slice::from_ref(&args.ticket), &schemas, &mut records)?;
    let id = match args.id {
        Some(id) => id,
        None => {
            let mut ids: Vec<i64> = reports
                .iter()
                .flat_map(|(_, r)| &r.loaded)
                .filter(|(e, _)| **e == *args.entity)
                .map(|(_, id)| *id)
                .collect();
            ids.dedup();
            match ids.as_slice() {
                [id] => *id,
                [] => {
                    return Err(UsageError(format!(
                        "{} holds no {}",
                        args.ticket.display(),
                        args.entity
                    )));
                }
                // Which ticket the event is for is the user's choice, not the file's order.
                several => {
                    let ids: Vec<String> = several.iter().map(i64::to_string).collect();
                    return Err(UsageError(format!(
                        "{} holds {} {} records ({}); pick one with --id",
                        args.ticket.display(),
                        ids.len(),
                        args.entity,
                        ids.join(", ")
                    )));
                }
            }
        }
    };
    let ticket = records.get(&args.entity, id).ok_or_else(|| {
        UsageError(format!(
            "{} holds no {} {id}",
            args.ticket.display(),
            args.entity
        ))
    })?;
    inputs::print_load_issues(&reports, &[(args.entity.clone(), id)]);
    let ctx = inputs::context(args.now.as_deref())?;
    let changes = program.on_event(&event, ticket, &ctx, None)?;
    if !program
        .outbound_events()
        .any(|event| event == changes.event)
    {
        errln!(
            "note: the mapping has no rule for `{}`; nothing changes",
            changes.event
        );
    }
    let file = issues::MappingText::new(&args.mapping, &text);
    issues::print(&changes.issues, &file);
    let mut json = serde_json::to_value(&changes)?;
    issues::locate(&mut json, &changes.issues, &file);
    outln!("{}", serde_json::to_string_pretty(&json)?);
    Ok(
        if changes.issues.iter().any(|i| i.severity == Severity::Error) {
            EXIT_FINDINGS
        } else {
            EXIT_OK
        },
    )
}
