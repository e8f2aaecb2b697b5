//! The dispatch core against both simulators in process, on a SQLite store in a temporary
//! file: dispatch jobs become exactly one work order each, Field Nation events come back to
//! the ticket once and in order. The store's clock is a manual one, so retries are tested
//! without sleeping.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use fieldmap::autotask::simulator as at_sim;
use fieldmap::autotask::soap::CollectedEntity;
use fieldmap::autotask::wire::{Operator, QueryItem, QueryXml};
use fieldmap::autotask_client::{self, AutotaskClient, Fetcher, FieldEdit};
use fieldmap::broker::store::{Clock, JobState, Options, Store};
use fieldmap::broker::{
    DispatchRequest, Dispatcher, DispatcherConfig, EventDelivery, Outcome, RetryPolicy,
    SourceRecord,
};
use fieldmap::fieldnation::client::{self as fn_client, FieldNationClient};
use fieldmap::fieldnation::simulator as fn_sim;
use fieldmap::{EvalContext, Program, Schemas};
use serde_json::{Value, json};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type TestResult = Result<(), BoxError>;

const TEST_LIMIT: Duration = Duration::from_secs(90);
const DISPATCH_TICKET: &str = include_str!("../../mappings/dispatch-service-ticket.fmap");
const STATUS_SYNC: &str = include_str!("../../mappings/status-sync.fmap");
const ASSIGNED: &str = include_str!("../../mappings/fixtures/events/assigned.json");
const APPROVED: &str = include_str!("../../mappings/fixtures/events/approved.json");
const MAPPING: &str = "Dispatch from service ticket";
const TICKET: i64 = 9137;
/// The marker custom field of the demo account.
const MARKER_FIELD: u64 = 145;
/// The demo tenant's "Complete - Customer Notified" status.
const COMPLETE: &str = "29682836";

async fn limited(body: impl Future<Output = TestResult>) -> TestResult {
    tokio::time::timeout(TEST_LIMIT, body)
        .await
        .map_err(|_| format!("the test did not finish within {TEST_LIMIT:?}"))?
}

fn schemas() -> Arc<Schemas> {
    static SCHEMAS: std::sync::LazyLock<Arc<Schemas>> = std::sync::LazyLock::new(|| {
        Arc::new(Schemas::bundled().unwrap_or_else(|e| panic!("bundled schemas: {e}")))
    });
    SCHEMAS.clone()
}

static NEXT: AtomicU32 = AtomicU32::new(0);

fn unique_file() -> PathBuf {
    std::env::temp_dir().join(format!(
        "fieldmap_dispatch_{}_{}.db",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ))
}

/// Both simulators, a SQLite store with a manual clock, and a dispatcher over them.
struct Rig {
    autotask: at_sim::SimHandle,
    fieldnation: fn_sim::SimHandle,
    client: AutotaskClient,
    program: Arc<Program>,
    dispatcher: Dispatcher,
    /// What a second worker on the same store is made of.
    parts: (Arc<Fetcher>, FieldNationClient, DispatcherConfig),
    clock: Clock,
    /// The SQLite file; `None` on PostgreSQL, where the schema is dropped instead.
    file: Option<PathBuf>,
}

impl Rig {
    /// The dispatch mapping and the status sync, one program; Field Nation's client retries
    /// `fn_retries` times within a job.
    async fn start(fn_retries: u32) -> Result<Rig, BoxError> {
        let source: Arc<str> = format!("{DISPATCH_TICKET}\n{STATUS_SYNC}").into();
        Rig::with_mapping(source, fn_retries, false).await
    }

    /// As [`Rig::start`], on a PostgreSQL schema of its own.
    async fn on_postgres() -> Result<Rig, BoxError> {
        Rig::start_on(true, 2).await
    }

    /// As [`Rig::start`], on PostgreSQL or SQLite.
    async fn start_on(postgres: bool, fn_retries: u32) -> Result<Rig, BoxError> {
        let source: Arc<str> = format!("{DISPATCH_TICKET}\n{STATUS_SYNC}").into();
        Rig::with_mapping(source, fn_retries, postgres).await
    }

    async fn with_mapping(
        source: Arc<str>,
        fn_retries: u32,
        postgres: bool,
    ) -> Result<Rig, BoxError> {
        let program = Arc::new(
            fieldmap::compile(&source, schemas()).map_err(|f| format!("{:?}", f.diagnostics))?,
        );
        let autotask = at_sim::serve(at_sim::SimConfig::default(), "127.0.0.1:0".parse()?).await?;
        let fieldnation = fn_sim::serve(fn_sim::SimConfig::default(), 0).await?;
        let client = AutotaskClient::new(
            autotask_client::Credentials::new(
                at_sim::DEMO_USER,
                at_sim::DEMO_PASSWORD,
                at_sim::DEMO_INTEGRATION_CODE,
            ),
            autotask_client::ClientConfig {
                discovery_url: autotask.zone_url(),
                request_timeout: Duration::from_secs(5),
                max_retries: 2,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(50),
                ..autotask_client::ClientConfig::default()
            },
        )?;
        let fetcher = Fetcher::new(client.clone(), program.schemas().clone());
        let fn_client = FieldNationClient::new(
            fn_client::Credentials::client(fn_sim::DEMO_CLIENT_ID, fn_sim::DEMO_CLIENT_SECRET),
            fn_client::ClientConfig {
                base_url: fieldnation.base_url(),
                request_timeout: Duration::from_secs(5),
                max_retries: fn_retries,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(50),
                ..fn_client::ClientConfig::default()
            },
        )?;
        let clock = Clock::manual(jiff::Timestamp::now());
        let (store, file) = if postgres {
            let url = std::env::var("FIELDMAP_TEST_POSTGRES")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
            let options = Options {
                schema: Some(format!(
                    "fm_dispatch_{}_{}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::SeqCst)
                )),
                clock: clock.clone(),
                ..Options::default()
            };
            (Store::open_with(&url, options).await?, None)
        } else {
            let file = unique_file();
            let options = Options {
                clock: clock.clone(),
                ..Options::default()
            };
            let url = format!("sqlite:{}", file.display());
            (Store::open_with(&url, options).await?, Some(file))
        };
        let config = DispatcherConfig {
            worker: "test".into(),
            marker_field: MARKER_FIELD,
            mapping_source: Some(source),
            ..DispatcherConfig::default()
        };
        let fetcher = Arc::new(fetcher);
        let dispatcher = Dispatcher::new(
            program.clone(),
            store,
            fetcher.clone(),
            fn_client.clone(),
            config.clone(),
        );
        Ok(Rig {
            autotask,
            fieldnation,
            client,
            program,
            dispatcher,
            parts: (fetcher, fn_client, config),
            clock,
            file,
        })
    }

    fn store(&self) -> &Store {
        self.dispatcher.store()
    }

    /// Another worker on the same store and simulators, named `name`.
    fn worker(&self, name: &str) -> Dispatcher {
        let (fetcher, fn_client, config) = &self.parts;
        let config = DispatcherConfig {
            worker: name.into(),
            ..config.clone()
        };
        Dispatcher::new(
            self.program.clone(),
            self.store().clone(),
            fetcher.clone(),
            fn_client.clone(),
            config,
        )
    }

    async fn enqueue_dispatch(&self, id: i64) -> Result<i64, BoxError> {
        let job = DispatchRequest::new(MAPPING, "Ticket", id).job();
        Ok(self.store().enqueue(job).await?.job.id)
    }

    async fn enqueue_event(&self, delivery: &str, body: Value) -> Result<i64, BoxError> {
        let job = EventDelivery::new(delivery, body).job(None);
        Ok(self.store().enqueue(job).await?.job.id)
    }

    /// Runs due jobs until none is left.
    async fn run_all(&self) -> Result<(), BoxError> {
        while !self.dispatcher.run_once(50).await?.is_empty() {}
        Ok(())
    }

    /// Runs the due jobs: the outcome of job `id`.
    async fn run(&self, id: i64) -> Result<Outcome, BoxError> {
        let report = self.dispatcher.run_once(50).await?;
        Ok(report
            .outcome(id)
            .cloned()
            .ok_or_else(|| format!("job {id} did not run: {report:?}"))?)
    }

    async fn ticket(&self, id: i64) -> Result<CollectedEntity, BoxError> {
        let mut found = self
            .client
            .query_entities(&QueryXml::by_ids("Ticket", &[id]))
            .await?;
        Ok(found.pop().ok_or("the ticket is gone")?)
    }

    /// Operations the Autotask simulator saw (`query Ticket`, `create TicketNote`…).
    fn autotask_calls(&self) -> Vec<String> {
        self.autotask
            .calls()
            .iter()
            .map(|c| match &c.entity {
                Some(entity) => format!("{} {entity}", c.action),
                None => c.action.clone(),
            })
            .collect()
    }

    async fn finish(self) {
        self.autotask.shutdown().await;
        self.fieldnation.shutdown().await;
        let Some(file) = &self.file else {
            let dropped = self.dispatcher.store().drop_schema().await;
            assert!(dropped.is_ok(), "{dropped:?}");
            return;
        };
        for suffix in ["", "-wal", "-shm"] {
            let mut path = file.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Whether everything in `sent` is in `read` with the same value (the server adds keys).
fn contains(read: &Value, sent: &Value, at: &str, differences: &mut Vec<String>) {
    match (read, sent) {
        (Value::Object(read), Value::Object(sent)) => {
            for (key, value) in sent {
                match read.get(key) {
                    Some(got) => contains(got, value, &format!("{at}.{key}"), differences),
                    None => differences.push(format!("{at}.{key}: missing")),
                }
            }
        }
        (Value::Array(read), Value::Array(sent)) if read.len() == sent.len() => {
            for (i, (got, value)) in read.iter().zip(sent).enumerate() {
                contains(got, value, &format!("{at}[{i}]"), differences);
            }
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
        (read, sent) if read == sent => {}
        (read, sent) => differences.push(format!("{at}: sent {sent}, read back {read}")),
    }
}

/// A fixture event about `work_order`, stamped `timestamp`.
fn event(fixture: &str, work_order: i64, timestamp: &str) -> Result<Value, BoxError> {
    let mut body: Value = serde_json::from_str(fixture)?;
    body["workorder"]["id"] = json!(work_order);
    body["event"]["params"]["work_order_id"] = json!(work_order);
    body["timestamp"] = json!(timestamp);
    Ok(body)
}

/// Dispatches the demo ticket: its work order's id.
async fn dispatched(rig: &Rig) -> Result<i64, BoxError> {
    let job = rig.enqueue_dispatch(TICKET).await?;
    match rig.run(job).await? {
        Outcome::Dispatched { work_order_id, .. } => Ok(work_order_id),
        other => Err(format!("not dispatched: {other:?}").into()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_is_dispatched_once_end_to_end() -> TestResult {
    limited(async {
        let rig = Rig::start(2).await?;
        // What the mapping writes for the ticket as Autotask has it now.
        let fetcher = Fetcher::new(rig.client.clone(), rig.program.schemas().clone());
        let plan = rig.program.mappings()[0].plan();
        let fetched = fetcher.fetch(plan, TICKET).await?;
        let mut expected = Vec::new();
        rig.program.evaluate_to_json(
            &fetched.records,
            TICKET,
            &EvalContext::current(),
            MAPPING,
            &mut expected,
        )?;
        let mut expected: Value = serde_json::from_slice(&expected)?;
        let custom_fields = expected
            .as_object_mut()
            .and_then(|o| o.remove("custom_fields"));

        rig.autotask.reset_counters();
        let job = rig.enqueue_dispatch(TICKET).await?;
        let outcome = rig.run(job).await?;
        let Outcome::Dispatched {
            work_order_id,
            found_by_marker: false,
        } = outcome
        else {
            return Err(format!("{outcome:?}").into());
        };
        assert_eq!(rig.fieldnation.work_order_count(), 1);
        let created = rig
            .fieldnation
            .work_order(u64::try_from(work_order_id)?)
            .ok_or("no work order")?;
        let mut differences = Vec::new();
        contains(&created, &expected, "$", &mut differences);
        assert!(differences.is_empty(), "{differences:#?}");
        // The mapping's custom fields are there, and the marker with them.
        let fields = &created["custom_fields"]["results"][0]["results"];
        for field in custom_fields
            .as_ref()
            .and_then(|c| c.pointer("/results/0/results"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let found = fields.as_array().is_some_and(|all| {
                all.iter()
                    .any(|f| f["id"] == field["id"] && f["value"] == field["value"])
            });
            assert!(found, "{field} missing from {fields}");
        }
        assert!(fn_client::Marker::for_record(MARKER_FIELD, "Ticket", TICKET).is_on(&created));

        let correlation = rig
            .store()
            .correlation("Ticket", TICKET, MAPPING)
            .await?
            .ok_or("no correlation")?;
        assert_eq!(correlation.work_order_id, work_order_id);
        let job = rig.store().job(job).await?.ok_or("no job")?;
        assert_eq!(job.state, JobState::Done);
        // One query for the ticket, one per related type, one for the primary contact lookup
        // (a second Contact query).
        let calls = rig.autotask_calls();
        assert_eq!(
            calls.iter().filter(|c| *c == "query Ticket").count(),
            1,
            "{calls:?}"
        );
        for call in &calls {
            let expected = if call == "query Contact" { 2 } else { 1 };
            assert_eq!(
                calls.iter().filter(|c| *c == call).count(),
                expected,
                "{calls:?}"
            );
        }
        rig.finish().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn jobs_that_arrive_together_are_fetched_together() -> TestResult {
    limited(async {
        let rig = Rig::start(2).await?;
        let mut jobs = Vec::new();
        for id in [TICKET, 9138, 9139, 424242] {
            jobs.push(rig.enqueue_dispatch(id).await?);
        }
        rig.autotask.reset_counters();
        let report = rig.dispatcher.run_once(50).await?;
        assert_eq!(report.len(), 4, "{report:?}");
        assert_eq!(report.outcome(jobs[3]), Some(&Outcome::SourceMissing));
        assert!(matches!(
            report.outcome(jobs[0]),
            Some(Outcome::Dispatched { .. })
        ));
        let calls = rig.autotask_calls();
        for entity in ["Ticket", "Account", "Contact", "Resource"] {
            assert!(calls.contains(&format!("query {entity}")), "{calls:?}");
        }
        // Contact twice: the tickets' contacts by id, their accounts' primary contacts by
        // the lookup, each one query for the whole batch.
        for call in &calls {
            let expected = if call == "query Contact" { 2 } else { 1 };
            assert_eq!(
                calls.iter().filter(|c| *c == call).count(),
                expected,
                "one query per entity type and lookup for the batch: {calls:?}"
            );
        }
        rig.finish().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_job_again_creates_no_second_work_order() -> TestResult {
    limited(async {
        let rig = Rig::start(2).await?;
        let work_order_id = dispatched(&rig).await?;
        let again = rig.enqueue_dispatch(TICKET).await?;
        assert_eq!(
            rig.run(again).await?,
            Outcome::AlreadyDispatched { work_order_id }
        );
        assert_eq!(rig.fieldnation.work_order_count(), 1);
        rig.finish().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_whose_trigger_no_longer_holds_creates_nothing() -> TestResult {
    limited(async {
        let rig = Rig::start(2).await?;
        let job = rig.enqueue_dispatch(TICKET).await?;
        // The service desk moved the ticket on before the job ran.
        let ticket_schema = rig
            .program
            .schemas()
            .autotask
            .entity("Ticket")
            .ok_or("no Ticket")?;
        rig.client
            .read_modify_write(ticket_schema, TICKET, &[FieldEdit::field("Status", "1")])
            .await?;
        assert_eq!(rig.run(job).await?, Outcome::NotTriggered);
        assert_eq!(rig.fieldnation.work_order_count(), 0);
        assert_eq!(
            rig.store().correlation("Ticket", TICKET, MAPPING).await?,
            None
        );
        assert_eq!(
            rig.store().job(job).await?.map(|j| j.state),
            Some(JobState::Done)
        );
        rig.finish().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trigger_reads_the_related_records_fetched_with_the_ticket() -> TestResult {
    limited(async {
        // Ticket 9137's account is in Minneapolis: a trigger on the account's city holds for
        // it, and the same trigger naming another city does not.
        for (city, dispatches) in [("Minneapolis", true), ("Duluth", false)] {
            let source: Arc<str> = DISPATCH_TICKET
                .replacen(
                    "trigger when Status == \"Dispatch to Field\"",
                    &format!(
                        "trigger when Status == \"Dispatch to Field\" and Account.City == \"{city}\""
                    ),
                    1,
                )
                .into();
            assert!(source.contains(city), "the trigger was not rewritten");
            let rig = Rig::with_mapping(source, 2, false).await?;
            let job = rig.enqueue_dispatch(TICKET).await?;
            let outcome = rig.run(job).await?;
            if dispatches {
                assert!(
                    matches!(outcome, Outcome::Dispatched { .. }),
                    "{city}: {outcome:?}"
                );
                assert_eq!(rig.fieldnation.work_order_count(), 1);
            } else {
                assert_eq!(outcome, Outcome::NotTriggered, "{city}");
                assert_eq!(rig.fieldnation.work_order_count(), 0);
            }
            rig.finish().await;
        }
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_error_then_success_is_one_work_order_after_a_retry() -> TestResult {
    limited(error_then_success(false, fn_sim::Fault::Status(500), "500")).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limit_then_success_is_one_work_order_after_a_retry() -> TestResult {
    let fault = fn_sim::Fault::RateLimited {
        retry_after: Some(1),
    };
    limited(error_then_success(false, fault, "429")).await
}

#[tokio::test(flavor = "multi_thread")]
async fn field_nation_failures_retry_on_postgres_too() -> TestResult {
    limited(async {
        error_then_success(true, fn_sim::Fault::Status(503), "503").await?;
        let fault = fn_sim::Fault::RateLimited { retry_after: None };
        error_then_success(true, fault, "429").await?;
        refused_body_is_a_dead_letter(true).await?;
        commit_then_drop_is_found_by_its_marker(true).await
    })
    .await
}

/// Field Nation answers the create with `fault` once: the job is retried on the schedule and
/// then makes one work order.
async fn error_then_success(postgres: bool, fault: fn_sim::Fault, status: &str) -> TestResult {
    {
        // No retries inside the client: the job itself is retried.
        let rig = Rig::start_on(postgres, 0).await?;
        rig.fieldnation.inject(fn_sim::Endpoint::Create, fault);
        let job = rig.enqueue_dispatch(TICKET).await?;
        let outcome = rig.run(job).await?;
        assert!(
            matches!(&outcome, Outcome::Retried { reason } if reason.contains(status)),
            "{outcome:?}"
        );
        let stored = rig.store().job(job).await?.ok_or("no job")?;
        assert_eq!(stored.state, JobState::Queued);
        let wait = stored.next_run.as_millisecond() - rig.clock.now().as_millisecond();
        assert!((27_000..=33_000).contains(&wait), "retried in {wait} ms");
        assert_eq!(rig.fieldnation.work_order_count(), 0);
        // Not due yet.
        assert!(rig.dispatcher.run_once(50).await?.is_empty());
        rig.clock.advance(Duration::from_secs(40));
        assert!(matches!(rig.run(job).await?, Outcome::Dispatched { .. }));
        assert_eq!(rig.fieldnation.work_order_count(), 1);
        let done = rig.store().job(job).await?.ok_or("no job")?;
        assert_eq!((done.state, done.attempts), (JobState::Done, 2));
        // Both attempts counted; the work order came 40 s (of the manual clock) after intake.
        let metrics = rig.dispatcher.metrics().render(rig.store()).await;
        for line in [
            "fieldmap_job_attempts_total{kind=\"dispatch\",outcome=\"retried\"} 1",
            "fieldmap_job_attempts_total{kind=\"dispatch\",outcome=\"dispatched\"} 1",
            "fieldmap_dispatch_latency_seconds_bucket{le=\"30\"} 0",
            "fieldmap_dispatch_latency_seconds_bucket{le=\"60\"} 1",
            "fieldmap_dispatch_latency_seconds_sum 40",
            "fieldmap_jobs{kind=\"dispatch\",state=\"done\"} 1",
        ] {
            assert!(
                metrics.lines().any(|l| l == line),
                "no {line} in\n{metrics}"
            );
        }
        rig.finish().await;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn exhausted_retries_become_a_dead_letter() -> TestResult {
    limited(async {
        let mut rig = Rig::start(0).await?;
        rig.dispatcher = Dispatcher::new(
            rig.program.clone(),
            rig.store().clone(),
            Arc::new(Fetcher::new(rig.client.clone(), rig.program.schemas().clone())),
            FieldNationClient::new(
                fn_client::Credentials::client(fn_sim::DEMO_CLIENT_ID, fn_sim::DEMO_CLIENT_SECRET),
                fn_client::ClientConfig {
                    base_url: rig.fieldnation.base_url(),
                    max_retries: 0,
                    base_delay: Duration::from_millis(5),
                    ..fn_client::ClientConfig::default()
                },
            )?,
            DispatcherConfig {
                marker_field: MARKER_FIELD,
                retry: RetryPolicy {
                    delays: vec![Duration::from_secs(1)],
                    jitter: 0.0,
                },
                ..DispatcherConfig::default()
            },
        );
        rig.fieldnation
            .inject_times(fn_sim::Endpoint::Create, fn_sim::Fault::Status(500), 2);
        let job = rig.enqueue_dispatch(TICKET).await?;
        assert!(matches!(rig.run(job).await?, Outcome::Retried { .. }));
        rig.clock.advance(Duration::from_secs(2));
        let outcome = rig.run(job).await?;
        assert!(
            matches!(&outcome, Outcome::DeadLettered { reason } if reason.contains("gave up after 2 attempts") && reason.contains("500")),
            "{outcome:?}"
        );
        assert_eq!(rig.fieldnation.work_order_count(), 0);
        rig.finish().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_body_is_a_dead_letter_naming_the_rule_and_line() -> TestResult {
    limited(refused_body_is_a_dead_letter(false)).await
}

/// Field Nation refuses the body (4xx): a dead letter whose reason names the mapping's rule and
/// line, not retried.
async fn refused_body_is_a_dead_letter(postgres: bool) -> TestResult {
    {
        let source: Arc<str> = "mapping \"Bad type\" {\n  source autotask.Ticket\n  target fieldnation.WorkOrder\n  title = Title\n  types_of_work[0].id = AccountID\n  types_of_work[0].isPrimary = true\n}\n".into();
        let rig = Rig::with_mapping(source, 2, postgres).await?;
        let job = rig
            .store()
            .enqueue(DispatchRequest::new("Bad type", "Ticket", TICKET).job())
            .await?
            .job
            .id;
        let outcome = rig.run(job).await?;
        let Outcome::DeadLettered { reason } = outcome else {
            return Err(format!("{outcome:?}").into());
        };
        assert!(reason.contains("types_of_work[0].id"), "{reason}");
        assert!(reason.contains("is not a type of work"), "{reason}");
        assert!(
            reason.contains("written by `types_of_work[0].id` (line 5"),
            "{reason}"
        );
        let stored = rig.store().job(job).await?.ok_or("no job")?;
        assert_eq!(stored.state, JobState::Dead);
        assert_eq!(stored.last_error.as_deref(), Some(reason.as_str()));
        assert_eq!(stored.attempts, 1, "a refused body is not retried");
        assert_eq!(rig.fieldnation.work_order_count(), 0);
        rig.finish().await;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_committed_before_a_dropped_connection_is_found_not_repeated() -> TestResult {
    limited(commit_then_drop_is_found_by_its_marker(false)).await
}

/// Field Nation saves the work order and drops the connection before answering: the marker
/// lookup finds it; nothing is created twice.
async fn commit_then_drop_is_found_by_its_marker(postgres: bool) -> TestResult {
    let rig = Rig::start_on(postgres, 0).await?;
    rig.fieldnation
        .inject(fn_sim::Endpoint::Create, fn_sim::Fault::CommitThenDrop);
    let job = rig.enqueue_dispatch(TICKET).await?;
    let outcome = rig.run(job).await?;
    let Outcome::Dispatched {
        work_order_id,
        found_by_marker: true,
    } = outcome
    else {
        return Err(format!("{outcome:?}").into());
    };
    assert_eq!(rig.fieldnation.work_order_count(), 1);
    let created = rig
        .fieldnation
        .work_order(u64::try_from(work_order_id)?)
        .ok_or("no work order")?;
    assert!(fn_client::Marker::for_record(MARKER_FIELD, "Ticket", TICKET).is_on(&created));
    let correlation = rig.store().correlation("Ticket", TICKET, MAPPING).await?;
    assert_eq!(correlation.map(|c| c.work_order_id), Some(work_order_id));
    let creates = rig
        .fieldnation
        .requests()
        .iter()
        .filter(|r| r.endpoint == "create")
        .count();
    assert_eq!(creates, 1, "the create was never sent again");
    rig.finish().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn events_come_back_to_the_ticket_once_and_in_order() -> TestResult {
    limited(async {
        let rig = Rig::start(2).await?;
        let work_order_id = dispatched(&rig).await?;
        let before = rig.ticket(TICKET).await?;

        // Assigned: status and UDFs, no note.
        let assigned = event(ASSIGNED, work_order_id, "2026-01-14T17:05:12-06:00")?;
        let job = rig.enqueue_event("d-assigned", assigned.clone()).await?;
        assert_eq!(
            rig.run(job).await?,
            Outcome::EventApplied {
                work_order_id,
                updated: true,
                notes: 0
            }
        );
        let after = rig.ticket(TICKET).await?;
        assert_ne!(after.field("Status"), before.field("Status"));
        assert_eq!(after.udf("FN Technician"), Some(Some("Jordan Reyes")));
        let work_order_text = work_order_id.to_string();
        assert_eq!(
            after.udf("FN Work Order ID"),
            Some(Some(work_order_text.as_str()))
        );

        // Approved: the status and one note.
        let approved = event(APPROVED, work_order_id, "2026-01-16T09:15:00-06:00")?;
        let job = rig.enqueue_event("d-approved", approved.clone()).await?;
        assert_eq!(
            rig.run(job).await?,
            Outcome::EventApplied {
                work_order_id,
                updated: true,
                notes: 1
            }
        );
        assert_eq!(rig.ticket(TICKET).await?.field("Status"), Some(COMPLETE));

        // The same delivery again: no second note, and no update that changes nothing.
        rig.autotask.reset_counters();
        let job = rig.enqueue_event("d-approved", approved).await?;
        assert_eq!(
            rig.run(job).await?,
            Outcome::EventApplied {
                work_order_id,
                updated: false,
                notes: 0
            }
        );
        let calls = rig.autotask_calls();
        assert!(
            !calls
                .iter()
                .any(|c| c.starts_with("create") || c.starts_with("update")),
            "{calls:?}"
        );

        // A late `assigned` (another delivery, older than the approval) is skipped.
        let job = rig.enqueue_event("d-late", assigned).await?;
        assert_eq!(rig.run(job).await?, Outcome::StaleEvent { work_order_id });
        assert_eq!(rig.ticket(TICKET).await?.field("Status"), Some(COMPLETE));

        // An event for a work order nobody dispatched is applied to nothing.
        let stranger = event(APPROVED, work_order_id + 1000, "2026-02-01T09:00:00Z")?;
        let job = rig.enqueue_event("d-stranger", stranger).await?;
        assert_eq!(
            rig.run(job).await?,
            Outcome::UnknownWorkOrder {
                work_order_id: work_order_id + 1000
            }
        );

        let correlation = rig
            .store()
            .correlation_for_work_order(work_order_id)
            .await?
            .ok_or("no correlation")?;
        assert_eq!(
            correlation.last_event_at,
            Some("2026-01-16T15:15:00Z".parse()?)
        );
        rig.finish().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn events_of_one_work_order_apply_one_at_a_time_in_timestamp_order() -> TestResult {
    limited(async {
        let rig = Rig::start(2).await?;
        let work_order_id = dispatched(&rig).await?;
        // Delivered out of order: the approval first, then the older assignment.
        let approved = rig
            .enqueue_event(
                "d-2",
                event(APPROVED, work_order_id, "2026-01-16T09:15:00-06:00")?,
            )
            .await?;
        let assigned = rig
            .enqueue_event(
                "d-1",
                event(ASSIGNED, work_order_id, "2026-01-14T17:05:12-06:00")?,
            )
            .await?;
        // One lane per work order: the older event first, alone; the approval after it.
        let report = rig.dispatcher.run_once(50).await?;
        assert!(matches!(
            report.outcome(assigned),
            Some(Outcome::EventApplied { .. })
        ));
        assert_eq!(report.len(), 1, "{report:?}");
        let report = rig.dispatcher.run_once(50).await?;
        assert!(matches!(
            report.outcome(approved),
            Some(Outcome::EventApplied { notes: 1, .. })
        ));
        assert_eq!(rig.ticket(TICKET).await?.field("Status"), Some(COMPLETE));
        rig.finish().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_webhook_during_a_running_dispatch_is_evaluated_after_it() -> TestResult {
    limited(webhook_during_dispatch(false)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_webhook_during_a_running_dispatch_is_evaluated_after_it_on_postgres() -> TestResult {
    limited(webhook_during_dispatch(true)).await
}

/// A webhook that arrives while the record's dispatch job runs (the worker may have read the
/// record before the change it announces) is not merged into that job: it queues another,
/// which runs after the first has finished, on the record as it is then.
async fn webhook_during_dispatch(postgres: bool) -> TestResult {
    let rig = Rig::start_on(postgres, 2).await?;
    let first = rig.enqueue_dispatch(TICKET).await?;
    // The create is slow, so that the webhook comes while the job runs.
    rig.fieldnation.inject(
        fn_sim::Endpoint::Create,
        fn_sim::Fault::Latency(Duration::from_millis(500)),
    );
    let running = {
        let worker = rig.worker("a");
        tokio::spawn(async move { worker.run_once(50).await })
    };
    while rig.store().job(first).await?.map(|j| j.state) != Some(JobState::Leased) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let webhook = DispatchRequest::new(MAPPING, "Ticket", TICKET).job();
    let second = rig.store().enqueue(webhook).await?;
    assert!(second.created, "a new job, not merged into the running one");
    assert_ne!(second.job.id, first);
    // Another worker leaves it alone while the first job runs (its lane is busy).
    let meanwhile = rig.worker("b").run_once(50).await?;
    assert_eq!(meanwhile.outcome(second.job.id), None, "{meanwhile:?}");

    let report = running.await??;
    let work_order_id = match report.outcome(first) {
        Some(Outcome::Dispatched { work_order_id, .. }) => *work_order_id,
        other => return Err(format!("first job: {other:?}").into()),
    };
    // The second evaluation, on the fresh record, finds the work order.
    assert_eq!(
        rig.run(second.job.id).await?,
        Outcome::AlreadyDispatched { work_order_id }
    );
    assert_eq!(rig.fieldnation.work_order_count(), 1);
    rig.finish().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workers_apply_a_work_orders_events_in_timestamp_order() -> TestResult {
    limited(events_on_two_workers(false)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workers_apply_a_work_orders_events_in_timestamp_order_on_postgres() -> TestResult {
    limited(events_on_two_workers(true)).await
}

/// Two events of one work order, delivered newest first, given to two workers at once, one
/// job each: the older is applied first and the newer after it, never both at once (where
/// both would pass the "older than the last applied" check and the older could land last).
async fn events_on_two_workers(postgres: bool) -> TestResult {
    let rig = Rig::start_on(postgres, 2).await?;
    let work_order_id = dispatched(&rig).await?;
    rig.run_all().await?; // the write-back of `workorder.created`, if any
    let approved = rig
        .enqueue_event(
            "d-2",
            event(APPROVED, work_order_id, "2026-01-16T09:15:00-06:00")?,
        )
        .await?;
    let assigned = rig
        .enqueue_event(
            "d-1",
            event(ASSIGNED, work_order_id, "2026-01-14T17:05:12-06:00")?,
        )
        .await?;
    // While a worker holds the older event, the newer one cannot be taken by any other.
    let held = rig
        .store()
        .lease("probe", &[], 10, Duration::from_secs(60))
        .await?;
    let held_ids: Vec<i64> = held.iter().map(|l| l.job.id).collect();
    assert_eq!(held_ids, [assigned], "only the older event, to one worker");
    let (a, b) = (rig.worker("a"), rig.worker("b"));
    assert!(b.run_once(10).await?.outcomes.is_empty());
    rig.store()
        .retry(held[0].lease, rig.clock.now(), "given back by the test")
        .await?;
    let (first_a, first_b) = tokio::join!(a.run_once(1), b.run_once(1));
    let (first_a, first_b) = (first_a?, first_b?);
    let ran: Vec<i64> = first_a
        .outcomes
        .iter()
        .chain(&first_b.outcomes)
        .map(|(id, _)| *id)
        .collect();
    // The older event runs first. The newer can follow within the same round only once the
    // older is done (its lane is free again); both being applied, none found stale, below,
    // shows they ran in that order.
    assert!(ran.contains(&assigned), "the older event first: {ran:?}");
    let (second_a, second_b) = tokio::join!(a.run_once(1), b.run_once(1));
    let outcomes: Vec<(i64, Outcome)> = first_a
        .outcomes
        .into_iter()
        .chain(first_b.outcomes)
        .chain(second_a?.outcomes)
        .chain(second_b?.outcomes)
        .collect();
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    for (id, outcome) in &outcomes {
        assert!(
            matches!(outcome, Outcome::EventApplied { .. }),
            "job {id}: {outcome:?}"
        );
    }
    let mut ids: Vec<i64> = outcomes.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    let mut expected = vec![assigned, approved];
    expected.sort_unstable();
    assert_eq!(ids, expected);
    assert_eq!(rig.ticket(TICKET).await?.field("Status"), Some(COMPLETE));
    rig.finish().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn dispatch_and_sync_back_run_the_same_on_postgres() -> TestResult {
    limited(async {
        let rig = Rig::on_postgres().await?;
        let work_order_id = dispatched(&rig).await?;
        let again = rig.enqueue_dispatch(TICKET).await?;
        assert_eq!(
            rig.run(again).await?,
            Outcome::AlreadyDispatched { work_order_id }
        );
        let approved = event(APPROVED, work_order_id, "2026-01-16T09:15:00-06:00")?;
        for delivery in ["d-approved", "d-approved"] {
            rig.enqueue_event(delivery, approved.clone()).await?;
            rig.dispatcher.run_once(50).await?;
        }
        let late = rig
            .enqueue_event(
                "d-late",
                event(ASSIGNED, work_order_id, "2026-01-14T17:05:12-06:00")?,
            )
            .await?;
        assert_eq!(rig.run(late).await?, Outcome::StaleEvent { work_order_id });
        assert_eq!(rig.ticket(TICKET).await?.field("Status"), Some(COMPLETE));
        let notes = rig
            .autotask_calls()
            .iter()
            .filter(|c| *c == "create TicketNote")
            .count();
        assert_eq!(notes, 1, "one note for the delivery, however often it runs");
        assert_eq!(rig.fieldnation.work_order_count(), 1);
        rig.finish().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_that_died_after_its_create_leaves_no_duplicate() -> TestResult {
    limited(async {
        let rig = Rig::start(2).await?;
        let job = rig.enqueue_dispatch(TICKET).await?;
        // A worker leases the job, creates the work order and dies before completing it.
        let lost = rig
            .store()
            .lease("crashed", &[], 1, Duration::from_secs(60))
            .await?;
        assert_eq!(lost.len(), 1);
        let client = FieldNationClient::new(
            fn_client::Credentials::client(fn_sim::DEMO_CLIENT_ID, fn_sim::DEMO_CLIENT_SECRET),
            fn_client::ClientConfig {
                base_url: rig.fieldnation.base_url(),
                ..fn_client::ClientConfig::default()
            },
        )?;
        let marker = fn_client::Marker::for_record(MARKER_FIELD, "Ticket", TICKET);
        let body = br#"{"title": "created by the worker that died"}"#;
        let first = client.create_work_order_once(body, &marker).await?;
        // Its lease runs out; this worker takes the job over.
        assert!(rig.dispatcher.run_once(50).await?.is_empty());
        rig.clock.advance(Duration::from_secs(61));
        assert_eq!(
            rig.run(job).await?,
            Outcome::Dispatched {
                work_order_id: i64::try_from(first.work_order.id)?,
                found_by_marker: true
            }
        );
        assert_eq!(rig.fieldnation.work_order_count(), 1);
        let correlation = rig.store().correlation("Ticket", TICKET, MAPPING).await?;
        assert_eq!(
            correlation.map(|c| c.work_order_id),
            Some(i64::try_from(first.work_order.id)?)
        );
        rig.finish().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn autotask_threshold_pauses_every_worker_then_both_succeed() -> TestResult {
    limited(async {
        let rig = Rig::start(2).await?;
        // A second worker on the same store, sharing the Autotask client (as workers do).
        let second = Dispatcher::new(
            rig.program.clone(),
            rig.store().clone(),
            Arc::new(Fetcher::new(
                rig.client.clone(),
                rig.program.schemas().clone(),
            )),
            FieldNationClient::new(
                fn_client::Credentials::client(fn_sim::DEMO_CLIENT_ID, fn_sim::DEMO_CLIENT_SECRET),
                fn_client::ClientConfig {
                    base_url: rig.fieldnation.base_url(),
                    ..fn_client::ClientConfig::default()
                },
            )?,
            DispatcherConfig {
                worker: "second".into(),
                marker_field: MARKER_FIELD,
                ..DispatcherConfig::default()
            },
        );
        rig.client.zone_url().await?;
        let jobs = [
            rig.enqueue_dispatch(TICKET).await?,
            rig.enqueue_dispatch(9138).await?,
        ];
        rig.autotask.reset_counters();
        let outage = Duration::from_millis(500);
        rig.autotask.exceed_threshold_for(outage);
        let started = std::time::Instant::now();
        let (one, two) = tokio::join!(rig.dispatcher.run_once(1), second.run_once(1));
        let elapsed = started.elapsed();
        let outcomes: Vec<Outcome> = one?
            .outcomes
            .into_iter()
            .chain(two?.outcomes)
            .map(|(_, o)| o)
            .collect();
        assert_eq!(outcomes.len(), 2, "{outcomes:?}");
        for outcome in &outcomes {
            assert!(
                matches!(outcome, Outcome::Dispatched { .. }),
                "paused, then dispatched within the run: {outcomes:?}"
            );
        }
        assert!(
            elapsed >= outage,
            "both waited out the threshold: {elapsed:?}"
        );
        for job in jobs {
            let job = rig.store().job(job).await?.ok_or("no job")?;
            assert_eq!((job.state, job.attempts), (JobState::Done, 1));
        }
        // Paused together: at most one refusal per worker, not one per retry.
        let ticket_queries = rig
            .autotask_calls()
            .iter()
            .filter(|c| *c == "query Ticket")
            .count();
        assert!(ticket_queries <= 4, "{:?}", rig.autotask_calls());
        let headroom = rig.client.headroom();
        assert!(!headroom.paused && headroom.pauses >= 1, "{headroom:?}");
        assert!(headroom.remaining < headroom.limit);
        assert_eq!(rig.fieldnation.work_order_count(), 2);
        // The probe that waited out the threshold is in the audit trail of the job that met it.
        let probes: Vec<_> = rig
            .store()
            .calls(None, 1000)
            .await?
            .into_iter()
            .filter(|c| c.entry.operation.contains("Threshold"))
            .collect();
        assert!(!probes.is_empty(), "no probe in the audit trail");
        assert!(
            probes
                .iter()
                .all(|p| p.entry.job_id.is_some_and(|id| jobs.contains(&id))),
            "{probes:?}"
        );
        rig.finish().await;
        Ok(())
    })
    .await
}

/// Retried dispatch jobs look for what their earlier attempts created with one search of
/// Field Nation's work orders for the batch, not one per job; the search is in each job's
/// audit trail.
#[tokio::test(flavor = "multi_thread")]
async fn retried_jobs_of_a_batch_search_for_their_markers_once() -> TestResult {
    limited(async {
        let rig = Rig::start(0).await?;
        let jobs = [
            rig.enqueue_dispatch(TICKET).await?,
            rig.enqueue_dispatch(9138).await?,
        ];
        rig.fieldnation
            .inject_times(fn_sim::Endpoint::Create, fn_sim::Fault::Status(500), 2);
        let first = rig.dispatcher.run_once(50).await?;
        for job in jobs {
            assert!(
                matches!(first.outcome(job), Some(Outcome::Retried { .. })),
                "{first:?}"
            );
        }
        rig.clock.advance(Duration::from_secs(40));
        let lists_before = list_requests(&rig);
        let mut audited_before = Vec::new();
        for job in jobs {
            audited_before.push(audited_lists(&rig, job).await?);
        }
        let second = rig.dispatcher.run_once(50).await?;
        for job in jobs {
            assert!(
                matches!(
                    second.outcome(job),
                    Some(Outcome::Dispatched {
                        found_by_marker: false,
                        ..
                    })
                ),
                "{second:?}"
            );
        }
        assert_eq!(list_requests(&rig) - lists_before, 1, "one search");
        for (job, before) in jobs.into_iter().zip(audited_before) {
            let listed = audited_lists(&rig, job).await? - before;
            assert_eq!(listed, 1, "job {job}'s audit trail");
        }
        assert_eq!(rig.fieldnation.work_order_count(), 2);
        rig.finish().await;
        Ok(())
    })
    .await
}

/// How many `list` calls job `job`'s audit trail holds.
async fn audited_lists(rig: &Rig, job: i64) -> Result<usize, BoxError> {
    Ok(rig
        .store()
        .calls(Some(job), 100)
        .await?
        .iter()
        .filter(|c| c.entry.operation == "list")
        .count())
}

fn list_requests(rig: &Rig) -> usize {
    rig.fieldnation
        .requests()
        .iter()
        .filter(|r| r.endpoint == "list")
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_call_of_a_job_is_in_its_audit_trail() -> TestResult {
    limited(async {
        let rig = Rig::start(2).await?;
        let dispatch = rig.enqueue_dispatch(TICKET).await?;
        let Outcome::Dispatched { work_order_id, .. } = rig.run(dispatch).await? else {
            return Err("not dispatched".into());
        };
        let approved = event(APPROVED, work_order_id, "2026-01-16T09:15:00-06:00")?;
        let applied = rig.enqueue_event("d-approved", approved).await?;
        assert!(matches!(
            rig.run(applied).await?,
            Outcome::EventApplied { notes: 1, .. }
        ));

        let calls = |records: Vec<fieldmap::broker::store::AuditRecord>| -> Vec<String> {
            // Oldest first; `api operation -> outcome`.
            let mut records = records;
            records.sort_by_key(|r| r.id);
            records
                .iter()
                .map(|r| {
                    format!(
                        "{} {} -> {}",
                        r.entry.api, r.entry.operation, r.entry.outcome
                    )
                })
                .collect()
        };
        let dispatch_calls = calls(rig.store().calls(Some(dispatch), 100).await?);
        for expected in [
            "autotask query Ticket -> ok",
            "autotask query Account -> ok",
            "fieldnation token -> ok",
            "fieldnation create -> ok",
        ] {
            assert!(
                dispatch_calls.iter().any(|c| c == expected),
                "{expected} missing: {dispatch_calls:#?}"
            );
        }
        let records = rig.store().calls(Some(dispatch), 100).await?;
        assert!(records.iter().all(|r| {
            r.entry.job_id == Some(dispatch) && r.entry.target.as_deref() == Some("Ticket:9137")
        }));
        let event_calls = calls(rig.store().calls(Some(applied), 100).await?);
        assert_eq!(
            event_calls,
            [
                // One read: the `on` rules are evaluated on it, and the whole ticket as
                // read is written back with the changes.
                "autotask query Ticket -> ok",
                "autotask update Ticket -> ok",
                "autotask create TicketNote -> ok",
            ],
            "{event_calls:#?}"
        );
        // A failed call is there too, with what went wrong.
        rig.fieldnation
            .inject(fn_sim::Endpoint::Create, fn_sim::Fault::Status(500));
        let failing = rig.enqueue_dispatch(9138).await?;
        // The client's own retry: looked up by its marker, then created.
        assert!(matches!(
            rig.run(failing).await?,
            Outcome::Dispatched { .. }
        ));
        let failed = calls(rig.store().calls(Some(failing), 100).await?);
        let fieldnation: Vec<&str> = failed
            .iter()
            .map(String::as_str)
            .filter(|c| c.starts_with("fieldnation"))
            .collect();
        assert_eq!(
            fieldnation,
            [
                "fieldnation create -> HTTP 500",
                "fieldnation list -> ok",
                "fieldnation create -> ok"
            ],
            "{failed:#?}"
        );
        // No secret of either API is in the trail.
        for record in rig.store().calls(None, 1000).await? {
            let text = format!("{:?}", record.entry);
            for secret in [at_sim::DEMO_PASSWORD, fn_sim::DEMO_CLIENT_SECRET] {
                assert!(!text.contains(secret), "{text}");
            }
        }
        rig.finish().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_note_created_before_a_crash_is_not_created_again() -> TestResult {
    limited(async {
        let rig = Rig::start(2).await?;
        let work_order_id = dispatched(&rig).await?;
        let approved = event(APPROVED, work_order_id, "2026-01-16T09:15:00-06:00")?;
        let job = rig.enqueue_event("d-approved", approved).await?;
        // A worker leases the event, creates its note (with the delivery's line, as the broker
        // writes it) and dies before it marks the delivery applied.
        let lost = rig
            .store()
            .lease("crashed", &[], 1, Duration::from_secs(60))
            .await?;
        assert_eq!(lost.len(), 1);
        let schemas = rig.program.schemas();
        rig.client
            .create_notes(
                schemas,
                &[fieldmap::runtime::outbound::NewNote {
                    entity: "TicketNote",
                    parent_field: "TicketID",
                    record_id: TICKET,
                    title: "Field Nation: work approved".into(),
                    description: "Approved by the provider.\n\n(fieldmap delivery d-approved)"
                        .into(),
                    note_type: 3,
                    publish: 1,
                }],
            )
            .await?;
        // Its lease runs out; this worker runs the job again.
        rig.clock.advance(Duration::from_secs(61));
        let outcome = rig.run(job).await?;
        assert!(
            matches!(outcome, Outcome::EventApplied { notes: 0, .. }),
            "{outcome:?}"
        );
        let notes = rig
            .client
            .query_entities(&QueryXml::new(
                "TicketNote",
                vec![
                    QueryItem::field("TicketID", Operator::Equals, TICKET.to_string()),
                    QueryItem::field(
                        "Description",
                        Operator::Contains,
                        "(fieldmap delivery d-approved)",
                    ),
                ],
            ))
            .await?;
        assert_eq!(notes.len(), 1, "one note for the delivery");
        // Another delivery's note is created, with its own line.
        let again = event(APPROVED, work_order_id, "2026-01-16T10:15:00-06:00")?;
        let job = rig.enqueue_event("d-approved-2", again).await?;
        assert!(matches!(
            rig.run(job).await?,
            Outcome::EventApplied { notes: 1, .. }
        ));
        let lines = rig
            .client
            .query_entities(&QueryXml::new(
                "TicketNote",
                vec![QueryItem::field(
                    "Description",
                    Operator::Contains,
                    "(fieldmap delivery d-approved-2)",
                )],
            ))
            .await?;
        assert_eq!(lines.len(), 1);
        rig.finish().await;
        Ok(())
    })
    .await
}

std::thread_local! {
    /// What the test subscriber wrote on this thread, while capturing.
    static CAPTURED: std::cell::RefCell<Option<Vec<u8>>> = const { std::cell::RefCell::new(None) };
}

/// Writes to the capture of the thread that emits the event (or nowhere).
struct ThreadCapture;

impl std::io::Write for ThreadCapture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        CAPTURED.with(|c| {
            if let Some(buffer) = c.borrow_mut().as_mut() {
                buffer.extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts capturing this thread's `fieldmap` events as JSON lines. The subscriber is global
/// (a thread's own default misses callsites other tests' threads registered first), and
/// each thread's events go to that thread's capture.
fn capture_this_thread() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let _ = tracing_subscriber::registry()
            .with(
                tracing_subscriber::filter::Targets::new()
                    .with_target("fieldmap", tracing::Level::TRACE),
            )
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(|| ThreadCapture),
            )
            .try_init();
    });
    CAPTURED.with(|c| *c.borrow_mut() = Some(Vec::new()));
}

fn captured() -> String {
    let bytes = CAPTURED.with(|c| c.borrow_mut().take()).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

// One thread, so that every event of the dispatcher is emitted on the capturing thread.
#[tokio::test(flavor = "current_thread")]
async fn each_job_runs_in_a_span_carrying_its_correlation_and_no_secret() -> TestResult {
    capture_this_thread();
    limited(async {
        let rig = Rig::start(0).await?;
        rig.fieldnation
            .inject(fn_sim::Endpoint::Create, fn_sim::Fault::Status(500));
        let job = rig.enqueue_dispatch(TICKET).await?;
        assert!(matches!(rig.run(job).await?, Outcome::Retried { .. }));
        rig.clock.advance(Duration::from_secs(40));
        let Outcome::Dispatched { work_order_id, .. } = rig.run(job).await? else {
            return Err("not dispatched".into());
        };
        let text = captured();
        let events: Vec<Value> = text
            .lines()
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()?;
        let outcome = |name: &str| {
            events
                .iter()
                .find(|e| e["fields"]["outcome"] == name)
                .cloned()
                .ok_or_else(|| format!("no {name} event in\n{text}"))
        };
        let retried = outcome("retried")?;
        assert_eq!(retried["level"], "WARN");
        assert!(
            retried["fields"]["reason"]
                .as_str()
                .unwrap_or("")
                .contains("500")
        );
        let done = outcome("dispatched")?;
        assert_eq!(done["level"], "INFO");
        let span = &done["span"];
        assert_eq!(span["name"], "job");
        assert_eq!(span["job.id"], job);
        assert_eq!(span["job.kind"], "dispatch");
        assert_eq!(span["job.key"], format!("Ticket:{TICKET} {MAPPING}"));
        assert_eq!(span["job.attempt"], 2);
        assert_eq!(span["source.entity"], "Ticket");
        assert_eq!(span["source.id"], TICKET);
        assert_eq!(span["work_order.id"], work_order_id);
        for secret in [
            fn_sim::DEMO_CLIENT_SECRET,
            at_sim::DEMO_PASSWORD,
            at_sim::DEMO_INTEGRATION_CODE,
        ] {
            assert!(!text.contains(secret), "a secret in the log:\n{text}");
        }
        rig.finish().await;
        Ok(())
    })
    .await
}

const DISPATCH_TASK: &str = include_str!("../../mappings/dispatch-project-task.fmap");
const TASK_MAPPING: &str = "Dispatch project task";
const CREATED_TASK: &str = include_str!("../../mappings/fixtures/events/created-task.json");
const TASK: i64 = 7701;
/// The demo tenant's Task status "In Progress".
const TASK_IN_PROGRESS: &str = "8";

/// Dispatches the demo project task: after the create, the `Writeback` job runs the
/// mapping's `on workorder.created for Task` rules: the work order's id in the task's
/// ExternalID, its status, one internal TaskNote; and only once per work order.
async fn task_written_back_after_dispatch(rig: Rig) -> TestResult {
    let dispatch = DispatchRequest::new(TASK_MAPPING, "Task", TASK).job();
    let job = rig.store().enqueue(dispatch).await?.job.id;
    let Outcome::Dispatched { work_order_id, .. } = rig.run(job).await? else {
        return Err("the task was not dispatched".into());
    };
    rig.autotask.reset_counters();
    let report = rig.dispatcher.run_once(50).await?;
    assert_eq!(
        report.outcomes.iter().map(|(_, o)| o).collect::<Vec<_>>(),
        [&Outcome::EventApplied {
            work_order_id,
            updated: true,
            notes: 1
        }],
        "one write-back job, enqueued with the dispatch"
    );
    let task = rig
        .client
        .query_entities(&QueryXml::by_ids("Task", &[TASK]))
        .await?
        .pop()
        .ok_or("the task is gone")?;
    let work_order_text = work_order_id.to_string();
    assert_eq!(task.field("ExternalID"), Some(work_order_text.as_str()));
    assert_eq!(task.field("Status"), Some(TASK_IN_PROGRESS));
    // Read-modify-write kept what the rule did not write.
    assert_eq!(task.field("TaskNumber"), Some("T20250601.0003.004"));
    let notes = rig
        .client
        .query_entities(&QueryXml::new(
            "TaskNote",
            vec![QueryItem::field(
                "TaskID",
                Operator::Equals,
                TASK.to_string(),
            )],
        ))
        .await?;
    assert_eq!(notes.len(), 1, "{notes:?}");
    let title = notes[0].field("Title").unwrap_or_default();
    assert!(title.ends_with(&work_order_text), "{title}");
    assert_eq!(notes[0].field("Publish"), Some("2"), "an internal note");
    let calls = rig.autotask_calls();
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.starts_with("create") || c.starts_with("update"))
            .collect::<Vec<_>>(),
        ["update Task", "create TaskNote"],
        "{calls:?}"
    );

    // The same write-back again (a replay): nothing changes, no second note.
    let created = rig
        .fieldnation
        .work_order(u64::try_from(work_order_id)?)
        .ok_or("no work order")?;
    let again = EventDelivery::created(work_order_id, created, jiff::Timestamp::now());
    rig.autotask.reset_counters();
    let task = SourceRecord {
        entity: "Task",
        id: TASK,
    };
    let job = rig.store().enqueue(again.writeback_job(task)).await?.job.id;
    assert_eq!(
        rig.run(job).await?,
        Outcome::EventApplied {
            work_order_id,
            updated: false,
            notes: 0
        }
    );
    // An event the program has no `for Task` rule for: nothing is read or written (the
    // status sync's rules are for tickets).
    rig.autotask.reset_counters();
    let assigned = event(ASSIGNED, work_order_id, "2026-01-14T17:05:12-06:00")?;
    let job = rig.enqueue_event("d-assigned", assigned).await?;
    assert_eq!(
        rig.run(job).await?,
        Outcome::EventApplied {
            work_order_id,
            updated: false,
            notes: 0
        }
    );
    assert!(
        rig.autotask_calls().is_empty(),
        "{:?}",
        rig.autotask_calls()
    );

    // Field Nation's own `workorder.created` webhook: the broker ran those rules itself, so
    // it reads and writes nothing (run beside the write-back, it could race it to the notes).
    rig.autotask.reset_counters();
    let theirs = event(CREATED_TASK, work_order_id, "2026-01-14T17:05:12-06:00")?;
    let job = rig.enqueue_event("fn-created", theirs).await?;
    assert_eq!(
        rig.run(job).await?,
        Outcome::EventApplied {
            work_order_id,
            updated: false,
            notes: 0
        }
    );
    assert_eq!(rig.autotask_calls(), Vec::<String>::new());
    assert_eq!(rig.fieldnation.work_order_count(), 1);
    rig.finish().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dispatched_task_gets_its_work_order_id_and_note_once() -> TestResult {
    limited(async {
        let source = format!("{DISPATCH_TASK}\n{STATUS_SYNC}");
        let rig = Rig::with_mapping(source.into(), 2, false).await?;
        task_written_back_after_dispatch(rig).await
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dispatched_task_is_written_back_the_same_on_postgres() -> TestResult {
    limited(async {
        let source = format!("{DISPATCH_TASK}\n{STATUS_SYNC}");
        let rig = Rig::with_mapping(source.into(), 2, true).await?;
        task_written_back_after_dispatch(rig).await
    })
    .await
}

/// A `when` that is false on the fresh ticket: the event is recorded as skipped and nothing
/// is sent to Autotask.
#[tokio::test(flavor = "multi_thread")]
async fn an_event_whose_condition_is_false_is_skipped() -> TestResult {
    limited(async {
        let rig = Rig::start(2).await?;
        let work_order_id = dispatched(&rig).await?;
        // The dispatcher cancels the ticket in Autotask meanwhile.
        let ticket_schema = rig
            .program
            .schemas()
            .autotask
            .entity("Ticket")
            .ok_or("no Ticket")?;
        rig.client
            .read_modify_write(
                ticket_schema,
                TICKET,
                &[FieldEdit::field("Status", "29682837")],
            )
            .await?;
        rig.autotask.reset_counters();
        let approved = event(APPROVED, work_order_id, "2026-01-16T09:15:00-06:00")?;
        let job = rig.enqueue_event("d-approved", approved).await?;
        assert_eq!(rig.run(job).await?, Outcome::EventSkipped { work_order_id });
        let calls = rig.autotask_calls();
        assert_eq!(calls, ["query Ticket"], "only the fresh read");
        assert_eq!(rig.ticket(TICKET).await?.field("Status"), Some("29682837"));
        rig.finish().await;
        Ok(())
    })
    .await
}
