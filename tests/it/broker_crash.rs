//! Crash safety and scale-out, with real processes: `fieldmap serve` runs as a child process
//! (so it can be killed with SIGKILL at any point), the simulators run in this process (so they
//! outlive every kill and hold the truth), and the store is a real SQLite file or a PostgreSQL
//! database of the test's own.
//!
//! - A 200-ticket burst on SQLite with the broker killed (kill -9) and restarted at fourteen
//!   points, ten while work orders are being created and four while Field Nation's events are
//!   being applied: every qualifying ticket ends with exactly one work order, every event was
//!   applied exactly once (each note once, the status and UDFs the mapping gives), no job is
//!   dead and every webhook was handled.
//! - Three brokers on one PostgreSQL database and 1,000 tickets, webhooks spread over their
//!   three intake ports: each ticket dispatched exactly once, also after one broker is killed
//!   mid-run and the others take its jobs once its leases run out.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fieldmap::autotask::simulator as at_sim;
use fieldmap::autotask::soap::CollectedEntity;
use fieldmap::autotask::wire::{Operator, QueryItem, QueryXml};
use fieldmap::autotask_client::{AutotaskClient, ClientConfig, Credentials, WireEntity};
use fieldmap::broker::store::{Job, JobFilter, JobKind, JobState, Store};
use fieldmap::fieldnation::simulator as fn_sim;
use fieldmap::schema::Schemas;
use serde_json::Value;

use fieldmap::autotask::webhook;

use super::broker_intake::{BoxError, FN_SECRET, HOOK_KEY, HOOK_TOKEN, TestResult, callback};
use super::broker_process::{
    BrokerProcess, ProcessSetup, ScratchDatabase, TempDir, free_port, within, write_config,
};

/// The demo tenant's ticket statuses the mappings use.
const STATUS_NEW: &str = "1";
const STATUS_COMPLETE: &str = "29682836";
/// The Field Nation custom field the broker marks each work order's record in.
const MARKER_FIELD: u64 = 145;
/// What the provider does to each work order, in order.
const STEPS: [&str; 5] = [
    "published",
    "assigned",
    "checked_in",
    "work_done",
    "approved",
];
/// How long a whole test may take before it fails.
const LIMIT: Duration = Duration::from_secs(300);

async fn limited(body: impl Future<Output = TestResult>) -> TestResult {
    tokio::time::timeout(LIMIT, body)
        .await
        .map_err(|_| format!("the test did not finish within {LIMIT:?}"))?
}

fn autotask_client(sim: &at_sim::SimHandle) -> Result<AutotaskClient, BoxError> {
    let credentials = Credentials::new(
        at_sim::DEMO_USER,
        at_sim::DEMO_PASSWORD,
        at_sim::DEMO_INTEGRATION_CODE,
    );
    let config = ClientConfig {
        discovery_url: sim.zone_url(),
        zone_url: Some(sim.zone_url()),
        ..ClientConfig::default()
    };
    Ok(AutotaskClient::new(credentials, config)?)
}

/// Creates `count` tickets through the SOAP API, copies of the demo's ticket 9137 (which
/// qualifies: "Dispatch to Field", "Send to FN" = Yes), except that those `qualifies` says
/// no to are left "New". Their ids, with whether each qualifies.
async fn create_tickets(
    client: &AutotaskClient,
    count: usize,
    qualifies: impl Fn(usize) -> bool,
) -> Result<Vec<(i64, bool)>, BoxError> {
    let schemas = Schemas::bundled()?;
    let schema = schemas
        .autotask
        .entity("Ticket")
        .ok_or("the schema has no Ticket")?;
    let template = client
        .query_entities(&QueryXml::by_ids("Ticket", &[9137]))
        .await?
        .pop()
        .ok_or("the demo has no ticket 9137")?;
    let mut created = Vec::with_capacity(count);
    let numbers: Vec<usize> = (0..count).collect();
    // Autotask takes at most 200 entities per create.
    for chunk in numbers.chunks(200) {
        let mut entities = Vec::with_capacity(chunk.len());
        for &n in chunk {
            let mut ticket = WireEntity::from_collected(&template, Some(schema));
            ticket.id = None;
            ticket.remove("CreateDate");
            ticket.set(schema, "TicketNumber", format!("T20261130.{n:04}"))?;
            ticket.set(schema, "Title", format!("Burst ticket {n}"))?;
            ticket.set_udf("Send to FN", Some("Yes".into()));
            if !qualifies(n) {
                ticket.set(schema, "Status", STATUS_NEW)?;
            }
            entities.push(ticket);
        }
        let written = client.create(&entities).await?;
        created.extend(
            written
                .ids()
                .into_iter()
                .zip(chunk.iter().map(|&n| qualifies(n))),
        );
    }
    Ok(created)
}

/// Every job in the store.
async fn all_jobs(store: &Store) -> Result<Vec<Job>, BoxError> {
    Ok(store
        .jobs(&JobFilter {
            limit: 1_000_000,
            ..JobFilter::default()
        })
        .await?)
}

/// How many event jobs are done (a count: cheaper to poll than the jobs themselves).
async fn events_done(store: &Store) -> Result<usize, BoxError> {
    let counts = store.counts().await?;
    let done = counts
        .iter()
        .find(|c| c.kind == JobKind::Event && c.state == JobState::Done)
        .map_or(0, |c| c.count);
    Ok(usize::try_from(done)?)
}

/// Whether every job is done (none queued, leased or dead) and at least `events` are event
/// jobs.
async fn all_done(store: &Store, events: usize) -> Result<bool, BoxError> {
    let counts = store.counts().await?;
    let mut event_jobs = 0;
    for count in &counts {
        if count.state != JobState::Done {
            return Ok(false);
        }
        if count.kind == JobKind::Event {
            event_jobs += usize::try_from(count.count)?;
        }
    }
    Ok(event_jobs >= events)
}

/// The record a work order was created for: the value of its marker custom field.
fn marker_of(work_order: &Value) -> Option<String> {
    match work_order {
        Value::Object(map) => {
            if map.get("id").and_then(Value::as_u64) == Some(MARKER_FIELD)
                && let Some(value) = map.get("value").and_then(Value::as_str)
            {
                return Some(value.to_owned());
            }
            map.values().find_map(marker_of)
        }
        Value::Array(items) => items.iter().find_map(marker_of),
        _ => None,
    }
}

/// Work orders per marked record (`Ticket:9137` → its work order ids).
fn work_orders_by_record(fieldnation: &fn_sim::SimHandle) -> HashMap<String, Vec<u64>> {
    let first = fn_sim::SimConfig::default().first_work_order_id;
    let mut by_record: HashMap<String, Vec<u64>> = HashMap::new();
    for id in first..first + fieldnation.work_order_count() as u64 {
        let Some(work_order) = fieldnation.work_order(id) else {
            continue;
        };
        let record = marker_of(&work_order).unwrap_or_else(|| "unmarked".to_owned());
        by_record.entry(record).or_default().push(id);
    }
    by_record
}

/// Every ticket must have exactly one work order when it qualifies and none otherwise.
fn assert_one_work_order_each(
    fieldnation: &fn_sim::SimHandle,
    tickets: &[(i64, bool)],
) -> Result<HashMap<i64, u64>, BoxError> {
    let by_record = work_orders_by_record(fieldnation);
    let mut work_order_of = HashMap::new();
    for (id, qualifies) in tickets {
        let orders = by_record
            .get(&format!("Ticket:{id}"))
            .cloned()
            .unwrap_or_default();
        if *qualifies {
            assert_eq!(orders.len(), 1, "ticket {id}: work orders {orders:?}");
            work_order_of.insert(*id, orders[0]);
        } else {
            assert!(
                orders.is_empty(),
                "ticket {id} does not qualify: {orders:?}"
            );
        }
    }
    let qualifying = tickets.iter().filter(|(_, q)| *q).count();
    assert_eq!(fieldnation.work_order_count(), qualifying, "{by_record:?}");
    Ok(work_order_of)
}

/// The provider: takes each work order through [`STEPS`] once the broker has its
/// correlation, one step at a time, each after the broker applied the event before it (a
/// technician's steps are minutes apart; the broker's ordering of concurrent events is not
/// what this test is about). Returns when every work order of `expected` is approved.
async fn provide(
    fieldnation: Arc<fn_sim::SimHandle>,
    store: Store,
    expected: usize,
) -> Result<(), BoxError> {
    let first = fn_sim::SimConfig::default().first_work_order_id;
    // Per work order, the steps made so far.
    let mut made: BTreeMap<u64, usize> = BTreeMap::new();
    loop {
        let jobs = store
            .jobs(&JobFilter {
                kind: Some(JobKind::Event),
                state: Some(JobState::Done),
                limit: 1_000_000,
                ..JobFilter::default()
            })
            .await?;
        let done: HashSet<&str> = jobs.iter().map(|j| j.key.as_str()).collect();
        // Each event's delivery id, by work order and event name.
        let mut delivered: HashMap<(u64, String), Vec<String>> = HashMap::new();
        for record in fieldnation.deliveries() {
            delivered
                .entry((record.work_order_id, record.event))
                .or_default()
                .push(record.delivery_id);
        }
        for id in first..first + fieldnation.work_order_count() as u64 {
            let step = made.get(&id).copied().unwrap_or(0);
            if step == STEPS.len() {
                continue;
            }
            let ready = if step == 0 {
                let id = i64::try_from(id)?;
                store.correlation_for_work_order(id).await?.is_some()
            } else {
                let event = format!("workorder.status.{}", STEPS[step - 1]);
                delivered
                    .get(&(id, event))
                    .is_some_and(|ids| ids.iter().any(|d| done.contains(d.as_str())))
            };
            if ready {
                fieldnation
                    .transition(id, STEPS[step])
                    .map_err(|e| format!("work order {id}: {} → {e}", STEPS[step]))?;
                made.insert(id, step + 1);
            }
        }
        if made.values().filter(|s| **s == STEPS.len()).count() == expected {
            return Ok(());
        }
        // Not faster: the test shares two cores with the broker it watches.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Kills the broker and starts it again with the same configuration: the new process.
async fn kill_and_restart(
    broker: BrokerProcess,
    config: &std::path::Path,
) -> Result<BrokerProcess, BoxError> {
    let port = broker.port;
    broker.kill()?;
    BrokerProcess::start(config, port).await
}

/// Waits until `reached` holds, checking every 2 ms (kill points are meant to be precise).
async fn until(what: &str, mut reached: impl FnMut() -> bool) -> Result<(), BoxError> {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !reached() {
        if Instant::now() > deadline {
            return Err(format!("timed out waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(())
}

/// The notes of each ticket: (title, description).
async fn notes_by_ticket(
    client: &AutotaskClient,
) -> Result<HashMap<i64, Vec<(String, String)>>, BoxError> {
    let query = QueryXml::new(
        "TicketNote",
        vec![QueryItem::field("id", Operator::GreaterThan, "0")],
    );
    let mut by_ticket: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    for note in client.query_entities(&query).await? {
        let ticket: i64 = note.field("TicketID").unwrap_or_default().parse()?;
        let text = |name: &str| note.field(name).unwrap_or_default().to_owned();
        by_ticket
            .entry(ticket)
            .or_default()
            .push((text("Title"), text("Description")));
    }
    Ok(by_ticket)
}

async fn tickets_by_id(
    client: &AutotaskClient,
    ids: &[i64],
) -> Result<HashMap<i64, CollectedEntity>, BoxError> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(400) {
        for ticket in client
            .query_entities(&QueryXml::by_ids("Ticket", chunk))
            .await?
        {
            let id: i64 = ticket.field("id").unwrap_or_default().parse()?;
            found.insert(id, ticket);
        }
    }
    Ok(found)
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_during_a_200_ticket_burst_loses_and_repeats_nothing() -> TestResult {
    limited(async {
        let started = Instant::now();
        let dir = TempDir::new("fieldmap_crash")?;
        let port = free_port()?;
        let intake = format!("http://127.0.0.1:{port}");

        // Both senders retry often enough to outlast a restart: Autotask every 200 ms for
        // 10 s, Field Nation its schedule at 1/100 (about 13 s for 8 attempts).
        let mut hook = at_sim::HookConfig::tickets(
            format!("{intake}/hooks/autotask/{HOOK_TOKEN}"),
            HOOK_KEY,
            &["Status"],
        );
        hook.retry_delays = vec![Duration::from_millis(200); 50];
        hook.log_length = 100_000;
        let autotask = at_sim::serve(
            at_sim::SimConfig {
                webhook: Some(hook),
                ..at_sim::SimConfig::default()
            },
            "127.0.0.1:0".parse()?,
        )
        .await?;
        let mut fn_config = fn_sim::SimConfig {
            webhook: Some(fn_sim::WebhookConfig::new(
                format!("{intake}/hooks/fieldnation"),
                FN_SECRET,
            )),
            ..fn_sim::SimConfig::default()
        };
        fn_config.delivery.time_scale = 0.01;
        fn_config.delivery.log_length = 100_000;
        fn_config.request_log_length = 100_000;
        // Each answer takes 10 ms, so that the burst lasts long enough to be killed in.
        fn_config.faults.latency = Duration::from_millis(10);
        let fieldnation = Arc::new(fn_sim::serve(fn_config, 0).await?);

        let store_file = dir.0.join("broker.db");
        let config = write_config(&ProcessSetup {
            dir: &dir.0,
            name: "fieldmap.toml",
            port,
            store: format!("url = \"sqlite:{}\"", store_file.display()),
            autotask_zone: autotask.zone_url(),
            fieldnation_url: fieldnation.base_url(),
            workers: 2,
            batch_size: 8,
            lease_secs: 2,
        })?;
        let mut broker = BrokerProcess::start(&config, port).await?;
        // The test reads the same file (SQLite in WAL mode lets it beside the broker).
        let store = Store::open(&format!("sqlite:{}", store_file.display())).await?;

        // 200 qualifying tickets and 20 that do not, created at once: 220 webhooks.
        let client = autotask_client(&autotask)?;
        let tickets = create_tickets(&client, 220, |n| n % 11 != 10).await?;
        let qualifying = tickets.iter().filter(|(_, q)| *q).count();
        assert_eq!(qualifying, 200);

        let provider = tokio::spawn(provide(fieldnation.clone(), store.clone(), qualifying));
        let mut kills = Vec::new();
        // Ten kills while the work orders are created: after k of them exist.
        for k in (0..10).map(|i| 8 + i * 19) {
            until(&format!("{k} work orders"), || {
                fieldnation.work_order_count() >= k
            })
            .await?;
            kills.push(format!(
                "{} work orders at {:.1?}",
                fieldnation.work_order_count(),
                started.elapsed()
            ));
            broker = kill_and_restart(broker, &config).await?;
        }
        // Four while the provider's events are applied: after n more event jobs are done.
        let total_events = qualifying * (STEPS.len() + 1);
        for i in 1..=4 {
            let from = events_done(&store).await?;
            let target = from + (total_events.saturating_sub(from)) * i / 6;
            let reached = within(Duration::from_secs(120), "events applied", || {
                let store = store.clone();
                async move {
                    let n = events_done(&store).await?;
                    Ok((n >= target).then_some(n))
                }
            })
            .await?;
            kills.push(format!(
                "{reached} events applied at {:.1?}",
                started.elapsed()
            ));
            broker = kill_and_restart(broker, &config).await?;
        }

        within(Duration::from_secs(120), "the provider's last step", || {
            let finished = provider.is_finished();
            async move { Ok(finished.then_some(())) }
        })
        .await?;
        provider.await??;
        // Every job done: nothing dead, nothing left queued or leased.
        within(Duration::from_secs(60), "every job done", || {
            let store = store.clone();
            async move { Ok(all_done(&store, total_events).await?.then_some(())) }
        })
        .await?;
        let jobs = all_jobs(&store).await?;
        let elapsed_run = started.elapsed();

        // Exactly one work order per qualifying ticket, none for the others.
        let work_order_of = assert_one_work_order_each(&fieldnation, &tickets)?;
        // Every ticket's webhook was taken, and every Field Nation delivery is a done job.
        let hooked: HashSet<i64> = autotask.hook_deliveries().iter().map(|d| d.id).collect();
        let taken: HashSet<i64> = autotask
            .hook_deliveries()
            .iter()
            .filter(|d| d.status.is_some_and(|s| (200..300).contains(&s)))
            .map(|d| d.id)
            .collect();
        for (id, _) in &tickets {
            assert!(hooked.contains(id) && taken.contains(id), "ticket {id}");
        }
        let job_keys: HashSet<&str> = jobs.iter().map(|j| j.key.as_str()).collect();
        let deliveries = fieldnation.deliveries();
        for record in &deliveries {
            assert!(
                job_keys.contains(record.delivery_id.as_str()),
                "delivery {record:?} has no job"
            );
        }
        // Each work order's events were raised once (one delivery id each; the simulator keeps
        // only its latest events, its delivery log keeps them all).
        let mut delivery_ids: HashMap<(u64, &str), HashSet<&str>> = HashMap::new();
        for record in &deliveries {
            delivery_ids
                .entry((record.work_order_id, record.event.as_str()))
                .or_default()
                .insert(record.delivery_id.as_str());
        }
        for work_order in work_order_of.values() {
            for step in STEPS {
                let name = format!("workorder.status.{step}");
                let ids = delivery_ids.get(&(*work_order, name.as_str()));
                assert_eq!(ids.map_or(0, HashSet::len), 1, "{work_order}: {name}");
            }
        }
        // The tickets: completed, with the work order's UDFs and each note exactly once.
        let ids: Vec<i64> = tickets.iter().map(|(id, _)| *id).collect();
        let fresh = tickets_by_id(&client, &ids).await?;
        let notes = notes_by_ticket(&client).await?;
        for (id, qualifies) in &tickets {
            let ticket = fresh.get(id).ok_or("a ticket is gone")?;
            let notes = notes.get(id).cloned().unwrap_or_default();
            if !qualifies {
                assert_eq!(ticket.field("Status"), Some(STATUS_NEW), "ticket {id}");
                assert!(notes.is_empty(), "ticket {id}: {notes:?}");
                continue;
            }
            let work_order = work_order_of[id];
            assert_eq!(ticket.field("Status"), Some(STATUS_COMPLETE), "ticket {id}");
            let expected_id = work_order.to_string();
            assert_eq!(
                ticket.udf("FN Work Order ID"),
                Some(Some(expected_id.as_str())),
                "ticket {id}"
            );
            assert!(
                ticket.udf("FN Checked In At").flatten().is_some(),
                "ticket {id}"
            );
            let mut titles: Vec<&str> = notes.iter().map(|(t, _)| t.as_str()).collect();
            titles.sort_unstable();
            assert_eq!(
                titles,
                vec![
                    format!("Field Nation work order {work_order} approved"),
                    format!("Field Nation work order {work_order} done"),
                ],
                "ticket {id}: {notes:#?}"
            );
        }
        let retried = jobs.iter().filter(|j| j.attempts > 1).count();
        let lookups = fieldnation
            .requests()
            .iter()
            .filter(|r| r.endpoint == "list")
            .count();
        eprintln!(
            "kill -9 burst: {} kills ({}), {} jobs ({retried} leased more than once), \
             {lookups} marker look-ups; the run took {elapsed_run:?}, the test {:?}",
            kills.len(),
            kills.join(", "),
            jobs.len(),
            started.elapsed()
        );
        assert!(kills.len() >= 14);
        assert!(retried > 0, "no kill caught a job in flight");
        broker.kill()?;
        drop(store);
        autotask.shutdown().await;
        Ok(())
    })
    .await
}

/// A time-out with what the store and the brokers' logs say.
async fn unsettled(error: BoxError, store: &Store, dir: &std::path::Path) -> BoxError {
    let jobs = all_jobs(store).await.unwrap_or_default();
    let open: Vec<&Job> = jobs
        .iter()
        .filter(|j| j.state != JobState::Done)
        .take(5)
        .collect();
    let mut logs = String::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.path().extension().is_some_and(|e| e == "log") {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(15).collect();
            logs.push_str(&format!(
                "{}:\n{}\n",
                entry.path().display(),
                tail.join("\n")
            ));
        }
    }
    format!("{error}\nopen jobs: {open:#?}\n{logs}").into()
}

/// Posts Autotask's signed webhook for `id` to the first broker of `ports` (from `first` on)
/// that takes it, as a sender behind a load balancer would: a broker that is down is skipped.
async fn send_hook(
    http: &reqwest::Client,
    ports: &[u16],
    first: usize,
    id: i64,
) -> Result<(), BoxError> {
    let body = callback(id);
    let signature = webhook::sign(HOOK_KEY.as_bytes(), &body);
    let mut last = String::new();
    for n in 0..ports.len() * 3 {
        let port = ports[(first + n) % ports.len()];
        let answer = http
            .post(format!(
                "http://127.0.0.1:{port}/hooks/autotask/{HOOK_TOKEN}"
            ))
            .header(webhook::SIGNATURE_HEADER, &signature)
            .body(body.clone())
            .send()
            .await;
        match answer {
            Ok(answer) if answer.status().as_u16() == 202 => return Ok(()),
            Ok(answer) => last = format!("status {}", answer.status()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!("no broker took the webhook for ticket {id}: {last}").into())
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_brokers_on_postgres_dispatch_each_of_1000_tickets_once() -> TestResult {
    limited(async {
        let started = Instant::now();
        let database = ScratchDatabase::create("fieldmap_crash").await?;
        let dir = TempDir::new("fieldmap_scale")?;
        let autotask = at_sim::serve(at_sim::SimConfig::default(), "127.0.0.1:0".parse()?).await?;
        let mut fn_config = fn_sim::SimConfig {
            request_log_length: 100_000,
            ..fn_sim::SimConfig::default()
        };
        // 10 ms per answer: the run lasts a few seconds, long enough to kill a broker in.
        fn_config.faults.latency = Duration::from_millis(10);
        let fieldnation = fn_sim::serve(fn_config, 0).await?;
        let client = autotask_client(&autotask)?;
        let tickets = create_tickets(&client, 1000, |_| true).await?;

        const LEASE_SECS: u64 = 4;
        let mut configs = Vec::new();
        let mut ports = Vec::new();
        for n in 0..3 {
            let port = free_port()?;
            configs.push(write_config(&ProcessSetup {
                dir: &dir.0,
                name: &format!("broker-{n}.toml"),
                port,
                store: format!("url = \"{}\"", database.url()),
                autotask_zone: autotask.zone_url(),
                fieldnation_url: fieldnation.base_url(),
                workers: 2,
                batch_size: 5,
                lease_secs: LEASE_SECS,
            })?);
            ports.push(port);
        }
        // All three at once, as replicas start: the migrations are applied once, under a lock.
        let (a, b, c) = tokio::join!(
            BrokerProcess::start(&configs[0], ports[0]),
            BrokerProcess::start(&configs[1], ports[1]),
            BrokerProcess::start(&configs[2], ports[2]),
        );
        let mut brokers = vec![Some(a?), Some(b?), Some(c?)];
        let names: Vec<String> = brokers
            .iter()
            .flatten()
            .map(BrokerProcess::worker_name)
            .collect();
        let store = Store::open(&database.url()).await?;

        // Each ticket's webhook twice, to two different brokers, 32 at a time.
        let http = reqwest::Client::new();
        let sender = {
            let (http, ports) = (http.clone(), ports.clone());
            let ids: Vec<i64> = tickets.iter().map(|(id, _)| *id).collect();
            tokio::spawn(async move {
                for chunk in ids.chunks(16) {
                    let mut sends = tokio::task::JoinSet::new();
                    for (n, id) in chunk.iter().copied().enumerate() {
                        for copy in 0..2 {
                            let (http, ports) = (http.clone(), ports.clone());
                            let first = usize::try_from(id).unwrap_or(n) + copy;
                            sends.spawn(async move { send_hook(&http, &ports, first, id).await });
                        }
                    }
                    while let Some(sent) = sends.join_next().await {
                        sent??;
                    }
                }
                Ok::<_, BoxError>(())
            })
        };

        // Mid-run, kill -9 the broker holding leases at that moment.
        until("300 work orders", || fieldnation.work_order_count() >= 300).await?;
        let (victim, held) = within(Duration::from_secs(30), "a broker holding jobs", || {
            let store = store.clone();
            let names = names.clone();
            async move {
                let leased = store
                    .jobs(&JobFilter {
                        state: Some(JobState::Leased),
                        limit: 1_000_000,
                        ..JobFilter::default()
                    })
                    .await?;
                let victim = names.iter().position(|name| {
                    leased
                        .iter()
                        .any(|j| j.lease_owner.as_deref() == Some(name.as_str()))
                });
                Ok(victim.map(|v| {
                    let held: Vec<Job> = leased
                        .into_iter()
                        .filter(|j| j.lease_owner.as_deref() == Some(names[v].as_str()))
                        .collect();
                    (v, held)
                }))
            }
        })
        .await?;
        brokers[victim].take().ok_or("killed twice")?.kill()?;
        let killed_at = jiff::Timestamp::now();
        let work_orders_at_kill = fieldnation.work_order_count();
        sender.await??;

        // The survivors finish everything, the victim's jobs once its leases ran out.
        let settled = within(Duration::from_secs(180), "every job done", || {
            let store = store.clone();
            async move { Ok(all_done(&store, 0).await?.then_some(())) }
        })
        .await;
        if let Err(e) = settled {
            return Err(unsettled(e, &store, &dir.0).await);
        }
        let jobs = all_jobs(&store).await?;
        let finished = started.elapsed();
        let work_order_of = assert_one_work_order_each(&fieldnation, &tickets)?;
        assert_eq!(work_order_of.len(), 1000);
        let by_id: HashMap<i64, &Job> = jobs.iter().map(|j| (j.id, j)).collect();
        let mut taken_over = 0;
        for was in &held {
            let now = by_id.get(&was.id).ok_or("a held job is gone")?;
            assert_eq!(now.state, JobState::Done, "{now:?}");
            if now.attempts > was.attempts {
                // Taken again only after the victim's lease ran out.
                let expired = was.lease_expires.ok_or("a leased job without a lease")?;
                assert!(now.updated >= expired, "{was:?} → {now:?}");
                taken_over += 1;
            }
        }
        assert!(
            taken_over > 0,
            "the victim finished every job it held: {held:?}"
        );
        // Every ticket has its correlation, to the work order Field Nation holds.
        for (id, work_order) in &work_order_of {
            let correlation = store
                .correlation("Ticket", *id, super::broker_intake::MAPPING)
                .await?
                .ok_or_else(|| format!("ticket {id} has no correlation"))?;
            assert_eq!(u64::try_from(correlation.work_order_id)?, *work_order);
        }
        let creates = fieldnation
            .requests()
            .iter()
            .filter(|r| r.endpoint == "create")
            .count();
        assert_eq!(creates, 1000, "a create was sent twice");
        eprintln!(
            "three brokers: {} jobs; broker {victim} killed at {work_orders_at_kill} work \
             orders holding {} jobs ({taken_over} taken over after the lease, at {killed_at}); \
             all done after {finished:?}, the test {:?}",
            jobs.len(),
            held.len(),
            started.elapsed()
        );
        for broker in brokers.into_iter().flatten() {
            broker.kill()?;
        }
        drop(store);
        drop(database);
        Ok(())
    })
    .await
}
