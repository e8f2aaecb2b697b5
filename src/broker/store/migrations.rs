//! Versioned migrations, one list per backend. Each runs once, in order, in the transaction
//! that records it in `schema_migrations`; opening a store applies those not yet applied.
//! Never edit a released migration: add the next number.
//!
//! Times are milliseconds since the Unix epoch (BIGINT) on both backends: no date types to
//! convert, and one comparison for "due".

/// A migration: its number, a name, and the SQL.
pub(crate) struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// The tables, apart from the id column's syntax the same on both backends.
macro_rules! initial_schema {
    ($id:literal) => {
        concat!(
            "CREATE TABLE jobs (
                id ", $id, ",
                kind TEXT NOT NULL,
                key TEXT NOT NULL,
                payload TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('queued', 'leased', 'done', 'dead')),
                attempts INTEGER NOT NULL DEFAULT 0,
                lease_owner TEXT,
                lease_token BIGINT NOT NULL DEFAULT 0,
                lease_expires BIGINT,
                next_run BIGINT NOT NULL,
                last_error TEXT,
                created BIGINT NOT NULL,
                updated BIGINT NOT NULL
            );
            CREATE UNIQUE INDEX jobs_open_key ON jobs (kind, key) WHERE state IN ('queued', 'leased');
            CREATE INDEX jobs_due ON jobs (next_run, id) WHERE state IN ('queued', 'leased');
            CREATE INDEX jobs_state ON jobs (state, id);

            CREATE TABLE correlations (
                source_entity TEXT NOT NULL,
                source_id BIGINT NOT NULL,
                mapping TEXT NOT NULL,
                work_order_id BIGINT NOT NULL UNIQUE,
                created BIGINT NOT NULL,
                last_synced BIGINT,
                last_event_at BIGINT,
                PRIMARY KEY (source_entity, source_id, mapping)
            );

            CREATE TABLE deliveries (
                delivery_id TEXT PRIMARY KEY,
                received BIGINT NOT NULL
            );

            CREATE TABLE applied (
                marker TEXT PRIMARY KEY,
                job_id BIGINT,
                applied BIGINT NOT NULL
            );

            CREATE TABLE audit (
                id ", $id, ",
                at BIGINT NOT NULL,
                api TEXT NOT NULL,
                operation TEXT NOT NULL,
                target TEXT,
                outcome TEXT NOT NULL,
                duration_ms BIGINT NOT NULL,
                job_id BIGINT
            );
            CREATE INDEX audit_job ON audit (job_id) WHERE job_id IS NOT NULL;

            CREATE TABLE watermarks (
                mapping TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                updated BIGINT NOT NULL
            );"
        )
    };
}

/// Every failed attempt's error, kept beside the job's last one (which the next failure
/// overwrites), so that an operator sees the whole story of a dead letter.
const JOB_ERRORS: &str = "CREATE TABLE job_errors (
    job_id BIGINT NOT NULL,
    attempt INTEGER NOT NULL,
    at BIGINT NOT NULL,
    error TEXT NOT NULL
);
CREATE INDEX job_errors_job ON job_errors (job_id, at)";

/// Lanes: jobs that must not run at once (the events of one work order, the dispatches of one
/// record) share a lane and run one at a time, in lane order. The database holds the rule
/// itself (one leased job per lane), so two brokers leasing at the same moment cannot break
/// it. A notice for a leased job no longer merges into it (its change would be lost): one
/// *queued* job per kind and key. Jobs enqueued before this migration have no lane.
const LANES: &str = "ALTER TABLE jobs ADD COLUMN lane TEXT;
ALTER TABLE jobs ADD COLUMN lane_order BIGINT NOT NULL DEFAULT 0;
DROP INDEX jobs_open_key;
CREATE UNIQUE INDEX jobs_queued_key ON jobs (kind, key) WHERE state = 'queued';
CREATE UNIQUE INDEX jobs_leased_lane ON jobs (lane) WHERE state = 'leased';
CREATE INDEX jobs_lane ON jobs (lane, lane_order, id) WHERE state IN ('queued', 'leased')";

/// A notice merged into a job that was retried keeps its row, marked done and pointing at the
/// job it went into, so the job id intake answered with still leads somewhere.
const MERGED_INTO: &str = "ALTER TABLE jobs ADD COLUMN merged_into BIGINT";

/// Every migration in order, the same on both backends but for the id column of the first.
macro_rules! migrations {
    ($id_column:literal) => {
        &[
            Migration {
                version: 1,
                name: "jobs, correlations, deliveries, applied markers, audit, watermarks",
                sql: initial_schema!($id_column),
            },
            Migration {
                version: 2,
                name: "every failed attempt's error",
                sql: JOB_ERRORS,
            },
            Migration {
                version: 3,
                name: "lanes; one queued job per kind and key",
                sql: LANES,
            },
            Migration {
                version: 4,
                name: "a merged job points at the job it went into",
                sql: MERGED_INTO,
            },
        ]
    };
}

pub(crate) const SQLITE: &[Migration] = migrations!("INTEGER PRIMARY KEY AUTOINCREMENT");

pub(crate) const POSTGRES: &[Migration] =
    migrations!("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY");

/// The table that records them, on both backends.
pub(crate) const TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied BIGINT NOT NULL
)";
