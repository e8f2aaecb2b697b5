//! The SQLite backend: one connection on a thread of its own, so that the async threads (and
//! the webhook's acknowledgement) never wait on the disk. SQLite has one writer at a time;
//! every write is an immediate transaction, and a second process on the same file waits for
//! its turn (busy timeout) rather than failing. Enqueues that arrive while the thread is busy
//! are committed together when it is free (group commit): 200 concurrent enqueues take one
//! flush to disk rather than 200 in a row.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, Transaction, TransactionBehavior};

use super::audit::{AuditEntry, AuditRecord};
use super::clock::from_millis;
use super::correlation::Correlation;
use super::effect::Effect;
use super::error::{Result, StoreError};
use super::job::{
    Enqueued, Job, JobCount, JobError, JobFilter, JobKind, Lease, Leased, NewJob, RawJob,
};
use super::migrations::{self, Migration};
use super::sql;

type Task = Box<dyn FnOnce(&mut Connection) + Send>;

/// What the SQLite thread is asked to do.
enum Message {
    /// Any call, in a transaction of its own.
    Call(Task),
    /// An enqueue (intake's acknowledgement waits for it): enqueues waiting together are
    /// committed together.
    Enqueue(Intake),
}

/// One enqueue, optionally with the delivery id it dedupes on.
struct Intake {
    now: i64,
    delivery_id: Option<String>,
    job: NewJob,
    reply: tokio::sync::oneshot::Sender<Result<Option<Enqueued>>>,
}

/// A handle on the SQLite thread; the thread ends when the last handle is dropped.
pub(crate) struct Sqlite {
    tasks: mpsc::Sender<Message>,
    path: PathBuf,
}

impl Sqlite {
    /// Opens (creating) the database at `path` and applies the migrations.
    pub(crate) async fn open(path: &Path, now: i64) -> Result<Sqlite> {
        let (tasks, inbox) = mpsc::channel::<Message>();
        let (ready, opened) = tokio::sync::oneshot::channel();
        let owned = path.to_path_buf();
        std::thread::Builder::new()
            .name("fieldmap-sqlite".into())
            .spawn(move || {
                let mut conn = match connect(&owned, now) {
                    Ok(conn) => {
                        let _ = ready.send(Ok(()));
                        conn
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                serve(&mut conn, &inbox);
            })
            .map_err(|e| StoreError::Data(format!("cannot start the SQLite thread: {e}")))?;
        opened.await.map_err(|_| StoreError::Closed)??;
        Ok(Sqlite {
            tasks,
            path: path.to_path_buf(),
        })
    }

    /// Runs `f` on the SQLite thread.
    pub(crate) async fn call<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.tasks
            .send(Message::Call(Box::new(move |conn| {
                let _ = reply.send(f(conn));
            })))
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Enqueues a job (deduplicated on `delivery_id` when given: `None` for a delivery seen
    /// before). Answers once the job is on disk, committed with any other enqueues that were
    /// waiting at the same time.
    pub(crate) async fn enqueue(
        &self,
        now: i64,
        delivery_id: Option<String>,
        job: NewJob,
    ) -> Result<Option<Enqueued>> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.tasks
            .send(Message::Enqueue(Intake {
                now,
                delivery_id,
                job,
                reply,
            }))
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

fn connect(path: &Path, now: i64) -> Result<Connection> {
    let mut conn = if path.as_os_str() == ":memory:" {
        Connection::open_in_memory()?
    } else {
        Connection::open(path)?
    };
    conn.busy_timeout(Duration::from_secs(10))?;
    // WAL: readers do not block the writer. FULL: a job acknowledged, or leased before a
    // worker acts on it, is on disk (only `relaxed` writes skip the flush).
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.set_prepared_statement_cache_capacity(64);
    migrate(&mut conn, migrations::SQLITE, now)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection, list: &[Migration], now: i64) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(migrations::TABLE)?;
    let done: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    for m in list.iter().filter(|m| m.version > done) {
        tx.execute_batch(m.sql)?;
        tx.execute(&q(sql::RECORD_MIGRATION), (m.version, m.name, now))?;
    }
    tx.commit()?;
    Ok(())
}

/// PostgreSQL's `$1` as SQLite's `?1` (the same numbered parameter).
fn q(sql: &str) -> String {
    sql.replace('$', "?")
}

/// Runs `f` with `synchronous=NORMAL`: its commit survives a crash of the process but reaches
/// the disk with the next flushed commit (the next acknowledgement or lease), so a power cut
/// may lose it with everything after it. Only for what a worker records after acting (a
/// completion, a retry, the audit trail): losing it runs the job again, on an attempt that
/// looks for what the lost one did (the work order by its marker, the notes by their line)
/// before doing anything. A flush per job would cap the workers at the disk's flush rate.
pub(crate) fn relaxed<R>(
    conn: &mut Connection,
    f: impl FnOnce(&mut Connection) -> Result<R>,
) -> Result<R> {
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let result = f(conn);
    // Back to FULL before anything else runs on the connection; failing that, say so rather
    // than let an acknowledgement go out unflushed.
    conn.pragma_update(None, "synchronous", "FULL")?;
    result
}

fn immediate(conn: &mut Connection) -> Result<Transaction<'_>> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}

/// A unique index refused the write: [`StoreError::Conflict`].
fn conflict(e: rusqlite::Error, what: impl FnOnce() -> String) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation => {
            StoreError::Conflict(what())
        }
        _ => StoreError::Sqlite(e),
    }
}

fn row_to_job(r: &Row<'_>) -> rusqlite::Result<RawJob> {
    Ok(RawJob {
        id: r.get(0)?,
        kind: r.get(1)?,
        key: r.get(2)?,
        payload: r.get(3)?,
        state: r.get(4)?,
        attempts: r.get(5)?,
        lease_owner: r.get(6)?,
        lease_token: r.get(7)?,
        lease_expires: r.get(8)?,
        next_run: r.get(9)?,
        last_error: r.get(10)?,
        created: r.get(11)?,
        updated: r.get(12)?,
        merged_into: r.get(13)?,
    })
}

fn row_to_correlation(r: &Row<'_>) -> rusqlite::Result<Correlation> {
    Ok(Correlation {
        source_entity: r.get(0)?,
        source_id: r.get(1)?,
        mapping: r.get(2)?,
        work_order_id: r.get(3)?,
        created: from_millis(r.get(4)?),
        last_synced: r.get::<_, Option<i64>>(5)?.map(from_millis),
        last_event_at: r.get::<_, Option<i64>>(6)?.map(from_millis),
    })
}

pub(crate) fn migrations(conn: &mut Connection) -> Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare(sql::MIGRATIONS)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Inserts the job unless a queued one has its kind and key; in the caller's transaction.
fn enqueue_in(tx: &Connection, now: i64, job: &NewJob) -> Result<Enqueued> {
    let next_run = job.run_at.map_or(now, |t| t.as_millisecond());
    let lane_order = job.lane_order.map_or(now, |t| t.as_millisecond());
    let kind = job.kind.as_str();
    let inserted = tx
        .prepare_cached(&q(sql::INSERT_JOB))?
        .query_row(
            (
                kind,
                &job.key,
                &job.payload,
                next_run,
                now,
                &job.lane,
                lane_order,
            ),
            row_to_job,
        )
        .optional()?;
    if let Some(raw) = inserted {
        return Ok(Enqueued {
            job: raw.into_job()?,
            created: true,
        });
    }
    let raw = tx
        .prepare_cached(&q(sql::QUEUED_JOB))?
        .query_row((kind, &job.key), row_to_job)?;
    Ok(Enqueued {
        job: raw.into_job()?,
        created: false,
    })
}

/// The thread's loop. Enqueues that wait together are committed in one transaction (one
/// write to disk, where each alone would wait for the ones before it), each in a savepoint of
/// its own; their answers go out after the commit.
fn serve(conn: &mut Connection, inbox: &mpsc::Receiver<Message>) {
    let mut next = inbox.recv().ok();
    while let Some(message) = next.take() {
        match message {
            Message::Call(task) => {
                // A panic in one call drops its reply (the caller sees `Closed`); the thread
                // and the connection serve the next.
                let _ = std::panic::catch_unwind(AssertUnwindSafe(|| task(conn)));
            }
            Message::Enqueue(first) => {
                let mut batch = vec![first];
                loop {
                    match inbox.try_recv() {
                        Ok(Message::Enqueue(intake)) => batch.push(intake),
                        Ok(call) => {
                            next = Some(call);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                let _ = std::panic::catch_unwind(AssertUnwindSafe(|| enqueue_batch(conn, batch)));
            }
        }
        if next.is_none() {
            next = inbox.recv().ok();
        }
    }
}

fn enqueue_batch(conn: &mut Connection, batch: Vec<Intake>) {
    if batch.len() > 1 {
        let together = (|| {
            let mut tx = immediate(conn)?;
            let mut outcomes = Vec::with_capacity(batch.len());
            for intake in &batch {
                let item = tx.savepoint()?;
                let outcome = enqueue_one(&item, intake);
                if outcome.is_ok() {
                    item.commit()?;
                }
                outcomes.push(outcome);
            }
            tx.commit()?;
            Ok::<_, StoreError>(outcomes)
        })();
        if let Ok(outcomes) = together {
            for (intake, outcome) in batch.into_iter().zip(outcomes) {
                let _ = intake.reply.send(outcome);
            }
            return;
        }
        // The batch's transaction failed as a whole: each alone, for its own answer.
    }
    for intake in batch {
        let outcome = immediate(conn).and_then(|tx| {
            let outcome = enqueue_one(&tx, &intake)?;
            tx.commit()?;
            Ok(outcome)
        });
        let _ = intake.reply.send(outcome);
    }
}

/// One enqueue in the caller's transaction: `None` for a delivery id seen before.
fn enqueue_one(tx: &Connection, intake: &Intake) -> Result<Option<Enqueued>> {
    if let Some(delivery_id) = &intake.delivery_id {
        let new = tx
            .prepare_cached(&q(sql::INSERT_DELIVERY))?
            .execute((delivery_id, intake.now))?
            == 1;
        if !new {
            return Ok(None);
        }
    }
    enqueue_in(tx, intake.now, &intake.job).map(Some)
}

pub(crate) fn insert_delivery(conn: &mut Connection, now: i64, delivery_id: &str) -> Result<bool> {
    let n = conn
        .prepare_cached(&q(sql::INSERT_DELIVERY))?
        .execute((delivery_id, now))?;
    Ok(n == 1)
}

pub(crate) fn lease(
    conn: &mut Connection,
    now: i64,
    worker: &str,
    kinds: &[JobKind],
    max: u32,
    lease_ms: i64,
) -> Result<Vec<Leased>> {
    let tx = immediate(conn)?;
    let mut leased = Vec::new();
    {
        let mut stmt = tx.prepare_cached(&q(&sql::lease(kinds, "")))?;
        let rows = stmt.query_map(
            (worker, now.saturating_add(lease_ms), now, i64::from(max)),
            row_to_job,
        )?;
        for raw in rows {
            leased.push(raw?.into_leased()?);
        }
    }
    tx.commit()?;
    leased.sort_by_key(|l| (l.job.next_run, l.job.id));
    Ok(leased)
}

pub(crate) fn lease_job(
    conn: &mut Connection,
    now: i64,
    worker: &str,
    id: i64,
    lease_ms: i64,
) -> Result<Option<Leased>> {
    let tx = immediate(conn)?;
    let raw = tx
        .prepare_cached(&q(&sql::lease_job("")))?
        .query_row(
            (worker, now.saturating_add(lease_ms), now, 1i64, id),
            row_to_job,
        )
        .optional()?;
    tx.commit()?;
    raw.map(RawJob::into_leased).transpose()
}

/// Runs one of the lease-checked updates; [`StoreError::LeaseLost`] when it matched no row.
fn held(tx: &Connection, sql: &str, lease: Lease, params: &[&dyn rusqlite::ToSql]) -> Result<()> {
    let mut all: Vec<&dyn rusqlite::ToSql> = vec![&lease.job_id, &lease.token];
    all.extend_from_slice(params);
    let n = tx.prepare_cached(&q(sql))?.execute(all.as_slice())?;
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::LeaseLost {
            job_id: lease.job_id,
        })
    }
}

pub(crate) fn complete(
    conn: &mut Connection,
    now: i64,
    lease: Lease,
    effects: &[Effect],
) -> Result<()> {
    let tx = immediate(conn)?;
    held(&tx, sql::COMPLETE, lease, &[&now])?;
    for effect in effects {
        apply(&tx, now, lease.job_id, effect)?;
    }
    tx.commit()?;
    Ok(())
}

/// Completes each job with its effects in one transaction (one write to disk), each in a
/// savepoint of its own: a lost lease or a conflict fails that job alone.
pub(crate) fn complete_many(
    conn: &mut Connection,
    now: i64,
    items: &[(Lease, Vec<Effect>)],
) -> Result<Vec<Result<()>>> {
    let mut tx = immediate(conn)?;
    let mut outcomes = Vec::with_capacity(items.len());
    for (lease, effects) in items {
        let item = tx.savepoint()?;
        let done = held(&item, sql::COMPLETE, *lease, &[&now]).and_then(|()| {
            effects
                .iter()
                .try_for_each(|effect| apply(&item, now, lease.job_id, effect))
        });
        match done {
            Ok(()) => {
                item.commit()?;
                outcomes.push(Ok(()));
            }
            Err(e @ (StoreError::LeaseLost { .. } | StoreError::Conflict(_))) => {
                drop(item); // rolls back to the savepoint
                outcomes.push(Err(e));
            }
            Err(e) => return Err(e),
        }
    }
    tx.commit()?;
    Ok(outcomes)
}

fn apply(tx: &Connection, now: i64, job_id: i64, effect: &Effect) -> Result<()> {
    match effect {
        Effect::Correlate(c) => {
            tx.prepare_cached(&q(sql::INSERT_CORRELATION))?
                .execute((
                    &c.source_entity,
                    c.source_id,
                    &c.mapping,
                    c.work_order_id,
                    now,
                ))
                .map_err(|e| {
                    conflict(e, || {
                        format!(
                            "{}:{} ({}) or work order {} is already correlated",
                            c.source_entity, c.source_id, c.mapping, c.work_order_id
                        )
                    })
                })?;
        }
        Effect::Synced {
            work_order_id,
            event_at,
        } => {
            let n = tx.prepare_cached(&q(sql::SYNCED))?.execute((
                work_order_id,
                now,
                event_at.map(|t| t.as_millisecond()),
            ))?;
            if n == 0 {
                return Err(StoreError::Conflict(format!(
                    "work order {work_order_id} has no correlation"
                )));
            }
        }
        Effect::Applied(marker) => {
            tx.prepare_cached(&q(sql::INSERT_APPLIED))?
                .execute((marker, job_id, now))?;
        }
        Effect::Enqueue(job) => {
            enqueue_in(tx, now, job)?;
        }
        Effect::Watermark { mapping, value } => {
            tx.prepare_cached(&q(sql::SET_WATERMARK))?
                .execute((mapping, value, now))?;
        }
    }
    Ok(())
}

pub(crate) fn retry(
    conn: &mut Connection,
    now: i64,
    lease: Lease,
    at: i64,
    error: &str,
) -> Result<()> {
    let tx = immediate(conn)?;
    let merged: Vec<i64> = tx
        .prepare_cached(&q(sql::MERGE_QUEUED_TWIN))?
        .query_map((lease.job_id, lease.token, now), |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for twin in merged {
        tx.prepare_cached(&q(sql::MOVE_ERRORS))?
            .execute((lease.job_id, twin))?;
    }
    held(&tx, sql::RETRY, lease, &[&at, &error, &now])?;
    tx.prepare_cached(&q(sql::RECORD_ERROR))?
        .execute((lease.job_id, now, error))?;
    tx.commit()?;
    Ok(())
}

pub(crate) fn dead_letter(
    conn: &mut Connection,
    now: i64,
    lease: Lease,
    reason: &str,
) -> Result<()> {
    let tx = immediate(conn)?;
    held(&tx, sql::DEAD_LETTER, lease, &[&reason, &now])?;
    tx.prepare_cached(&q(sql::RECORD_ERROR))?
        .execute((lease.job_id, now, reason))?;
    tx.commit()?;
    Ok(())
}

pub(crate) fn extend(conn: &mut Connection, now: i64, lease: Lease, until: i64) -> Result<()> {
    let tx = immediate(conn)?;
    held(&tx, sql::EXTEND, lease, &[&until, &now])?;
    tx.commit()?;
    Ok(())
}

pub(crate) fn job(conn: &mut Connection, id: i64) -> Result<Option<Job>> {
    conn.prepare_cached(&q(sql::GET_JOB))?
        .query_row([id], row_to_job)
        .optional()?
        .map(RawJob::into_job)
        .transpose()
}

pub(crate) fn jobs(conn: &mut Connection, filter: &JobFilter) -> Result<Vec<Job>> {
    let (text, params) = sql::list(filter);
    let params: Vec<&dyn rusqlite::ToSql> = params
        .iter()
        .map(|p| match p {
            sql::ListParam::Text(t) => t as &dyn rusqlite::ToSql,
            sql::ListParam::Int(i) => i as &dyn rusqlite::ToSql,
        })
        .collect();
    let mut stmt = conn.prepare_cached(&q(&text))?;
    let rows = stmt.query_map(params.as_slice(), row_to_job)?;
    rows.map(|r| r?.into_job()).collect()
}

pub(crate) fn requeue(conn: &mut Connection, now: i64, id: i64) -> Result<Job> {
    let tx = immediate(conn)?;
    let raw = tx
        .prepare_cached(&q(sql::REQUEUE))?
        .query_row((id, now), row_to_job)
        .optional()
        .map_err(|e| {
            conflict(e, || {
                format!("job {id}: another job with its kind and key is open")
            })
        })?;
    let Some(raw) = raw else {
        return Err(StoreError::Job(
            id,
            "no such job, or it is not dead or queued".into(),
        ));
    };
    tx.commit()?;
    raw.into_job()
}

pub(crate) fn job_errors(conn: &mut Connection, id: i64) -> Result<Vec<JobError>> {
    let mut stmt = conn.prepare_cached(&q(sql::JOB_ERRORS))?;
    let rows = stmt.query_map([id], |r| {
        Ok(JobError {
            attempt: u32::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
            at: from_millis(r.get(1)?),
            error: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn drop_job(conn: &mut Connection, id: i64) -> Result<bool> {
    let tx = immediate(conn)?;
    let dropped = tx.prepare_cached(&q(sql::DROP_JOB))?.execute([id])? == 1;
    if dropped {
        tx.prepare_cached(&q(sql::FORGET_JOB_ERRORS))?
            .execute([id])?;
    }
    tx.commit()?;
    Ok(dropped)
}

pub(crate) fn purge(conn: &mut Connection, before: i64, dead_too: bool) -> Result<u64> {
    let tx = immediate(conn)?;
    let n = tx
        .prepare_cached(&q(sql::PURGE))?
        .execute((before, dead_too))?;
    tx.prepare_cached(sql::FORGET_ERRORS)?.execute([])?;
    tx.commit()?;
    Ok(n as u64)
}

pub(crate) fn counts(conn: &mut Connection) -> Result<Vec<JobCount>> {
    let mut stmt = conn.prepare_cached(sql::COUNTS)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    rows.map(|r| {
        let (kind, state, count, oldest, earliest) = r?;
        Ok(JobCount {
            kind: kind.parse()?,
            state: state.parse()?,
            count: u64::try_from(count).unwrap_or(0),
            oldest_created: from_millis(oldest),
            earliest_next_run: from_millis(earliest),
        })
    })
    .collect()
}

pub(crate) fn correlation(
    conn: &mut Connection,
    entity: &str,
    id: i64,
    mapping: &str,
) -> Result<Option<Correlation>> {
    Ok(conn
        .prepare_cached(&q(sql::CORRELATION))?
        .query_row((entity, id, mapping), row_to_correlation)
        .optional()?)
}

pub(crate) fn correlations(
    conn: &mut Connection,
    records: &[(String, i64, String)],
) -> Result<Vec<Correlation>> {
    let mut stmt = conn.prepare_cached(&q(sql::CORRELATION))?;
    let mut found = Vec::new();
    for (entity, id, mapping) in records {
        if let Some(c) = stmt
            .query_row((entity, id, mapping), row_to_correlation)
            .optional()?
        {
            found.push(c);
        }
    }
    Ok(found)
}

pub(crate) fn correlation_for_work_order(
    conn: &mut Connection,
    work_order_id: i64,
) -> Result<Option<Correlation>> {
    Ok(conn
        .prepare_cached(&q(sql::CORRELATION_FOR_WORK_ORDER))?
        .query_row([work_order_id], row_to_correlation)
        .optional()?)
}

pub(crate) fn mark_applied(
    conn: &mut Connection,
    now: i64,
    marker: &str,
    job_id: Option<i64>,
) -> Result<bool> {
    Ok(conn
        .prepare_cached(&q(sql::INSERT_APPLIED))?
        .execute((marker, job_id, now))?
        == 1)
}

pub(crate) fn is_applied(conn: &mut Connection, marker: &str) -> Result<bool> {
    let n: i64 = conn
        .prepare_cached(&q(sql::IS_APPLIED))?
        .query_row([marker], |r| r.get(0))?;
    Ok(n > 0)
}

pub(crate) fn record_calls(conn: &mut Connection, entries: &[AuditEntry]) -> Result<()> {
    let tx = immediate(conn)?;
    {
        let mut stmt = tx.prepare_cached(&q(sql::INSERT_AUDIT))?;
        for e in entries {
            stmt.execute((
                e.at.as_millisecond(),
                &e.api,
                &e.operation,
                &e.target,
                &e.outcome,
                e.duration_ms,
                e.job_id,
            ))?;
        }
    }
    tx.commit()?;
    Ok(())
}

pub(crate) fn calls(
    conn: &mut Connection,
    job_id: Option<i64>,
    limit: u32,
) -> Result<Vec<AuditRecord>> {
    let read = |r: &Row<'_>| {
        Ok(AuditRecord {
            id: r.get(0)?,
            entry: AuditEntry {
                at: from_millis(r.get(1)?),
                api: r.get(2)?,
                operation: r.get(3)?,
                target: r.get(4)?,
                outcome: r.get(5)?,
                duration_ms: r.get(6)?,
                job_id: r.get(7)?,
            },
        })
    };
    let limit = i64::from(limit);
    let rows = match job_id {
        Some(job) => conn
            .prepare_cached(&q(sql::AUDIT_FOR_JOB))?
            .query_map((job, limit), read)?
            .collect::<rusqlite::Result<Vec<_>>>()?,
        None => conn
            .prepare_cached(&q(sql::AUDIT))?
            .query_map([limit], read)?
            .collect::<rusqlite::Result<Vec<_>>>()?,
    };
    Ok(rows)
}

pub(crate) fn watermark(conn: &mut Connection, mapping: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(&q(sql::WATERMARK))?
        .query_row([mapping], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set_watermark(
    conn: &mut Connection,
    now: i64,
    mapping: &str,
    value: &str,
) -> Result<()> {
    conn.prepare_cached(&q(sql::SET_WATERMARK))?
        .execute((mapping, value, now))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synchronous(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap_or(-1)
    }

    /// A relaxed write skips only its own flush: the connection is back to FULL after it, even
    /// when the write failed, so the next acknowledgement is flushed.
    #[test]
    fn relaxed_writes_leave_the_connection_flushing() -> Result<()> {
        let dir = std::env::temp_dir().join(format!("fieldmap_relaxed_{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| StoreError::Data(e.to_string()))?;
        let mut conn = connect(&dir.join("store.db"), 0)?;
        assert_eq!(synchronous(&conn), 2, "FULL after opening");
        let inside = relaxed(&mut conn, |c| Ok(synchronous(c)))?;
        assert_eq!(inside, 1, "NORMAL inside a relaxed write");
        assert_eq!(synchronous(&conn), 2);
        let failed: Result<()> = relaxed(&mut conn, |_| Err(StoreError::Data("refused".into())));
        assert!(failed.is_err());
        assert_eq!(
            synchronous(&conn),
            2,
            "FULL again after a failed relaxed write"
        );
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
