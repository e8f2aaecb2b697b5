//! Where the broker's spans and events go: standard error, as text or JSON lines. The library
//! only emits them; the binary installs this subscriber once, at start.
//!
//! - `FIELDMAP_LOG`: which events, as `LEVEL` or `target=LEVEL,…` (`info`,
//!   `fieldmap=debug,warn`); the default is given per command (`warn` for the one-shot ones).
//! - `FIELDMAP_LOG_FORMAT`: `text` (the default) or `json`, one object a line with the
//!   current span's fields (a job's id, kind, key and correlation).

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// How events are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line an event, with its spans' fields.
    Text,
    /// One JSON object a line.
    Json,
}

/// Installs the subscriber for the process, from `FIELDMAP_LOG` (else `default_filter`) and
/// `FIELDMAP_LOG_FORMAT`. A value it cannot read is reported and the default used: logging
/// never stops a command.
pub fn init(default_filter: &str) {
    let filter = match std::env::var("FIELDMAP_LOG") {
        Ok(text) if !text.trim().is_empty() => text.parse::<Targets>().unwrap_or_else(|e| {
            errln!("warning: FIELDMAP_LOG `{text}`: {e}; using `{default_filter}`");
            default_targets(default_filter)
        }),
        _ => default_targets(default_filter),
    };
    let format = match std::env::var("FIELDMAP_LOG_FORMAT").as_deref() {
        Ok("json") => LogFormat::Json,
        Ok("text" | "") | Err(_) => LogFormat::Text,
        Ok(other) => {
            errln!("warning: FIELDMAP_LOG_FORMAT `{other}`: expected text or json; using text");
            LogFormat::Text
        }
    };
    let registry = tracing_subscriber::registry().with(filter);
    // Another subscriber installed first (a test harness) wins: nothing to do then.
    let _ = match format {
        LogFormat::Text => registry
            .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
            .try_init(),
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
}

fn default_targets(filter: &str) -> Targets {
    filter
        .parse()
        .unwrap_or_else(|_| Targets::new().with_default(tracing::Level::WARN))
}
