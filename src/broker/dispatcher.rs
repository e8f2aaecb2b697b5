//! The worker: leases due jobs from the store and runs them. Dispatch jobs are fetched from
//! Autotask together, mapped and created in Field Nation ([`super::dispatch_batch`]); event
//! jobs are applied back to their record ([`super::sync_back`]). Every job ends completed,
//! retried on the schedule, or a dead letter with the whole reason.

use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;

use super::failure::Failure;
use super::metrics::Metrics;
use super::retry_policy::RetryPolicy;
use super::store::{AuditEntry, Effect, JobKind, Lease, Leased, Store, StoreError};
use crate::autotask_client::Fetcher;
use crate::fieldnation::client::FieldNationClient;
use crate::ir::Program;
use crate::stdlib::context::EvalContext;

/// How a dispatcher works.
#[derive(Debug, Clone)]
pub struct DispatcherConfig {
    /// The name the dispatcher leases jobs under.
    pub worker: String,
    /// How long a leased job stays this worker's before another may take it.
    pub lease_for: Duration,
    /// When failed jobs run again.
    pub retry: RetryPolicy,
    /// The Field Nation custom field that holds each work order's source record
    /// (`Ticket:9137`), to find a create whose answer was lost.
    pub marker_field: u64,
    /// The mapping file's text, to name lines in dead letters; `None`: byte offsets.
    pub mapping_source: Option<Arc<str>>,
}

impl Default for DispatcherConfig {
    fn default() -> Self {
        DispatcherConfig {
            worker: "broker".into(),
            lease_for: Duration::from_secs(120),
            retry: RetryPolicy::default(),
            marker_field: 145,
            mapping_source: None,
        }
    }
}

/// The dispatch core: the compiled program, the store and both clients.
pub struct Dispatcher {
    pub(super) program: Arc<Program>,
    pub(super) store: Store,
    pub(super) fetcher: Arc<Fetcher>,
    pub(super) fieldnation: FieldNationClient,
    pub(super) config: DispatcherConfig,
    pub(super) metrics: Metrics,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("store", &self.store)
            .field("worker", &self.config.worker)
            .finish_non_exhaustive()
    }
}

/// What became of one job in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A work order was created (or, after a lost answer, found by its marker) and the
    /// correlation stored.
    Dispatched {
        work_order_id: i64,
        found_by_marker: bool,
    },
    /// The record already had a work order for the mapping: nothing was created.
    AlreadyDispatched { work_order_id: i64 },
    /// No trigger holds on the fresh record (a stale webhook): nothing was done.
    NotTriggered,
    /// The record no longer exists in Autotask: nothing was done.
    SourceMissing,
    /// An event was applied to the record of its work order.
    EventApplied {
        work_order_id: i64,
        /// Whether the record was updated (no update is sent when nothing changes).
        updated: bool,
        /// Notes created (none when this delivery's notes were created before).
        notes: usize,
    },
    /// Every `on` rule for the event had a `when` that was false on the fresh record:
    /// nothing was sent.
    EventSkipped { work_order_id: i64 },
    /// An event about a work order no correlation knows: logged and ignored.
    UnknownWorkOrder { work_order_id: i64 },
    /// An event older than the last one applied to its work order: skipped.
    StaleEvent { work_order_id: i64 },
    /// The job failed and runs again later.
    Retried { reason: String },
    /// The job failed for good.
    DeadLettered { reason: String },
    /// Another worker took the job after this one's lease ran out: left to it.
    LeaseLost,
}

/// What one [`Dispatcher::run_once`] did, job by job.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// `(job id, outcome)`, in the order the jobs finished.
    pub outcomes: Vec<(i64, Outcome)>,
    /// Jobs done whose completion is written with the others of their part of the run.
    completions: Vec<Completion>,
}

/// A job done, with its outcome, what its completion writes, and the span it ran in (its
/// outcome is told in it).
#[derive(Debug, Clone)]
struct Completion {
    leased: Leased,
    outcome: Outcome,
    effects: Vec<Effect>,
    span: tracing::Span,
}

impl RunReport {
    /// How many jobs were leased and finished (one way or another).
    pub fn len(&self) -> usize {
        self.outcomes.len()
    }

    /// Whether no job was due.
    pub fn is_empty(&self) -> bool {
        self.outcomes.is_empty()
    }

    /// The outcome of job `id`.
    pub fn outcome(&self, id: i64) -> Option<&Outcome> {
        self.outcomes.iter().find(|(j, _)| *j == id).map(|(_, o)| o)
    }
}

impl Dispatcher {
    /// A dispatcher. `fetcher` must load records with `program`'s schemas.
    pub fn new(
        program: Arc<Program>,
        store: Store,
        fetcher: Arc<Fetcher>,
        fieldnation: FieldNationClient,
        config: DispatcherConfig,
    ) -> Self {
        Dispatcher {
            program,
            store,
            fetcher,
            fieldnation,
            config,
            metrics: Metrics::new(),
        }
    }

    /// The same dispatcher, counting into `metrics` (the ones `/metrics` shows).
    #[must_use]
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// The metrics it counts into.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Leases up to `max_jobs` due dispatch and event jobs and runs them: the dispatches as
    /// one batch (one Autotask query per entity type), then the events in the order of their
    /// Field Nation timestamps.
    ///
    /// # Errors
    ///
    /// The store failed; jobs already leased then come back when their lease runs out.
    pub async fn run_once(&self, max_jobs: u32) -> Result<RunReport, StoreError> {
        let leased = self
            .store
            .lease(
                &self.config.worker,
                &[JobKind::Dispatch, JobKind::Event, JobKind::Writeback],
                max_jobs,
                self.config.lease_for,
            )
            .await?;
        self.run_leased(leased).await
    }

    /// Runs job `id` alone, if it can be leased now (it is due, no other worker holds it, and
    /// it is first in its lane); an empty report otherwise (`fieldmap dispatch --now`).
    ///
    /// # Errors
    ///
    /// As [`Dispatcher::run_once`].
    pub async fn run_job(&self, id: i64) -> Result<RunReport, StoreError> {
        let leased = self
            .store
            .lease_job(&self.config.worker, id, self.config.lease_for)
            .await?;
        self.run_leased(leased.into_iter().collect()).await
    }

    async fn run_leased(&self, leased: Vec<Leased>) -> Result<RunReport, StoreError> {
        let _renewing = LeaseKeeper::start(
            self.store.clone(),
            leased.iter().map(|l| l.lease).collect(),
            self.config.lease_for,
        );
        let (dispatches, events): (Vec<Leased>, Vec<Leased>) = leased
            .into_iter()
            .partition(|l| l.job.kind == JobKind::Dispatch);
        let mut report = RunReport::default();
        let ctx = EvalContext::current();
        self.dispatch_batch(dispatches, &ctx, &mut report).await?;
        // Before the events: an event of a work order just created finds its correlation.
        self.complete_done(&mut report).await?;
        self.sync_back(events, &ctx, &mut report).await?;
        self.complete_done(&mut report).await?;
        Ok(report)
    }

    /// Records the calls of a run's jobs in the audit trail, in one transaction.
    pub(super) async fn audit(&self, trail: Vec<AuditEntry>) -> Result<(), StoreError> {
        self.metrics.record_calls(&trail);
        self.store.record_calls(trail).await
    }

    /// A job is done with `outcome`: its completion, with `effects`, is written with the
    /// other jobs done in this part of the run ([`Dispatcher::complete_done`]).
    pub(super) fn finish(
        &self,
        leased: &Leased,
        outcome: Outcome,
        effects: Vec<Effect>,
        report: &mut RunReport,
    ) {
        report.completions.push(Completion {
            leased: leased.clone(),
            outcome,
            effects,
            span: tracing::Span::current(),
        });
    }

    /// Completes the jobs done so far in one transaction (one round trip to the store, one
    /// commit, where a transaction per job capped PostgreSQL's throughput). Each job is
    /// completed or not on its own: one whose lease was lost is left to the worker that has
    /// it; one whose effects conflict with the store becomes a dead letter.
    pub(super) async fn complete_done(&self, report: &mut RunReport) -> Result<(), StoreError> {
        let done = std::mem::take(&mut report.completions);
        if done.is_empty() {
            return Ok(());
        }
        let mut finished = Vec::with_capacity(done.len());
        let mut items = Vec::with_capacity(done.len());
        for Completion {
            leased,
            outcome,
            effects,
            span,
        } in done
        {
            items.push((leased.lease, effects));
            finished.push((leased, outcome, span));
        }
        let results = self.store.complete_many(items).await?;
        for ((leased, outcome, span), result) in finished.into_iter().zip(results) {
            match result {
                Ok(()) => span.in_scope(|| self.report(&leased.job, outcome, report)),
                Err(StoreError::LeaseLost { .. }) => {
                    span.in_scope(|| self.report(&leased.job, Outcome::LeaseLost, report));
                }
                Err(StoreError::Conflict(reason)) => {
                    let reason = format!("completing the job conflicts with the store: {reason}");
                    self.give_up(&leased, &reason, report)
                        .instrument(span)
                        .await?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Holds the job's lease before work that must be done once (a create, an update, notes):
    /// a long batch outlives its lease, and a job another worker took meanwhile would be done
    /// by both. Renewed once less than half of it is left; `false`, reported as `LeaseLost`,
    /// when another worker has the job.
    pub(super) async fn hold_lease(
        &self,
        leased: &Leased,
        report: &mut RunReport,
    ) -> Result<bool, StoreError> {
        let half = self.config.lease_for / 2;
        let now = self.store.clock().now();
        let fresh = leased
            .job
            .lease_expires
            .and_then(|expires| now.until(expires).ok())
            .and_then(|left| left.try_into().ok())
            .is_some_and(|left: Duration| left > half);
        if fresh {
            return Ok(true);
        }
        match self.store.extend(leased.lease, self.config.lease_for).await {
            Ok(()) => Ok(true),
            Err(StoreError::LeaseLost { .. }) => {
                self.report(&leased.job, Outcome::LeaseLost, report);
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// Retries a failed job on the schedule, or buries it when it failed for good or its
    /// retries are used up.
    pub(super) async fn fail(
        &self,
        leased: &Leased,
        failure: Failure,
        report: &mut RunReport,
    ) -> Result<(), StoreError> {
        let attempts = leased.job.attempts;
        let next = match &failure {
            Failure::Retryable(_) => self
                .config
                .retry
                .next_run(attempts, self.store.clock().now()),
            Failure::Permanent(_) => None,
        };
        match (failure, next) {
            (Failure::Retryable(reason), Some(at)) => {
                let outcome = match self.store.retry(leased.lease, at, &reason).await {
                    Ok(()) => Outcome::Retried { reason },
                    Err(StoreError::LeaseLost { .. }) => Outcome::LeaseLost,
                    Err(e) => return Err(e),
                };
                self.report(&leased.job, outcome, report);
                Ok(())
            }
            (Failure::Retryable(reason), None) => {
                let reason = format!("gave up after {attempts} attempts; the last: {reason}");
                self.give_up(leased, &reason, report).await
            }
            (Failure::Permanent(reason), _) => self.give_up(leased, &reason, report).await,
        }
    }

    async fn give_up(
        &self,
        leased: &Leased,
        reason: &str,
        report: &mut RunReport,
    ) -> Result<(), StoreError> {
        let outcome = match self.store.dead_letter(leased.lease, reason).await {
            Ok(()) => Outcome::DeadLettered {
                reason: reason.to_owned(),
            },
            Err(StoreError::LeaseLost { .. }) => Outcome::LeaseLost,
            Err(e) => return Err(e),
        };
        self.report(&leased.job, outcome, report);
        Ok(())
    }
}

/// Renews the leases of a run's jobs every third of the lease for as long as the run lasts,
/// so that a long batch (slow answers, a marker search through many work orders) keeps its
/// jobs instead of seeing them taken by another worker, run twice and taken again without
/// end. Only a worker that stops (a crash, a kill) lets its leases run out. Stops on drop.
struct LeaseKeeper(tokio::task::JoinHandle<()>);

impl LeaseKeeper {
    fn start(store: Store, leases: Vec<Lease>, lease_for: Duration) -> LeaseKeeper {
        LeaseKeeper(tokio::spawn(async move {
            loop {
                tokio::time::sleep(lease_for / 3).await;
                for lease in &leases {
                    // A job finished meanwhile has no lease left to renew.
                    let _ = store.extend(*lease, lease_for).await;
                }
            }
        }))
    }
}

impl Drop for LeaseKeeper {
    fn drop(&mut self) {
        self.0.abort();
    }
}
