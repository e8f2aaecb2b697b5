//! `fieldmap run <mapping> --ticket-id N <connection>`: the record and everything the mapping's
//! fetch plan names come from Autotask (or the simulator) through the batching fetcher; then
//! the mapping is evaluated as `run --ticket` does. The API calls made go to stderr.

use std::path::Path;

use fieldmap::autotask_client::{Fetched, Fetcher};

use super::connection::{ConnectionArgs, print_calls, runtime};
use super::inputs;
use super::issues;
use super::tenant_choice;
use super::{EXIT_FINDINGS, EXIT_OK, UsageError};

/// What `run` passes on when it was given `--ticket-id`.
pub struct LiveRun<'a> {
    pub mapping: &'a Path,
    /// The id of the mapping's source record (a Ticket, Task or ServiceCall).
    pub source_id: i64,
    pub mapping_name: Option<&'a str>,
    pub report: bool,
    pub now: Option<&'a str>,
    pub schema: Option<&'a Path>,
    pub connection: &'a ConnectionArgs,
}

/// Fetches, evaluates and prints; the exit code as `run` has it.
pub fn run_live(live: &LiveRun<'_>) -> Result<u8, UsageError> {
    let tenant = tenant_choice::choose(live.schema, tenant_choice::Demo::Warn)?;
    let Some((program, text)) = inputs::compile_with_text(live.mapping, tenant.schemas.clone())?
    else {
        return Ok(EXIT_FINDINGS);
    };
    let index = match live.mapping_name {
        Some(name) => program
            .mappings()
            .iter()
            .position(|m| m.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = program.mappings().iter().map(|m| m.name()).collect();
                UsageError(format!("no mapping named {name:?}; the file has {names:?}"))
            })?,
        None if program.mappings().is_empty() => {
            return Err(UsageError(format!(
                "{} has no `mapping` to run (its `on` rules run with `fieldmap event`)",
                live.mapping.display()
            )));
        }
        None => 0,
    };
    let mapping = &program.mappings()[index];
    let ctx = inputs::context(live.now)?;

    let client = live.connection.client()?;
    let fetcher = Fetcher::new(client.clone(), program.schemas().clone());
    let runtime = runtime()?;
    let fetched = runtime.block_on(fetcher.fetch(mapping.plan(), live.source_id));
    if fetched.is_ok() {
        runtime.block_on(tenant_choice::compare_with_server(
            &client,
            &tenant,
            mapping.source(),
        ));
    }
    print_calls(client.call_log());
    let fetched = fetched.map_err(|e| UsageError(e.to_string()))?;
    print_fetch_notes(&fetched);

    let evaluation = program.evaluate(&fetched.records, live.source_id, &ctx, index)?;
    if !evaluation.triggered {
        errln!(
            "note: the trigger of {:?} does not hold for {} {}; a broker would not dispatch it",
            mapping.name(),
            mapping.source(),
            live.source_id
        );
    }
    let file = issues::MappingText::new(live.mapping, &text);
    issues::print(&evaluation.issues, &file);
    let out = if live.report {
        let mut report = serde_json::to_value(&evaluation)?;
        issues::locate(&mut report, &evaluation.issues, &file);
        serde_json::to_string_pretty(&report)?
    } else {
        serde_json::to_string_pretty(&evaluation.work_order)?
    };
    outln!("{out}");
    Ok(if evaluation.has_errors() {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

/// Values that did not load and related records that were not there, on stderr.
fn print_fetch_notes(fetched: &Fetched) {
    let mut warnings = super::inputs::Warnings::default();
    for issue in &fetched.issues {
        let id = issue.id.map(|i| format!(" {i}")).unwrap_or_default();
        let field = issue
            .field
            .as_deref()
            .map(|f| format!(".{f}"))
            .unwrap_or_default();
        warnings.add(format!("{}{id}{field}: {}", issue.entity, issue.message));
    }
    for (entity, id) in &fetched.missing {
        warnings.add(format!(
            "{entity} {id} is referenced but Autotask did not return it"
        ));
    }
    warnings.print();
    if fetched.stats.cached > 0 {
        errln!(
            "({} related record(s) from the cache)",
            fetched.stats.cached
        );
    }
}
