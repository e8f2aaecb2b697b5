//! Jobs: what the broker has to do, with their attempts, leases and schedule.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;

use super::clock::from_millis;
use super::error::{Result, StoreError};

/// What a job does. Stored as text: a new kind needs no migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Fetch a source record, map it, create the work order (key `Ticket:9137`).
    Dispatch,
    /// Apply a Field Nation event to the source record (key: the delivery id).
    Event,
    /// Write back to the source record after a dispatch (`on workorder.created`).
    Writeback,
}

impl JobKind {
    /// Every kind, in order.
    pub const ALL: [JobKind; 3] = [JobKind::Dispatch, JobKind::Event, JobKind::Writeback];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Dispatch => "dispatch",
            JobKind::Event => "event",
            JobKind::Writeback => "writeback",
        }
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobKind {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, StoreError> {
        match s {
            "dispatch" => Ok(JobKind::Dispatch),
            "event" => Ok(JobKind::Event),
            "writeback" => Ok(JobKind::Writeback),
            other => Err(StoreError::Data(format!("unknown job kind `{other}`"))),
        }
    }
}

/// Where a job is in its life. `Queued` and `Leased` jobs are *open*. At most one queued job
/// exists per kind and key (a notice for a queued job merges into it); a notice for a leased
/// job queues another, which its lane runs after the leased one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for its next run.
    Queued,
    /// A worker holds it until the lease expires.
    Leased,
    /// Completed.
    Done,
    /// Given up on: a dead letter, with the reason in `last_error`.
    Dead,
}

impl JobState {
    /// Every state, in order.
    pub const ALL: [JobState; 4] = [
        JobState::Queued,
        JobState::Leased,
        JobState::Done,
        JobState::Dead,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Leased => "leased",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobState {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, StoreError> {
        match s {
            "queued" => Ok(JobState::Queued),
            "leased" => Ok(JobState::Leased),
            "done" => Ok(JobState::Done),
            "dead" => Ok(JobState::Dead),
            other => Err(StoreError::Data(format!("unknown job state `{other}`"))),
        }
    }
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// What to do.
    pub kind: JobKind,
    /// What to do it to: `Ticket:9137`, a Field Nation delivery id…
    pub key: String,
    /// The job's input, JSON text.
    pub payload: String,
    /// When it may first run; `None`: now.
    pub run_at: Option<Timestamp>,
    /// The lane it runs in: jobs of one lane (the events of one work order, the dispatches of
    /// one record) are never leased at once, and run in lane order. `None`: no lane.
    pub lane: Option<String>,
    /// Its place in its lane (Field Nation's time of an event); `None`: when it is enqueued.
    /// Ties go by arrival.
    pub lane_order: Option<Timestamp>,
}

impl NewJob {
    /// A job due now.
    pub fn new(kind: JobKind, key: impl Into<String>, payload: impl Into<String>) -> NewJob {
        NewJob {
            kind,
            key: key.into(),
            payload: payload.into(),
            run_at: None,
            lane: None,
            lane_order: None,
        }
    }

    /// The same job in `lane`, at `order` in it (`None`: by arrival).
    #[must_use]
    pub fn in_lane(mut self, lane: impl Into<String>, order: Option<Timestamp>) -> NewJob {
        self.lane = Some(lane.into());
        self.lane_order = order;
        self
    }

    /// The same job, first due at `at`.
    #[must_use]
    pub fn at(mut self, at: Timestamp) -> NewJob {
        self.run_at = Some(at);
        self
    }
}

/// A stored job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The store's id for it.
    pub id: i64,
    /// What it does.
    pub kind: JobKind,
    /// What it does it to.
    pub key: String,
    /// Its input, JSON text.
    pub payload: String,
    /// Where it is in its life.
    pub state: JobState,
    /// How many times it was leased (an operator's retry of a dead letter starts again at 0).
    pub attempts: u32,
    /// The worker holding it, while leased.
    pub lease_owner: Option<String>,
    /// When the lease runs out, while leased.
    pub lease_expires: Option<Timestamp>,
    /// When a queued job is due. While leased, the lease's expiry: then another worker may
    /// take it.
    pub next_run: Timestamp,
    /// Why the last attempt failed; for a dead letter, the whole reason.
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub created: Timestamp,
    /// When it last changed.
    pub updated: Timestamp,
    /// A notice that came while the job of its record ran, taken into that job when it went
    /// back to the queue: the job it went into (this one is then done).
    pub merged_into: Option<i64>,
}

/// One failed attempt of a job, as recorded when it was retried or buried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobError {
    /// Which attempt (an operator's retry of a dead letter counts from 1 again).
    pub attempt: u32,
    /// When it failed.
    pub at: Timestamp,
    /// Why, in full.
    pub error: String,
}

/// Proof of holding a job's lease. Each lease of a job gets a new token, so a worker whose
/// lease ran out (and was given to another) cannot complete, retry or bury the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lease {
    /// The job's id.
    pub job_id: i64,
    /// Which lease of that job this is.
    pub token: i64,
}

/// A job taken by a worker, with the lease that lets it finish the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leased {
    /// The job, as leased (state `Leased`, attempts counted).
    pub job: Job,
    /// What `complete`, `retry`, `bury` and `extend` ask for.
    pub lease: Lease,
}

/// What an enqueue did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueued {
    /// The queued job for that kind and key: the new one, or the one that was already there.
    pub job: Job,
    /// Whether this call created it.
    pub created: bool,
}

/// Which jobs to list. The default lists every job, oldest first, up to 100.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFilter {
    /// Only jobs in this state.
    pub state: Option<JobState>,
    /// Only jobs of this kind.
    pub kind: Option<JobKind>,
    /// Only jobs with this key.
    pub key: Option<String>,
    /// Only jobs with a larger id (to page on).
    pub after_id: Option<i64>,
    /// At most this many.
    pub limit: u32,
}

impl Default for JobFilter {
    fn default() -> JobFilter {
        JobFilter {
            state: None,
            kind: None,
            key: None,
            after_id: None,
            limit: 100,
        }
    }
}

impl JobFilter {
    /// The dead letters, oldest first.
    pub fn dead() -> JobFilter {
        JobFilter {
            state: Some(JobState::Dead),
            ..JobFilter::default()
        }
    }
}

/// How many jobs of one kind are in one state, and the oldest of them (for `/metrics`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobCount {
    /// The kind.
    pub kind: JobKind,
    /// The state.
    pub state: JobState,
    /// How many.
    pub count: u64,
    /// When the oldest of them was enqueued.
    pub oldest_created: Timestamp,
    /// The earliest `next_run` among them.
    pub earliest_next_run: Timestamp,
}

/// A job row as stored, before its names are parsed.
pub(crate) struct RawJob {
    pub id: i64,
    pub kind: String,
    pub key: String,
    pub payload: String,
    pub state: String,
    pub attempts: i64,
    pub lease_owner: Option<String>,
    pub lease_token: i64,
    pub lease_expires: Option<i64>,
    pub next_run: i64,
    pub last_error: Option<String>,
    pub created: i64,
    pub updated: i64,
    pub merged_into: Option<i64>,
}

impl RawJob {
    pub(crate) fn into_job(self) -> Result<Job> {
        Ok(Job {
            id: self.id,
            kind: self.kind.parse()?,
            key: self.key,
            payload: self.payload,
            state: self.state.parse()?,
            attempts: u32::try_from(self.attempts).unwrap_or(0),
            lease_owner: self.lease_owner,
            lease_expires: self.lease_expires.map(from_millis),
            next_run: from_millis(self.next_run),
            last_error: self.last_error,
            created: from_millis(self.created),
            updated: from_millis(self.updated),
            merged_into: self.merged_into,
        })
    }

    pub(crate) fn into_leased(self) -> Result<Leased> {
        let lease = Lease {
            job_id: self.id,
            token: self.lease_token,
        };
        Ok(Leased {
            job: self.into_job()?,
            lease,
        })
    }
}
