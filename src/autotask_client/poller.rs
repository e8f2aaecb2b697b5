//! Polling: which source records match a mapping's triggers now. Each trigger's QueryXML asks
//! Autotask (page by page); since Autotask compares text case-insensitively, every record it
//! returns is checked again with the trigger's own, exact predicate.

use std::sync::Arc;

use super::call_log::CallLog;
use super::client::AutotaskClient;
use super::error::ClientError;
use super::fetcher::FetchStats;
use crate::autotask::wire::{Operation, Operator, QueryItem, QueryXml};
use crate::autotask::{LoadError, load_query_response};
use crate::ir::Program;
use crate::stdlib::context::EvalContext;
use crate::value::record::RecordSet;

/// What one trigger's query found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerPoll {
    /// The trigger's index in the mapping.
    pub trigger: usize,
    /// Why the trigger has no QueryXML (then nothing was asked), or `None`.
    pub not_pollable: Option<String>,
    /// Ids Autotask returned, ascending.
    pub matched: Vec<i64>,
    /// Of those, the ids for which the trigger's own predicate holds.
    pub confirmed: Vec<i64>,
    /// Records the predicate could not be evaluated for, with the reason.
    pub failed: Vec<(i64, String)>,
}

/// What polling one mapping found.
#[derive(Debug, Clone, Default)]
pub struct MappingPoll {
    pub mapping: String,
    /// The source entity, e.g. `Ticket`.
    pub source: String,
    pub triggers: Vec<TriggerPoll>,
    /// The matched source records, as the queries returned them.
    pub records: RecordSet,
    pub stats: FetchStats,
}

impl MappingPoll {
    /// Ids confirmed by any trigger (the mapping applies when any trigger holds), ascending.
    pub fn confirmed(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .triggers
            .iter()
            .flat_map(|t| t.confirmed.iter().copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// Runs every trigger query of mapping number `mapping` and rechecks what comes back.
///
/// # Errors
///
/// [`ClientError::InvalidRequest`] for a mapping number the program does not have; any call
/// that fails.
pub async fn poll_mapping(
    client: &AutotaskClient,
    program: &Program,
    mapping: usize,
    ctx: &EvalContext,
) -> Result<MappingPoll, ClientError> {
    poll_mapping_since(client, program, mapping, ctx, None).await
}

/// The field that says when a record of `entity` last changed, for polling with a watermark.
pub fn activity_field(entity: &str) -> Option<&'static str> {
    match entity {
        "Ticket" => Some("LastActivityDate"),
        "Task" => Some("LastActivityDateTime"),
        "ServiceCall" => Some("LastModifiedDateTime"),
        _ => None,
    }
}

/// As [`poll_mapping`], asking only for records whose [`activity_field`] is at or after
/// `since` (Autotask's wire time, as a watermark keeps it). Entities without such a field are
/// polled whole.
///
/// # Errors
///
/// As [`poll_mapping`].
pub async fn poll_mapping_since(
    client: &AutotaskClient,
    program: &Program,
    mapping: usize,
    ctx: &EvalContext,
    since: Option<&str>,
) -> Result<MappingPoll, ClientError> {
    let Some(plan) = program.mappings.get(mapping) else {
        return Err(ClientError::InvalidRequest(format!(
            "the program has no mapping #{mapping}"
        )));
    };
    let log = Arc::new(CallLog::new());
    let client = client.with_call_log(log.clone());
    let mut poll = MappingPoll {
        mapping: plan.name.clone(),
        source: plan.source.clone(),
        ..MappingPoll::default()
    };
    for (index, trigger) in plan.triggers.iter().enumerate() {
        let mut found = TriggerPoll {
            trigger: index,
            not_pollable: None,
            matched: Vec::new(),
            confirmed: Vec::new(),
            failed: Vec::new(),
        };
        let query = match &trigger.query {
            Ok(query) => match (since, activity_field(&plan.source)) {
                (Some(since), Some(field)) => {
                    let mut narrowed = query.clone();
                    narrowed.items.push(QueryItem::field(
                        field,
                        Operator::GreaterThanOrEquals,
                        since,
                    ));
                    std::borrow::Cow::Owned(narrowed)
                }
                _ => std::borrow::Cow::Borrowed(query),
            },
            Err(reason) => {
                found.not_pollable = Some(reason.clone());
                poll.triggers.push(found);
                continue;
            }
        };
        for page in client.query_pages(&query).await? {
            let report = load_query_response(&page.xml, &program.schemas, &mut poll.records)
                .map_err(|e| {
                    let at = client.call_site(Operation::Query, Some(&plan.source));
                    client.scrubbed(match e {
                        LoadError::Soap(source) => ClientError::Xml {
                            at,
                            source: Box::new(source),
                        },
                        LoadError::Api { messages, .. } => ClientError::Api { at, messages },
                    })
                })?;
            found.matched.extend(
                report
                    .loaded
                    .iter()
                    .filter(|(entity, _)| **entity == *plan.source)
                    .map(|(_, id)| *id),
            );
        }
        found.matched.sort_unstable();
        found.matched.dedup();
        for id in &found.matched {
            let Some(record) = poll.records.get(&plan.source, *id) else {
                continue;
            };
            match program.trigger_holds(mapping, index, record, ctx) {
                Some(Ok(true)) => found.confirmed.push(*id),
                Some(Ok(false)) | None => {}
                Some(Err(failure)) => found.failed.push((*id, failure.to_string())),
            }
        }
        poll.triggers.push(found);
    }
    poll.stats.api_calls = log.api_calls();
    poll.stats.discovery_calls = log.discovery_calls();
    poll.stats.calls = log.calls();
    Ok(poll)
}

impl AutotaskClient {
    /// The ids a QueryXML matches, across all pages, ascending.
    pub async fn list_ids(&self, query: &QueryXml) -> Result<Vec<i64>, ClientError> {
        let mut ids = Vec::new();
        for entity in self.query_entities(query).await? {
            if let Some(id) = entity.field("id").and_then(|id| id.trim().parse().ok()) {
                ids.push(id);
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }
}
