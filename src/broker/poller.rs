//! Polling, the alternative to Autotask's webhooks: per mapping, every few minutes, the
//! triggers' QueryXML asks for records changed since the mapping's watermark (Autotask's
//! LastActivityDate, kept in the store so a restart resumes where it stopped); each record a
//! trigger holds for gets a dispatch job, and the watermark moves to the latest change seen.
//!
//! The watermark is compared with `>=`: a record changed in the same second as the last one
//! seen is asked for again rather than missed. Asking twice is harmless: one queued job per
//! record and mapping, and the dispatcher never creates a second work order for a record.

use jiff::Timestamp;

use super::job_payload::DispatchRequest;
use super::store::{Store, StoreError};
use crate::autotask_client::{AutotaskClient, ClientError, activity_field, poll_mapping_since};
use crate::ir::Program;
use crate::stdlib::context::EvalContext;

/// What one polling round did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollRound {
    pub mapping: String,
    /// The watermark the round asked from (`None`: the first round, everything).
    pub since: Option<String>,
    /// Records a trigger holds for, and whether their job is new.
    pub enqueued: Vec<(i64, bool)>,
    /// The watermark after the round.
    pub watermark: Option<String>,
}

/// Why a round failed; the watermark did not move.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error("no mapping named {0:?} to poll")]
    UnknownMapping(String),
    #[error("polling {mapping:?}: {source}")]
    Autotask {
        mapping: String,
        #[source]
        source: ClientError,
    },
    #[error("polling {mapping:?}: {source}")]
    Store {
        mapping: String,
        #[source]
        source: StoreError,
    },
}

/// One polling round for the mapping named `mapping`.
///
/// # Errors
///
/// The program has no such mapping; Autotask or the store failed.
pub async fn poll_once(
    client: &AutotaskClient,
    program: &Program,
    store: &Store,
    mapping: &str,
) -> Result<PollRound, PollError> {
    let Some(index) = program.mappings().iter().position(|m| m.name() == mapping) else {
        return Err(PollError::UnknownMapping(mapping.to_owned()));
    };
    let source = program.mappings()[index].source().to_owned();
    let store_error = |source| PollError::Store {
        mapping: mapping.to_owned(),
        source,
    };
    let autotask_error = |source| PollError::Autotask {
        mapping: mapping.to_owned(),
        source,
    };
    let since = store.watermark(mapping).await.map_err(store_error)?;
    let ctx = EvalContext::current();
    let poll = poll_mapping_since(client, program, index, &ctx, since.as_deref())
        .await
        .map_err(autotask_error)?;
    let mut enqueued = Vec::new();
    for id in poll.confirmed() {
        let job = DispatchRequest::new(mapping, &source, id).job();
        let done = store.enqueue(job).await.map_err(store_error)?;
        enqueued.push((id, done.created));
    }
    let mut matched: Vec<i64> = poll
        .triggers
        .iter()
        .flat_map(|t| t.matched.iter().copied())
        .collect();
    matched.sort_unstable();
    matched.dedup();
    let mut watermark = since.clone();
    if let (Some(field), false) = (activity_field(&source), matched.is_empty()) {
        let records = client
            .query_entities_by_ids(&source, &matched)
            .await
            .map_err(autotask_error)?;
        let latest = records
            .iter()
            .filter_map(|r| r.field(field))
            .filter_map(|text| Some((wire_time(text)?, text)))
            .max_by_key(|(at, _)| *at);
        if let Some((at, text)) = latest
            && watermark
                .as_deref()
                .and_then(wire_time)
                .is_none_or(|old| at > old)
        {
            store
                .set_watermark(mapping, text)
                .await
                .map_err(store_error)?;
            watermark = Some(text.to_owned());
        }
    }
    Ok(PollRound {
        mapping: mapping.to_owned(),
        since,
        enqueued,
        watermark,
    })
}

fn wire_time(text: &str) -> Option<Timestamp> {
    crate::time::parse_autotask_datetime(text)
        .ok()
        .map(|(zoned, _)| zoned.timestamp())
}
