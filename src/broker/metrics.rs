//! The broker's metrics, written in the Prometheus text exposition format (version 0.0.4).
//!
//! Two sources: counters this process keeps (attempts by outcome, the dispatch latency
//! histogram, external calls, the Autotask threshold headroom), and the queue as the store
//! sees it at each scrape (jobs by kind and state, the oldest due job's wait). With several
//! brokers on one PostgreSQL, each reports the shared queue's figures and its own counters.
//!
//! The encoder is written here rather than taken from `prometheus-client`: that crate writes
//! OpenMetrics (`# EOF`, its own content type) and wants the store's figures copied into its
//! registry before each scrape; this file writes exactly the text format, from the figures.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex, MutexGuard};

use jiff::Timestamp;

use super::dispatcher::Outcome;
use super::store::{AuditEntry, Job, JobCount, JobKind, JobState, Store};

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The upper bounds of the dispatch latency histogram's buckets, in seconds: from a fast
/// dispatch to one that waited through the whole retry schedule.
const LATENCY_BUCKETS: [f64; 14] = [
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0,
];

/// The broker's metrics: cheap to clone; every clone counts into the same figures.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    inner: Arc<Mutex<Figures>>,
}

#[derive(Debug, Default)]
struct Figures {
    /// (kind, outcome) → attempts.
    attempts: BTreeMap<(&'static str, &'static str), u64>,
    /// Seconds from intake to the work order created.
    latency: Histogram,
    /// (api, operation, outcome) → calls.
    calls: BTreeMap<(String, String, &'static str), u64>,
    /// Autotask requests left before the threshold, as last set.
    autotask_headroom: Option<f64>,
}

#[derive(Debug)]
struct Histogram {
    /// Observations at or under each bound (not cumulative).
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            buckets: [0; LATENCY_BUCKETS.len()],
            count: 0,
            sum: 0.0,
        }
    }
}

impl Histogram {
    fn observe(&mut self, value: f64) {
        if let Some(i) = LATENCY_BUCKETS.iter().position(|bound| value <= *bound) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += value;
    }
}

impl Metrics {
    /// Fresh metrics, all zero.
    pub fn new() -> Metrics {
        Metrics::default()
    }

    fn figures(&self) -> MutexGuard<'_, Figures> {
        // A panic while counting leaves figures that are still numbers: keep them.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one attempt of `job` that ended in `outcome` at `now`; a dispatch that created
    /// (or found) its work order adds its latency from intake.
    pub fn observe(&self, job: &Job, outcome: &Outcome, now: Timestamp) {
        let mut figures = self.figures();
        *figures
            .attempts
            .entry((job.kind.as_str(), outcome_label(outcome)))
            .or_default() += 1;
        if let Outcome::Dispatched { .. } = outcome {
            let waited = now.duration_since(job.created).as_secs_f64().max(0.0);
            figures.latency.observe(waited);
        }
    }

    /// Counts a call to an external API: `api` is `autotask` or `fieldnation`, `operation`
    /// what was asked (`query`, `create_work_order`…), `ok` whether it succeeded.
    pub fn record_call(&self, api: &str, operation: &str, ok: bool) {
        let outcome = if ok { "ok" } else { "error" };
        *self
            .figures()
            .calls
            .entry((api.to_owned(), operation.to_owned(), outcome))
            .or_default() += 1;
    }

    /// Counts the calls of audit entries (an outcome of `ok` is a success).
    ///
    /// A batch's shared fetch is in the trail once per job of the batch; it is counted once.
    pub fn record_calls(&self, entries: &[AuditEntry]) {
        let mut seen = std::collections::HashSet::new();
        for entry in entries {
            if seen.insert((&entry.api, entry.at, &entry.operation, &entry.outcome)) {
                let ok = entry.outcome == "ok" || entry.outcome.starts_with("ok,");
                self.record_call(&entry.api, &entry.operation, ok);
            }
        }
    }

    /// Sets how many Autotask requests are left before its threshold pauses the broker.
    pub fn set_autotask_headroom(&self, requests: u64) {
        // Exact up to 2^53 requests: far beyond any threshold.
        self.figures().autotask_headroom = Some(requests as f64);
    }

    /// Every metric, in the text format: this process's counters and, read from `store` now,
    /// the queue's figures. When the store cannot be read, `fieldmap_store_up` is 0 and the
    /// queue's figures are left out.
    pub async fn render(&self, store: &Store) -> String {
        let now = store.clock().now();
        let counts = store.counts().await.ok();
        self.render_with(counts.as_deref(), now)
    }

    /// [`Metrics::render`] with the queue's figures given (`None`: the store failed).
    pub fn render_with(&self, counts: Option<&[JobCount]>, now: Timestamp) -> String {
        let mut out = Exposition::default();
        if let Some(counts) = counts {
            queue_figures(&mut out, counts, now);
        }
        out.family(
            "fieldmap_store_up",
            "gauge",
            "Whether the store answered this scrape (1) or not (0).",
        );
        out.sample("fieldmap_store_up", &[], u8::from(counts.is_some()));

        let figures = self.figures();
        out.family(
            "fieldmap_job_attempts_total",
            "counter",
            "Job attempts this process finished, by kind and outcome.",
        );
        for ((kind, outcome), n) in &figures.attempts {
            let labels = [("kind", *kind), ("outcome", *outcome)];
            out.sample("fieldmap_job_attempts_total", &labels, n);
        }

        let name = "fieldmap_dispatch_latency_seconds";
        out.family(
            name,
            "histogram",
            "Seconds from a dispatch job's intake to its work order created.",
        );
        let mut cumulative = 0;
        for (bound, n) in LATENCY_BUCKETS.iter().zip(figures.latency.buckets) {
            cumulative += n;
            let le = bound.to_string();
            out.sample(&format!("{name}_bucket"), &[("le", &le)], cumulative);
        }
        let count = figures.latency.count;
        out.sample(&format!("{name}_bucket"), &[("le", "+Inf")], count);
        out.sample(&format!("{name}_sum"), &[], figures.latency.sum);
        out.sample(&format!("{name}_count"), &[], count);

        out.family(
            "fieldmap_api_calls_total",
            "counter",
            "Calls this process made to Autotask and Field Nation, by operation and outcome.",
        );
        for ((api, operation, outcome), n) in &figures.calls {
            let labels = [
                ("api", api.as_str()),
                ("operation", operation),
                ("outcome", outcome),
            ];
            out.sample("fieldmap_api_calls_total", &labels, n);
        }

        if let Some(headroom) = figures.autotask_headroom {
            out.family(
                "fieldmap_autotask_threshold_headroom",
                "gauge",
                "Autotask requests left before its threshold pauses the broker.",
            );
            out.sample("fieldmap_autotask_threshold_headroom", &[], headroom);
        }
        out.text
    }
}

/// Jobs by kind and state (every pair, zeros too, so that a series never vanishes), the
/// oldest open job's age, and how long the oldest due job has waited.
fn queue_figures(out: &mut Exposition, counts: &[JobCount], now: Timestamp) {
    let find =
        |kind: JobKind, state: JobState| counts.iter().find(|c| c.kind == kind && c.state == state);
    out.family(
        "fieldmap_jobs",
        "gauge",
        "Jobs in the store, by kind and state.",
    );
    for kind in JobKind::ALL {
        for state in JobState::ALL {
            let n = find(kind, state).map_or(0, |c| c.count);
            let labels = [("kind", kind.as_str()), ("state", state.as_str())];
            out.sample("fieldmap_jobs", &labels, n);
        }
    }
    out.family(
        "fieldmap_jobs_oldest_age_seconds",
        "gauge",
        "Seconds since the oldest open (queued or leased) job of each kind was enqueued; 0 when none.",
    );
    for kind in JobKind::ALL {
        let oldest = [JobState::Queued, JobState::Leased]
            .into_iter()
            .filter_map(|state| find(kind, state))
            .map(|c| seconds_between(c.oldest_created, now))
            .fold(0.0, f64::max);
        out.sample(
            "fieldmap_jobs_oldest_age_seconds",
            &[("kind", kind.as_str())],
            oldest,
        );
    }
    out.family(
        "fieldmap_jobs_oldest_due_seconds",
        "gauge",
        "Seconds the oldest due job of each kind has waited past its run time (a queued job, or a leased one whose lease ran out); 0 when none is due.",
    );
    for kind in JobKind::ALL {
        // A leased job's next run is its lease's expiry: past it, the job is due again.
        let waited = [JobState::Queued, JobState::Leased]
            .into_iter()
            .filter_map(|state| find(kind, state))
            .map(|c| seconds_between(c.earliest_next_run, now))
            .fold(0.0, f64::max);
        out.sample(
            "fieldmap_jobs_oldest_due_seconds",
            &[("kind", kind.as_str())],
            waited,
        );
    }
}

/// Seconds from `then` to `now`, 0 when `then` is later.
fn seconds_between(then: Timestamp, now: Timestamp) -> f64 {
    now.duration_since(then).as_secs_f64().max(0.0)
}

/// The label an outcome is counted under.
pub fn outcome_label(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Dispatched { .. } => "dispatched",
        Outcome::AlreadyDispatched { .. } => "already_dispatched",
        Outcome::NotTriggered => "not_triggered",
        Outcome::SourceMissing => "source_missing",
        Outcome::EventApplied { .. } => "event_applied",
        Outcome::EventSkipped { .. } => "event_skipped",
        Outcome::UnknownWorkOrder { .. } => "unknown_work_order",
        Outcome::StaleEvent { .. } => "stale_event",
        Outcome::Retried { .. } => "retried",
        Outcome::DeadLettered { .. } => "dead_lettered",
        Outcome::LeaseLost => "lease_lost",
    }
}

/// Text in the exposition format, family by family.
#[derive(Default)]
struct Exposition {
    text: String,
}

impl Exposition {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.text, "# HELP {name} {help}");
        let _ = writeln!(self.text, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Value) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (label, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{label}=\"{}\"", Escaped(value));
            }
            self.text.push('}');
        }
        self.text.push(' ');
        value.write(&mut self.text);
        self.text.push('\n');
    }
}

/// A sample's value as the format writes it.
trait Value {
    fn write(&self, out: &mut String);
}

impl Value for u64 {
    fn write(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl Value for &u64 {
    fn write(&self, out: &mut String) {
        (**self).write(out);
    }
}

impl Value for u8 {
    fn write(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl Value for f64 {
    fn write(&self, out: &mut String) {
        if self.is_nan() {
            out.push_str("NaN");
        } else if self.is_infinite() {
            out.push_str(if *self > 0.0 { "+Inf" } else { "-Inf" });
        } else {
            let _ = write!(out, "{self}");
        }
    }
}

/// A label value with `\`, `"` and line feeds escaped.
struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '\\' => f.write_str("\\\\")?,
                '"' => f.write_str("\\\"")?,
                '\n' => f.write_str("\\n")?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(kind: JobKind, created: &str) -> Job {
        let created: Timestamp = created.parse().unwrap();
        Job {
            id: 1,
            kind,
            key: "Ticket:9137 Dispatch".into(),
            payload: "{}".into(),
            state: JobState::Leased,
            attempts: 1,
            lease_owner: Some("broker".into()),
            lease_expires: None,
            next_run: created,
            last_error: None,
            created,
            updated: created,
            merged_into: None,
        }
    }

    fn line<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
        text.lines()
            .find(|l| l.starts_with(prefix) && l[prefix.len()..].starts_with(' '))
            .map(|l| &l[prefix.len() + 1..])
    }

    #[test]
    fn attempts_latency_and_calls_are_counted() {
        let metrics = Metrics::new();
        let now: Timestamp = "2026-03-02T09:00:03Z".parse().unwrap();
        let dispatch = job(JobKind::Dispatch, "2026-03-02T09:00:00Z");
        let dispatched = Outcome::Dispatched {
            work_order_id: 7,
            found_by_marker: false,
        };
        metrics.observe(&dispatch, &dispatched, now);
        let retried = Outcome::Retried {
            reason: "HTTP 503".into(),
        };
        metrics.observe(&dispatch, &retried, now);
        metrics.observe(&dispatch, &retried, now);
        metrics.record_call("fieldnation", "create_work_order", true);
        metrics.record_call("autotask", "query", false);
        metrics.set_autotask_headroom(9_850);
        let text = metrics.render_with(None, now);
        let attempts = "fieldmap_job_attempts_total";
        assert_eq!(
            line(
                &text,
                &format!("{attempts}{{kind=\"dispatch\",outcome=\"retried\"}}")
            ),
            Some("2")
        );
        assert_eq!(
            line(
                &text,
                &format!("{attempts}{{kind=\"dispatch\",outcome=\"dispatched\"}}")
            ),
            Some("1")
        );
        let bucket = "fieldmap_dispatch_latency_seconds_bucket";
        assert_eq!(line(&text, &format!("{bucket}{{le=\"2.5\"}}")), Some("0"));
        assert_eq!(line(&text, &format!("{bucket}{{le=\"5\"}}")), Some("1"));
        assert_eq!(line(&text, &format!("{bucket}{{le=\"+Inf\"}}")), Some("1"));
        assert_eq!(
            line(&text, "fieldmap_dispatch_latency_seconds_sum"),
            Some("3")
        );
        assert_eq!(
            line(
                &text,
                "fieldmap_api_calls_total{api=\"autotask\",operation=\"query\",outcome=\"error\"}"
            ),
            Some("1")
        );
        assert_eq!(
            line(&text, "fieldmap_autotask_threshold_headroom"),
            Some("9850")
        );
        assert_eq!(line(&text, "fieldmap_store_up"), Some("0"));
        assert!(!text.contains("fieldmap_jobs{"), "{text}");
    }

    #[test]
    fn queue_figures_cover_every_kind_and_state() {
        let now: Timestamp = "2026-03-02T09:10:00Z".parse().unwrap();
        let counts = [JobCount {
            kind: JobKind::Dispatch,
            state: JobState::Queued,
            count: 3,
            oldest_created: "2026-03-02T09:00:00Z".parse().unwrap(),
            earliest_next_run: "2026-03-02T09:09:30Z".parse().unwrap(),
        }];
        let text = Metrics::new().render_with(Some(&counts), now);
        let jobs = |kind: &str, state: &str| {
            line(
                &text,
                &format!("fieldmap_jobs{{kind=\"{kind}\",state=\"{state}\"}}"),
            )
        };
        assert_eq!(jobs("dispatch", "queued"), Some("3"));
        assert_eq!(jobs("event", "dead"), Some("0"));
        assert_eq!(
            line(&text, "fieldmap_jobs_oldest_age_seconds{kind=\"dispatch\"}"),
            Some("600")
        );
        assert_eq!(
            line(&text, "fieldmap_jobs_oldest_due_seconds{kind=\"dispatch\"}"),
            Some("30")
        );
        assert_eq!(
            line(&text, "fieldmap_jobs_oldest_due_seconds{kind=\"event\"}"),
            Some("0")
        );
        assert_eq!(line(&text, "fieldmap_store_up"), Some("1"));
    }

    #[test]
    fn label_values_are_escaped() {
        let metrics = Metrics::new();
        metrics.record_call("a\"b\\c\nd", "q", true);
        let text = metrics.render_with(None, Timestamp::UNIX_EPOCH);
        assert!(text.contains("api=\"a\\\"b\\\\c\\nd\""), "{text}");
    }
}
