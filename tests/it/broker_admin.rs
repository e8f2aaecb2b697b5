//! The broker's operations surface: `fieldmap jobs` on a real store file, the HTTP routes over
//! a real socket (on SQLite and on PostgreSQL), and `/metrics` read line by line.

use std::collections::{BTreeMap, HashSet};
use std::process::Command;
use std::time::Duration;

use fieldmap::broker::admin::{AdminState, Readiness, TokenSource, router};
use fieldmap::broker::metrics::Metrics;
use fieldmap::broker::store::{AuditEntry, Effect, JobState, NewCorrelation, Store};
use fieldmap::broker::{DispatchRequest, EventDelivery};
use fieldmap::redaction::Secret;
use serde_json::{Value, json};

use crate::broker_store::Db;

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

const DEAD_REASON: &str = "Field Nation: the work order was refused (422)\n  \
    types_of_work[0].id: 12 is not a type of work\n  \
    written by `types_of_work[0].id` (line 5, column 3)";
const RETRY_ERROR: &str = "Field Nation: server error (HTTP 503)\nretry-after: 30";

/// The jobs of [`seed`], by what became of them.
struct Seeded {
    /// A dispatch buried with a three-line reason, with two audit calls.
    dead: i64,
    /// A dispatch that failed and waits an hour for its retry.
    failed: i64,
    /// A dispatch done, its ticket correlated with work order 501.
    done: i64,
    /// An event for work order 501, done.
    event: i64,
    /// A dispatch a worker holds for 30 minutes.
    leased: i64,
    /// A dispatch due since the start, never run.
    waiting: i64,
}

/// Enqueues and runs jobs by hand into each state, all at the store's start time; then the
/// clock moves 10 minutes on.
async fn seed(db: &Db) -> Result<Seeded, Box<dyn std::error::Error + Send + Sync>> {
    let store = &db.store;
    let start = db.clock().now();
    let lease = |store: &Store| {
        let store = store.clone();
        async move {
            let mut leased = store
                .lease("ops-test", &[], 1, Duration::from_secs(1800))
                .await?;
            leased.pop().ok_or("nothing to lease".into())
        }
    };
    type BoxError = Box<dyn std::error::Error + Send + Sync>;

    store
        .enqueue(DispatchRequest::new("Dispatch", "Ticket", 1).job())
        .await?;
    let dead = lease(store).await.map_err(|e: BoxError| e)?;
    store.dead_letter(dead.lease, DEAD_REASON).await?;
    let calls = audit(dead.job.id, start);
    store.record_calls(calls).await?;

    store
        .enqueue(DispatchRequest::new("Dispatch", "Ticket", 2).job())
        .await?;
    let failed = lease(store).await.map_err(|e: BoxError| e)?;
    let hour_later = start + jiff::SignedDuration::from_hours(1);
    store.retry(failed.lease, hour_later, RETRY_ERROR).await?;

    store
        .enqueue(DispatchRequest::new("Dispatch", "Ticket", 3).job())
        .await?;
    let done = lease(store).await.map_err(|e: BoxError| e)?;
    let correlate = Effect::Correlate(NewCorrelation {
        source_entity: "Ticket".into(),
        source_id: 3,
        mapping: "Dispatch".into(),
        work_order_id: 501,
    });
    store.complete(done.lease, vec![correlate]).await?;

    let body = json!({
        "event": {"name": "workorder.status.assigned", "params": {"work_order_id": 501}},
        "timestamp": "2026-03-02T09:00:00Z",
    });
    store
        .enqueue(EventDelivery::new("d-1", body).job(None))
        .await?;
    let event = lease(store).await.map_err(|e: BoxError| e)?;
    store.complete(event.lease, Vec::new()).await?;

    store
        .enqueue(DispatchRequest::new("Dispatch", "Ticket", 5).job())
        .await?;
    let leased = lease(store).await.map_err(|e: BoxError| e)?;

    let waiting = store
        .enqueue(DispatchRequest::new("Dispatch", "Ticket", 6).job())
        .await?
        .job
        .id;
    db.clock().advance(Duration::from_secs(600));
    Ok(Seeded {
        dead: dead.job.id,
        failed: failed.job.id,
        done: done.job.id,
        event: event.job.id,
        leased: leased.job.id,
        waiting,
    })
}

fn audit(job: i64, at: jiff::Timestamp) -> Vec<AuditEntry> {
    vec![
        AuditEntry {
            at,
            api: "autotask".into(),
            operation: "query".into(),
            target: Some("Ticket:1".into()),
            outcome: "ok".into(),
            duration_ms: 41,
            job_id: Some(job),
        },
        AuditEntry {
            at,
            api: "fieldnation".into(),
            operation: "create_work_order".into(),
            target: Some("Ticket:1".into()),
            outcome: "HTTP 422".into(),
            duration_ms: 87,
            job_id: Some(job),
        },
    ]
}

// ---- the CLI ----

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn jobs_cli(store: Option<&str>, args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fieldmap"));
    command.arg("jobs").args(args).env_remove("FIELDMAP_STORE");
    if let Some(url) = store {
        command.env("FIELDMAP_STORE", url);
    }
    let output = command.output().expect("the fieldmap binary starts");
    let run = Run {
        code: output.status.code().expect("fieldmap ended by a signal"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8"),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

/// The data rows of `jobs list` (after its header), as their first cells (the ids).
fn listed_ids(run: &Run) -> Vec<i64> {
    run.stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_jobs_command_lists_shows_retries_and_drops() -> TestResult {
    let db = Db::sqlite().await;
    let seeded = seed(&db).await?;
    let url = db.url.clone();
    let store = Some(url.as_str());

    let all = jobs_cli(store, &["list"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert!(all.stdout.starts_with("ID  "), "{}", all.stdout);
    assert_eq!(listed_ids(&all).len(), 6, "{}", all.stdout);

    let dead = jobs_cli(store, &["list", "--state", "dead"]);
    assert_eq!(listed_ids(&dead), vec![seeded.dead], "{}", dead.stdout);
    let row = dead.stdout.lines().nth(1).unwrap_or_default();
    assert!(
        row.contains("Ticket:1 Dispatch") && row.contains("dead"),
        "{row}"
    );
    // The last error's first line only.
    assert!(
        row.ends_with("Field Nation: the work order was refused (422)"),
        "{row}"
    );

    let events = jobs_cli(store, &["list", "--kind", "event"]);
    assert_eq!(listed_ids(&events), vec![seeded.event]);
    let failed = jobs_cli(store, &["list", "--state", "queued", "--kind", "dispatch"]);
    assert_eq!(listed_ids(&failed), vec![seeded.failed, seeded.waiting]);
    let failed_row = failed.stdout.lines().nth(1).unwrap_or_default();
    assert!(
        failed_row.ends_with("Field Nation: server error (HTTP 503)"),
        "{failed_row}"
    );

    let json_run = jobs_cli(store, &["list", "--state", "done", "--json"]);
    let listed: Value = serde_json::from_str(&json_run.stdout)?;
    let ids: Vec<i64> = listed["jobs"]
        .as_array()
        .ok_or("no jobs array")?
        .iter()
        .filter_map(|j| j["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![seeded.done, seeded.event]);
    assert_eq!(listed["jobs"][0]["state"], "done");

    let show = jobs_cli(store, &["show", &seeded.dead.to_string()]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert!(
        show.stdout
            .contains("attempt 1 (2026-03-02T09:00:00Z), dead letter, the whole reason:"),
        "{}",
        show.stdout
    );
    for line in DEAD_REASON.lines() {
        assert!(
            show.stdout.contains(line.trim()),
            "missing {line:?}:\n{}",
            show.stdout
        );
    }
    assert!(
        show.stdout.contains("\"entity\": \"Ticket\""),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout
            .contains("fieldnation create_work_order Ticket:1  HTTP 422  87 ms"),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout.contains("work order: none yet"),
        "{}",
        show.stdout
    );

    let show_done = jobs_cli(store, &["show", &seeded.event.to_string(), "--json"]);
    let detail: Value = serde_json::from_str(&show_done.stdout)?;
    assert_eq!(detail["correlation"]["work_order_id"], 501);
    assert_eq!(detail["correlation"]["source_id"], 3);
    assert_eq!(detail["job"]["payload"]["delivery_id"], "d-1");

    let retried = jobs_cli(store, &["retry", &seeded.dead.to_string()]);
    assert_eq!(retried.code, 0, "{}", retried.stderr);
    let job = db.store.job(seeded.dead).await?.ok_or("the job is gone")?;
    assert_eq!((job.state, job.attempts), (JobState::Queued, 0));
    // Due now by the command's clock (the system's; the seeding used a manual one).
    assert!(job.next_run <= jiff::Timestamp::now());

    let not_dead = jobs_cli(store, &["retry", &seeded.done.to_string()]);
    assert_eq!(not_dead.code, 3, "{}", not_dead.stderr);
    assert!(not_dead.stderr.contains("is done"), "{}", not_dead.stderr);

    let held = jobs_cli(store, &["drop", &seeded.leased.to_string()]);
    assert_eq!(held.code, 3, "{}", held.stderr);
    let dropped = jobs_cli(store, &["drop", &seeded.failed.to_string()]);
    assert_eq!(dropped.code, 0, "{}", dropped.stderr);
    assert_eq!(db.store.job(seeded.failed).await?, None);

    for action in ["show", "retry", "drop"] {
        let unknown = jobs_cli(store, &[action, "9999"]);
        assert_eq!(unknown.code, 1, "{action}: {}", unknown.stderr);
        assert!(unknown.stderr.contains("no job 9999"), "{}", unknown.stderr);
    }
    // Through --store instead of the variable.
    let by_flag = jobs_cli(None, &["list", "--store", &url, "--state", "leased"]);
    assert_eq!(
        listed_ids(&by_flag),
        vec![seeded.leased],
        "{}",
        by_flag.stderr
    );

    let no_store = jobs_cli(None, &["list"]);
    assert_eq!(no_store.code, 2);
    assert!(
        no_store.stderr.contains("FIELDMAP_STORE"),
        "{}",
        no_store.stderr
    );
    let bad_state = jobs_cli(store, &["list", "--state", "failed"]);
    assert_eq!(bad_state.code, 2);
    assert!(
        bad_state
            .stderr
            .contains("expected queued, leased, done or dead")
    );
    let bad_url = jobs_cli(Some("mysql://localhost/jobs"), &["list"]);
    assert_eq!(bad_url.code, 2);
    assert!(
        bad_url
            .stderr
            .contains("expected sqlite:PATH or postgres://"),
        "{}",
        bad_url.stderr
    );
    db.finish().await;
    Ok(())
}

// ---- HTTP ----

/// The routes on 127.0.0.1, port 0; the server stops when the test's runtime ends.
async fn serve(state: AdminState) -> Result<String, std::io::Error> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router(state)).await });
    Ok(format!("http://{address}"))
}

struct Answer {
    status: u16,
    content_type: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

async fn call(method: reqwest::Method, url: &str) -> Result<Answer, reqwest::Error> {
    // reqwest is built without a default TLS provider; the clients install ring's.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let response = reqwest::Client::new()
        .request(method, url)
        .timeout(Duration::from_secs(10))
        .send()
        .await?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    Ok(Answer {
        status,
        content_type,
        body: response.text().await?,
    })
}

async fn get(url: &str) -> Result<Answer, reqwest::Error> {
    call(reqwest::Method::GET, url).await
}

fn ids(answer: &Answer) -> Vec<i64> {
    answer.json()["jobs"]
        .as_array()
        .map(|jobs| jobs.iter().filter_map(|j| j["id"].as_i64()).collect())
        .unwrap_or_default()
}

/// Every sample of a `/metrics` text, `name{labels}` → value; each sample's family must have
/// been typed before it.
fn parse_metrics(text: &str) -> BTreeMap<String, f64> {
    let mut typed = HashSet::new();
    let mut samples = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut words = rest.split(' ');
            typed.insert(words.next().unwrap_or_default().to_owned());
            let kind = words.next().unwrap_or_default();
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        let name = series.split('{').next().unwrap_or_default();
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s).filter(|f| typed.contains(*f)))
            .unwrap_or(name);
        assert!(typed.contains(family), "{name} comes before its # TYPE");
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {line}"));
        assert!(
            samples.insert(series.to_owned(), value).is_none(),
            "twice: {series}"
        );
    }
    samples
}

async fn the_routes_answer_with_the_store(db: &Db) -> TestResult {
    let seeded = seed(db).await?;
    let metrics = Metrics::new();
    let readiness = Readiness::new();
    let state = AdminState::new(db.store.clone(), metrics.clone(), readiness.clone());
    let base = serve(state).await?;

    // Listing and filters.
    let all = get(&format!("{base}/jobs")).await?;
    assert_eq!(
        (all.status, all.content_type.as_str()),
        (200, "application/json")
    );
    assert_eq!(ids(&all).len(), 6);
    let dead = get(&format!("{base}/jobs?state=dead&kind=dispatch")).await?;
    assert_eq!(ids(&dead), vec![seeded.dead]);
    assert_eq!(dead.json()["jobs"][0]["last_error"], DEAD_REASON);
    let paged = get(&format!("{base}/jobs?limit=2&after={}", seeded.dead)).await?;
    assert_eq!(ids(&paged), vec![seeded.failed, seeded.done]);
    let by_key = get(&format!("{base}/jobs?key=Ticket%3A5+Dispatch")).await?;
    assert_eq!(ids(&by_key), vec![seeded.leased]);
    for (query, word) in [
        ("state=failed", "state `failed`"),
        ("kind=ticket", "kind `ticket`"),
        ("limit=0", "limit `0`"),
        ("limit=5000", "limit `5000`"),
        ("colour=red", "unknown parameter `colour`"),
    ] {
        let refused = get(&format!("{base}/jobs?{query}")).await?;
        assert_eq!(refused.status, 400, "{query}");
        assert_eq!(refused.content_type, "application/problem+json");
        let detail = refused.json()["detail"].as_str().unwrap_or("").to_owned();
        assert!(detail.contains(word), "{query}: {detail}");
        assert_eq!(refused.json()["status"], 400);
    }

    // One job whole.
    let shown = get(&format!("{base}/jobs/{}", seeded.dead)).await?;
    assert_eq!(shown.status, 200);
    let detail = shown.json();
    assert_eq!(detail["job"]["last_error"], DEAD_REASON);
    assert_eq!(detail["job"]["payload"]["id"], 1);
    assert_eq!(detail["correlation"], Value::Null);
    let calls = detail["calls"].as_array().ok_or("no calls")?;
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["outcome"], "HTTP 422", "newest first");
    let correlated = get(&format!("{base}/jobs/{}", seeded.done)).await?.json();
    assert_eq!(correlated["correlation"]["work_order_id"], 501);
    assert_eq!(get(&format!("{base}/jobs/9999")).await?.status, 404);
    let not_an_id = get(&format!("{base}/jobs/abc")).await?;
    assert_eq!(not_an_id.status, 400);
    assert!(not_an_id.body.contains("not a job id"));

    // Retry and drop.
    let post = reqwest::Method::POST;
    let delete = reqwest::Method::DELETE;
    let retried = call(post.clone(), &format!("{base}/jobs/{}/retry", seeded.dead)).await?;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert_eq!(retried.json()["job"]["state"], "queued");
    assert_eq!(retried.json()["job"]["attempts"], 0);
    let done = call(post.clone(), &format!("{base}/jobs/{}/retry", seeded.done)).await?;
    assert_eq!(done.status, 409);
    assert!(
        done.json()["detail"]
            .as_str()
            .unwrap_or("")
            .contains("is done")
    );
    assert_eq!(
        call(post, &format!("{base}/jobs/9999/retry")).await?.status,
        404
    );
    let held = call(delete.clone(), &format!("{base}/jobs/{}", seeded.leased)).await?;
    assert_eq!(held.status, 409);
    let gone = call(delete.clone(), &format!("{base}/jobs/{}", seeded.failed)).await?;
    assert_eq!(gone.status, 204);
    assert_eq!(db.store.job(seeded.failed).await?, None);
    assert_eq!(
        call(delete, &format!("{base}/jobs/{}", seeded.failed))
            .await?
            .status,
        404
    );

    // Health and readiness.
    let health = get(&format!("{base}/healthz")).await?;
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    let starting = get(&format!("{base}/readyz")).await?;
    assert_eq!(starting.status, 503);
    assert_eq!(starting.json()["ready"], false);
    assert_eq!(starting.json()["migration"], db.store.latest_migration());
    readiness.set(true);
    let ready = get(&format!("{base}/readyz")).await?;
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert_eq!(ready.json()["store"], db.store.backend());

    // Metrics: the queue as now (the dead job retried, the failed one dropped), and the
    // counters this process kept.
    let now = db.clock().now();
    let dispatch_job = db.store.job(seeded.waiting).await?.ok_or("no job")?;
    let dispatched = fieldmap::broker::Outcome::Dispatched {
        work_order_id: 77,
        found_by_marker: false,
    };
    metrics.observe(&dispatch_job, &dispatched, now); // 600 s after intake
    metrics.observe(
        &dispatch_job,
        &fieldmap::broker::Outcome::Retried {
            reason: "HTTP 503".into(),
        },
        now,
    );
    metrics.record_calls(&audit(seeded.dead, now));
    metrics.set_autotask_headroom(9_500);
    let scraped = get(&format!("{base}/metrics")).await?;
    assert_eq!(scraped.status, 200);
    assert_eq!(
        scraped.content_type,
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let samples = parse_metrics(&scraped.body);
    let value = |series: &str| {
        *samples
            .get(series)
            .unwrap_or_else(|| panic!("no {series} in\n{}", scraped.body))
    };
    assert_eq!(
        value(r#"fieldmap_jobs{kind="dispatch",state="queued"}"#),
        2.0
    );
    assert_eq!(
        value(r#"fieldmap_jobs{kind="dispatch",state="leased"}"#),
        1.0
    );
    assert_eq!(value(r#"fieldmap_jobs{kind="dispatch",state="done"}"#), 1.0);
    assert_eq!(value(r#"fieldmap_jobs{kind="dispatch",state="dead"}"#), 0.0);
    assert_eq!(value(r#"fieldmap_jobs{kind="event",state="done"}"#), 1.0);
    assert_eq!(
        value(r#"fieldmap_jobs{kind="writeback",state="queued"}"#),
        0.0
    );
    // The waiting job and the retried dead letter: enqueued 10 minutes ago, due as long.
    assert_eq!(
        value(r#"fieldmap_jobs_oldest_age_seconds{kind="dispatch"}"#),
        600.0
    );
    assert_eq!(
        value(r#"fieldmap_jobs_oldest_due_seconds{kind="dispatch"}"#),
        600.0
    );
    assert_eq!(
        value(r#"fieldmap_jobs_oldest_due_seconds{kind="event"}"#),
        0.0
    );
    assert_eq!(value("fieldmap_store_up"), 1.0);
    assert_eq!(
        value(r#"fieldmap_job_attempts_total{kind="dispatch",outcome="dispatched"}"#),
        1.0
    );
    assert_eq!(
        value(r#"fieldmap_job_attempts_total{kind="dispatch",outcome="retried"}"#),
        1.0
    );
    assert_eq!(
        value(r#"fieldmap_dispatch_latency_seconds_bucket{le="300"}"#),
        0.0
    );
    assert_eq!(
        value(r#"fieldmap_dispatch_latency_seconds_bucket{le="900"}"#),
        1.0
    );
    assert_eq!(
        value(r#"fieldmap_dispatch_latency_seconds_bucket{le="+Inf"}"#),
        1.0
    );
    assert_eq!(value("fieldmap_dispatch_latency_seconds_sum"), 600.0);
    assert_eq!(value("fieldmap_dispatch_latency_seconds_count"), 1.0);
    assert_eq!(
        value(
            r#"fieldmap_api_calls_total{api="fieldnation",operation="create_work_order",outcome="error"}"#
        ),
        1.0
    );
    assert_eq!(
        value(r#"fieldmap_api_calls_total{api="autotask",operation="query",outcome="ok"}"#),
        1.0
    );
    assert_eq!(value("fieldmap_autotask_threshold_headroom"), 9500.0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_on_sqlite() -> TestResult {
    let db = Db::sqlite().await;
    the_routes_answer_with_the_store(&db).await?;
    db.finish().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_on_postgres() -> TestResult {
    let db = Db::postgres().await;
    the_routes_answer_with_the_store(&db).await?;
    db.finish().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_fails_is_not_ready_and_metrics_say_so() -> TestResult {
    let db = Db::sqlite().await;
    let state = AdminState::new(db.store.clone(), Metrics::new(), Readiness::ready());
    let base = serve(state).await?;
    assert_eq!(get(&format!("{base}/readyz")).await?.status, 200);
    // A store whose tables are gone: it answers, with errors.
    let file = db.url.trim_start_matches("sqlite:").to_owned();
    assert!(rusqlite_drop_jobs(&file), "the jobs table could be dropped");
    let scraped = get(&format!("{base}/metrics")).await?;
    assert_eq!(scraped.status, 200);
    let samples = parse_metrics(&scraped.body);
    assert_eq!(samples.get("fieldmap_store_up"), Some(&0.0));
    assert!(!scraped.body.contains("fieldmap_jobs{"), "{}", scraped.body);
    let not_ready = get(&format!("{base}/readyz")).await?;
    assert_eq!(not_ready.status, 503);
    let reasons = not_ready.json()["reasons"].to_string();
    assert!(reasons.contains("the store does not answer"), "{reasons}");
    let listing = get(&format!("{base}/jobs")).await?;
    assert_eq!(listing.status, 503);
    assert!(
        listing.json()["detail"]
            .as_str()
            .unwrap_or("")
            .contains("the store failed")
    );
    db.finish().await;
    Ok(())
}

/// Drops the jobs and migrations tables behind the store's back (another process breaking
/// the file).
fn rusqlite_drop_jobs(file: &str) -> bool {
    rusqlite::Connection::open(file)
        .and_then(|c| c.execute_batch("DROP TABLE jobs; DROP TABLE schema_migrations;"))
        .is_ok()
}

/// The metrics table of docs/broker-operations.md names every metric `/metrics` writes, and
/// no other.
#[test]
fn the_metrics_table_names_every_metric() {
    let metrics = Metrics::new();
    metrics.set_autotask_headroom(1);
    let text = metrics.render_with(Some(&[]), jiff::Timestamp::UNIX_EPOCH);
    let written: HashSet<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .map(str::to_owned)
        .collect();
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/broker-operations.md"
    ))
    .unwrap_or_default();
    let section = doc
        .split("<!-- metrics -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- /metrics -->").next())
        .unwrap_or_default();
    let documented: HashSet<String> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_owned)
        .collect();
    assert_eq!(written, documented);
}

/// Each failed attempt keeps its error (a retry's error is otherwise overwritten by the next),
/// in order, through an operator's retry; dropping or purging the job forgets them.
async fn every_failed_attempt_keeps_its_error(db: &Db) -> TestResult {
    let store = &db.store;
    let job = store
        .enqueue(DispatchRequest::new("Dispatch", "Ticket", 7).job())
        .await?
        .job
        .id;
    let run = |store: &Store| {
        let store = store.clone();
        async move {
            let mut leased = store.lease("w", &[], 1, Duration::from_secs(60)).await?;
            leased.pop().ok_or_else(|| "nothing due".to_owned().into())
        }
    };
    type BoxError = Box<dyn std::error::Error + Send + Sync>;
    let first = run(store).await.map_err(|e: BoxError| e)?;
    store
        .retry(
            first.lease,
            db.clock().now(),
            "Autotask: time-out\nafter 30 s",
        )
        .await?;
    db.clock().advance(Duration::from_secs(1));
    let second = run(store).await.map_err(|e: BoxError| e)?;
    store
        .dead_letter(second.lease, "gave up after 2 attempts; the last: HTTP 503")
        .await?;
    let errors = store.job_errors(job).await?;
    let seen: Vec<(u32, &str)> = errors
        .iter()
        .map(|e| (e.attempt, e.error.as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (1, "Autotask: time-out\nafter 30 s"),
            (2, "gave up after 2 attempts; the last: HTTP 503"),
        ]
    );
    assert!(errors[0].at < errors[1].at);

    // The operator retries; the attempt after that counts from 1 again.
    store.requeue(job).await?;
    db.clock().advance(Duration::from_secs(1));
    let third = run(store).await.map_err(|e: BoxError| e)?;
    store.dead_letter(third.lease, "Field Nation: 422").await?;
    let errors = store.job_errors(job).await?;
    assert_eq!(errors.len(), 3);
    assert_eq!(
        (errors[2].attempt, errors[2].error.as_str()),
        (1, "Field Nation: 422")
    );
    let detail = fieldmap::broker::admin::JobDetail::load(store, job)
        .await?
        .ok_or("no job")?;
    assert_eq!(
        detail.to_json()["errors"][0]["error"],
        "Autotask: time-out\nafter 30 s"
    );

    // A job with no failures has none; a dropped one has none left.
    let other = store
        .enqueue(DispatchRequest::new("Dispatch", "Ticket", 8).job())
        .await?
        .job
        .id;
    assert!(store.job_errors(other).await?.is_empty());
    assert!(store.drop_job(job).await?);
    assert!(store.job_errors(job).await?.is_empty());
    // A purged dead letter leaves none either.
    let buried = run(store).await.map_err(|e: BoxError| e)?;
    store.dead_letter(buried.lease, "Autotask: 500").await?;
    assert_eq!(store.job_errors(other).await?.len(), 1);
    db.clock().advance(Duration::from_secs(1));
    assert_eq!(store.purge(db.clock().now(), true).await?, 1);
    assert!(store.job_errors(other).await?.is_empty());
    assert_eq!(
        store.migrations().await?.len() as i64,
        store.latest_migration()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_errors_on_sqlite() -> TestResult {
    let db = Db::sqlite().await;
    every_failed_attempt_keeps_its_error(&db).await?;
    db.finish().await;
    Ok(())
}

/// A store made before the errors were kept (migration 1 only) gets their table when opened.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_of_the_first_migration_is_migrated_on_open() -> TestResult {
    let db = Db::sqlite().await;
    let file = db.url.trim_start_matches("sqlite:").to_owned();
    rusqlite::Connection::open(&file)?.execute_batch(
        "DROP TABLE job_errors; DROP INDEX jobs_queued_key; DROP INDEX jobs_leased_lane; \
             DROP INDEX jobs_lane; ALTER TABLE jobs DROP COLUMN lane; \
             ALTER TABLE jobs DROP COLUMN lane_order; ALTER TABLE jobs DROP COLUMN merged_into; \
             CREATE UNIQUE INDEX jobs_open_key \
             ON jobs (kind, key) WHERE state IN ('queued', 'leased'); \
             DELETE FROM schema_migrations WHERE version > 1;",
    )?;
    let reopened = Store::open(&db.url).await?;
    let versions: Vec<i64> = reopened.migrations().await?.iter().map(|m| m.0).collect();
    assert_eq!(versions, vec![1, 2, 3, 4]);
    assert!(reopened.job_errors(1).await?.is_empty());
    drop(reopened);
    db.finish().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_errors_on_postgres() -> TestResult {
    let db = Db::postgres().await;
    every_failed_attempt_keeps_its_error(&db).await?;
    db.finish().await;
    Ok(())
}

/// With a token, the jobs routes ask for it (read at each request, so a rotated one counts at
/// once); health, readiness and metrics stay open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_jobs_routes_ask_for_the_token_when_one_is_set() -> TestResult {
    use std::sync::{Arc, Mutex};
    let db = Db::sqlite().await;
    let seeded = seed(&db).await?;
    let token = Arc::new(Mutex::new(Some("operator-token-1".to_owned())));
    let current = token.clone();
    let state = AdminState::new(db.store.clone(), Metrics::new(), Readiness::ready()).with_token(
        TokenSource::new(move || current.lock().unwrap().clone().map(Secret::new)),
    );
    let base = serve(state).await?;
    let client = reqwest::Client::new();
    let send = |method: reqwest::Method, path: &str, bearer: Option<&str>| {
        let mut request = client
            .request(method, format!("{base}{path}"))
            .timeout(Duration::from_secs(10));
        if let Some(bearer) = bearer {
            request = request.header("Authorization", format!("Bearer {bearer}"));
        }
        async move { request.send().await.map(|r| r.status().as_u16()) }
    };
    let retry = format!("/jobs/{}/retry", seeded.dead);
    let show = format!("/jobs/{}", seeded.done);
    for (method, path) in [
        (reqwest::Method::GET, "/jobs"),
        (reqwest::Method::GET, show.as_str()),
        (reqwest::Method::POST, retry.as_str()),
        (reqwest::Method::DELETE, show.as_str()),
    ] {
        assert_eq!(
            send(method.clone(), path, None).await?,
            401,
            "{method} {path}"
        );
        assert_eq!(
            send(method.clone(), path, Some("operator-token-2")).await?,
            401,
            "{method} {path}"
        );
    }
    let refused = get(&format!("{base}/jobs")).await?;
    assert_eq!(refused.content_type, "application/problem+json");
    assert_eq!(
        db.store.job(seeded.dead).await?.map(|j| j.state),
        Some(JobState::Dead),
        "a refused retry changed nothing"
    );
    for open in ["/healthz", "/readyz", "/metrics"] {
        assert_eq!(send(reqwest::Method::GET, open, None).await?, 200, "{open}");
    }
    let bearer = Some("operator-token-1");
    assert_eq!(send(reqwest::Method::GET, "/jobs", bearer).await?, 200);
    assert_eq!(send(reqwest::Method::POST, &retry, bearer).await?, 200);

    // Rotated: the old token is refused, the new one taken.
    *token.lock().unwrap() = Some("operator-token-2".to_owned());
    assert_eq!(send(reqwest::Method::GET, "/jobs", bearer).await?, 401);
    let rotated = Some("operator-token-2");
    assert_eq!(send(reqwest::Method::GET, "/jobs", rotated).await?, 200);
    // None configured any more: open.
    *token.lock().unwrap() = None;
    assert_eq!(send(reqwest::Method::GET, "/jobs", None).await?, 200);
    db.finish().await;
    Ok(())
}
