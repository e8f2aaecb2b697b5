//! `fieldmap sim autotask [--data DIR] [--port N] [--tenant FILE] [--bind ADDR] [--threshold N]`

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use fieldmap::autotask::simulator::{SimConfig, serve};

use super::{EXIT_USAGE, UsageError};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    system: System,
}

#[derive(clap::Subcommand)]
enum System {
    /// Serve the Autotask SOAP API v1.6 on this machine: query, create, update, delete,
    /// GetFieldInfo, getUDFInfo, getZoneInfo, getThresholdAndUsageInfo… over the records
    /// of a data folder.
    Autotask(AutotaskArgs),
}

#[derive(clap::Args)]
struct AutotaskArgs {
    /// A folder of Autotask query-response XML files to serve [default: the bundled demo
    /// dataset, mappings/fixtures].
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// The port to listen on; 0 picks a free one (the zone URL printed says which).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// A tenant snapshot with picklists and UDFs [default: the demo tenant].
    #[arg(long, value_name = "FILE")]
    tenant: Option<PathBuf>,
    /// The address to listen on. Anything but loopback exposes the simulator to the network.
    #[arg(long, value_name = "ADDR", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// Requests allowed per rolling hour before calls are refused.
    #[arg(long, value_name = "N", default_value_t = fieldmap::autotask::simulator::DEFAULT_THRESHOLD)]
    threshold: u32,
}

pub fn run(args: Args) -> u8 {
    let System::Autotask(args) = args.system;
    run_autotask(args).unwrap_or_else(|UsageError(message)| {
        errln!("error: {message}");
        EXIT_USAGE
    })
}

fn run_autotask(args: AutotaskArgs) -> Result<u8, UsageError> {
    let config = SimConfig {
        data_dir: args.data,
        tenant: args.tenant,
        threshold: args.threshold,
        ..SimConfig::default()
    };
    let (user, password) = config.users.first().cloned().unwrap_or_default();
    let integration_code = config.integration_code.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let sim = serve(config, SocketAddr::new(args.bind, args.port)).await?;
        let records = sim
            .record_counts()
            .iter()
            .map(|(entity, count)| format!("{count} {entity}"))
            .collect::<Vec<_>>()
            .join(", ");
        outln!(
            "Autotask SOAP API v1.6 simulator, tenant \"{}\": {records}",
            sim.tenant_name()
        );
        outln!("  zone URL          {}", sim.zone_url());
        outln!("  API user          {user}");
        outln!("  password          {password}");
        outln!("  integration code  {integration_code}");
        outln!("getZoneInfo is answered at the same URL. Press Ctrl-C to stop.");
        // Runs until the process is interrupted; Ctrl-C ends it.
        std::future::pending::<()>().await;
        drop(sim);
        Ok(0)
    })
}
