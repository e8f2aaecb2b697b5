//! The broker's store and queue: one suite, run on SQLite (a temporary file) and on PostgreSQL
//! (a schema of its own in the `test` database at 127.0.0.1:5432, dropped at the end). The
//! store's clock is a manual one, so leases and retry times are tested without sleeping.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use fieldmap::broker::store::{
    AuditEntry, Clock, Effect, JobFilter, JobKind, JobState, NewCorrelation, NewJob, Options,
    Store, StoreError,
};
use jiff::Timestamp;

/// The PostgreSQL the machines and CI run; `FIELDMAP_TEST_POSTGRES` overrides it.
pub(crate) fn postgres_url() -> String {
    std::env::var("FIELDMAP_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

fn start() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

/// One test's database: its URL and options, the store, and what to remove at the end.
pub(crate) struct Db {
    pub(crate) url: String,
    options: Options,
    file: Option<PathBuf>,
    pub(crate) store: Store,
    finished: bool,
}

impl Db {
    pub(crate) async fn sqlite() -> Db {
        let file = std::env::temp_dir().join(format!("{}.db", unique("fieldmap_store")));
        let url = format!("sqlite:{}", file.display());
        let options = Options {
            clock: Clock::manual(start()),
            ..Options::default()
        };
        let store = Store::open_with(&url, options.clone()).await.unwrap();
        Db {
            url,
            options,
            file: Some(file),
            store,
            finished: false,
        }
    }

    pub(crate) async fn postgres() -> Db {
        let url = postgres_url();
        let options = Options {
            schema: Some(unique("fm_store")),
            clock: Clock::manual(start()),
            ..Options::default()
        };
        let store = Store::open_with(&url, options.clone()).await.unwrap();
        Db {
            url,
            options,
            file: None,
            store,
            finished: false,
        }
    }

    /// A second store on the same database (another broker process, as far as it can tell).
    async fn reopen(&self) -> Store {
        Store::open_with(&self.url, self.options.clone())
            .await
            .unwrap()
    }

    pub(crate) fn clock(&self) -> &Clock {
        self.store.clock()
    }

    pub(crate) async fn finish(mut self) {
        if self.file.is_none() {
            self.store.drop_schema().await.unwrap();
        }
        self.remove_files();
        self.finished = true;
    }

    fn remove_files(&self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm", ".serving"] {
                let mut path = file.clone().into_os_string();
                path.push(suffix);
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

impl Drop for Db {
    /// A failed test still removes its database.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        self.remove_files();
        if self.file.is_none() {
            let (url, options) = (self.url.clone(), self.options.clone());
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(store) = Store::open_with(&url, options).await {
                        let _ = store.drop_schema().await;
                    }
                });
            })
            .join();
        }
    }
}

/// Each test, once on SQLite and once on PostgreSQL.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = super::Db::sqlite().await;
                    super::$name(&db).await;
                    db.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = super::Db::postgres().await;
                    super::$name(&db).await;
                    db.finish().await;
                }
            )*
        }
    };
}

on_both!(
    enqueue_is_idempotent_per_open_job,
    concurrent_identical_enqueues_make_one_job,
    concurrent_enqueues_are_all_kept,
    a_job_is_due_at_its_time,
    leases_run_out_and_are_taken_again,
    a_stale_lease_cannot_finish_the_job,
    retries_wait_for_their_time,
    dead_letters_keep_their_reason_and_can_be_retried_or_dropped,
    jobs_are_listed_and_counted,
    the_correlation_is_written_with_the_completion_or_not_at_all,
    events_move_the_correlation_forward_only,
    a_batch_completes_each_job_on_its_own,
    effects_of_a_completion,
    delivery_ids_are_deduplicated,
    applied_markers_are_set_once,
    the_audit_trail_keeps_every_call,
    watermarks_per_mapping,
    migrations_applied_twice_change_nothing,
    concurrent_workers_take_each_job_once,
    a_restarted_broker_takes_a_gone_processes_leases_at_once_on_sqlite_only,
    a_lane_runs_one_job_at_a_time_in_order,
    a_retry_takes_in_the_notice_that_came_while_it_ran,
    concurrent_workers_keep_each_lane_in_order,
);

const MINUTE: Duration = Duration::from_secs(60);

fn dispatch(id: i64) -> NewJob {
    NewJob::new(
        JobKind::Dispatch,
        format!("Ticket:{id}"),
        format!(r#"{{"mapping":"dispatch","id":{id}}}"#),
    )
}

async fn enqueue_is_idempotent_per_open_job(db: &Db) {
    let store = &db.store;
    let first = store.enqueue(dispatch(9137)).await.unwrap();
    assert!(first.created);
    assert_eq!(first.job.state, JobState::Queued);
    assert_eq!(first.job.key, "Ticket:9137");
    assert_eq!(first.job.attempts, 0);
    assert_eq!(first.job.created, start());

    // The same kind and key: the open job, unchanged (its payload too).
    let mut again = dispatch(9137);
    again.payload = "{}".into();
    let second = store.enqueue(again).await.unwrap();
    assert!(!second.created);
    assert_eq!(second.job, first.job);

    // Another kind, or another key: another job.
    let writeback = store
        .enqueue(NewJob::new(JobKind::Writeback, "Ticket:9137", "{}"))
        .await
        .unwrap();
    assert!(writeback.created);
    assert_ne!(writeback.job.id, first.job.id);
    assert!(store.enqueue(dispatch(9138)).await.unwrap().created);

    // A notice for a leased job is not merged into it (the worker may have read the record
    // already): it queues another job, and later notices merge into that one.
    let leased = store
        .lease("w1", &[JobKind::Dispatch], 1, MINUTE)
        .await
        .unwrap();
    assert_eq!(leased[0].job.id, first.job.id);
    let third = store.enqueue(dispatch(9137)).await.unwrap();
    assert!(third.created);
    assert_ne!(third.job.id, first.job.id);
    assert_eq!(third.job.state, JobState::Queued);
    let fourth = store.enqueue(dispatch(9137)).await.unwrap();
    assert!(!fourth.created);
    assert_eq!(fourth.job.id, third.job.id);

    // Once done, the record may be dispatched again (a new job; the correlation guards it).
    store.complete(leased[0].lease, vec![]).await.unwrap();
    let after = store.enqueue(dispatch(9137)).await.unwrap();
    assert!(!after.created, "the queued one is still there");
    assert_eq!(after.job.id, third.job.id);
}

async fn concurrent_identical_enqueues_make_one_job(db: &Db) {
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let store = db.store.clone();
            tokio::spawn(async move { store.enqueue(dispatch(42)).await.unwrap() })
        })
        .collect();
    let mut created = 0;
    let mut ids = HashSet::new();
    for task in tasks {
        let enqueued = task.await.unwrap();
        created += usize::from(enqueued.created);
        ids.insert(enqueued.job.id);
    }
    assert_eq!(created, 1);
    assert_eq!(ids.len(), 1);
    let jobs = db
        .store
        .jobs(&JobFilter {
            key: Some("Ticket:42".into()),
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
}

/// Intake under load: enqueues arriving together (on SQLite, committed together) each get
/// their own answer: new jobs, existing jobs, deliveries seen before.
async fn concurrent_enqueues_are_all_kept(db: &Db) {
    let tasks: Vec<_> = (0..300)
        .map(|i| {
            let store = db.store.clone();
            tokio::spawn(async move {
                match i % 3 {
                    0 => Some(store.enqueue(dispatch(i / 3)).await.unwrap()),
                    1 => Some(store.enqueue(dispatch(i % 7)).await.unwrap()),
                    _ => {
                        let id = format!("fn-{}", i % 11);
                        let job = NewJob::new(JobKind::Event, id.clone(), "{}");
                        store.enqueue_delivery(&id, job).await.unwrap()
                    }
                }
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    let dispatches = db
        .store
        .jobs(&JobFilter {
            kind: Some(JobKind::Dispatch),
            limit: 1000,
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(dispatches.len(), 100, "Ticket:0 to Ticket:99");
    let created = answers
        .iter()
        .flatten()
        .filter(|e| e.created && e.job.kind == JobKind::Dispatch)
        .count();
    assert_eq!(created, 100);
    let deliveries = answers.iter().skip(2).step_by(3);
    assert_eq!(deliveries.clone().filter(|a| a.is_some()).count(), 11);
    for answer in answers.iter().flatten() {
        let stored = db.store.job(answer.job.id).await.unwrap().unwrap();
        assert_eq!(stored.key, answer.job.key);
    }
    let events = db
        .store
        .jobs(&JobFilter {
            kind: Some(JobKind::Event),
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 11);
}

async fn a_job_is_due_at_its_time(db: &Db) {
    let store = &db.store;
    let later = start() + jiff::SignedDuration::from_secs(30);
    let job = store.enqueue(dispatch(1).at(later)).await.unwrap().job;
    assert_eq!(job.next_run, later);
    assert!(store.lease("w", &[], 10, MINUTE).await.unwrap().is_empty());
    db.clock().advance(Duration::from_secs(30));
    let leased = store.lease("w", &[], 10, MINUTE).await.unwrap();
    assert_eq!(leased.len(), 1);
    // The kinds filter.
    store
        .enqueue(NewJob::new(JobKind::Event, "delivery-1", "{}"))
        .await
        .unwrap();
    assert!(
        store
            .lease("w", &[JobKind::Dispatch, JobKind::Writeback], 10, MINUTE)
            .await
            .unwrap()
            .is_empty()
    );
    let events = store
        .lease("w", &[JobKind::Event], 10, MINUTE)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].job.kind, JobKind::Event);
}

async fn leases_run_out_and_are_taken_again(db: &Db) {
    let store = &db.store;
    for id in 1..=3 {
        store.enqueue(dispatch(id)).await.unwrap();
    }
    let a = store.lease("worker-a", &[], 2, MINUTE).await.unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].job.key, "Ticket:1");
    assert_eq!(a[1].job.key, "Ticket:2");
    for leased in &a {
        assert_eq!(leased.job.state, JobState::Leased);
        assert_eq!(leased.job.attempts, 1);
        assert_eq!(leased.job.lease_owner.as_deref(), Some("worker-a"));
        assert_eq!(
            leased.job.lease_expires,
            Some(start() + jiff::SignedDuration::from_secs(60))
        );
    }
    let b = store.lease("worker-b", &[], 10, 5 * MINUTE).await.unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].job.key, "Ticket:3");
    assert!(
        store
            .lease("worker-b", &[], 10, MINUTE)
            .await
            .unwrap()
            .is_empty()
    );

    // Worker a's lease runs out: worker c takes its jobs, worker b's are still held.
    db.clock().advance(MINUTE - Duration::from_millis(1));
    assert!(
        store
            .lease("worker-c", &[], 10, MINUTE)
            .await
            .unwrap()
            .is_empty()
    );
    db.clock().advance(Duration::from_millis(1));
    let c = store.lease("worker-c", &[], 10, MINUTE).await.unwrap();
    let keys: Vec<&str> = c.iter().map(|l| l.job.key.as_str()).collect();
    assert_eq!(keys, ["Ticket:1", "Ticket:2"]);
    assert!(c.iter().all(|l| l.job.attempts == 2));
    assert!(
        c.iter()
            .zip(&a)
            .all(|(c, a)| c.lease.token != a.lease.token)
    );

    // Extending a lease keeps it.
    store.extend(b[0].lease, 10 * MINUTE).await.unwrap();
    db.clock().advance(6 * MINUTE);
    let again = store.lease("worker-d", &[], 10, MINUTE).await.unwrap();
    let keys: Vec<&str> = again.iter().map(|l| l.job.key.as_str()).collect();
    assert_eq!(keys, ["Ticket:1", "Ticket:2"], "b's extended lease holds");
}

async fn a_restarted_broker_takes_a_gone_processes_leases_at_once_on_sqlite_only(db: &Db) {
    let store = &db.store;
    for id in 1..=2 {
        store.enqueue(dispatch(id)).await.unwrap();
    }
    let before = store.lease("killed", &[], 1, 10 * MINUTE).await.unwrap();
    assert_eq!(before[0].job.key, "Ticket:1");

    // The broker that comes up next: on SQLite it serves the file alone, so the killed
    // process's lease is void; on PostgreSQL other brokers may be alive, so it holds.
    let restarted = db.reopen().await;
    let serving = restarted.serve_alone().await.unwrap();
    let taken = restarted.lease("restarted", &[], 10, MINUTE).await.unwrap();
    let keys: Vec<&str> = taken.iter().map(|l| l.job.key.as_str()).collect();
    match store.backend() {
        "sqlite" => {
            let lock = serving.expect("a SQLite file is served alone");
            assert_eq!(keys, ["Ticket:1", "Ticket:2"]);
            assert_eq!(taken[0].job.attempts, 2);
            // The killed process's lease can no longer finish the job.
            assert!(matches!(
                store.complete(before[0].lease, Vec::new()).await,
                Err(StoreError::LeaseLost { .. })
            ));
            // While it serves, no other broker can.
            let second = db.reopen().await.serve_alone().await.unwrap_err();
            assert!(matches!(second, StoreError::Serving(_)), "{second}");
            drop(lock);
            assert!(db.reopen().await.serve_alone().await.unwrap().is_some());
        }
        _ => {
            assert!(serving.is_none());
            assert_eq!(keys, ["Ticket:2"]);
        }
    }
}

async fn a_stale_lease_cannot_finish_the_job(db: &Db) {
    let store = &db.store;
    let id = store.enqueue(dispatch(7)).await.unwrap().job.id;
    let stale = store.lease("slow", &[], 1, MINUTE).await.unwrap()[0].lease;
    db.clock().advance(2 * MINUTE);
    let fresh = store.lease("fast", &[], 1, MINUTE).await.unwrap()[0].lease;
    assert_eq!(fresh.job_id, id);

    let lost = |r: Result<(), StoreError>| {
        assert!(
            matches!(r, Err(StoreError::LeaseLost { job_id }) if job_id == id),
            "{r:?}"
        );
    };
    lost(store.complete(stale, vec![]).await);
    lost(store.retry(stale, start(), "late").await);
    lost(store.dead_letter(stale, "late").await);
    lost(store.extend(stale, MINUTE).await);
    let job = store.job(id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Leased);
    assert_eq!(job.lease_owner.as_deref(), Some("fast"));
    assert_eq!(job.last_error, None);

    store.complete(fresh, vec![]).await.unwrap();
    assert_eq!(store.job(id).await.unwrap().unwrap().state, JobState::Done);
    // Finished once: the lease is spent.
    lost(store.complete(fresh, vec![]).await);
}

async fn retries_wait_for_their_time(db: &Db) {
    let store = &db.store;
    let id = store.enqueue(dispatch(5)).await.unwrap().job.id;
    let lease = store.lease("w", &[], 1, MINUTE).await.unwrap()[0].lease;
    let at = db.clock().now() + jiff::SignedDuration::from_secs(30);
    store
        .retry(lease, at, "Field Nation: HTTP 503")
        .await
        .unwrap();

    let job = store.job(id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Queued);
    assert_eq!(job.next_run, at);
    assert_eq!(job.last_error.as_deref(), Some("Field Nation: HTTP 503"));
    assert_eq!(job.lease_owner, None);
    assert_eq!(job.lease_expires, None);

    db.clock().advance(Duration::from_secs(29));
    assert!(store.lease("w", &[], 1, MINUTE).await.unwrap().is_empty());
    db.clock().advance(Duration::from_secs(1));
    let again = store.lease("w", &[], 1, MINUTE).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].job.attempts, 2);
    assert_eq!(
        again[0].job.last_error.as_deref(),
        Some("Field Nation: HTTP 503")
    );
}

async fn dead_letters_keep_their_reason_and_can_be_retried_or_dropped(db: &Db) {
    let store = &db.store;
    let id = store.enqueue(dispatch(11)).await.unwrap().job.id;
    let lease = store.lease("w", &[], 1, MINUTE).await.unwrap()[0].lease;
    let reason = "Field Nation refused the work order (HTTP 422):\n\
                  - schedule.service_window.start: must be in the future\n  \
                  written by rule `schedule` at mappings/dispatch.fmap:31:5";
    store.dead_letter(lease, reason).await.unwrap();

    let dead = store.jobs(&JobFilter::dead()).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, id);
    assert_eq!(dead[0].state, JobState::Dead);
    assert_eq!(dead[0].last_error.as_deref(), Some(reason));
    assert_eq!(dead[0].attempts, 1);
    // A dead letter is not leased, and no longer blocks a new job for the record…
    db.clock().advance(10 * MINUTE);
    assert!(store.lease("w", &[], 10, MINUTE).await.unwrap().is_empty());
    let newer = store.enqueue(dispatch(11)).await.unwrap();
    assert!(newer.created);
    // …which then blocks the operator's retry of the dead one.
    assert!(matches!(
        store.requeue(id).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(store.drop_job(newer.job.id).await.unwrap());

    let retried = store.requeue(id).await.unwrap();
    assert_eq!(retried.state, JobState::Queued);
    assert_eq!(retried.attempts, 0);
    assert_eq!(retried.next_run, db.clock().now());
    assert_eq!(retried.last_error.as_deref(), Some(reason));
    let leased = store.lease("w", &[], 10, MINUTE).await.unwrap();
    assert_eq!(leased.len(), 1);
    assert_eq!(leased[0].job.id, id);
    assert_eq!(leased[0].job.attempts, 1);

    // Not a leased job: neither retried nor dropped from under its worker.
    assert!(matches!(store.requeue(id).await, Err(StoreError::Job(..))));
    assert!(!store.drop_job(id).await.unwrap());
    store.complete(leased[0].lease, vec![]).await.unwrap();
    assert!(matches!(store.requeue(id).await, Err(StoreError::Job(..))));
    assert!(store.drop_job(id).await.unwrap());
    assert_eq!(store.job(id).await.unwrap(), None);
    assert!(!store.drop_job(id).await.unwrap());
    assert!(matches!(store.requeue(id).await, Err(StoreError::Job(..))));

    // A queued job's retry makes it due now.
    let later = db.clock().now() + jiff::SignedDuration::from_secs(3600);
    let queued = store.enqueue(dispatch(12).at(later)).await.unwrap().job;
    assert_eq!(
        store.requeue(queued.id).await.unwrap().next_run,
        db.clock().now()
    );
}

async fn jobs_are_listed_and_counted(db: &Db) {
    let store = &db.store;
    for id in 1..=5 {
        store.enqueue(dispatch(id)).await.unwrap();
    }
    store
        .enqueue(NewJob::new(JobKind::Event, "d-1", "{}"))
        .await
        .unwrap();
    let all = store.jobs(&JobFilter::default()).await.unwrap();
    assert_eq!(all.len(), 6);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));

    let page = store
        .jobs(&JobFilter {
            kind: Some(JobKind::Dispatch),
            after_id: Some(all[1].id),
            limit: 2,
            ..JobFilter::default()
        })
        .await
        .unwrap();
    let keys: Vec<&str> = page.iter().map(|j| j.key.as_str()).collect();
    assert_eq!(keys, ["Ticket:3", "Ticket:4"]);

    db.clock().advance(MINUTE);
    let leased = store
        .lease("w", &[JobKind::Dispatch], 2, MINUTE)
        .await
        .unwrap();
    store.complete(leased[0].lease, vec![]).await.unwrap();
    store.dead_letter(leased[1].lease, "no").await.unwrap();

    let counts = store.counts().await.unwrap();
    let summary: Vec<(JobKind, JobState, u64)> =
        counts.iter().map(|c| (c.kind, c.state, c.count)).collect();
    assert_eq!(
        summary,
        [
            (JobKind::Dispatch, JobState::Dead, 1),
            (JobKind::Dispatch, JobState::Done, 1),
            (JobKind::Dispatch, JobState::Queued, 3),
            (JobKind::Event, JobState::Queued, 1),
        ]
    );
    assert!(counts.iter().all(|c| c.oldest_created == start()));
    let queued = store
        .jobs(&JobFilter {
            state: Some(JobState::Queued),
            kind: Some(JobKind::Dispatch),
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(queued.len(), 3);
    // Housekeeping: finished jobs older than a time go; open ones stay.
    let now = db.clock().now();
    assert_eq!(store.purge(now, false).await.unwrap(), 0);
    db.clock().advance(MINUTE);
    assert_eq!(
        store.purge(now, false).await.unwrap(),
        0,
        "changed at `now`, not before"
    );
    assert_eq!(store.purge(db.clock().now(), false).await.unwrap(), 1);
    assert_eq!(store.purge(db.clock().now(), true).await.unwrap(), 1);
    assert_eq!(store.jobs(&JobFilter::default()).await.unwrap().len(), 4);
}

fn correlate(source_id: i64, work_order_id: i64) -> Effect {
    Effect::Correlate(NewCorrelation {
        source_entity: "Ticket".into(),
        source_id,
        mapping: "dispatch".into(),
        work_order_id,
    })
}

async fn the_correlation_is_written_with_the_completion_or_not_at_all(db: &Db) {
    let store = &db.store;
    store.enqueue(dispatch(1)).await.unwrap();
    store.enqueue(dispatch(2)).await.unwrap();
    store.enqueue(dispatch(3)).await.unwrap();
    let leased = store.lease("w", &[], 3, MINUTE).await.unwrap();

    store
        .complete(leased[0].lease, vec![correlate(1, 501)])
        .await
        .unwrap();
    let c = store
        .correlation("Ticket", 1, "dispatch")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.work_order_id, 501);
    assert_eq!(c.created, start());
    assert_eq!(c.last_synced, None);
    assert_eq!(c.last_event_at, None);
    assert_eq!(
        store.correlation_for_work_order(501).await.unwrap(),
        Some(c.clone())
    );
    assert_eq!(store.correlation("Ticket", 1, "other").await.unwrap(), None);
    // Several at once: those that exist.
    let key = |id: i64, mapping: &str| ("Ticket".to_string(), id, mapping.to_string());
    let found = store
        .correlations(vec![
            key(2, "dispatch"),
            key(1, "dispatch"),
            key(1, "other"),
        ])
        .await
        .unwrap();
    assert_eq!(found, [c]);
    assert!(store.correlations(vec![]).await.unwrap().is_empty());

    // An effect that fails (work order 501 is ticket 1's) leaves the job leased and writes
    // nothing, not even the effects before it.
    let failed = store
        .complete(
            leased[1].lease,
            vec![
                Effect::Applied("created:Ticket:2".into()),
                correlate(2, 501),
            ],
        )
        .await;
    assert!(matches!(failed, Err(StoreError::Conflict(_))), "{failed:?}");
    let job = store.job(leased[1].job.id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Leased);
    assert_eq!(
        store.correlation("Ticket", 2, "dispatch").await.unwrap(),
        None
    );
    assert!(!store.is_applied("created:Ticket:2").await.unwrap());
    // The same lease can still finish it.
    store
        .complete(leased[1].lease, vec![correlate(2, 502)])
        .await
        .unwrap();
    assert_eq!(
        store
            .correlation_for_work_order(502)
            .await
            .unwrap()
            .map(|c| c.source_id),
        Some(2)
    );

    // A lease lost: no correlation either.
    db.clock().advance(2 * MINUTE);
    let taken = store.lease("other", &[], 1, MINUTE).await.unwrap();
    assert_eq!(taken[0].job.id, leased[2].job.id);
    assert!(matches!(
        store
            .complete(leased[2].lease, vec![correlate(3, 503)])
            .await,
        Err(StoreError::LeaseLost { .. })
    ));
    assert_eq!(store.correlation_for_work_order(503).await.unwrap(), None);
}

async fn a_batch_completes_each_job_on_its_own(db: &Db) {
    let store = &db.store;
    for id in 1..=4 {
        store.enqueue(dispatch(id)).await.unwrap();
    }
    let first = store.lease("w", &[], 1, MINUTE).await.unwrap();
    store
        .complete(first[0].lease, vec![correlate(1, 901)])
        .await
        .unwrap();
    let stale = store.lease("slow", &[], 1, MINUTE).await.unwrap();
    db.clock().advance(2 * MINUTE);
    let leased = store.lease("w", &[], 10, MINUTE).await.unwrap();
    let keys: Vec<&str> = leased.iter().map(|l| l.job.key.as_str()).collect();
    assert_eq!(keys, ["Ticket:2", "Ticket:3", "Ticket:4"]);

    let outcomes = store
        .complete_many(vec![
            (stale[0].lease, vec![correlate(2, 902)]),
            (leased[1].lease, vec![correlate(3, 901)]),
            (leased[2].lease, vec![correlate(4, 904)]),
        ])
        .await
        .unwrap();
    assert!(matches!(outcomes[0], Err(StoreError::LeaseLost { .. })));
    assert!(matches!(outcomes[1], Err(StoreError::Conflict(_))));
    assert!(outcomes[2].is_ok());
    let state = |i: usize| {
        let id = leased[i].job.id;
        async move { store.job(id).await.unwrap().unwrap().state }
    };
    assert_eq!(state(0).await, JobState::Leased);
    assert_eq!(state(1).await, JobState::Leased);
    assert_eq!(state(2).await, JobState::Done);
    assert_eq!(store.correlation_for_work_order(902).await.unwrap(), None);
    assert_eq!(
        store
            .correlation_for_work_order(901)
            .await
            .unwrap()
            .map(|c| c.source_id),
        Some(1)
    );
    assert_eq!(
        store
            .correlation_for_work_order(904)
            .await
            .unwrap()
            .map(|c| c.source_id),
        Some(4)
    );
    assert!(store.complete_many(vec![]).await.unwrap().is_empty());
}

async fn events_move_the_correlation_forward_only(db: &Db) {
    let store = &db.store;
    store.enqueue(dispatch(1)).await.unwrap();
    let lease = store.lease("w", &[], 1, MINUTE).await.unwrap()[0].lease;
    store
        .complete(lease, vec![correlate(1, 700)])
        .await
        .unwrap();

    let at = |s: &str| -> Timestamp { s.parse().unwrap() };
    let event = |key: &str, event_at: Option<Timestamp>| {
        let key = key.to_string();
        async move {
            store
                .enqueue(NewJob::new(JobKind::Event, key, "{}"))
                .await
                .unwrap();
            let lease = store.lease("w", &[], 1, MINUTE).await.unwrap()[0].lease;
            store
                .complete(
                    lease,
                    vec![Effect::Synced {
                        work_order_id: 700,
                        event_at,
                    }],
                )
                .await
        }
    };
    db.clock().advance(MINUTE);
    event("e1", Some(at("2026-03-02T10:00:00Z"))).await.unwrap();
    let c = store
        .correlation_for_work_order(700)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.last_event_at, Some(at("2026-03-02T10:00:00Z")));
    assert_eq!(c.last_synced, Some(db.clock().now()));

    event("e2", Some(at("2026-03-02T09:30:00Z"))).await.unwrap();
    event("e3", None).await.unwrap();
    let c = store
        .correlation_for_work_order(700)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.last_event_at, Some(at("2026-03-02T10:00:00Z")));
    event("e4", Some(at("2026-03-02T11:00:00Z"))).await.unwrap();
    let c = store
        .correlation_for_work_order(700)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.last_event_at, Some(at("2026-03-02T11:00:00Z")));

    // An event for a work order without a correlation is not completed as if applied.
    store
        .enqueue(NewJob::new(JobKind::Event, "e5", "{}"))
        .await
        .unwrap();
    let leased = store.lease("w", &[], 1, MINUTE).await.unwrap();
    let r = store
        .complete(
            leased[0].lease,
            vec![Effect::Synced {
                work_order_id: 999,
                event_at: None,
            }],
        )
        .await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    assert_eq!(
        store.job(leased[0].job.id).await.unwrap().unwrap().state,
        JobState::Leased
    );
}

async fn effects_of_a_completion(db: &Db) {
    let store = &db.store;
    store.enqueue(dispatch(1)).await.unwrap();
    let leased = store.lease("w", &[], 1, MINUTE).await.unwrap();
    let writeback = NewJob::new(JobKind::Writeback, "Ticket:1", r#"{"work_order":800}"#);
    store
        .complete(
            leased[0].lease,
            vec![
                correlate(1, 800),
                Effect::Applied("note:d-1".into()),
                Effect::Enqueue(writeback.clone()),
                Effect::Watermark {
                    mapping: "dispatch".into(),
                    value: "2026-03-02T04:00:00".into(),
                },
            ],
        )
        .await
        .unwrap();
    assert!(store.is_applied("note:d-1").await.unwrap());
    assert_eq!(
        store.watermark("dispatch").await.unwrap().as_deref(),
        Some("2026-03-02T04:00:00")
    );
    let next = store.lease("w", &[], 10, MINUTE).await.unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].job.kind, JobKind::Writeback);
    assert_eq!(next[0].job.payload, writeback.payload);
}

async fn delivery_ids_are_deduplicated(db: &Db) {
    let store = &db.store;
    assert!(store.insert_delivery("fn-1").await.unwrap());
    assert!(!store.insert_delivery("fn-1").await.unwrap());
    assert!(store.insert_delivery("fn-2").await.unwrap());

    let job = || NewJob::new(JobKind::Event, "fn-3", r#"{"event":"assigned"}"#);
    let first = store
        .enqueue_delivery("fn-3", job())
        .await
        .unwrap()
        .unwrap();
    assert!(first.created);
    let leased = store.lease("w", &[], 1, MINUTE).await.unwrap();
    store.complete(leased[0].lease, vec![]).await.unwrap();
    // A replay after the job is done enqueues nothing.
    assert_eq!(store.enqueue_delivery("fn-3", job()).await.unwrap(), None);
    assert!(!store.insert_delivery("fn-3").await.unwrap());
    let events = store
        .jobs(&JobFilter {
            kind: Some(JobKind::Event),
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);

    // Concurrent deliveries of one id: one job.
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .enqueue_delivery("fn-4", NewJob::new(JobKind::Event, "fn-4", "{}"))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut new = 0;
    for task in tasks {
        new += usize::from(task.await.unwrap().is_some());
    }
    assert_eq!(new, 1);
}

async fn applied_markers_are_set_once(db: &Db) {
    let store = &db.store;
    assert!(!store.is_applied("note:fn-1").await.unwrap());
    assert!(store.mark_applied("note:fn-1", Some(3)).await.unwrap());
    assert!(!store.mark_applied("note:fn-1", Some(4)).await.unwrap());
    assert!(store.is_applied("note:fn-1").await.unwrap());
    assert!(store.mark_applied("note:fn-2", None).await.unwrap());
}

async fn the_audit_trail_keeps_every_call(db: &Db) {
    let store = &db.store;
    let call = |operation: &str, outcome: &str, job_id: Option<i64>| AuditEntry {
        at: start(),
        api: if operation == "query" {
            "autotask"
        } else {
            "fieldnation"
        }
        .into(),
        operation: operation.into(),
        target: Some("Ticket:9137".into()),
        outcome: outcome.into(),
        duration_ms: 42,
        job_id,
    };
    store.record_calls(vec![]).await.unwrap();
    store
        .record_calls(vec![
            call("query", "ok", Some(1)),
            call("create_work_order", "HTTP 503", Some(1)),
        ])
        .await
        .unwrap();
    store
        .record_calls(vec![call("create_work_order", "ok", Some(2)), {
            let mut c = call("query", "ok", None);
            c.target = None;
            c
        }])
        .await
        .unwrap();
    let all = store.calls(None, 10).await.unwrap();
    assert_eq!(all.len(), 4);
    assert!(all.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    assert_eq!(all[0].entry.target, None);
    assert_eq!(all[3].entry, call("query", "ok", Some(1)));
    let for_job: Vec<String> = store
        .calls(Some(1), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entry.outcome)
        .collect();
    assert_eq!(for_job, ["HTTP 503", "ok"]);
    assert_eq!(store.calls(None, 1).await.unwrap().len(), 1);
}

async fn watermarks_per_mapping(db: &Db) {
    let store = &db.store;
    assert_eq!(store.watermark("dispatch").await.unwrap(), None);
    store
        .set_watermark("dispatch", "2026-03-01T08:00:00")
        .await
        .unwrap();
    store
        .set_watermark("project-tasks", "2026-02-01T08:00:00")
        .await
        .unwrap();
    store
        .set_watermark("dispatch", "2026-03-02T08:15:00")
        .await
        .unwrap();
    assert_eq!(
        store.watermark("dispatch").await.unwrap().as_deref(),
        Some("2026-03-02T08:15:00")
    );
    assert_eq!(
        store.watermark("project-tasks").await.unwrap().as_deref(),
        Some("2026-02-01T08:00:00")
    );
}

async fn migrations_applied_twice_change_nothing(db: &Db) {
    let before = db.store.migrations().await.unwrap();
    let versions: Vec<i64> = before.iter().map(|(version, _)| *version).collect();
    assert_eq!(
        versions,
        (1..=db.store.latest_migration()).collect::<Vec<_>>()
    );
    let job = db.store.enqueue(dispatch(1)).await.unwrap().job;

    let again = db.reopen().await;
    let third = db.reopen().await;
    assert_eq!(again.migrations().await.unwrap(), before);
    assert_eq!(third.migrations().await.unwrap(), before);
    // The data is there, and the stores see one queue.
    assert_eq!(again.job(job.id).await.unwrap(), Some(job.clone()));
    assert!(!third.enqueue(dispatch(1)).await.unwrap().created);
    let leased = again.lease("w", &[], 10, MINUTE).await.unwrap();
    assert_eq!(leased.len(), 1);
    db.store.complete(leased[0].lease, vec![]).await.unwrap();
    assert_eq!(
        third.job(job.id).await.unwrap().unwrap().state,
        JobState::Done
    );
}

/// Four workers lease from one queue at once (on PostgreSQL 4,000 jobs, each worker a store of
/// its own, as if four broker processes): each job is taken once and completed once.
async fn concurrent_workers_take_each_job_once(db: &Db) {
    const WORKERS: usize = 4;
    // SQLite has one writer: fewer jobs show the same there.
    let jobs: i64 = if db.store.backend() == "postgres" {
        4_000
    } else {
        1_000
    };
    // Enqueued from a few tasks, to go faster.
    let enqueuers: Vec<_> = (0..4)
        .map(|part| {
            let store = db.store.clone();
            tokio::spawn(async move {
                for id in (1..=jobs).filter(|id| id % 4 == part) {
                    assert!(store.enqueue(dispatch(id)).await.unwrap().created);
                }
            })
        })
        .collect();
    for task in enqueuers {
        task.await.unwrap();
    }

    let mut workers = Vec::new();
    for w in 0..WORKERS {
        // Each worker its own store: as if several broker processes.
        let store = if w == 0 {
            db.store.clone()
        } else {
            db.reopen().await
        };
        workers.push(tokio::spawn(async move {
            let name = format!("worker-{w}");
            let mut taken = Vec::new();
            loop {
                let leased = store.lease(&name, &[], 25, MINUTE).await.unwrap();
                if leased.is_empty() {
                    break;
                }
                taken.extend(leased.iter().map(|l| l.job.id));
                // Half the workers complete job by job, half a batch at a time.
                if w % 2 == 0 {
                    for job in leased {
                        store.complete(job.lease, vec![]).await.unwrap();
                    }
                } else {
                    let batch = leased.iter().map(|l| (l.lease, vec![])).collect();
                    let outcomes = store.complete_many(batch).await.unwrap();
                    assert!(outcomes.iter().all(Result::is_ok));
                }
            }
            taken
        }));
    }
    let mut all = Vec::new();
    let mut busy = 0;
    for worker in workers {
        let taken = worker.await.unwrap();
        busy += usize::from(!taken.is_empty());
        all.extend(taken);
    }
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), jobs as usize, "each job taken once");
    assert_eq!(unique.len(), jobs as usize);
    let counts = db.store.counts().await.unwrap();
    assert_eq!(counts.len(), 1);
    assert_eq!(counts[0].state, JobState::Done);
    assert_eq!(counts[0].count, jobs as u64);
    if db.store.backend() == "postgres" {
        assert!(busy > 1, "the workers shared the queue");
    }
}

fn in_lane(kind: JobKind, key: &str, lane: &str, order: Option<&str>) -> NewJob {
    NewJob::new(kind, key, "{}").in_lane(lane, order.map(|o| o.parse().unwrap()))
}

fn keys(leased: &[fieldmap::broker::store::Leased]) -> Vec<&str> {
    leased.iter().map(|l| l.job.key.as_str()).collect()
}

async fn a_lane_runs_one_job_at_a_time_in_order(db: &Db) {
    let store = &db.store;
    let event = |key: &str, at: &str| in_lane(JobKind::Event, key, "workorder:7", Some(at));
    // Enqueued newest first: the lane runs them by Field Nation's time.
    store
        .enqueue(event("done", "2026-03-02T10:30:00Z"))
        .await
        .unwrap();
    store
        .enqueue(event("assigned", "2026-03-02T10:00:00Z"))
        .await
        .unwrap();
    store.enqueue(dispatch(1)).await.unwrap(); // no lane
    store
        .enqueue(in_lane(JobKind::Dispatch, "T:2 a", "Ticket:2", None))
        .await
        .unwrap();
    store
        .enqueue(in_lane(JobKind::Dispatch, "T:2 b", "Ticket:2", None))
        .await
        .unwrap();

    let first = store.lease("w1", &[], 10, 10 * MINUTE).await.unwrap();
    let mut taken = keys(&first);
    taken.sort_unstable();
    assert_eq!(taken, ["T:2 a", "Ticket:1", "assigned"], "one a lane");
    let lease_of = |key: &str| first.iter().find(|l| l.job.key == key).unwrap().lease;
    assert!(store.lease("w2", &[], 10, MINUTE).await.unwrap().is_empty());

    // A late event older than the leased one waits for it too.
    store
        .enqueue(event("published", "2026-03-02T09:00:00Z"))
        .await
        .unwrap();
    assert!(store.lease("w2", &[], 10, MINUTE).await.unwrap().is_empty());

    // The leased job finishes: the lane's next, by lane order, is taken.
    store.complete(lease_of("assigned"), vec![]).await.unwrap();
    let next = store.lease("w2", &[], 10, MINUTE).await.unwrap();
    assert_eq!(keys(&next), ["published"]);
    store.complete(next[0].lease, vec![]).await.unwrap();

    // A lane's first job waiting for its retry holds the lane: nothing overtakes it.
    store
        .retry(lease_of("T:2 a"), db.clock().now() + MINUTE / 2, "HTTP 503")
        .await
        .unwrap();
    let next = store.lease("w2", &[], 10, 10 * MINUTE).await.unwrap();
    assert_eq!(keys(&next), ["done"]);
    db.clock().advance(MINUTE / 2 - Duration::from_millis(1));
    assert!(store.lease("w2", &[], 10, MINUTE).await.unwrap().is_empty());
    db.clock().advance(Duration::from_millis(1));
    let retried = store.lease("w2", &[], 10, MINUTE).await.unwrap();
    assert_eq!(keys(&retried), ["T:2 a"]);

    // A lease that ran out is taken again before anything else in its lane; a dead letter
    // frees the lane.
    db.clock().advance(10 * MINUTE);
    let again = store.lease("w3", &[], 10, MINUTE).await.unwrap();
    let mut again_keys = keys(&again);
    again_keys.sort_unstable();
    assert_eq!(again_keys, ["T:2 a", "Ticket:1", "done"]);
    let t2a = again.iter().find(|l| l.job.key == "T:2 a").unwrap();
    assert_eq!(t2a.job.attempts, 3);
    store.dead_letter(t2a.lease, "gave up").await.unwrap();
    assert_eq!(
        keys(&store.lease("w3", &[], 10, MINUTE).await.unwrap()),
        ["T:2 b"]
    );
}

async fn a_retry_takes_in_the_notice_that_came_while_it_ran(db: &Db) {
    let store = &db.store;
    let job = || in_lane(JobKind::Dispatch, "Ticket:5 d", "Ticket:5", None);
    let first = store.enqueue(job()).await.unwrap().job;
    let leased = store.lease("w", &[], 10, MINUTE).await.unwrap();
    assert_eq!(leased[0].job.id, first.id);
    let twin = store.enqueue(job()).await.unwrap();
    assert!(twin.created);
    // The twin waits behind the running job.
    assert!(store.lease("w2", &[], 10, MINUTE).await.unwrap().is_empty());

    // The running job fails and goes back to the queue: the twin is merged into it, as a
    // notice arriving after the retry would have been.
    let at = db.clock().now() + MINUTE;
    store.retry(leased[0].lease, at, "HTTP 503").await.unwrap();
    // The twin's id (intake answered with it) leads to the job it went into.
    let merged = store.job(twin.job.id).await.unwrap().unwrap();
    assert_eq!(
        (merged.state, merged.merged_into),
        (JobState::Done, Some(first.id))
    );
    let kept = store.job(first.id).await.unwrap().unwrap();
    assert_eq!((kept.state, kept.next_run), (JobState::Queued, at));
    assert!(!store.enqueue(job()).await.unwrap().created);

    // Completed instead, the running job leaves the twin to run next.
    db.clock().advance(MINUTE);
    let leased = store.lease("w", &[], 10, MINUTE).await.unwrap();
    assert_eq!(leased[0].job.id, first.id);
    let twin = store.enqueue(job()).await.unwrap().job;
    store.complete(leased[0].lease, vec![]).await.unwrap();
    let next = store.lease("w", &[], 10, MINUTE).await.unwrap();
    assert_eq!(next[0].job.id, twin.id);
    // A dead letter leaves it too.
    let third = store.enqueue(job()).await.unwrap().job;
    store.dead_letter(next[0].lease, "no").await.unwrap();
    let last = store.lease("w", &[], 10, MINUTE).await.unwrap();
    assert_eq!(last[0].job.id, third.id);
}

/// Four workers (on PostgreSQL each a store of its own, as if four brokers) lease from
/// twenty lanes at once: no lane ever has two jobs running, and each lane's jobs finish in
/// lane order.
async fn concurrent_workers_keep_each_lane_in_order(db: &Db) {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    const LANES: usize = 20;
    const PER_LANE: usize = 15;
    for n in 0..PER_LANE {
        for lane in 0..LANES {
            // Lane order runs against arrival: the last enqueued runs first.
            let at = start() - jiff::SignedDuration::from_secs(n as i64);
            store_event(&db.store, lane, n, at).await;
        }
    }
    let running: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let finished: Arc<Mutex<HashMap<String, Vec<Timestamp>>>> = Arc::default();
    let mut workers = Vec::new();
    for w in 0..4 {
        let store = if w == 0 {
            db.store.clone()
        } else {
            db.reopen().await
        };
        let (running, finished) = (running.clone(), finished.clone());
        workers.push(tokio::spawn(async move {
            let name = format!("worker-{w}");
            let mut idle = 0;
            while idle < 20 {
                let leased = store.lease(&name, &[], 8, MINUTE).await.unwrap();
                if leased.is_empty() {
                    idle += 1;
                    tokio::task::yield_now().await;
                    continue;
                }
                idle = 0;
                for l in &leased {
                    let lane = l.job.payload.clone();
                    let mut running = running.lock().unwrap();
                    let n = running.entry(lane.clone()).or_default();
                    *n += 1;
                    assert_eq!(*n, 1, "two jobs of {lane} running at once");
                }
                tokio::task::yield_now().await;
                for l in &leased {
                    let lane = l.job.payload.clone();
                    *running.lock().unwrap().get_mut(&lane).unwrap() -= 1;
                    let at: Timestamp = l.job.key.split('@').nth(1).unwrap().parse().unwrap();
                    finished.lock().unwrap().entry(lane).or_default().push(at);
                    store.complete(l.lease, vec![]).await.unwrap();
                }
            }
        }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
    let finished = finished.lock().unwrap();
    assert_eq!(finished.len(), LANES);
    for (lane, times) in finished.iter() {
        assert_eq!(times.len(), PER_LANE, "{lane}");
        assert!(times.windows(2).all(|w| w[0] < w[1]), "{lane}: {times:?}");
    }
}

/// An event job of lane `lane`, the `n`th, at `at`; its payload names its lane and its key
/// carries its time, for [`concurrent_workers_keep_each_lane_in_order`].
async fn store_event(store: &Store, lane: usize, n: usize, at: Timestamp) {
    let lane = format!("workorder:{lane}");
    let job = NewJob::new(JobKind::Event, format!("{lane}#{n}@{at}"), lane.clone())
        .in_lane(lane, Some(at));
    assert!(store.enqueue(job).await.unwrap().created);
}

#[tokio::test]
async fn store_urls() {
    let memory = Store::open("sqlite::memory:").await.unwrap();
    assert_eq!(memory.backend(), "sqlite");
    assert!(memory.enqueue(dispatch(1)).await.unwrap().created);
    assert!(matches!(
        memory.drop_schema().await,
        Err(StoreError::Url(_))
    ));

    let file = std::env::temp_dir().join(format!("{}.db", unique("fieldmap_url")));
    let store = Store::open(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    assert_eq!(
        store.migrations().await.unwrap().len() as i64,
        store.latest_migration()
    );
    drop(store);
    for suffix in ["", "-wal", "-shm", ".serving"] {
        let mut path = file.clone().into_os_string();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }

    for bad in ["", "sqlite:", "mysql://x", "postgres://bad host:99999/x"] {
        assert!(
            matches!(Store::open(bad).await, Err(StoreError::Url(_))),
            "{bad}"
        );
    }
    let bad_schema = Options {
        schema: Some("x; DROP TABLE jobs".into()),
        ..Options::default()
    };
    assert!(matches!(
        Store::open_with(&postgres_url(), bad_schema).await,
        Err(StoreError::Url(_))
    ));
}
