//! The `fieldmap` command line: one file per subcommand.

// First, so that its macros are in scope in every subcommand.
#[macro_use]
mod output;

mod check;
mod connection;
mod demo;
mod dispatch;
mod event;
mod explain;
mod fmt;
mod inputs;
mod issues;
mod jobs;
mod jsonnet_worker;
mod lint;
mod live;
mod logging;
mod poll;
mod report;
mod run;
mod schema_pull;
mod serve;
mod sim;
mod tenant_choice;
mod test;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes: 0 fine, 1 errors in the mapping or the data, 2 usage or I/O; 3 has a meaning
/// per command (`lint`: warnings only; `run`: the trigger does not hold).
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
/// `run`: the work order was printed, but the mapping's trigger does not hold for the record,
/// so a broker would not dispatch it.
pub const EXIT_NOT_TRIGGERED: u8 = 3;

#[derive(Parser)]
#[command(
    name = "fieldmap",
    version,
    about = "Schema-checked mappings from Autotask tickets to Field Nation work orders"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check mapping files against the Autotask and Field Nation schemas.
    Check(check::Args),
    /// Evaluate a mapping against a ticket and print the work order.
    Run(run::Args),
    /// Print the compiled program, its fetch plan with API-call cost, and the triggers' QueryXML.
    Explain(explain::Args),
    /// Apply a Field Nation event to a ticket and print the Autotask changes.
    Event(event::Args),
    /// Check mapping files and apply lint rules; human, JSON, SARIF or GitHub annotations.
    Lint(lint::Args),
    /// Tenant snapshots: `schema pull` writes the tenant's picklists and UDFs from Autotask.
    Schema(schema_pull::Args),
    /// List the records each trigger of a mapping matches in Autotask now.
    Poll(poll::Args),
    /// Run a simulator of an external system's API on this machine (`sim autotask`, `sim fieldnation`).
    Sim(sim::Args),
    /// Run the mapping tests (`*.test.json`) and report coverage.
    Test(test::Args),
    /// Rewrite mapping files in the canonical layout (`--check`: only list those that differ).
    Fmt(fmt::Args),
    /// Run the broker: webhook intake, dispatch workers, polling (`--check`: test the config and connections).
    Serve(serve::Args),
    /// Enqueue the dispatch of one record (`--now`: run it here and print the outcome).
    Dispatch(dispatch::Args),
    /// The broker's jobs in its store: list, show, retry or drop them.
    Jobs(jobs::Args),
    /// The whole loop in one process on the embedded defaults, verified: simulators, broker, timeline.
    Demo(demo::Args),
    /// Evaluate Jsonnet blocks for another fieldmap process (internal).
    #[command(name = "__jsonnet-worker", hide = true)]
    JsonnetWorker,
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    // One-shot commands show warnings and errors only, the broker its progress too, unless
    // FIELDMAP_LOG asks for something else.
    logging::init(match cli.command {
        Command::Serve(_) => "info",
        _ => "warn",
    });
    if !matches!(cli.command, Command::JsonnetWorker) {
        jsonnet_worker::isolate_blocks();
    }
    let code = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Run(args) => run::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Event(args) => event::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Lint(args) => lint::run(args),
        Command::Test(args) => test::run(args),
        Command::Sim(args) => sim::run(args),
        Command::Schema(args) => schema_pull::run(args),
        Command::Poll(args) => poll::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Dispatch(args) => dispatch::run(args),
        Command::Jobs(args) => jobs::run(args),
        Command::Demo(args) => demo::run(args),
        Command::JsonnetWorker => jsonnet_worker::run(),
    };
    ExitCode::from(if output::failed() { EXIT_USAGE } else { code })
}

/// A subcommand's exit code, printing the usage or I/O error that ended it, if one did.
fn exit_code(result: Result<u8, UsageError>) -> u8 {
    result.unwrap_or_else(|UsageError(message)| {
        errln!("error: {message}");
        EXIT_USAGE
    })
}

/// An error that ends the command with exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl<E: std::fmt::Display> From<E> for UsageError {
    fn from(e: E) -> Self {
        UsageError(e.to_string())
    }
}
