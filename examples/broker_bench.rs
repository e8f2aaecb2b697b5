//! The broker's figures: `cargo run --release --example broker_bench`.
//!
//! Both simulators and the broker run in this process, with no injected latency, the way
//! `fieldmap demo` runs them; the Autotask simulator holds `FIELDMAP_BENCH_TICKETS` (1,000)
//! copies of the demo ticket 9137, each qualifying for dispatch. Three measurements, each
//! repeated `FIELDMAP_BENCH_ROUNDS` (3) times on a fresh broker, best and spread printed:
//!
//! 1. dispatch throughput: every ticket's Autotask webhook sent in one burst, timed from the
//!    first webhook until every job is done (work order created, correlation stored), then
//!    again with an `on workorder.created` rule (the work order's id written back to each
//!    ticket: a second job and an Autotask update per ticket); on SQLite (a temporary file)
//!    and on PostgreSQL (a database of its own on 127.0.0.1:5432, created and dropped here;
//!    skipped when the server does not answer);
//! 2. webhook acknowledgement latency at the client, with the workers dispatching meanwhile;
//! 3. the Autotask calls a burst of 100 tickets costs, by operation, from the Autotask
//!    simulator's call log, beside the figure the batching should give.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fieldmap::autotask::simulator as at_sim;
use fieldmap::broker::store::{JobFilter, JobKind, JobState};
use fieldmap::broker::{BrokerConfig, RunningBroker, Server};
use fieldmap::fieldnation::simulator as fn_sim;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const HOOK_TOKEN: &str = "bench-hook-token";
const FN_SECRET: &str = "bench-fn-webhook-secret";
/// The first cloned ticket's id; the others follow.
const FIRST_ID: i64 = 100_000;
/// How many webhooks are in flight at once in the burst (an Autotask burst arrives over many
/// connections) and in the latency run (a steady stream of senders).
const BURST_CONCURRENCY: usize = 64;
const LATENCY_CONCURRENCY: usize = 8;
const LATENCY_REQUESTS: usize = 2_000;
const CALLS_BURST: usize = 100;
/// The rule that makes each dispatch write back to its ticket, as a deployment's would.
const WRITEBACK_RULES: &str = r#"// The work order's id on the ticket as soon as it exists.
on workorder.created for Ticket {
  ticket.udf("FN Work Order ID") = "${workorder.id}"
  ticket.udf("Synced to FN")     = "Yes"
}
"#;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

fn env_number(name: &str, default: usize) -> Result<usize, BoxError> {
    match std::env::var(name) {
        Ok(text) => Ok(text.parse().map_err(|e| format!("{name}={text:?}: {e}"))?),
        Err(_) => Ok(default),
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let tickets = env_number("FIELDMAP_BENCH_TICKETS", 1_000)?;
    let rounds = env_number("FIELDMAP_BENCH_ROUNDS", 3)?.max(1);
    let only = std::env::var("FIELDMAP_BENCH_ONLY").unwrap_or_default();
    let data = Dataset::create(tickets.max(LATENCY_REQUESTS).max(CALLS_BURST))?;
    println!(
        "broker benchmark: {tickets} tickets, {rounds} rounds, both simulators in process, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let postgres = postgres_available().await;
    if let Err(why) = &postgres {
        println!("PostgreSQL skipped: 127.0.0.1:5432 does not answer ({why})");
    }
    let mut backends = vec![Backend::Sqlite];
    if postgres.is_ok() {
        backends.push(Backend::Postgres);
    }

    if only.is_empty() || only == "throughput" {
        for (&backend, writeback) in backends.iter().flat_map(|b| [(b, false), (b, true)]) {
            let mut runs = Vec::new();
            for _ in 0..rounds {
                let rig = Rig::start(&data, backend, writeback).await?;
                runs.push(rig.throughput(tickets).await?);
                rig.finish().await?;
            }
            let rates: Vec<f64> = runs.iter().map(|s| tickets as f64 / s).collect();
            let what = if writeback { ", each written back" } else { "" };
            println!(
                "dispatch throughput, {backend:?}{what}: best {:.0} tickets/s (runs {}), goal ≥ 500",
                max(&rates),
                list(&rates, 0)
            );
        }
    }
    if only.is_empty() || only == "latency" {
        for &backend in &backends {
            let mut runs = Vec::new();
            for _ in 0..rounds {
                let rig = Rig::start(&data, backend, false).await?;
                runs.push(rig.latency().await?);
                rig.finish().await?;
            }
            let pick = |f: fn(&Latency) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
            let (p50, p99, top) = (pick(|l| l.p50), pick(|l| l.p99), pick(|l| l.max));
            println!(
                "acknowledgement latency, {backend:?}, {LATENCY_REQUESTS} webhooks, {LATENCY_CONCURRENCY} at a time: \
                 p50 {:.2} ms (runs {}), p99 {:.2} ms (runs {}), max {:.1} ms (runs {}); goal p99 < 10 ms",
                min(&p50),
                list(&p50, 2),
                min(&p99),
                list(&p99, 2),
                min(&top),
                list(&top, 1)
            );
        }
    }
    if only.is_empty() || only == "calls" {
        for round in 0..rounds {
            let rig = Rig::start(&data, Backend::Sqlite, true).await?;
            let calls = rig.autotask_calls().await?;
            rig.finish().await?;
            print!("{calls}");
            if round + 1 < rounds {
                println!();
            }
        }
    }
    Ok(())
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::MIN, f64::max)
}

fn min(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::MAX, f64::min)
}

fn list(values: &[f64], decimals: usize) -> String {
    let texts: Vec<String> = values.iter().map(|v| format!("{v:.decimals$}")).collect();
    texts.join(", ")
}

/// The Autotask simulator's records: the demo dataset, with `tickets.xml` replaced by copies of
/// ticket 9137 under new ids and ticket numbers.
struct Dataset {
    dir: PathBuf,
}

impl Dataset {
    fn create(tickets: usize) -> Result<Dataset, BoxError> {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/fixtures");
        let dir = std::env::temp_dir().join(format!("fieldmap_bench_{}", std::process::id()));
        let data = dir.join("data");
        std::fs::create_dir_all(&data)?;
        for entry in std::fs::read_dir(&fixtures)? {
            let path = entry?.path();
            let name = path.file_name().ok_or("a fixture without a name")?;
            if path.extension().is_some_and(|e| e == "xml") && name != "tickets.xml" {
                std::fs::copy(&path, data.join(name))?;
            }
        }
        let page = std::fs::read_to_string(fixtures.join("tickets.xml"))?;
        let start = page.find("<Entity ").ok_or("tickets.xml has no <Entity>")?;
        let end = page[start..]
            .find("</Entity>")
            .map(|e| start + e + "</Entity>".len())
            .ok_or("tickets.xml: an <Entity> is not closed")?;
        let template = &page[start..end];
        let id = "<id xsi:type=\"xsd:long\">9137</id>";
        let number = "T20250114.0042";
        if !template.contains(id) || !template.contains(number) {
            return Err("tickets.xml: the first ticket is no longer 9137".into());
        }
        let last = page
            .rfind("</EntityResults>")
            .ok_or("tickets.xml has no </EntityResults>")?;
        let mut out = String::with_capacity(page.len() + tickets * template.len());
        out.push_str(&page[..start]);
        for i in 0..tickets {
            let ticket = FIRST_ID + i as i64;
            out.push_str(
                &template
                    .replace(id, &format!("<id xsi:type=\"xsd:long\">{ticket}</id>"))
                    .replace(number, &format!("T20250114.{ticket}")),
            );
        }
        out.push_str(&page[last..]);
        std::fs::write(data.join("tickets.xml"), out)?;
        std::fs::write(dir.join("writeback.fmap"), WRITEBACK_RULES)?;
        for (file, secret) in [
            ("autotask.secret", at_sim::DEMO_PASSWORD),
            ("fieldnation.secret", fn_sim::DEMO_CLIENT_SECRET),
            ("hook.token", HOOK_TOKEN),
            ("fn-webhook.secret", FN_SECRET),
        ] {
            std::fs::write(dir.join(file), format!("{secret}\n"))?;
        }
        Ok(Dataset { dir })
    }
}

impl Drop for Dataset {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const POSTGRES_ADMIN: &str = "host=127.0.0.1 port=5432 user=postgres dbname=postgres";

async fn postgres_admin() -> Result<tokio_postgres::Client, BoxError> {
    let connect = tokio_postgres::connect(POSTGRES_ADMIN, tokio_postgres::NoTls);
    let (client, connection) = tokio::time::timeout(Duration::from_secs(3), connect)
        .await
        .map_err(|_| "no answer within 3 s")??;
    tokio::spawn(connection);
    Ok(client)
}

async fn postgres_available() -> Result<(), BoxError> {
    postgres_admin().await?.simple_query("SELECT 1").await?;
    Ok(())
}

/// Both simulators and a broker over them, with a fresh store.
struct Rig {
    dir: PathBuf,
    autotask: at_sim::SimHandle,
    fieldnation: fn_sim::SimHandle,
    broker: RunningBroker,
    http: reqwest::Client,
    /// PostgreSQL: the database this rig created.
    database: Option<String>,
    writeback: bool,
}

static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl Rig {
    /// `writeback`: with the `on workorder.created` rule (a second job per ticket).
    async fn start(data: &Dataset, backend: Backend, writeback: bool) -> Result<Rig, BoxError> {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = data.dir.join(format!("rig{n}"));
        std::fs::create_dir_all(&dir)?;
        let autotask = at_sim::serve(
            at_sim::SimConfig {
                data_dir: Some(data.dir.join("data")),
                // The bench's calls alone stay far below any threshold.
                threshold: 1_000_000,
                ..at_sim::SimConfig::default()
            },
            "127.0.0.1:0".parse()?,
        )
        .await?;
        let fieldnation = fn_sim::serve(fn_sim::SimConfig::default(), 0).await?;
        let (store, database) = match backend {
            Backend::Sqlite => (
                format!("url = \"sqlite:{}\"", dir.join("broker.db").display()),
                None,
            ),
            Backend::Postgres => {
                let name = format!("fieldmap_bench_{}_{n}", std::process::id());
                postgres_admin()
                    .await?
                    .simple_query(&format!("CREATE DATABASE {name}"))
                    .await?;
                (
                    format!("url = \"postgres://postgres@127.0.0.1:5432/{name}\""),
                    Some(name),
                )
            }
        };
        let mappings = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings");
        let secret = |file: &str| data.dir.join(file).display().to_string();
        let toml = format!(
            r#"[mappings]
files = ["{dispatch}", "{sync}"{writeback}]

[autotask]
zone_url = "{zone}"
discovery_url = "{zone}"
user = "{user}"
integration_code = "{code}"
secret = {{ file = "{at_secret}" }}

[fieldnation]
base_url = "{fn_url}"
client_id = "{client_id}"
client_secret = {{ file = "{fn_secret}" }}

[store]
{store}

[intake]
listen = "127.0.0.1:0"

[intake.autotask]
token = {{ file = "{token}" }}

[intake.fieldnation]
secret = {{ file = "{hook_secret}" }}
"#,
            dispatch = mappings.join("dispatch-service-ticket.fmap").display(),
            sync = mappings.join("status-sync.fmap").display(),
            writeback = if writeback {
                format!(", \"{}\"", data.dir.join("writeback.fmap").display())
            } else {
                String::new()
            },
            zone = autotask.zone_url(),
            user = at_sim::DEMO_USER,
            code = at_sim::DEMO_INTEGRATION_CODE,
            at_secret = secret("autotask.secret"),
            fn_url = fieldnation.base_url(),
            client_id = fn_sim::DEMO_CLIENT_ID,
            fn_secret = secret("fieldnation.secret"),
            token = secret("hook.token"),
            hook_secret = secret("fn-webhook.secret"),
        );
        let config_path = dir.join("fieldmap.toml");
        std::fs::write(&config_path, toml)?;
        let config = BrokerConfig::load(&config_path)?;
        let broker = Server::prepare(config).await?.start().await?;
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(BURST_CONCURRENCY)
            .build()?;
        Ok(Rig {
            dir,
            autotask,
            fieldnation,
            broker,
            http,
            database,
            writeback,
        })
    }

    async fn finish(self) -> Result<(), BoxError> {
        self.broker.shutdown().await;
        self.autotask.shutdown().await;
        self.fieldnation.shutdown().await;
        if let Some(name) = &self.database {
            postgres_admin()
                .await?
                .simple_query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(())
    }

    fn hook_url(&self) -> String {
        format!("{}/hooks/autotask/{HOOK_TOKEN}", self.broker.base_url())
    }

    /// Sends one ticket's webhook; the time until its acknowledgement.
    async fn send(http: &reqwest::Client, url: &str, ticket: i64) -> Result<Duration, BoxError> {
        let body = serde_json::json!({
            "Action": "Update",
            "Guid": "6a1c0e8e-1b9b-4b5e-9d0e-3c3a1f0c2b11",
            "EntityType": "Ticket",
            "Id": ticket,
            "Fields": {"Status": "12"},
            "EventTime": "2026-11-30T14:02:11.223Z",
            "SequenceNumber": 42,
            "PersonID": 29682885,
        })
        .to_string();
        let started = Instant::now();
        let answer = http.post(url).body(body).send().await?;
        let took = started.elapsed();
        if answer.status().as_u16() != 202 {
            return Err(format!("ticket {ticket}: the hook answered {}", answer.status()).into());
        }
        Ok(took)
    }

    /// Sends a webhook for each ticket, `concurrency` at a time; each acknowledgement's time.
    async fn send_all(
        &self,
        tickets: Vec<i64>,
        concurrency: usize,
    ) -> Result<Vec<Duration>, BoxError> {
        let queue = Arc::new(std::sync::Mutex::new(tickets.into_iter()));
        let mut senders = tokio::task::JoinSet::new();
        for _ in 0..concurrency {
            let queue = queue.clone();
            let http = self.http.clone();
            let url = self.hook_url();
            senders.spawn(async move {
                let mut times = Vec::new();
                loop {
                    let next = queue.lock().map_err(|_| "poisoned")?.next();
                    let Some(ticket) = next else { break };
                    times.push(Rig::send(&http, &url, ticket).await?);
                }
                Ok::<_, BoxError>(times)
            });
        }
        let mut times = Vec::new();
        while let Some(sent) = senders.join_next().await {
            times.extend(sent??);
        }
        Ok(times)
    }

    /// Waits until `dispatches` dispatch jobs and as many write-backs are done, every job done.
    async fn until_done(&self, dispatches: u64, limit: Duration) -> Result<(), BoxError> {
        let started = Instant::now();
        loop {
            let counts = self.broker.store().counts().await?;
            let done = |kind: JobKind| {
                counts
                    .iter()
                    .filter(|c| c.kind == kind && c.state == JobState::Done)
                    .map(|c| c.count)
                    .sum::<u64>()
            };
            let open: u64 = counts
                .iter()
                .filter(|c| c.state != JobState::Done)
                .map(|c| c.count)
                .sum();
            let dead = counts
                .iter()
                .any(|c| c.state != JobState::Done && c.state != JobState::Queued);
            if done(JobKind::Dispatch) >= dispatches
                && (!self.writeback || done(JobKind::Writeback) >= dispatches)
                && open == 0
            {
                return Ok(());
            }
            if started.elapsed() > limit {
                return Err(format!(
                    "not done after {limit:?} (dead letters or leases: {dead}): {counts:#?}"
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Every ticket's webhook in one burst; seconds from the first webhook to the last job done.
    async fn throughput(&self, tickets: usize) -> Result<f64, BoxError> {
        let ids: Vec<i64> = (0..tickets as i64).map(|i| FIRST_ID + i).collect();
        let started = Instant::now();
        self.send_all(ids.clone(), BURST_CONCURRENCY).await?;
        self.until_done(tickets as u64, Duration::from_secs(600))
            .await?;
        let took = started.elapsed().as_secs_f64();
        // Every ticket has its work order and its correlation, and nothing was created twice.
        if self.fieldnation.work_order_count() != tickets {
            return Err(format!(
                "{} work orders for {tickets} tickets",
                self.fieldnation.work_order_count()
            )
            .into());
        }
        for id in ids {
            let found = self
                .broker
                .store()
                .correlation("Ticket", id, "Dispatch from service ticket")
                .await?;
            if found.is_none() {
                return Err(format!("ticket {id} has no correlation").into());
            }
        }
        Ok(took)
    }

    /// Acknowledgement times of a steady stream of webhooks, while the workers dispatch.
    async fn latency(&self) -> Result<Latency, BoxError> {
        let ids: Vec<i64> = (0..LATENCY_REQUESTS as i64).map(|i| FIRST_ID + i).collect();
        let mut times = self.send_all(ids, LATENCY_CONCURRENCY).await?;
        times.sort();
        let at = |q: f64| {
            let index = ((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1;
            times[index].as_secs_f64() * 1000.0
        };
        let latency = Latency {
            p50: at(0.50),
            p99: at(0.99),
            max: at(1.0),
        };
        self.until_done(LATENCY_REQUESTS as u64, Duration::from_secs(600))
            .await?;
        Ok(latency)
    }

    /// A burst of 100 tickets and the Autotask calls it cost, by operation and entity.
    async fn autotask_calls(&self) -> Result<String, BoxError> {
        // Starting the broker asked Autotask for its zone and threshold; count the burst only.
        self.autotask.reset_counters();
        let ids: Vec<i64> = (0..CALLS_BURST as i64).map(|i| FIRST_ID + i).collect();
        self.send_all(ids, CALLS_BURST).await?;
        self.until_done(CALLS_BURST as u64, Duration::from_secs(120))
            .await?;
        // A run writes its audit trail just after completing its jobs.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut by_call: BTreeMap<String, usize> = BTreeMap::new();
        for call in self.autotask.calls() {
            let entity = call.entity.unwrap_or_default();
            *by_call
                .entry(format!("{} {entity}", call.action))
                .or_default() += 1;
        }
        let total: usize = by_call.values().sum();
        let mut out =
            format!("Autotask calls for a burst of {CALLS_BURST} tickets: {total} in all\n");
        for (call, count) in &by_call {
            out.push_str(&format!("  {count:>5}  {call}\n"));
        }
        // From the audit trail: the calls of dispatch runs (a batch's fetch is recorded
        // against each of its jobs, with the same time) and of write-back jobs.
        let every = JobFilter {
            limit: 100_000,
            ..JobFilter::default()
        };
        let jobs = self.broker.store().jobs(&every).await?;
        let kind: BTreeMap<i64, JobKind> = jobs.iter().map(|j| (j.id, j.kind)).collect();
        let mut fetches = std::collections::BTreeSet::new();
        let mut writeback_calls: BTreeMap<String, usize> = BTreeMap::new();
        for record in self.broker.store().calls(None, 100_000).await? {
            let call = record.entry;
            if call.api != "autotask" {
                continue;
            }
            match call.job_id.and_then(|id| kind.get(&id)) {
                Some(JobKind::Dispatch) => {
                    // Two workers may fetch in the same millisecond: their calls still
                    // differ in how long they took.
                    fetches.insert((call.at, call.duration_ms, call.operation));
                }
                Some(JobKind::Writeback) => {
                    *writeback_calls.entry(call.operation).or_default() += 1;
                }
                _ => {}
            }
        }
        let runs = fetches
            .iter()
            .filter(|(_, _, operation)| operation == "query Ticket")
            .count();
        let related: std::collections::BTreeSet<&str> = fetches
            .iter()
            .map(|(_, _, operation)| operation.as_str())
            .filter(|o| *o != "query Ticket")
            .collect();
        out.push_str(&format!(
            "  dispatch fetch: {} calls in {runs} dispatch run(s), related types {related:?}; \
             goal {} (per run: 1 ticket query + 1 per related type)\n",
            fetches.len(),
            runs * (1 + related.len()),
        ));
        let written: usize = writeback_calls.values().sum();
        out.push_str(&format!(
            "  write-backs: {written} calls {writeback_calls:?} for {CALLS_BURST} work orders\n"
        ));
        Ok(out)
    }
}

struct Latency {
    p50: f64,
    p99: f64,
    max: f64,
}
