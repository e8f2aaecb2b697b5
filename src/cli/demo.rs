//! `fieldmap demo [--json] [--keep] [--postgres URL] [--tickets N] [--timeout SECS]`
//!
//! The whole loop in this process on the embedded defaults: both simulators, the broker on a
//! temporary store, the demo records dispatched through Autotask's webhooks and taken through
//! Field Nation's lifecycle. Prints the timeline as it happens; exits 0 only when the end state
//! is verified (docs/broker.md, Demo).

use std::time::Duration;

use fieldmap::broker::demo::{self, DemoError, DemoOptions, timeline::Entry};

use super::connection::runtime;
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, exit_code};

/// The widest subject the demo prints (`task T20250601.0003.004`).
const SUBJECT_WIDTH: usize = 23;

#[derive(clap::Args)]
pub struct Args {
    /// Print the report as JSON at the end (timeline, records, problems) instead of the
    /// timeline as it happens.
    #[arg(long)]
    json: bool,
    /// Keep the temporary directory (configuration, SQLite store) and the PostgreSQL schema.
    #[arg(long)]
    keep: bool,
    /// Run the broker's store on PostgreSQL (`postgres://user@host/db`) in a schema of its own.
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// Create this many more tickets (copies of ticket 9137) and take them through too.
    #[arg(long, value_name = "N", default_value_t = 0)]
    tickets: usize,
    /// Fail when the demo has not finished after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    timeout: u64,
}

pub fn run(args: Args) -> u8 {
    exit_code(execute(&args))
}

fn execute(args: &Args) -> Result<u8, UsageError> {
    let options = DemoOptions {
        postgres: args.postgres.clone(),
        keep: args.keep,
        time_limit: Duration::from_secs(args.timeout),
        extra_tickets: args.tickets,
    };
    let json = args.json;
    let sink = Box::new(move |entry: &Entry| {
        if !json {
            outln!("{}", entry.render(SUBJECT_WIDTH));
        }
    });
    let ran = runtime()?.block_on(demo::run(options, sink));
    let report = match ran {
        Ok(report) => report,
        Err(DemoError::Start(reason)) => {
            errln!("error: the demo could not start: {reason}");
            return Ok(EXIT_USAGE);
        }
        Err(DemoError::Failed(reason)) => {
            errln!("demo FAILED: {reason}");
            return Ok(EXIT_FINDINGS);
        }
    };
    if json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    }
    if let Some(dir) = &report.kept {
        errln!("kept: {}", dir.display());
    }
    if report.passed() {
        return Ok(EXIT_OK);
    }
    errln!("demo FAILED: {} differences", report.problems.len());
    for problem in &report.problems {
        errln!("  {problem}");
    }
    Ok(EXIT_FINDINGS)
}
