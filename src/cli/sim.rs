//! `fieldmap sim autotask [--data DIR] [--port N] [--tenant FILE] [--bind ADDR] [--threshold N]
//! [--webhook-url URL --webhook-secret S [--webhook-fields Status,AssignedResourceID]]`,
//! `fieldmap sim fieldnation [--port N] [--webhook-url URL --webhook-secret S] [faults…]`,
//! `fieldmap sim fieldnation-event --url URL <work order id> <event>`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use fieldmap::autotask::simulator::{HookConfig, HookSubscription, SimConfig, serve};

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
    /// Serve the Field Nation REST API v2 on 127.0.0.1 (token, work orders, publish, route,
    /// types of work, custom fields) and send signed webhook v3 events to a URL.
    Fieldnation(FieldnationArgs),
    /// Move a work order of a running Field Nation simulator through its lifecycle (published,
    /// routed, assigned, confirmed, on_my_way, checked_in, checked_out, work_done, approved,
    /// paid, cancelled); the simulator sends the webhook event.
    FieldnationEvent(FieldnationEventArgs),
}

#[derive(clap::Args)]
struct FieldnationArgs {
    /// The port to listen on (on 127.0.0.1); 0 picks a free one (the base URL printed says
    /// which).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Where webhook v3 events are delivered.
    #[arg(long, value_name = "URL", requires = "webhook_secret")]
    webhook_url: Option<String>,
    /// The secret deliveries are signed with (X-FN-Signature).
    #[arg(long, value_name = "SECRET", requires = "webhook_url")]
    webhook_secret: Option<String>,
    /// Multiplies the waits between delivery attempts: 0.01 runs Field Nation's 21-minute
    /// schedule in 13 seconds.
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    time_scale: f64,
    /// How long access tokens live, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    token_lifetime: u64,
    /// The share of requests to an endpoint answered 500, e.g. `create=0.2` (endpoints: token,
    /// create, list, get, update, publish, route, types_of_work, custom_fields). Repeatable.
    #[arg(long, value_name = "ENDPOINT=RATE")]
    error_rate: Vec<String>,
    /// Added to every answer, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency_ms: u64,
    /// The share of creates saved and then answered by a dropped connection.
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    drop_after_create_rate: f64,
    /// The share of webhook deliveries sent twice.
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    duplicate_rate: f64,
    /// The share of webhook deliveries held back so that later events overtake them.
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    out_of_order_rate: f64,
}

#[derive(clap::Args)]
struct FieldnationEventArgs {
    /// The simulator's base URL, as `sim fieldnation` printed it.
    #[arg(long, value_name = "URL")]
    url: String,
    /// The work order id.
    id: u64,
    /// The event: `assigned` or `workorder.status.assigned`.
    event: String,
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
    /// Where Autotask's webhook callbacks go when a ticket (or a subscribed entity) is
    /// created or updated.
    #[arg(long, value_name = "URL", requires = "webhook_secret")]
    webhook_url: Option<String>,
    /// The secret key callbacks are signed with (X-Hook-Signature).
    #[arg(long, value_name = "SECRET", requires = "webhook_url")]
    webhook_secret: Option<String>,
    /// The subscribed fields whose change fires an update callback, comma-separated: ticket
    /// fields or UDFs, or `Entity:Field` for another entity (`Task:Status`).
    #[arg(
        long,
        value_name = "FIELDS",
        value_delimiter = ',',
        default_value = "Status",
        requires = "webhook_url"
    )]
    webhook_fields: Vec<String>,
}

pub fn run(args: Args) -> u8 {
    let result = match args.system {
        System::Autotask(args) => run_autotask(args),
        System::Fieldnation(args) => run_fieldnation(args),
        System::FieldnationEvent(args) => run_fieldnation_event(args),
    };
    result.unwrap_or_else(|UsageError(message)| {
        errln!("error: {message}");
        EXIT_USAGE
    })
}

fn rate(name: &str, value: f64) -> Result<f64, UsageError> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(UsageError(format!(
            "{name} must be between 0 and 1, not {value}"
        )))
    }
}

fn run_fieldnation(args: FieldnationArgs) -> Result<u8, UsageError> {
    use fieldmap::fieldnation::simulator as fn_sim;

    if !(args.time_scale.is_finite() && args.time_scale >= 0.0) {
        return Err(UsageError(format!(
            "--time-scale must be a number of at least 0, not {}",
            args.time_scale
        )));
    }
    let mut faults = fn_sim::FaultConfig {
        latency: std::time::Duration::from_millis(args.latency_ms),
        commit_then_drop_rate: rate("--drop-after-create-rate", args.drop_after_create_rate)?,
        duplicate_rate: rate("--duplicate-rate", args.duplicate_rate)?,
        out_of_order_rate: rate("--out-of-order-rate", args.out_of_order_rate)?,
        ..fn_sim::FaultConfig::default()
    };
    for spec in &args.error_rate {
        let (name, value) = spec
            .split_once('=')
            .ok_or_else(|| UsageError(format!("--error-rate {spec}: expected ENDPOINT=RATE")))?;
        let endpoint = fn_sim::Endpoint::from_name(name.trim()).ok_or_else(|| {
            let names: Vec<&str> = fn_sim::Endpoint::ALL.iter().map(|e| e.name()).collect();
            UsageError(format!(
                "--error-rate {spec}: unknown endpoint {name:?}; use one of {}",
                names.join(", ")
            ))
        })?;
        let value: f64 = value
            .trim()
            .parse()
            .map_err(|_| UsageError(format!("--error-rate {spec}: {value:?} is not a number")))?;
        faults
            .error_rates
            .insert(endpoint, rate("--error-rate", value)?);
    }
    let webhook = match (args.webhook_url, args.webhook_secret) {
        (Some(url), Some(secret)) => Some(fn_sim::WebhookConfig::new(url, secret)),
        _ => None,
    };
    let config = fn_sim::SimConfig {
        token_lifetime: std::time::Duration::from_secs(args.token_lifetime.max(1)),
        delivery: fn_sim::DeliveryConfig {
            time_scale: args.time_scale,
            ..fn_sim::DeliveryConfig::default()
        },
        webhook: webhook.clone(),
        faults,
        ..fn_sim::SimConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let sim = fn_sim::serve(config, args.port)
            .await
            .map_err(|e| UsageError(e.to_string()))?;
        let base = sim.base_url();
        println!("Field Nation REST API v2 simulator, demo account (webhooks v3)");
        println!("  base URL          {base}");
        println!("  token URL         {}", sim.token_url());
        println!("  client id         {}", fn_sim::DEMO_CLIENT_ID);
        println!("  client secret     {}", fn_sim::DEMO_CLIENT_SECRET);
        println!(
            "  user / password   {} / {} (password grant)",
            fn_sim::DEMO_USERNAME,
            fn_sim::DEMO_PASSWORD
        );
        match &webhook {
            Some(webhook) => println!(
                "  webhooks          {} (signed with the secret given, webhook id {})",
                webhook.url, webhook.webhook_id
            ),
            None => {
                println!("  webhooks          none (--webhook-url and --webhook-secret send them)")
            }
        }
        println!("Drive a work order: fieldmap sim fieldnation-event --url {base} <id> <event>");
        println!("Press Ctrl-C to stop.");
        // Runs until the process is interrupted; Ctrl-C ends it.
        std::future::pending::<()>().await;
        drop(sim);
        Ok(0)
    })
}

fn run_fieldnation_event(args: FieldnationEventArgs) -> Result<u8, UsageError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let answer = runtime.block_on(fieldmap::fieldnation::simulator::send_transition(
        &args.url,
        args.id,
        &args.event,
    ));
    match answer {
        Ok(work_order) => {
            let status = work_order
                .pointer("/status/display")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("?");
            println!("work order {}: {status}", args.id);
            Ok(0)
        }
        Err(message) => {
            eprintln!("error: work order {}: {message}", args.id);
            Ok(1)
        }
    }
}

/// `Status,Task:Status` → a subscription per entity (tickets unless a name says otherwise).
fn hook_config(url: String, secret: String, fields: &[String]) -> Result<HookConfig, UsageError> {
    let mut config = HookConfig::tickets(url, secret, &[]);
    config.subscriptions.clear();
    for spec in fields.iter().map(|f| f.trim()).filter(|f| !f.is_empty()) {
        let (entity, field) = spec.split_once(':').unwrap_or(("Ticket", spec));
        let (entity, field) = (entity.trim(), field.trim());
        if entity.is_empty() || field.is_empty() {
            return Err(UsageError(format!(
                "--webhook-fields {spec}: expected FIELD or ENTITY:FIELD"
            )));
        }
        match config
            .subscriptions
            .iter_mut()
            .find(|s| s.entity.eq_ignore_ascii_case(entity))
        {
            Some(subscription) => subscription.fields.push(field.to_owned()),
            None => config
                .subscriptions
                .push(HookSubscription::new(entity, &[field])),
        }
    }
    if config.subscriptions.is_empty() {
        return Err(UsageError("--webhook-fields names no field".into()));
    }
    Ok(config)
}

fn run_autotask(args: AutotaskArgs) -> Result<u8, UsageError> {
    let webhook = match (args.webhook_url, args.webhook_secret) {
        (Some(url), Some(secret)) => Some(hook_config(url, secret, &args.webhook_fields)?),
        _ => None,
    };
    let config = SimConfig {
        data_dir: args.data,
        tenant: args.tenant,
        threshold: args.threshold,
        webhook: webhook.clone(),
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
        match &webhook {
            Some(webhook) => {
                let subscribed = webhook
                    .subscriptions
                    .iter()
                    .map(|s| format!("{} ({})", s.entity, s.fields.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ");
                outln!(
                    "  webhooks          {} on {subscribed}, signed (X-Hook-Signature)",
                    webhook.url
                );
            }
            None => {
                outln!("  webhooks          none (--webhook-url and --webhook-secret send them)")
            }
        }
        outln!("getZoneInfo is answered at the same URL. Press Ctrl-C to stop.");
        // Runs until the process is interrupted; Ctrl-C ends it.
        std::future::pending::<()>().await;
        drop(sim);
        Ok(0)
    })
}
