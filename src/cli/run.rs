//! `fieldmap run <mapping> --ticket <xml> [--records <files|dirs>] …`

use std::path::PathBuf;

use fieldmap::RecordSet;

use super::inputs;
use super::issues;
use super::{EXIT_FINDINGS, EXIT_NOT_TRIGGERED, EXIT_OK, UsageError};

#[derive(clap::Args)]
pub struct Args {
    /// The mapping file.
    mapping: PathBuf,
    /// An Autotask query response holding the source record (ticket, task or service call).
    #[arg(long, required_unless_present = "ticket_id")]
    ticket: Option<PathBuf>,
    /// Fetch the source record with this id, and everything the mapping reads, from Autotask
    /// (or the simulator) instead of files; see the connection flags.
    #[arg(long, value_name = "N", conflicts_with_all = ["ticket", "records", "id"])]
    ticket_id: Option<i64>,
    /// Query responses with related records (accounts, contacts, resources…): files or directories.
    #[arg(long, num_args = 1..)]
    records: Vec<PathBuf>,
    /// The source record's id, when the ticket file holds several.
    #[arg(long)]
    id: Option<i64>,
    /// The mapping to run, by name, when the file holds several.
    #[arg(long = "mapping-name")]
    mapping_name: Option<String>,
    /// Print the whole evaluation: trigger verdict, work order, provenance and issues.
    #[arg(long)]
    report: bool,
    /// The clock for `now()`: Autotask wall-clock (`2025-01-15T09:00:00`) or an instant with offset.
    #[arg(long)]
    now: Option<String>,
    /// A tenant snapshot to compile against instead of the demo tenant (with --ticket-id, the
    /// default is fieldmap.toml's tenant_snapshot, else the demo tenant with a warning).
    #[arg(long)]
    schema: Option<PathBuf>,
    /// How to reach Autotask, for --ticket-id.
    #[command(flatten)]
    connection: super::connection::ConnectionArgs,
}

pub fn run(args: Args) -> u8 {
    super::exit_code(execute(&args))
}

fn execute(args: &Args) -> Result<u8, UsageError> {
    if let Some(source_id) = args.ticket_id {
        return super::live::run_live(&super::live::LiveRun {
            mapping: &args.mapping,
            source_id,
            mapping_name: args.mapping_name.as_deref(),
            report: args.report,
            now: args.now.as_deref(),
            schema: args.schema.as_deref(),
            connection: &args.connection,
        });
    }
    let Some(ticket) = &args.ticket else {
        return Err(UsageError("give --ticket FILE or --ticket-id N".into()));
    };
    let schemas = inputs::schemas(args.schema.as_deref())?;
    let Some((program, text)) = inputs::compile_with_text(&args.mapping, schemas.clone())? else {
        return Ok(EXIT_FINDINGS);
    };
    let mut records = RecordSet::new();
    let mut files = vec![ticket.clone()];
    files.extend(args.records.iter().cloned());
    let reports = inputs::records(&files, &schemas, &mut records)?;
    let ctx = inputs::context(args.now.as_deref())?;

    if program.mappings().is_empty() {
        return Err(UsageError(format!(
            "{} has no `mapping` to run (its `on` rules run with `fieldmap event`)",
            args.mapping.display()
        )));
    }
    let mut candidates: Vec<(usize, &fieldmap::ir::MappingProgram)> =
        program.mappings().iter().enumerate().collect();
    if let Some(name) = &args.mapping_name {
        candidates.retain(|(_, m)| m.name() == name);
        if candidates.is_empty() {
            let names: Vec<&str> = program.mappings().iter().map(|m| m.name()).collect();
            return Err(UsageError(format!(
                "no mapping named {name:?}; the file has {names:?}"
            )));
        }
    }
    // The ticket file is first and never deduplicated away.
    let loaded: Vec<(std::sync::Arc<str>, i64)> = reports
        .first()
        .map(|(_, r)| r.loaded.clone())
        .unwrap_or_default();
    // The first mapping whose source entity the ticket file holds, with the ids it holds.
    let Some((index, mapping, ids)) = candidates.iter().find_map(|(i, m)| {
        let mut ids: Vec<i64> = loaded
            .iter()
            .filter(|(e, x)| **e == *m.source() && args.id.is_none_or(|id| id == *x))
            .map(|(_, x)| *x)
            .collect();
        ids.dedup();
        (!ids.is_empty()).then_some((*i, *m, ids))
    }) else {
        let wanted: Vec<&str> = candidates.iter().map(|(_, m)| m.source()).collect();
        let id = args.id.map(|i| format!(" with id {i}")).unwrap_or_default();
        return Err(UsageError(format!(
            "{} holds no {}{id} for the mapping",
            ticket.display(),
            wanted.join(" or ")
        )));
    };
    // Several: which one to run is the user's choice, not the file's order.
    let &[source_id] = ids.as_slice() else {
        let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
        return Err(UsageError(format!(
            "{} holds {} {} records ({}); pick one with --id",
            ticket.display(),
            ids.len(),
            mapping.source(),
            ids.join(", ")
        )));
    };
    let mut used = vec![(mapping.source().to_string(), source_id)];
    if let Some(source) = records.get(mapping.source(), source_id) {
        used.extend(
            mapping
                .referenced_by(source)
                .map(|(entity, id)| (entity.to_string(), id)),
        );
    }
    inputs::print_load_issues(&reports, &used);
    let evaluation = program.evaluate(&records, source_id, &ctx, index)?;
    if !evaluation.triggered {
        errln!(
            "note: the trigger of {:?} does not hold for {} {source_id}; a broker would not dispatch it",
            mapping.name(),
            mapping.source()
        );
    }
    let file = issues::MappingText::new(&args.mapping, &text);
    issues::print(&evaluation.issues, &file);
    let out = if args.report {
        let mut report = serde_json::to_value(&evaluation)?;
        issues::locate(&mut report, &evaluation.issues, &file);
        serde_json::to_string_pretty(&report)?
    } else {
        serde_json::to_string_pretty(&evaluation.work_order)?
    };
    outln!("{out}");
    Ok(if evaluation.has_errors() {
        EXIT_FINDINGS
    } else if !evaluation.triggered {
        EXIT_NOT_TRIGGERED
    } else {
        EXIT_OK
    })
}
