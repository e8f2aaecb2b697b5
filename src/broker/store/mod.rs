//! The broker's durable store and queue: jobs with leases (and every failed attempt's error),
//! correlations, processed delivery ids, applied markers, the audit trail of external calls,
//! and polling watermarks.
//!
//! Two backends behind one async API, chosen by URL:
//!
//! - **SQLite** (`sqlite:PATH`, `sqlite::memory:`), the default: a file, nothing to set up. One
//!   connection on a thread of its own; each write an immediate transaction, except that
//!   enqueues waiting together are committed together (intake's acknowledgement waits for one
//!   flush to disk, not for one per request ahead of it).
//! - **PostgreSQL** (`postgres://…`), for several broker processes sharing one queue: a small
//!   pool, leases with `FOR UPDATE SKIP LOCKED`.
//!
//! The drivers are rusqlite (SQLite compiled in) and tokio-postgres: two small crates, about a
//! fifth of what sqlx with both backends adds to the build. The SQL is written once
//! ([`sql`]); only the id column and the row lock differ.
//!
//! The life of a job: [`Store::enqueue`] (idempotent: one queued job per kind and key) →
//! [`Store::lease`] (a worker takes due jobs for a while; one job of a lane at a time) → [`Store::complete`] with its
//! [`Effect`]s in the same transaction, or [`Store::retry`] at a later time, or
//! [`Store::dead_letter`]. Each of the three needs the [`Lease`] it was given: once a lease
//! has run out and another worker took the job, the first can no longer finish it.

mod audit;
mod clock;
mod correlation;
mod effect;
mod error;
mod job;
mod migrations;
mod pool;
mod postgres;
mod serving_lock;
mod sql;
mod sqlite;

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

pub use audit::{AuditEntry, AuditRecord};
pub use clock::Clock;
pub use correlation::{Correlation, NewCorrelation};
pub use effect::Effect;
pub use error::{Result, StoreError};
pub use serving_lock::ServingLock;
pub use job::{
    Enqueued, Job, JobCount, JobError, JobFilter, JobKind, JobState, Lease, Leased, NewJob,
};

use clock::duration_millis;
use postgres::Postgres;
use sqlite::Sqlite;

/// How to open a store, beyond its URL.
#[derive(Debug, Clone)]
pub struct Options {
    /// PostgreSQL: the schema to keep the tables in, created if missing (letters, digits and
    /// `_`). `None`: the connection's default (`public`).
    pub schema: Option<String>,
    /// PostgreSQL: at most this many connections at once.
    pub pool_size: usize,
    /// The clock jobs are stamped and scheduled with.
    pub clock: Clock,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            schema: None,
            pool_size: 8,
            clock: Clock::system(),
        }
    }
}

/// The store: cheap to clone, shared by every task of a broker.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
    clock: Clock,
}

#[derive(Clone)]
enum Backend {
    Sqlite(Arc<Sqlite>),
    Postgres(Arc<Postgres>),
}

/// Runs a SQLite function on its thread, or awaits the PostgreSQL method of the same name.
macro_rules! on_backend {
    ($self:ident, |$conn:ident| $sqlite:expr, |$pg:ident| $postgres:expr) => {
        match &$self.backend {
            Backend::Sqlite(db) => db.call(move |$conn| $sqlite).await,
            Backend::Postgres($pg) => $postgres.await,
        }
    };
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.backend {
            Backend::Sqlite(db) => write!(f, "Store(sqlite:{})", db.path().display()),
            Backend::Postgres(_) => f.write_str("Store(postgres)"),
        }
    }
}

impl Store {
    /// Opens the store at `url` and applies any migration it lacks.
    ///
    /// # Errors
    ///
    /// An unknown or malformed URL; the database cannot be opened or migrated.
    pub async fn open(url: &str) -> Result<Store> {
        Store::open_with(url, Options::default()).await
    }

    /// Opens the store at `url` with `options`.
    ///
    /// # Errors
    ///
    /// As [`Store::open`].
    pub async fn open_with(url: &str, options: Options) -> Result<Store> {
        let now = options.clock.now_millis();
        let backend = if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(StoreError::Url(format!("`{url}` names no file")));
            }
            Backend::Sqlite(Arc::new(Sqlite::open(&PathBuf::from(path), now).await?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let config = tokio_postgres::Config::from_str(url)
                .map_err(|e| StoreError::Url(format!("`{url}`: {e}")))?;
            Backend::Postgres(Arc::new(
                Postgres::open(config, options.schema.as_deref(), options.pool_size, now).await?,
            ))
        } else {
            return Err(StoreError::Url(format!(
                "`{url}`: expected sqlite:PATH or postgres://…"
            )));
        };
        Ok(Store {
            backend,
            clock: options.clock,
        })
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The store's clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    fn now(&self) -> i64 {
        self.clock.now_millis()
    }

    /// The newest migration this build knows for the store's backend: a store whose latest
    /// applied migration is older is not ready.
    pub fn latest_migration(&self) -> i64 {
        let list = match self.backend {
            Backend::Sqlite(_) => migrations::SQLITE,
            Backend::Postgres(_) => migrations::POSTGRES,
        };
        list.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// The migrations applied, in order: `(version, name)`.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn migrations(&self) -> Result<Vec<(i64, String)>> {
        on_backend!(self, |c| sqlite::migrations(c), |db| db.migrations())
    }

    // ---- jobs ----

    /// Enqueues a job unless a queued job has its kind and key; then that job is returned,
    /// unchanged, with `created: false`. A leased job does not take the notice in (its worker
    /// may have read the record already): a new job is queued, and runs after it in the lane.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn enqueue(&self, job: NewJob) -> Result<Enqueued> {
        let now = self.now();
        match &self.backend {
            Backend::Sqlite(db) => db
                .enqueue(now, None, job)
                .await?
                .ok_or_else(|| StoreError::Data("an enqueue without a delivery id".into())),
            Backend::Postgres(db) => db.enqueue(now, &job).await,
        }
    }

    /// Records a Field Nation delivery id and enqueues its job, in one transaction: `None`
    /// (and nothing enqueued) when the delivery id was seen before.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn enqueue_delivery(
        &self,
        delivery_id: &str,
        job: NewJob,
    ) -> Result<Option<Enqueued>> {
        let now = self.now();
        let id = delivery_id.to_string();
        match &self.backend {
            Backend::Sqlite(db) => db.enqueue(now, Some(id), job).await,
            Backend::Postgres(db) => db.enqueue_delivery(now, &id, &job).await,
        }
    }

    /// Records a delivery id: whether it was new.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn insert_delivery(&self, delivery_id: &str) -> Result<bool> {
        let now = self.now();
        let id = delivery_id.to_string();
        on_backend!(self, |c| sqlite::insert_delivery(c, now, &id), |db| db
            .insert_delivery(now, &id))
    }

    /// Becomes the store's one serving broker. SQLite: takes the file's [`ServingLock`]
    /// (refused while another broker holds it) and makes the jobs an earlier process leased
    /// due now, since that process is gone; hold the lock while serving. PostgreSQL (shared by
    /// several brokers) and in-memory SQLite: `None`, and leases run out as usual.
    ///
    /// # Errors
    ///
    /// Another broker serves the file; the lock file or the database failed.
    pub async fn serve_alone(&self) -> Result<Option<ServingLock>> {
        let Backend::Sqlite(db) = &self.backend else {
            return Ok(None);
        };
        if db.path().as_os_str() == ":memory:" {
            return Ok(None);
        }
        let lock = serving_lock::take(db.path())?;
        let now = self.now();
        db.call(move |c| {
            c.execute(sql::RELEASE_LEASES, rusqlite::params![now])?;
            Ok(())
        })
        .await?;
        Ok(Some(lock))
    }

    /// Takes up to `max` due jobs (of `kinds`, or of any kind when empty) for `worker`, for
    /// `lease_for`: queued jobs whose next run has come, and leased jobs whose lease ran out.
    /// Earliest due first. Each counts as an attempt. Of a lane, only the job first in lane
    /// order is taken, and none while another of the lane is leased: a lane's jobs run one
    /// at a time, in order, across every broker sharing the store.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn lease(
        &self,
        worker: &str,
        kinds: &[JobKind],
        max: u32,
        lease_for: Duration,
    ) -> Result<Vec<Leased>> {
        let now = self.now();
        let ms = duration_millis(lease_for);
        let worker = worker.to_string();
        let kinds = kinds.to_vec();
        on_backend!(
            self,
            |c| sqlite::lease(c, now, &worker, &kinds, max, ms),
            |db| db.lease(now, &worker, &kinds, max, ms)
        )
    }

    /// Takes job `id` for `worker`, as [`Store::lease`] would take it: `None` when it is not
    /// due, another worker holds it, or another job of its lane goes first.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn lease_job(
        &self,
        worker: &str,
        id: i64,
        lease_for: Duration,
    ) -> Result<Option<Leased>> {
        let now = self.now();
        let ms = duration_millis(lease_for);
        let worker = worker.to_string();
        on_backend!(self, |c| sqlite::lease_job(c, now, &worker, id, ms), |db| {
            db.lease_job(now, &worker, id, ms)
        })
    }

    /// Holds a lease longer: it now runs out `lease_for` from now.
    ///
    /// # Errors
    ///
    /// [`StoreError::LeaseLost`]; the database failed.
    pub async fn extend(&self, lease: Lease, lease_for: Duration) -> Result<()> {
        let now = self.now();
        let until = now.saturating_add(duration_millis(lease_for));
        on_backend!(
            self,
            |c| sqlite::relaxed(c, |c| sqlite::extend(c, now, lease, until)),
            |db| db.extend(now, lease, until)
        )
    }

    /// Completes a leased job and writes `effects`, all in one transaction. On SQLite, like
    /// every write a worker makes after its calls, it is not flushed on its own: it reaches the
    /// disk with the next acknowledgement or lease (docs/broker.md, "What is durable when").
    ///
    /// # Errors
    ///
    /// [`StoreError::LeaseLost`]; [`StoreError::Conflict`] from an effect; the database
    /// failed. In each case nothing was written.
    pub async fn complete(&self, lease: Lease, effects: Vec<Effect>) -> Result<()> {
        let now = self.now();
        on_backend!(
            self,
            |c| sqlite::relaxed(c, |c| sqlite::complete(c, now, lease, &effects)),
            |db| db.complete(now, lease, &effects)
        )
    }

    /// Completes several leased jobs, each with its effects, in one transaction: one write to
    /// disk for the batch. Each job is all-or-nothing on its own: a lost lease or a conflicting
    /// effect fails that job (its outcome says why) and leaves the others to complete.
    ///
    /// # Errors
    ///
    /// The database failed; then nothing was written.
    pub async fn complete_many(&self, items: Vec<(Lease, Vec<Effect>)>) -> Result<Vec<Result<()>>> {
        let now = self.now();
        on_backend!(
            self,
            |c| sqlite::relaxed(c, |c| sqlite::complete_many(c, now, &items)),
            |db| db.complete_many(now, &items)
        )
    }

    /// Gives a leased job back, to run again at `at`, with the error that stopped it. A job of
    /// its kind and key queued meanwhile (a notice that came while it ran) is merged into it.
    ///
    /// # Errors
    ///
    /// [`StoreError::LeaseLost`]; the database failed.
    pub async fn retry(&self, lease: Lease, at: Timestamp, error: &str) -> Result<()> {
        let now = self.now();
        let at = at.as_millisecond();
        let error = error.to_string();
        on_backend!(
            self,
            |c| sqlite::relaxed(c, |c| sqlite::retry(c, now, lease, at, &error)),
            |db| db.retry(now, lease, at, &error)
        )
    }

    /// Gives up on a leased job: a dead letter, with the whole reason.
    ///
    /// # Errors
    ///
    /// [`StoreError::LeaseLost`]; the database failed.
    pub async fn dead_letter(&self, lease: Lease, reason: &str) -> Result<()> {
        let now = self.now();
        let reason = reason.to_string();
        on_backend!(
            self,
            |c| sqlite::relaxed(c, |c| sqlite::dead_letter(c, now, lease, &reason)),
            |db| db.dead_letter(now, lease, &reason)
        )
    }

    /// One job.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn job(&self, id: i64) -> Result<Option<Job>> {
        on_backend!(self, |c| sqlite::job(c, id), |db| db.job(id))
    }

    /// Every failed attempt's error of job `id`, oldest first.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn job_errors(&self, id: i64) -> Result<Vec<JobError>> {
        on_backend!(self, |c| sqlite::job_errors(c, id), |db| db.job_errors(id))
    }

    /// Jobs matching `filter`, by id.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn jobs(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        let filter = filter.clone();
        on_backend!(self, |c| sqlite::jobs(c, &filter), |db| db.jobs(&filter))
    }

    /// An operator's retry: a dead letter is queued again with no attempts counted; a queued
    /// job becomes due now.
    ///
    /// # Errors
    ///
    /// [`StoreError::Job`] when there is no such job or it is leased or done;
    /// [`StoreError::Conflict`] when another queued job has its kind and key.
    pub async fn requeue(&self, id: i64) -> Result<Job> {
        let now = self.now();
        on_backend!(self, |c| sqlite::requeue(c, now, id), |db| db
            .requeue(now, id))
    }

    /// Deletes a job that no worker holds: whether it did.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn drop_job(&self, id: i64) -> Result<bool> {
        on_backend!(self, |c| sqlite::drop_job(c, id), |db| db.drop_job(id))
    }

    /// Deletes finished jobs last changed before `before`: done ones, and dead letters too
    /// when `dead_too`. How many it deleted.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn purge(&self, before: Timestamp, dead_too: bool) -> Result<u64> {
        let before = before.as_millisecond();
        on_backend!(self, |c| sqlite::purge(c, before, dead_too), |db| db
            .purge(before, dead_too))
    }

    /// How many jobs of each kind are in each state, with the oldest.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn counts(&self) -> Result<Vec<JobCount>> {
        on_backend!(self, |c| sqlite::counts(c), |db| db.counts())
    }

    // ---- correlations ----

    /// The work order a record was dispatched to by a mapping.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn correlation(
        &self,
        source_entity: &str,
        source_id: i64,
        mapping: &str,
    ) -> Result<Option<Correlation>> {
        let entity = source_entity.to_string();
        let mapping = mapping.to_string();
        on_backend!(
            self,
            |c| sqlite::correlation(c, &entity, source_id, &mapping),
            |db| db.correlation(&entity, source_id, &mapping)
        )
    }

    /// The correlations of several records at once, each `(entity, id, mapping)`: those that
    /// exist, in no particular order (one query for a batch of dispatch jobs).
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn correlations(
        &self,
        records: Vec<(String, i64, String)>,
    ) -> Result<Vec<Correlation>> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        on_backend!(self, |c| sqlite::correlations(c, &records), |db| db
            .correlations(&records))
    }

    /// The record a work order came from.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn correlation_for_work_order(
        &self,
        work_order_id: i64,
    ) -> Result<Option<Correlation>> {
        on_backend!(
            self,
            |c| sqlite::correlation_for_work_order(c, work_order_id),
            |db| db.correlation_for_work_order(work_order_id)
        )
    }

    // ---- applied markers ----

    /// Marks something done once (`note:<delivery id>`): whether the marker was new.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn mark_applied(&self, marker: &str, job_id: Option<i64>) -> Result<bool> {
        let now = self.now();
        let marker = marker.to_string();
        on_backend!(
            self,
            |c| sqlite::relaxed(c, |c| sqlite::mark_applied(c, now, &marker, job_id)),
            |db| db.mark_applied(now, &marker, job_id)
        )
    }

    /// Whether a marker was set.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn is_applied(&self, marker: &str) -> Result<bool> {
        let marker = marker.to_string();
        on_backend!(self, |c| sqlite::is_applied(c, &marker), |db| db
            .is_applied(&marker))
    }

    // ---- audit ----

    /// Appends calls to the audit trail, in one transaction.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn record_calls(&self, entries: Vec<AuditEntry>) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        on_backend!(
            self,
            |c| sqlite::relaxed(c, |c| sqlite::record_calls(c, &entries)),
            |db| db.record_calls(&entries)
        )
    }

    /// The latest `limit` calls, newest first; only those made for `job_id` when given.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn calls(&self, job_id: Option<i64>, limit: u32) -> Result<Vec<AuditRecord>> {
        on_backend!(self, |c| sqlite::calls(c, job_id, limit), |db| db
            .calls(job_id, limit))
    }

    // ---- watermarks ----

    /// A mapping's polling watermark.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn watermark(&self, mapping: &str) -> Result<Option<String>> {
        let mapping = mapping.to_string();
        on_backend!(self, |c| sqlite::watermark(c, &mapping), |db| db
            .watermark(&mapping))
    }

    /// Sets a mapping's polling watermark (see also [`Effect::Watermark`]).
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn set_watermark(&self, mapping: &str, value: &str) -> Result<()> {
        let now = self.now();
        let mapping = mapping.to_string();
        let value = value.to_string();
        on_backend!(
            self,
            |c| sqlite::set_watermark(c, now, &mapping, &value),
            |db| db.set_watermark(now, &mapping, &value)
        )
    }

    // ---- tear-down ----

    /// PostgreSQL: drops the schema given in [`Options::schema`] with everything in it (for
    /// tests and throw-away stores).
    ///
    /// # Errors
    ///
    /// On SQLite, or without a schema of its own; the database failed.
    pub async fn drop_schema(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(_) => Err(StoreError::Url("SQLite has no schema to drop".into())),
            Backend::Postgres(db) => db.drop_schema().await,
        }
    }
}
