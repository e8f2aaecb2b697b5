//! `fieldmap serve --config fieldmap.toml [--check]`
//!
//! Runs the broker: intake (webhooks, manual dispatch), the workers, the pollers, until SIGTERM
//! or Ctrl-C; SIGHUP re-reads the secrets. `--check` runs the broker's "Test Connection"
//! instead: the configuration, the secrets, the mappings against the tenant snapshot, the
//! store, Autotask and Field Nation, each passed or failed.

use std::path::PathBuf;

use fieldmap::broker::{BrokerConfig, Server, preflight};

use super::connection::runtime;
use super::{EXIT_FINDINGS, EXIT_OK, UsageError, exit_code};

#[derive(clap::Args)]
pub struct Args {
    /// The broker's configuration (docs/broker.md).
    #[arg(long, value_name = "FILE", default_value = "fieldmap.toml")]
    config: PathBuf,
    /// Check the configuration and both connections, then exit (1 when an item fails).
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> u8 {
    exit_code(execute(&args))
}

fn execute(args: &Args) -> Result<u8, UsageError> {
    let config = BrokerConfig::load(&args.config)?;
    let runtime = runtime()?;
    if args.check {
        outln!("config {}: ok", args.config.display());
        let items = runtime.block_on(preflight(&config));
        let mut failed = false;
        for item in &items {
            let verdict = if item.passed { "ok" } else { "FAILED" };
            failed |= !item.passed;
            let mut lines = item.detail.lines();
            outln!(
                "{} {verdict}: {}",
                item.name,
                lines.next().unwrap_or_default()
            );
            for line in lines {
                outln!("    {line}");
            }
        }
        return Ok(if failed { EXIT_FINDINGS } else { EXIT_OK });
    }
    runtime.block_on(async {
        let server = Server::prepare(config).await?;
        let running = server.start().await?;
        errln!(
            "fieldmap serve: listening on {} (store: {})",
            running.base_url(),
            running.store().backend()
        );
        running.run_until_signalled().await;
        Ok::<_, UsageError>(EXIT_OK)
    })
}
