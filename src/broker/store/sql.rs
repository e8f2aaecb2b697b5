//! The statements both backends run, written once with PostgreSQL's `$1` placeholders; the
//! SQLite backend reads them with `?1` (see [`sqlite`](super::sqlite)). Where the dialects part
//! (row locks, the id column), each backend has its own text.

use super::job::{JobFilter, JobKind};

/// The columns of a job, in the order `row_to_job` reads them.
macro_rules! job_columns {
    () => {
        "id, kind, key, payload, state, attempts, lease_owner, lease_token, lease_expires, \
         next_run, last_error, created, updated, merged_into"
    };
}

/// The columns of a correlation, in the order `row_to_correlation` reads them.
macro_rules! correlation_columns {
    () => {
        "source_entity, source_id, mapping, work_order_id, created, last_synced, last_event_at"
    };
}

/// `$1` kind, `$2` key, `$3` payload, `$4` next run, `$5` now, `$6` lane, `$7` lane order.
/// Returns the row if inserted; nothing when a queued job has the kind and key.
pub(crate) const INSERT_JOB: &str = concat!(
    "INSERT INTO jobs (kind, key, payload, state, next_run, created, updated, lane, lane_order) \
     VALUES ($1, $2, $3, 'queued', $4, $5, $5, $6, $7) \
     ON CONFLICT (kind, key) WHERE state = 'queued' DO NOTHING RETURNING ",
    job_columns!()
);

/// The queued job a notice merges into: `$1` kind, `$2` key.
pub(crate) const QUEUED_JOB: &str = concat!(
    "SELECT ",
    job_columns!(),
    " FROM jobs WHERE kind = $1 AND key = $2 AND state = 'queued'"
);

/// `$1` id.
pub(crate) const GET_JOB: &str = concat!("SELECT ", job_columns!(), " FROM jobs WHERE id = $1");

/// Takes due jobs: `$1` worker, `$2` lease expiry, `$3` now, `$4` how many. `lock` is what
/// follows the inner SELECT (`FOR UPDATE SKIP LOCKED` on PostgreSQL). A leased job's
/// `next_run` is its lease's expiry, so "due" is one comparison for both states.
///
/// A job in a lane is taken only when no other job of its lane is leased (a lease that ran
/// out is taken again before anything else in the lane) and, when queued, only when it is
/// first in its lane: a lane's jobs run one at a time, in lane order, even when the first is
/// waiting for a retry. Two transactions racing for one lane cannot both win: the unique
/// index `jobs_leased_lane` refuses the second. (The subquery's `o.state IN (…)` lets SQLite
/// use the partial index `jobs_lane`; without it, it scanned every queued job per candidate.)
pub(crate) fn lease(kinds: &[JobKind], lock: &str) -> String {
    let kinds = if kinds.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = kinds.iter().map(|k| format!("'{}'", k.as_str())).collect();
        format!(" AND j.kind IN ({})", names.join(", "))
    };
    lease_where(&kinds, lock)
}

/// As [`lease`], one job only: `$5` its id (`$4` is 1).
pub(crate) fn lease_job(lock: &str) -> String {
    lease_where(" AND j.id = $5", lock)
}

fn lease_where(filter: &str, lock: &str) -> String {
    format!(
        "UPDATE jobs SET state = 'leased', lease_owner = $1, lease_token = lease_token + 1, \
         attempts = attempts + 1, lease_expires = $2, next_run = $2, updated = $3 \
         WHERE id IN (SELECT j.id FROM jobs j \
         WHERE j.state IN ('queued', 'leased') AND j.next_run <= $3{filter} \
         AND (j.lane IS NULL OR NOT EXISTS (SELECT 1 FROM jobs o \
             WHERE o.state IN ('queued', 'leased') AND o.lane = j.lane AND o.id <> j.id \
             AND (o.state = 'leased' \
             OR (o.state = 'queued' AND j.state = 'queued' \
                 AND (o.lane_order < j.lane_order \
                      OR (o.lane_order = j.lane_order AND o.id < j.id)))))) \
         ORDER BY j.next_run, j.id LIMIT $4 {lock}) RETURNING {}",
        job_columns!()
    )
}

/// `$1` now. Every leased job due now: its lease's holder is known to be gone.
pub(crate) const RELEASE_LEASES: &str = "UPDATE jobs SET lease_expires = $1, next_run = $1 \
     WHERE state = 'leased' AND next_run > $1";

/// `$1` id, `$2` token, `$3` now.
pub(crate) const COMPLETE: &str = "UPDATE jobs SET state = 'done', lease_owner = NULL, \
     lease_expires = NULL, updated = $3 WHERE id = $1 AND lease_token = $2 AND state = 'leased'";

/// Before a retry: the queued job a notice made while this one ran is merged into it, as the
/// notice would have been had it come after the retry (both fetch the record fresh). Returns
/// the merged job's id. `$1` id, `$2` token.
pub(crate) const MERGE_QUEUED_TWIN: &str = "UPDATE jobs SET state = 'done', merged_into = $1, \
     updated = $3 WHERE state = 'queued' AND id <> $1 \
     AND EXISTS (SELECT 1 FROM jobs h WHERE h.id = $1 AND h.lease_token = $2 \
     AND h.state = 'leased' AND h.kind = jobs.kind AND h.key = jobs.key) RETURNING id";

/// The merged job's errors go to the job it was merged into: `$1` into, `$2` from.
pub(crate) const MOVE_ERRORS: &str = "UPDATE job_errors SET job_id = $1 WHERE job_id = $2";

/// `$1` id, `$2` token, `$3` next run, `$4` error, `$5` now.
pub(crate) const RETRY: &str = "UPDATE jobs SET state = 'queued', lease_owner = NULL, \
     lease_expires = NULL, next_run = $3, last_error = $4, updated = $5 \
     WHERE id = $1 AND lease_token = $2 AND state = 'leased'";

/// `$1` id, `$2` token, `$3` reason, `$4` now.
pub(crate) const DEAD_LETTER: &str = "UPDATE jobs SET state = 'dead', lease_owner = NULL, \
     lease_expires = NULL, last_error = $3, updated = $4 \
     WHERE id = $1 AND lease_token = $2 AND state = 'leased'";

/// `$1` id, `$2` token, `$3` new expiry, `$4` now.
pub(crate) const EXTEND: &str = "UPDATE jobs SET lease_expires = $3, next_run = $3, updated = $4 \
     WHERE id = $1 AND lease_token = $2 AND state = 'leased'";

/// An operator's retry: a dead letter starts again with no attempts; a queued job becomes due.
/// `$1` id, `$2` now.
pub(crate) const REQUEUE: &str = concat!(
    "UPDATE jobs SET attempts = CASE WHEN state = 'dead' THEN 0 ELSE attempts END, \
     state = 'queued', next_run = $2, updated = $2 \
     WHERE id = $1 AND state IN ('dead', 'queued') RETURNING ",
    job_columns!()
);

/// A failed attempt's error, written with the retry or dead letter that ends the attempt:
/// `$1` job id, `$2` now, `$3` error.
pub(crate) const RECORD_ERROR: &str = "INSERT INTO job_errors (job_id, attempt, at, error) \
     SELECT id, attempts, $2, $3 FROM jobs WHERE id = $1";

/// A job's errors, oldest first: `$1` job id.
pub(crate) const JOB_ERRORS: &str =
    "SELECT attempt, at, error FROM job_errors WHERE job_id = $1 ORDER BY at, attempt";

/// A dropped job's errors: `$1` job id.
pub(crate) const FORGET_JOB_ERRORS: &str = "DELETE FROM job_errors WHERE job_id = $1";

/// The errors of jobs that are gone (after a purge).
pub(crate) const FORGET_ERRORS: &str =
    "DELETE FROM job_errors WHERE job_id NOT IN (SELECT id FROM jobs)";

/// `$1` id. A leased job is not dropped from under its worker.
pub(crate) const DROP_JOB: &str = "DELETE FROM jobs WHERE id = $1 AND state <> 'leased'";

/// `$1` updated before. Finished jobs only: done, and dead letters when `$2` (a boolean).
pub(crate) const PURGE: &str = "DELETE FROM jobs WHERE updated < $1 \
     AND (state = 'done' OR (state = 'dead' AND $2))";

/// The listing for a filter, with its parameters in order: state, kind, key, after id (each
/// only when set), then the limit.
pub(crate) fn list(filter: &JobFilter) -> (String, Vec<ListParam>) {
    let mut conditions = Vec::new();
    let mut params = Vec::new();
    if let Some(state) = filter.state {
        params.push(ListParam::Text(state.as_str().to_string()));
        conditions.push(format!("state = ${}", params.len()));
    }
    if let Some(kind) = filter.kind {
        params.push(ListParam::Text(kind.as_str().to_string()));
        conditions.push(format!("kind = ${}", params.len()));
    }
    if let Some(key) = &filter.key {
        params.push(ListParam::Text(key.clone()));
        conditions.push(format!("key = ${}", params.len()));
    }
    if let Some(after) = filter.after_id {
        params.push(ListParam::Int(after));
        conditions.push(format!("id > ${}", params.len()));
    }
    params.push(ListParam::Int(i64::from(filter.limit)));
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT {} FROM jobs{filter} ORDER BY id LIMIT ${}",
        job_columns!(),
        params.len()
    );
    (sql, params)
}

/// A parameter of [`list`].
pub(crate) enum ListParam {
    Text(String),
    Int(i64),
}

pub(crate) const COUNTS: &str = "SELECT kind, state, COUNT(*), MIN(created), MIN(next_run) \
     FROM jobs GROUP BY kind, state ORDER BY kind, state";

/// `$1` entity, `$2` id, `$3` mapping, `$4` work order, `$5` now.
pub(crate) const INSERT_CORRELATION: &str = "INSERT INTO correlations \
     (source_entity, source_id, mapping, work_order_id, created) VALUES ($1, $2, $3, $4, $5)";

/// `$1` work order, `$2` now, `$3` event time or NULL.
pub(crate) const SYNCED: &str = "UPDATE correlations SET last_synced = $2, last_event_at = \
     CASE WHEN CAST($3 AS BIGINT) IS NULL THEN last_event_at \
          WHEN last_event_at IS NULL OR last_event_at < $3 THEN $3 \
          ELSE last_event_at END \
     WHERE work_order_id = $1";

/// `$1` entity, `$2` id, `$3` mapping.
pub(crate) const CORRELATION: &str = concat!(
    "SELECT ",
    correlation_columns!(),
    " FROM correlations WHERE source_entity = $1 AND source_id = $2 AND mapping = $3"
);

/// `$1` work order.
pub(crate) const CORRELATION_FOR_WORK_ORDER: &str = concat!(
    "SELECT ",
    correlation_columns!(),
    " FROM correlations WHERE work_order_id = $1"
);

/// `$1` delivery id, `$2` now. One row affected: the id is new.
pub(crate) const INSERT_DELIVERY: &str =
    "INSERT INTO deliveries (delivery_id, received) VALUES ($1, $2) ON CONFLICT DO NOTHING";

/// `$1` marker, `$2` job id or NULL, `$3` now. One row affected: the marker is new.
pub(crate) const INSERT_APPLIED: &str =
    "INSERT INTO applied (marker, job_id, applied) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

/// `$1` marker.
pub(crate) const IS_APPLIED: &str = "SELECT COUNT(*) FROM applied WHERE marker = $1";

/// `$1` at, `$2` api, `$3` operation, `$4` target, `$5` outcome, `$6` duration, `$7` job id.
pub(crate) const INSERT_AUDIT: &str = "INSERT INTO audit \
     (at, api, operation, target, outcome, duration_ms, job_id) VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Newest first: `$1` limit.
pub(crate) const AUDIT: &str = "SELECT id, at, api, operation, target, outcome, duration_ms, \
     job_id FROM audit ORDER BY id DESC LIMIT $1";

/// Newest first: `$1` job id, `$2` limit.
pub(crate) const AUDIT_FOR_JOB: &str = "SELECT id, at, api, operation, target, outcome, \
     duration_ms, job_id FROM audit WHERE job_id = $1 ORDER BY id DESC LIMIT $2";

/// `$1` mapping.
pub(crate) const WATERMARK: &str = "SELECT value FROM watermarks WHERE mapping = $1";

/// `$1` mapping, `$2` value, `$3` now.
pub(crate) const SET_WATERMARK: &str = "INSERT INTO watermarks (mapping, value, updated) \
     VALUES ($1, $2, $3) ON CONFLICT (mapping) DO UPDATE SET value = excluded.value, \
     updated = excluded.updated";

/// The applied migrations.
pub(crate) const MIGRATIONS: &str = "SELECT version, name FROM schema_migrations ORDER BY version";

/// `$1` version, `$2` name, `$3` now.
pub(crate) const RECORD_MIGRATION: &str =
    "INSERT INTO schema_migrations (version, name, applied) VALUES ($1, $2, $3)";
