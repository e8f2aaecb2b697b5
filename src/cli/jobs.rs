//! `fieldmap jobs list|show|retry|drop`: the broker's jobs, read and changed in its store
//! directly (the server need not run).
//!
//! The store is `--store URL` (`sqlite:PATH` or `postgres://…`), else `FIELDMAP_STORE`.
//!
//! Exit status: 0 done; 1 no such job; 2 usage, or the store cannot be opened or fails;
//! 3 the job is in a state the action does not apply to (retrying a done or leased job,
//! dropping a leased one) or another queued job has its kind and key.

use fieldmap::broker::admin::{JobDetail, job_json};
use fieldmap::broker::store::{Job, JobFilter, JobKind, JobState, Store, StoreError};
use jiff::Timestamp;
use serde_json::json;

use super::connection::runtime;
use super::{EXIT_FINDINGS, EXIT_OK, UsageError, exit_code};

/// A job exists but the action does not apply to its state.
const EXIT_WRONG_STATE: u8 = 3;

#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 done; 1 no such job; 2 usage, or the store cannot be opened or fails; 3 the job's state forbids the action (retrying a done or leased job, dropping a leased one)."
)]
pub struct Args {
    /// The store: `sqlite:PATH` or `postgres://…` [default: the FIELDMAP_STORE variable].
    #[arg(long, global = true, value_name = "URL")]
    store: Option<String>,
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// List jobs, oldest first: id, kind, key, state, attempts, next run, age, last error.
    List {
        /// Only jobs in this state.
        #[arg(long, value_parser = parse_state)]
        state: Option<JobState>,
        /// Only jobs of this kind.
        #[arg(long, value_parser = parse_kind)]
        kind: Option<JobKind>,
        /// Only jobs with this key (`Ticket:9137 Dispatch`, a delivery id).
        #[arg(long)]
        key: Option<String>,
        /// Only jobs with a larger id (to page on).
        #[arg(long, value_name = "ID")]
        after: Option<i64>,
        /// At most this many.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: u32,
        /// One JSON object: `{"jobs": […]}`.
        #[arg(long)]
        json: bool,
    },
    /// Show a job whole: payload, every failed attempt's error (a dead letter's whole reason),
    /// its correlation and the calls made for it.
    Show {
        id: i64,
        /// One JSON object: `{"job", "correlation", "calls"}`.
        #[arg(long)]
        json: bool,
    },
    /// Queue a dead letter again with its attempts reset, or run a job waiting for its retry
    /// now.
    Retry { id: i64 },
    /// Delete a job no worker holds.
    Drop { id: i64 },
}

fn parse_state(text: &str) -> Result<JobState, String> {
    text.parse()
        .map_err(|_| format!("expected queued, leased, done or dead, not `{text}`"))
}

fn parse_kind(text: &str) -> Result<JobKind, String> {
    text.parse()
        .map_err(|_| format!("expected dispatch, event or writeback, not `{text}`"))
}

pub fn run(args: Args) -> u8 {
    exit_code(execute(args))
}

/// The store's URL: `--store`, else `FIELDMAP_STORE`. (`fieldmap.toml`'s store comes here too
/// once `jobs` reads the config.)
fn store_url(flag: Option<String>) -> Result<String, UsageError> {
    flag.or_else(|| {
        std::env::var("FIELDMAP_STORE")
            .ok()
            .filter(|v| !v.is_empty())
    })
    .ok_or_else(|| {
        UsageError(
            "no store: give --store sqlite:PATH (or postgres://…), or set FIELDMAP_STORE".into(),
        )
    })
}

fn execute(args: Args) -> Result<u8, UsageError> {
    let url = store_url(args.store)?;
    runtime()?.block_on(async move {
        let store = Store::open(&url).await?;
        match args.action {
            Action::List {
                state,
                kind,
                key,
                after,
                limit,
                json,
            } => {
                let filter = JobFilter {
                    state,
                    kind,
                    key,
                    after_id: after,
                    limit,
                };
                list(&store, &filter, json).await
            }
            Action::Show { id, json } => show(&store, id, json).await,
            Action::Retry { id } => retry(&store, id).await,
            Action::Drop { id } => drop_job(&store, id).await,
        }
    })
}

async fn list(store: &Store, filter: &JobFilter, json: bool) -> Result<u8, UsageError> {
    let jobs = store.jobs(filter).await?;
    if json {
        let jobs: Vec<_> = jobs.iter().map(job_json).collect();
        outln!("{}", serde_json::to_string_pretty(&json!({"jobs": jobs}))?);
        return Ok(EXIT_OK);
    }
    if jobs.is_empty() {
        outln!("no jobs");
        return Ok(EXIT_OK);
    }
    let now = store.clock().now();
    let rows: Vec<[String; 8]> = jobs
        .iter()
        .map(|job| {
            [
                job.id.to_string(),
                job.kind.to_string(),
                job.key.clone(),
                job.state.to_string(),
                job.attempts.to_string(),
                next_run(job, now),
                since(job.created, now),
                job.last_error
                    .as_deref()
                    .and_then(|e| e.lines().next())
                    .unwrap_or("")
                    .to_owned(),
            ]
        })
        .collect();
    let header = [
        "ID",
        "KIND",
        "KEY",
        "STATE",
        "ATTEMPTS",
        "NEXT RUN",
        "AGE",
        "LAST ERROR",
    ];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, width))| {
                if i + 1 == cells.len() {
                    (*cell).to_owned()
                } else {
                    format!("{cell:<width$}")
                }
            })
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    outln!("{}", line(&header));
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        outln!("{}", line(&cells));
    }
    Ok(EXIT_OK)
}

/// When an open job runs next (`now` when due, `in 4m30s`); `-` for a finished one.
fn next_run(job: &Job, now: Timestamp) -> String {
    match job.state {
        JobState::Done | JobState::Dead => "-".to_owned(),
        JobState::Queued | JobState::Leased if job.next_run <= now => "now".to_owned(),
        JobState::Queued | JobState::Leased => format!("in {}", span(now, job.next_run)),
    }
}

/// How long ago `then` was: `3m12s`.
fn since(then: Timestamp, now: Timestamp) -> String {
    span(then, now)
}

/// The time from `from` to `to`, in its two largest units: `2d3h`, `4m30s`, `12s`.
fn span(from: Timestamp, to: Timestamp) -> String {
    let secs = to.as_second().saturating_sub(from.as_second()).max(0);
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m{s:02}s"),
        (0, _, _) => format!("{h}h{m:02}m"),
        _ => format!("{d}d{h:02}h"),
    }
}

async fn show(store: &Store, id: i64, json: bool) -> Result<u8, UsageError> {
    let Some(detail) = JobDetail::load(store, id).await? else {
        errln!("error: no job {id}");
        return Ok(EXIT_FINDINGS);
    };
    if json {
        outln!("{}", serde_json::to_string_pretty(&detail.to_json())?);
        return Ok(EXIT_OK);
    }
    let job = &detail.job;
    let now = store.clock().now();
    outln!("job {}: {} {}", job.id, job.kind, job.key);
    match job.merged_into {
        Some(into) => outln!(
            "  state:     {}: merged into job {into}, which ran again after this notice came",
            job.state
        ),
        None => outln!("  state:     {}", job.state),
    }
    outln!("  attempts:  {}", job.attempts);
    if matches!(job.state, JobState::Queued | JobState::Leased) {
        outln!("  next run:  {} ({:.0})", next_run(job, now), job.next_run);
    }
    if let Some(owner) = &job.lease_owner {
        let until = job
            .lease_expires
            .map(|t| format!(" until {t:.0}"))
            .unwrap_or_default();
        outln!("  leased by: {owner}{until}");
    }
    outln!(
        "  created:   {:.0} ({} ago)",
        job.created,
        since(job.created, now)
    );
    outln!("  updated:   {:.0}", job.updated);
    match &detail.correlation {
        Some(c) => outln!(
            "  work order: {} for {} {} (mapping {:?}), created {:.0}",
            c.work_order_id,
            c.source_entity,
            c.source_id,
            c.mapping,
            c.created
        ),
        None => outln!("  work order: none yet"),
    }
    outln!("payload:");
    let payload = serde_json::from_str::<serde_json::Value>(&job.payload)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| job.payload.clone());
    for line in payload.lines() {
        outln!("  {line}");
    }
    // Every failed attempt in full; the last is the dead letter's reason when it is one.
    let last = detail.errors.len();
    for (n, failed) in detail.errors.iter().enumerate() {
        let what = if n + 1 == last && job.state == JobState::Dead {
            "dead letter, the whole reason"
        } else {
            "failed"
        };
        outln!("attempt {} ({:.0}), {what}:", failed.attempt, failed.at);
        for line in failed.error.lines() {
            outln!("  {line}");
        }
    }
    // A job failed before its errors were kept one by one has only its last.
    if let (true, Some(error)) = (detail.errors.is_empty(), &job.last_error) {
        outln!("last error:");
        for line in error.lines() {
            outln!("  {line}");
        }
    }
    if detail.calls.is_empty() {
        outln!("calls: none recorded");
    } else {
        outln!("calls (oldest first):");
        for call in detail.calls.iter().rev() {
            let e = &call.entry;
            let target = e.target.as_deref().unwrap_or("-");
            outln!(
                "  {:.0}  {} {} {}  {}  {} ms",
                e.at,
                e.api,
                e.operation,
                target,
                e.outcome,
                e.duration_ms
            );
        }
    }
    Ok(EXIT_OK)
}

async fn retry(store: &Store, id: i64) -> Result<u8, UsageError> {
    let Some(job) = store.job(id).await? else {
        errln!("error: no job {id}");
        return Ok(EXIT_FINDINGS);
    };
    if !matches!(job.state, JobState::Dead | JobState::Queued) {
        errln!(
            "error: job {id} is {}: only dead or queued jobs can be retried",
            job.state
        );
        return Ok(EXIT_WRONG_STATE);
    }
    match store.requeue(id).await {
        Ok(job) => {
            outln!("job {id} queued: runs now (attempts {})", job.attempts);
            Ok(EXIT_OK)
        }
        Err(e @ (StoreError::Job(..) | StoreError::Conflict(_))) => {
            errln!("error: {e}");
            Ok(EXIT_WRONG_STATE)
        }
        Err(e) => Err(e.into()),
    }
}

async fn drop_job(store: &Store, id: i64) -> Result<u8, UsageError> {
    let Some(job) = store.job(id).await? else {
        errln!("error: no job {id}");
        return Ok(EXIT_FINDINGS);
    };
    if store.drop_job(id).await? {
        outln!("job {id} dropped ({} {}, {})", job.kind, job.key, job.state);
        Ok(EXIT_OK)
    } else {
        errln!(
            "error: job {id} is {}: a worker holds it; drop it once its lease is over",
            job.state
        );
        Ok(EXIT_WRONG_STATE)
    }
}
