//! `fieldmap dispatch [--config fieldmap.toml] <mapping> <id> [--now]`
//!
//! Enqueues the dispatch of one record into the configured store, as a webhook would (one
//! queued job per record and mapping). A running broker picks it up; `--now` runs it in this
//! process instead and prints what became of it.

use std::path::PathBuf;
use std::time::Duration;

use fieldmap::broker::intake::manual;
use fieldmap::broker::store::JobState;
use fieldmap::broker::{BrokerConfig, Secrets, build_dispatcher, compile_mappings, open_store};

use super::connection::runtime;
use super::{EXIT_FINDINGS, EXIT_OK, UsageError, exit_code};

#[derive(clap::Args)]
pub struct Args {
    /// The mapping's name (`mapping "…"`).
    mapping: String,
    /// The record's id.
    id: String,
    /// The broker's configuration (docs/broker.md).
    #[arg(long, value_name = "FILE", default_value = "fieldmap.toml")]
    config: PathBuf,
    /// Run the job in this process and print its outcome.
    #[arg(long)]
    now: bool,
}

pub fn run(args: Args) -> u8 {
    exit_code(execute(&args))
}

fn execute(args: &Args) -> Result<u8, UsageError> {
    let config = BrokerConfig::load(&args.config)?;
    let mappings = compile_mappings(&config)?;
    runtime()?.block_on(async {
        let store = open_store(&config).await?;
        let (request, enqueued) =
            manual::enqueue(&store, &mappings.program, &args.mapping, &args.id).await?;
        let job = enqueued.job.id;
        let verb = if enqueued.created {
            "enqueued"
        } else {
            "already queued"
        };
        outln!(
            "{verb}: job {job}, {} {} with {:?}",
            request.entity,
            request.id,
            request.mapping
        );
        if !args.now {
            return Ok(EXIT_OK);
        }
        let secrets = Secrets::load(&config)?;
        let (dispatcher, _) = build_dispatcher(&config, &mappings, &store, &secrets.current())?;
        // Only this job runs. It may wait for its lane, or be held by a running broker: a few
        // rounds.
        for _ in 0..20 {
            let report = dispatcher.run_job(job).await?;
            if let Some(outcome) = report.outcome(job) {
                outln!("job {job}: {outcome:?}");
                let failed = matches!(
                    outcome,
                    fieldmap::broker::Outcome::DeadLettered { .. }
                        | fieldmap::broker::Outcome::Retried { .. }
                );
                return Ok(if failed { EXIT_FINDINGS } else { EXIT_OK });
            }
            match store.job(job).await? {
                Some(found)
                    if found.state == JobState::Queued || found.state == JobState::Leased =>
                {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Some(found) => {
                    outln!("job {job}: {:?} by another worker", found.state);
                    return Ok(EXIT_OK);
                }
                None => return Err(UsageError(format!("job {job} disappeared"))),
            }
        }
        Err(UsageError(format!(
            "job {job} did not run within 5 s (a running broker may hold it)"
        )))
    })
}
