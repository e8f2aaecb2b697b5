//! The demo's timeline: what happened, to which record, how long after the start. Each entry is
//! handed to the caller's sink as it is recorded (printed at once by `fieldmap demo`) and kept
//! for the report.

use std::time::{Duration, Instant};

use serde::Serialize;

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Milliseconds since the demo started.
    pub at_ms: u64,
    /// The record or work order it is about (`T20250114.0042`, `task T20250601.0003.004`), or
    /// `demo` for the demo's own steps.
    pub subject: String,
    /// What happened.
    pub text: String,
}

impl Entry {
    /// `  1.234s  T20250114.0042  work order 1234567 created`.
    pub fn render(&self, subject_width: usize) -> String {
        format!(
            "{:>4}.{:03}s  {:<subject_width$}  {}",
            self.at_ms / 1000,
            self.at_ms % 1000,
            self.subject,
            self.text
        )
    }
}

/// Where entries go as they are recorded.
pub type Sink = Box<dyn FnMut(&Entry) + Send>;

/// The entries so far, and the sink each new one is handed to.
pub struct Timeline {
    start: Instant,
    entries: Vec<Entry>,
    sink: Sink,
}

impl Timeline {
    pub fn new(sink: Sink) -> Self {
        Timeline {
            start: Instant::now(),
            entries: Vec::new(),
            sink,
        }
    }

    /// Records `text` about `subject` now.
    pub fn note(&mut self, subject: &str, text: impl Into<String>) {
        let at = self.elapsed();
        let entry = Entry {
            at_ms: u64::try_from(at.as_millis()).unwrap_or(u64::MAX),
            subject: subject.to_owned(),
            text: text.into(),
        };
        (self.sink)(&entry);
        self.entries.push(entry);
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    pub fn into_entries(self) -> Vec<Entry> {
        self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn entries_reach_the_sink_in_order_and_render_aligned() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink_seen = seen.clone();
        let mut timeline = Timeline::new(Box::new(move |e: &Entry| {
            sink_seen.lock().unwrap().push(e.text.clone());
        }));
        timeline.note("T20250114.0042", "webhook Update (Status) → 202");
        timeline.note("demo", "done");
        assert_eq!(
            *seen.lock().unwrap(),
            ["webhook Update (Status) → 202", "done"]
        );
        let entries = timeline.into_entries();
        assert!(entries[0].at_ms <= entries[1].at_ms);
        let line = Entry {
            at_ms: 1234,
            subject: "demo".into(),
            text: "x".into(),
        }
        .render(6);
        assert_eq!(line, "   1.234s  demo    x");
    }
}
