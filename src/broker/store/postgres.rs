//! The PostgreSQL backend, for several broker processes sharing one queue. Workers lease with
//! `FOR UPDATE SKIP LOCKED`: each takes rows no other transaction holds, so no job is taken
//! twice and nobody waits on another's rows. Enqueue relies on the partial unique index
//! (one open job per kind and key) and `ON CONFLICT DO NOTHING`, so concurrent identical
//! enqueues from several processes leave one job.

use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Config, GenericClient, Row};

use super::audit::{AuditEntry, AuditRecord};
use super::clock::from_millis;
use super::correlation::Correlation;
use super::effect::Effect;
use super::error::{Result, StoreError};
use super::job::{
    Enqueued, Job, JobCount, JobError, JobFilter, JobKind, Lease, Leased, NewJob, RawJob,
};
use super::migrations;
use super::pool::Pool;
use super::sql;

/// Held while migrating, so that brokers starting together migrate one after the other.
const MIGRATION_LOCK: i64 = 0x6669_656c_646d_6170; // "fieldmap"

type Params<'a> = [&'a (dyn ToSql + Sync)];

/// The audit trail's rows from one array per column (PostgreSQL's `UNNEST`).
const INSERT_AUDIT_ROWS: &str = "INSERT INTO audit \
     (at, api, operation, target, outcome, duration_ms, job_id) \
     SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], \
     $6::BIGINT[], $7::BIGINT[])";

/// The correlations of several records: `$1` entities, `$2` ids, `$3` mappings, as arrays.
const CORRELATIONS: &str = "SELECT c.source_entity, c.source_id, c.mapping, c.work_order_id, \
     c.created, c.last_synced, c.last_event_at FROM correlations c \
     JOIN UNNEST($1::TEXT[], $2::BIGINT[], $3::TEXT[]) AS r (entity, id, mapping) \
     ON c.source_entity = r.entity AND c.source_id = r.id AND c.mapping = r.mapping";

pub(crate) struct Postgres {
    pub(crate) pool: Pool,
    /// The schema the store lives in, quoted, when it is not the connection's default.
    schema: Option<String>,
}

impl Postgres {
    pub(crate) async fn open(
        config: Config,
        schema: Option<&str>,
        pool_size: usize,
        now: i64,
    ) -> Result<Postgres> {
        let schema = schema.map(quote).transpose()?;
        let store = Postgres {
            pool: Pool::new(config, schema.clone(), pool_size),
            schema,
        };
        let mut conn = store.pool.get().await?;
        let tx = conn.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        if let Some(schema) = &store.schema {
            tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .await?;
        }
        tx.batch_execute(migrations::TABLE).await?;
        let done: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations",
                &[],
            )
            .await?
            .try_get(0)?;
        for m in migrations::POSTGRES.iter().filter(|m| m.version > done) {
            tx.batch_execute(m.sql).await?;
            tx.execute(sql::RECORD_MIGRATION, &[&m.version, &m.name, &now])
                .await?;
        }
        tx.commit().await?;
        drop(conn);
        Ok(store)
    }

    /// Drops the store's own schema with everything in it.
    pub(crate) async fn drop_schema(&self) -> Result<()> {
        let Some(schema) = &self.schema else {
            return Err(StoreError::Url(
                "the store has no schema of its own to drop".into(),
            ));
        };
        let conn = self.pool.get().await?;
        conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .await?;
        Ok(())
    }
}

/// A schema name, checked and quoted: letters, digits and `_` only.
fn quote(name: &str) -> Result<String> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::Url(format!(
            "schema `{name}`: use letters, digits and `_` only"
        )));
    }
    Ok(format!("\"{name}\""))
}

fn conflict(e: tokio_postgres::Error, what: impl FnOnce() -> String) -> StoreError {
    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        StoreError::Conflict(what())
    } else {
        StoreError::Postgres(e)
    }
}

fn raw_job(r: &Row) -> Result<RawJob> {
    Ok(RawJob {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        key: r.try_get(2)?,
        payload: r.try_get(3)?,
        state: r.try_get(4)?,
        attempts: i64::from(r.try_get::<_, i32>(5)?),
        lease_owner: r.try_get(6)?,
        lease_token: r.try_get(7)?,
        lease_expires: r.try_get(8)?,
        next_run: r.try_get(9)?,
        last_error: r.try_get(10)?,
        created: r.try_get(11)?,
        updated: r.try_get(12)?,
        merged_into: r.try_get(13)?,
    })
}

fn correlation_row(r: &Row) -> Result<Correlation> {
    Ok(Correlation {
        source_entity: r.try_get(0)?,
        source_id: r.try_get(1)?,
        mapping: r.try_get(2)?,
        work_order_id: r.try_get(3)?,
        created: from_millis(r.try_get(4)?),
        last_synced: r.try_get::<_, Option<i64>>(5)?.map(from_millis),
        last_event_at: r.try_get::<_, Option<i64>>(6)?.map(from_millis),
    })
}

impl Postgres {
    pub(crate) async fn migrations(&self) -> Result<Vec<(i64, String)>> {
        let conn = self.pool.get().await?;
        conn.query(sql::MIGRATIONS, &[])
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    pub(crate) async fn enqueue(&self, now: i64, job: &NewJob) -> Result<Enqueued> {
        let conn = self.pool.get().await?;
        enqueue_in(&*conn, now, job).await
    }

    pub(crate) async fn enqueue_delivery(
        &self,
        now: i64,
        delivery_id: &str,
        job: &NewJob,
    ) -> Result<Option<Enqueued>> {
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        if tx
            .execute(sql::INSERT_DELIVERY, &[&delivery_id, &now])
            .await?
            == 0
        {
            return Ok(None);
        }
        let enqueued = enqueue_in(&tx, now, job).await?;
        tx.commit().await?;
        Ok(Some(enqueued))
    }

    pub(crate) async fn insert_delivery(&self, now: i64, delivery_id: &str) -> Result<bool> {
        let conn = self.pool.get().await?;
        Ok(conn
            .execute(sql::INSERT_DELIVERY, &[&delivery_id, &now])
            .await?
            == 1)
    }

    pub(crate) async fn lease(
        &self,
        now: i64,
        worker: &str,
        kinds: &[JobKind],
        max: u32,
        lease_ms: i64,
    ) -> Result<Vec<Leased>> {
        let conn = self.pool.get().await?;
        let expires = now.saturating_add(lease_ms);
        let text = sql::lease(kinds, "FOR UPDATE SKIP LOCKED");
        let params: &Params<'_> = &[&worker, &expires, &now, &i64::from(max)];
        // Another broker leased a job of one of our lanes after our snapshot was taken: the
        // lane's unique index refused ours. Asked again, the query sees that lease.
        let mut tries = 0;
        let rows = loop {
            match conn.query(&text, params).await {
                Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) && tries < LEASE_TRIES => {
                    tries += 1;
                }
                other => break other?,
            }
        };
        let mut leased = rows
            .iter()
            .map(|r| raw_job(r)?.into_leased())
            .collect::<Result<Vec<_>>>()?;
        leased.sort_by_key(|l| (l.job.next_run, l.job.id));
        Ok(leased)
    }

    pub(crate) async fn lease_job(
        &self,
        now: i64,
        worker: &str,
        id: i64,
        lease_ms: i64,
    ) -> Result<Option<Leased>> {
        let conn = self.pool.get().await?;
        let expires = now.saturating_add(lease_ms);
        let text = sql::lease_job("FOR UPDATE SKIP LOCKED");
        let params: &Params<'_> = &[&worker, &expires, &now, &1i64, &id];
        let mut tries = 0;
        let row = loop {
            match conn.query_opt(&text, params).await {
                Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) && tries < LEASE_TRIES => {
                    tries += 1;
                }
                other => break other?,
            }
        };
        row.map(|r| raw_job(&r)?.into_leased()).transpose()
    }

    /// Runs one of the lease-checked updates alone.
    async fn held_alone(&self, sql: &str, lease: Lease, params: &Params<'_>) -> Result<()> {
        let conn = self.pool.get().await?;
        held(&*conn, sql, lease, params).await
    }

    pub(crate) async fn complete(&self, now: i64, lease: Lease, effects: &[Effect]) -> Result<()> {
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        held(&tx, sql::COMPLETE, lease, &[&now]).await?;
        for effect in effects {
            apply(&tx, now, lease.job_id, effect).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn complete_many(
        &self,
        now: i64,
        items: &[(Lease, Vec<Effect>)],
    ) -> Result<Vec<Result<()>>> {
        let mut conn = self.pool.get().await?;
        let mut tx = conn.transaction().await?;
        let mut outcomes = Vec::with_capacity(items.len());
        for (lease, effects) in items {
            let item = tx.savepoint("item").await?;
            let done = async {
                held(&item, sql::COMPLETE, *lease, &[&now]).await?;
                for effect in effects {
                    apply(&item, now, lease.job_id, effect).await?;
                }
                Ok(())
            }
            .await;
            match done {
                Ok(()) => {
                    item.commit().await?;
                    outcomes.push(Ok(()));
                }
                Err(e @ (StoreError::LeaseLost { .. } | StoreError::Conflict(_))) => {
                    item.rollback().await?;
                    outcomes.push(Err(e));
                }
                Err(e) => return Err(e),
            }
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    pub(crate) async fn retry(&self, now: i64, lease: Lease, at: i64, error: &str) -> Result<()> {
        let mut conn = self.pool.get().await?;
        let mut tries = 0;
        loop {
            let tx = conn.transaction().await?;
            match retry_in(&tx, now, lease, at, error).await {
                Ok(()) => {
                    tx.commit().await?;
                    return Ok(());
                }
                // A notice queued its job between the merge and the update: merge again.
                Err(StoreError::Postgres(e))
                    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) && tries < LEASE_TRIES =>
                {
                    tries += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    pub(crate) async fn dead_letter(&self, now: i64, lease: Lease, reason: &str) -> Result<()> {
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        failed_in(&tx, now, lease, reason, sql::DEAD_LETTER, &[&reason, &now]).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn job_errors(&self, id: i64) -> Result<Vec<JobError>> {
        let conn = self.pool.get().await?;
        conn.query(sql::JOB_ERRORS, &[&id])
            .await?
            .iter()
            .map(|r| {
                Ok(JobError {
                    attempt: u32::try_from(r.try_get::<_, i32>(0)?).unwrap_or(0),
                    at: from_millis(r.try_get(1)?),
                    error: r.try_get(2)?,
                })
            })
            .collect()
    }

    pub(crate) async fn extend(&self, now: i64, lease: Lease, until: i64) -> Result<()> {
        self.held_alone(sql::EXTEND, lease, &[&until, &now]).await
    }

    pub(crate) async fn job(&self, id: i64) -> Result<Option<Job>> {
        let conn = self.pool.get().await?;
        conn.query_opt(sql::GET_JOB, &[&id])
            .await?
            .map(|r| raw_job(&r)?.into_job())
            .transpose()
    }

    pub(crate) async fn jobs(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        let (text, params) = sql::list(filter);
        let params: Vec<&(dyn ToSql + Sync)> = params
            .iter()
            .map(|p| match p {
                sql::ListParam::Text(t) => t as &(dyn ToSql + Sync),
                sql::ListParam::Int(i) => i as &(dyn ToSql + Sync),
            })
            .collect();
        let conn = self.pool.get().await?;
        conn.query(&text, &params)
            .await?
            .iter()
            .map(|r| raw_job(r)?.into_job())
            .collect()
    }

    pub(crate) async fn requeue(&self, now: i64, id: i64) -> Result<Job> {
        let conn = self.pool.get().await?;
        let row = conn
            .query_opt(sql::REQUEUE, &[&id, &now])
            .await
            .map_err(|e| {
                conflict(e, || {
                    format!("job {id}: another job with its kind and key is open")
                })
            })?;
        match row {
            Some(row) => raw_job(&row)?.into_job(),
            None => Err(StoreError::Job(
                id,
                "no such job, or it is not dead or queued".into(),
            )),
        }
    }

    pub(crate) async fn drop_job(&self, id: i64) -> Result<bool> {
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        let dropped = tx.execute(sql::DROP_JOB, &[&id]).await? == 1;
        if dropped {
            tx.execute(sql::FORGET_JOB_ERRORS, &[&id]).await?;
        }
        tx.commit().await?;
        Ok(dropped)
    }

    pub(crate) async fn purge(&self, before: i64, dead_too: bool) -> Result<u64> {
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        let n = tx.execute(sql::PURGE, &[&before, &dead_too]).await?;
        tx.execute(sql::FORGET_ERRORS, &[]).await?;
        tx.commit().await?;
        Ok(n)
    }

    pub(crate) async fn counts(&self) -> Result<Vec<JobCount>> {
        let conn = self.pool.get().await?;
        conn.query(sql::COUNTS, &[])
            .await?
            .iter()
            .map(|r| {
                Ok(JobCount {
                    kind: r.try_get::<_, String>(0)?.parse()?,
                    state: r.try_get::<_, String>(1)?.parse()?,
                    count: u64::try_from(r.try_get::<_, i64>(2)?).unwrap_or(0),
                    oldest_created: from_millis(r.try_get(3)?),
                    earliest_next_run: from_millis(r.try_get(4)?),
                })
            })
            .collect()
    }

    pub(crate) async fn correlation(
        &self,
        entity: &str,
        id: i64,
        mapping: &str,
    ) -> Result<Option<Correlation>> {
        let conn = self.pool.get().await?;
        conn.query_opt(sql::CORRELATION, &[&entity, &id, &mapping])
            .await?
            .map(|r| correlation_row(&r))
            .transpose()
    }

    pub(crate) async fn correlations(
        &self,
        records: &[(String, i64, String)],
    ) -> Result<Vec<Correlation>> {
        let entities: Vec<&str> = records.iter().map(|r| r.0.as_str()).collect();
        let ids: Vec<i64> = records.iter().map(|r| r.1).collect();
        let mappings: Vec<&str> = records.iter().map(|r| r.2.as_str()).collect();
        let conn = self.pool.get().await?;
        conn.query(CORRELATIONS, &[&entities, &ids, &mappings])
            .await?
            .iter()
            .map(correlation_row)
            .collect()
    }

    pub(crate) async fn correlation_for_work_order(
        &self,
        work_order_id: i64,
    ) -> Result<Option<Correlation>> {
        let conn = self.pool.get().await?;
        conn.query_opt(sql::CORRELATION_FOR_WORK_ORDER, &[&work_order_id])
            .await?
            .map(|r| correlation_row(&r))
            .transpose()
    }

    pub(crate) async fn mark_applied(
        &self,
        now: i64,
        marker: &str,
        job_id: Option<i64>,
    ) -> Result<bool> {
        let conn = self.pool.get().await?;
        Ok(conn
            .execute(sql::INSERT_APPLIED, &[&marker, &job_id, &now])
            .await?
            == 1)
    }

    pub(crate) async fn is_applied(&self, marker: &str) -> Result<bool> {
        let conn = self.pool.get().await?;
        let n: i64 = conn
            .query_one(sql::IS_APPLIED, &[&marker])
            .await?
            .try_get(0)?;
        Ok(n > 0)
    }

    /// One statement for the whole trail: a round trip per entry made the audit of a batch
    /// (a few hundred calls) the slowest part of its run.
    pub(crate) async fn record_calls(&self, entries: &[AuditEntry]) -> Result<()> {
        let at: Vec<i64> = entries.iter().map(|e| e.at.as_millisecond()).collect();
        let api: Vec<&str> = entries.iter().map(|e| e.api.as_str()).collect();
        let operation: Vec<&str> = entries.iter().map(|e| e.operation.as_str()).collect();
        let target: Vec<Option<&str>> = entries.iter().map(|e| e.target.as_deref()).collect();
        let outcome: Vec<&str> = entries.iter().map(|e| e.outcome.as_str()).collect();
        let duration: Vec<i64> = entries.iter().map(|e| e.duration_ms).collect();
        let job: Vec<Option<i64>> = entries.iter().map(|e| e.job_id).collect();
        let conn = self.pool.get().await?;
        conn.execute(
            INSERT_AUDIT_ROWS,
            &[&at, &api, &operation, &target, &outcome, &duration, &job],
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn calls(&self, job_id: Option<i64>, limit: u32) -> Result<Vec<AuditRecord>> {
        let conn = self.pool.get().await?;
        let limit = i64::from(limit);
        let rows = match job_id {
            Some(job) => conn.query(sql::AUDIT_FOR_JOB, &[&job, &limit]).await?,
            None => conn.query(sql::AUDIT, &[&limit]).await?,
        };
        rows.iter()
            .map(|r| {
                Ok(AuditRecord {
                    id: r.try_get(0)?,
                    entry: AuditEntry {
                        at: from_millis(r.try_get(1)?),
                        api: r.try_get(2)?,
                        operation: r.try_get(3)?,
                        target: r.try_get(4)?,
                        outcome: r.try_get(5)?,
                        duration_ms: r.try_get(6)?,
                        job_id: r.try_get(7)?,
                    },
                })
            })
            .collect()
    }

    pub(crate) async fn watermark(&self, mapping: &str) -> Result<Option<String>> {
        let conn = self.pool.get().await?;
        Ok(conn
            .query_opt(sql::WATERMARK, &[&mapping])
            .await?
            .map(|r| r.try_get(0))
            .transpose()?)
    }

    pub(crate) async fn set_watermark(&self, now: i64, mapping: &str, value: &str) -> Result<()> {
        let conn = self.pool.get().await?;
        conn.execute(sql::SET_WATERMARK, &[&mapping, &value, &now])
            .await?;
        Ok(())
    }
}

/// Inserts the job unless a queued one has its kind and key. Between a conflict and the
/// look-up the queued job may be leased by a worker: then the insert is tried again.
async fn enqueue_in(client: &impl GenericClient, now: i64, job: &NewJob) -> Result<Enqueued> {
    let next_run = job.run_at.map_or(now, |t| t.as_millisecond());
    let lane_order = job.lane_order.map_or(now, |t| t.as_millisecond());
    let kind = job.kind.as_str();
    for _ in 0..ENQUEUE_TRIES {
        if let Some(row) = client
            .query_opt(
                sql::INSERT_JOB,
                &[
                    &kind,
                    &job.key,
                    &job.payload,
                    &next_run,
                    &now,
                    &job.lane,
                    &lane_order,
                ],
            )
            .await?
        {
            return Ok(Enqueued {
                job: raw_job(&row)?.into_job()?,
                created: true,
            });
        }
        if let Some(row) = client
            .query_opt(sql::QUEUED_JOB, &[&kind, &job.key])
            .await?
        {
            return Ok(Enqueued {
                job: raw_job(&row)?.into_job()?,
                created: false,
            });
        }
    }
    Err(StoreError::Conflict(format!(
        "{kind} {}: the queued job kept being leased while it was enqueued again",
        job.key
    )))
}

/// How many times a lease is asked again after losing a lane to another broker.
const LEASE_TRIES: usize = 10;

/// How many times [`enqueue_in`] tries before giving up on a key whose jobs keep being leased.
const ENQUEUE_TRIES: usize = 100;

/// Gives a leased job back to the queue, merging into it the queued job of its kind and key
/// that a notice made while it ran.
async fn retry_in(
    client: &impl GenericClient,
    now: i64,
    lease: Lease,
    at: i64,
    error: &str,
) -> Result<()> {
    for row in client
        .query(sql::MERGE_QUEUED_TWIN, &[&lease.job_id, &lease.token, &now])
        .await?
    {
        let twin: i64 = row.try_get(0)?;
        client
            .execute(sql::MOVE_ERRORS, &[&lease.job_id, &twin])
            .await?;
    }
    failed_in(client, now, lease, error, sql::RETRY, &[&at, &error, &now]).await
}

/// Ends an attempt that failed (`update` is the retry or the dead letter) and records its
/// error, in the caller's transaction.
async fn failed_in(
    client: &impl GenericClient,
    now: i64,
    lease: Lease,
    error: &str,
    update: &str,
    params: &Params<'_>,
) -> Result<()> {
    held(client, update, lease, params).await?;
    client
        .execute(sql::RECORD_ERROR, &[&lease.job_id, &now, &error])
        .await?;
    Ok(())
}

async fn held(
    client: &impl GenericClient,
    sql: &str,
    lease: Lease,
    params: &Params<'_>,
) -> Result<()> {
    let mut all: Vec<&(dyn ToSql + Sync)> = vec![&lease.job_id, &lease.token];
    all.extend_from_slice(params);
    if client.execute(sql, &all).await? == 1 {
        Ok(())
    } else {
        Err(StoreError::LeaseLost {
            job_id: lease.job_id,
        })
    }
}

async fn apply(client: &impl GenericClient, now: i64, job_id: i64, effect: &Effect) -> Result<()> {
    match effect {
        Effect::Correlate(c) => {
            client
                .execute(
                    sql::INSERT_CORRELATION,
                    &[
                        &c.source_entity,
                        &c.source_id,
                        &c.mapping,
                        &c.work_order_id,
                        &now,
                    ],
                )
                .await
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
            let event_at = event_at.map(|t| t.as_millisecond());
            let n = client
                .execute(sql::SYNCED, &[work_order_id, &now, &event_at])
                .await?;
            if n == 0 {
                return Err(StoreError::Conflict(format!(
                    "work order {work_order_id} has no correlation"
                )));
            }
        }
        Effect::Applied(marker) => {
            client
                .execute(sql::INSERT_APPLIED, &[marker, &job_id, &now])
                .await?;
        }
        Effect::Enqueue(job) => {
            Box::pin(enqueue_in(client, now, job)).await?;
        }
        Effect::Watermark { mapping, value } => {
            client
                .execute(sql::SET_WATERMARK, &[mapping, value, &now])
                .await?;
        }
    }
    Ok(())
}
