//! Fetching what a mapping reads, in as few calls as its fetch plan allows: the source
//! records in one query (per 500), then each related entity type in one OR-ed query
//! (relations to the same type share it; a grandparent waits for its parent's level), and
//! each lookup in one query OR-ing the keys of every record of the batch.
//! Slowly changing entities come from a cache while fresh (a lookup's answers per key), so a
//! warm fetch of one ticket is a single call.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::task::JoinSet;

use super::call_log::{ApiCall, CallLog};
use super::client::AutotaskClient;
use super::error::ClientError;
use super::query::QueryPage;
use super::ttl_cache::TtlCache;
use crate::autotask::wire::{MAX_IDS_PER_QUERY, Operation, Operator, QueryItem, QueryXml};
use crate::autotask::{LoadError, LoadIssue, load_query_response};
use crate::ir::{FetchPlan, LookupQuery};
use crate::schema::Schemas;
use crate::value::Value;
use crate::value::record::{Record, RecordSet};

/// Entities that change rarely enough to cache between fetches.
pub const SLOWLY_CHANGING: &[&str] = &[
    "Account",
    "Contact",
    "Resource",
    "AccountPhysicalLocation",
    "Project",
];

/// How long cached records stay fresh unless told otherwise.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(15 * 60);

/// What one fetch cost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchStats {
    /// Requests sent, retries included, zone discovery not included.
    pub api_calls: usize,
    /// Records taken from the cache instead of asked for.
    pub cached: usize,
    /// Zone discovery requests (only the first fetch of a client may need one).
    pub discovery_calls: usize,
    /// Every request, in order.
    pub calls: Vec<ApiCall>,
}

/// The records a fetch brought, ready for `Program::evaluate`.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    pub records: RecordSet,
    pub stats: FetchStats,
    /// Values that did not read as their field's type (and were read as null).
    pub issues: Vec<LoadIssue>,
    /// `(entity, id)` asked for and not returned: deleted, or not visible to the API user.
    pub missing: Vec<(String, i64)>,
}

type RecordKey = (Box<str>, i64);
type LookupKey = (Box<str>, String);

pub struct Fetcher {
    client: AutotaskClient,
    schemas: Arc<Schemas>,
    cached_entities: Vec<String>,
    cache: Mutex<TtlCache<RecordKey, Record>>,
    /// A lookup's records per key: `(the query without its keys, the key)`.
    lookup_cache: Mutex<TtlCache<LookupKey, Vec<Record>>>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("client", &self.client)
            .field("cached_entities", &self.cached_entities)
            .finish_non_exhaustive()
    }
}

impl Fetcher {
    /// `schemas` must be the program's own (`program.schemas`): records are laid out by them.
    pub fn new(client: AutotaskClient, schemas: Arc<Schemas>) -> Self {
        Fetcher {
            client,
            schemas,
            cached_entities: SLOWLY_CHANGING.iter().map(|e| (*e).to_owned()).collect(),
            cache: Mutex::new(TtlCache::new(DEFAULT_CACHE_TTL)),
            lookup_cache: Mutex::new(TtlCache::new(DEFAULT_CACHE_TTL)),
        }
    }

    pub fn with_cache_ttl(self, ttl: Duration) -> Self {
        Fetcher {
            cache: Mutex::new(TtlCache::new(ttl)),
            lookup_cache: Mutex::new(TtlCache::new(ttl)),
            ..self
        }
    }

    /// Which entity types are cached (by default [`SLOWLY_CHANGING`]; empty: none).
    pub fn with_cached_entities(self, entities: &[&str]) -> Self {
        Fetcher {
            cached_entities: entities.iter().map(|e| (*e).to_owned()).collect(),
            ..self
        }
    }

    pub fn client(&self) -> &AutotaskClient {
        &self.client
    }

    pub fn clear_cache(&self) {
        self.lock_cache().clear();
        self.lock_lookup_cache().clear();
    }

    /// Fetches one source record and its related records.
    ///
    /// # Errors
    ///
    /// [`ClientError::NotFound`] when the source record does not exist; any call that fails.
    pub async fn fetch(&self, plan: &FetchPlan, source_id: i64) -> Result<Fetched, ClientError> {
        let fetched = self.fetch_many(plan, &[source_id]).await?;
        if fetched
            .records
            .get(&plan.source.entity, source_id)
            .is_none()
        {
            return Err(ClientError::NotFound {
                entity: plan.source.entity.clone(),
                id: source_id,
            });
        }
        Ok(fetched)
    }

    /// Fetches many source records and everything they relate to: one query per 500 source
    /// ids, then one query per related entity type (per 500 ids of it not in the cache).
    /// Source records that do not exist are listed in [`Fetched::missing`].
    pub async fn fetch_many(
        &self,
        plan: &FetchPlan,
        source_ids: &[i64],
    ) -> Result<Fetched, ClientError> {
        self.fetch_many_with(&self.client, plan, source_ids).await
    }

    /// As [`Fetcher::fetch_many`], also recording every call in `log` (a job's audit trail),
    /// whether the fetch succeeds or not.
    pub async fn fetch_many_logged(
        &self,
        plan: &FetchPlan,
        source_ids: &[i64],
        log: Arc<CallLog>,
    ) -> Result<Fetched, ClientError> {
        let client = self.client.with_call_log(log);
        self.fetch_many_with(&client, plan, source_ids).await
    }

    async fn fetch_many_with(
        &self,
        client: &AutotaskClient,
        plan: &FetchPlan,
        source_ids: &[i64],
    ) -> Result<Fetched, ClientError> {
        let log = Arc::new(CallLog::new());
        let client = client.with_call_log(log.clone());
        let mut fetched = Fetched::default();

        let pages = client.query_by_ids(&plan.source.entity, source_ids).await?;
        self.load(&client, &plan.source.entity, &pages, &mut fetched)?;
        let wanted_sources: BTreeSet<i64> = source_ids.iter().copied().collect();
        for id in &wanted_sources {
            if fetched.records.get(&plan.source.entity, *id).is_none() {
                fetched.missing.push((plan.source.entity.clone(), *id));
            }
        }

        // Level by level: a grandparent's id is only known once its parent is loaded.
        let mut relation_ids: Vec<BTreeSet<i64>> = vec![BTreeSet::new(); plan.related.len()];
        let deepest = (0..plan.related.len())
            .map(|i| plan.depth(i))
            .max()
            .unwrap_or(0);
        for depth in 1..=deepest {
            let wanted = self.related_ids(
                plan,
                depth,
                &fetched.records,
                &wanted_sources,
                &mut relation_ids,
            );
            self.fetch_level(&client, wanted, &mut fetched).await?;
            let keys = self.lookup_keys(
                plan,
                depth,
                &fetched.records,
                &wanted_sources,
                &relation_ids,
            );
            self.fetch_lookups(&client, plan, keys, &mut relation_ids, &mut fetched)
                .await?;
        }

        fetched.stats.api_calls = log.api_calls();
        fetched.stats.discovery_calls = log.discovery_calls();
        fetched.stats.calls = log.calls();
        Ok(fetched)
    }

    /// The ids each entity type must supply at one depth of the plan, read from the reference
    /// fields of the records one level up. Relations to the same type share one set, so they
    /// share one query (`Account` and `BillToAccount`, say).
    fn related_ids(
        &self,
        plan: &FetchPlan,
        depth: usize,
        records: &RecordSet,
        sources: &BTreeSet<i64>,
        relation_ids: &mut [BTreeSet<i64>],
    ) -> BTreeMap<String, BTreeSet<i64>> {
        let mut wanted: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
        for (index, relation) in plan.related.iter().enumerate() {
            if plan.depth(index) != depth || relation.lookup.is_some() {
                continue;
            }
            let Some((holder_entity, holder_ids, slot)) =
                self.holders(plan, index, sources, relation_ids)
            else {
                continue;
            };
            // Owned: `relation_ids` is written below.
            for holder_id in holder_ids.clone() {
                if let Some(record) = records.get(holder_entity, holder_id)
                    && let Value::Int(related) = record.field(slot)
                    && *related > 0
                {
                    if let Some(ids) = relation_ids.get_mut(index) {
                        ids.insert(*related);
                    }
                    wanted
                        .entry(relation.fetch.entity.clone())
                        .or_default()
                        .insert(*related);
                }
            }
        }
        wanted
    }

    /// The records that hold relation `index`'s key: their entity, their ids (the source
    /// records, or the level above), and the slot of the key field in them.
    fn holders<'p, 'a>(
        &self,
        plan: &'p FetchPlan,
        index: usize,
        sources: &'a BTreeSet<i64>,
        relation_ids: &'a [BTreeSet<i64>],
    ) -> Option<(&'p str, &'a BTreeSet<i64>, usize)> {
        let relation = plan.related.get(index)?;
        let (entity, ids) = match relation.through {
            None => (plan.source.entity.as_str(), sources),
            Some(parent) => (
                plan.related.get(parent)?.fetch.entity.as_str(),
                relation_ids.get(parent)?,
            ),
        };
        let slot = self
            .schemas
            .autotask
            .entity(entity)?
            .field_slot(&relation.via_field)?;
        Some((entity, ids, slot))
    }

    /// The key values each lookup at one depth matches, as the wire carries them, read from
    /// the records that hold them (the source records, or a related level above).
    fn lookup_keys(
        &self,
        plan: &FetchPlan,
        depth: usize,
        records: &RecordSet,
        sources: &BTreeSet<i64>,
        relation_ids: &[BTreeSet<i64>],
    ) -> Vec<(usize, BTreeSet<String>)> {
        let mut keys = Vec::new();
        for (index, relation) in plan.related.iter().enumerate() {
            if plan.depth(index) != depth || relation.lookup.is_none() {
                continue;
            }
            let Some((holder_entity, holder_ids, slot)) =
                self.holders(plan, index, sources, relation_ids)
            else {
                continue;
            };
            let values: BTreeSet<String> = holder_ids
                .iter()
                .filter_map(|id| records.get(holder_entity, *id))
                .filter_map(|record| match record.field(slot) {
                    Value::Null => None,
                    value => crate::ir::wire_text(value).ok(),
                })
                .collect();
            keys.push((index, values));
        }
        keys
    }

    /// One query per lookup for all the keys of a batch (per 500 keys), OR-ed on the matched
    /// field and ANDed with the lookup's filters; every page of the answer. The lookups at one
    /// depth are asked at the same time. A cached entity's answers are cached per key, empty
    /// ones too, so a warm fetch asks nothing for them.
    async fn fetch_lookups(
        &self,
        client: &AutotaskClient,
        plan: &FetchPlan,
        keys: Vec<(usize, BTreeSet<String>)>,
        relation_ids: &mut [BTreeSet<i64>],
        fetched: &mut Fetched,
    ) -> Result<(), ClientError> {
        let mut queries = JoinSet::new();
        for (index, values) in keys {
            let Some(related) = plan.related.get(index) else {
                continue;
            };
            let Some(lookup) = &related.lookup else {
                continue;
            };
            let entity = related.fetch.entity.as_str();
            let cacheable = self.is_cached_entity(entity);
            let signature: Box<str> = lookup_query(entity, lookup, &[]).to_xml().into();
            let mut to_query = Vec::new();
            {
                let cache = self.lock_lookup_cache();
                for value in values {
                    let key = (signature.clone(), key_text(&value));
                    match cacheable.then(|| cache.get(&key)).flatten() {
                        Some(records) => {
                            for record in records {
                                // A Jsonnet block may read a relation through the lookup.
                                if let Some(ids) = relation_ids.get_mut(index) {
                                    ids.insert(record.id);
                                }
                                fetched.records.insert(record.clone());
                                fetched.stats.cached += 1;
                            }
                        }
                        None => to_query.push(value),
                    }
                }
            }
            for batch in to_query.chunks(MAX_IDS_PER_QUERY) {
                let query = lookup_query(entity, lookup, batch);
                let client = client.clone();
                let asked = batch.to_vec();
                let (field, signature) = (lookup.field.clone(), signature.clone());
                queries.spawn(async move {
                    let pages = client.query_pages(&query).await;
                    let answer = LookupAnswer {
                        index,
                        entity: query.entity,
                        field,
                        signature,
                        asked,
                        cacheable,
                    };
                    (answer, pages)
                });
            }
        }
        let mut answers = Vec::new();
        while let Some(joined) = queries.join_next().await {
            let (answer, pages) =
                joined.map_err(|e| ClientError::TaskFailed(format!("a lookup query: {e}")))?;
            answers.push((answer, pages?));
        }
        // Load in a fixed order, so issues do not depend on which answer came first.
        answers.sort_by(|a, b| (a.0.index, &a.0.asked).cmp(&(b.0.index, &b.0.asked)));
        for (answer, pages) in answers {
            let mut found = Fetched::default();
            self.load(client, &answer.entity, &pages, &mut found)?;
            fetched.issues.extend(found.issues);
            let slot = self
                .schemas
                .autotask
                .entity(&answer.entity)
                .and_then(|e| e.field_slot(&answer.field));
            let mut by_key: BTreeMap<String, Vec<Record>> = BTreeMap::new();
            for record in found.records.into_records() {
                if let Some(slot) = slot
                    && let Ok(text) = crate::ir::wire_text(record.field(slot))
                {
                    by_key
                        .entry(key_text(&text))
                        .or_default()
                        .push(record.clone());
                }
                if let Some(ids) = relation_ids.get_mut(answer.index) {
                    ids.insert(record.id);
                }
                fetched.records.insert(record);
            }
            if answer.cacheable {
                let mut cache = self.lock_lookup_cache();
                for value in &answer.asked {
                    let key = key_text(value);
                    let records = by_key.get(&key).cloned().unwrap_or_default();
                    cache.insert((answer.signature.clone(), key), records);
                }
            }
        }
        Ok(())
    }

    /// Takes what it can from the cache and asks for the rest: one query per entity type (per
    /// 500 ids), the types at the same time since they are different endpoints.
    async fn fetch_level(
        &self,
        client: &AutotaskClient,
        wanted: BTreeMap<String, BTreeSet<i64>>,
        fetched: &mut Fetched,
    ) -> Result<(), ClientError> {
        let mut to_query: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        {
            let cache = self.lock_cache();
            for (entity, ids) in &wanted {
                let cacheable = self.is_cached_entity(entity);
                for id in ids {
                    if fetched.records.get(entity, *id).is_some() {
                        continue;
                    }
                    let hit = cacheable
                        .then(|| cache.get(&(entity.as_str().into(), *id)))
                        .flatten();
                    match hit {
                        Some(record) => {
                            fetched.records.insert(record.clone());
                            fetched.stats.cached += 1;
                        }
                        None => to_query.entry(entity.clone()).or_default().push(*id),
                    }
                }
            }
        }

        let mut queries = JoinSet::new();
        for (entity, ids) in to_query {
            let client = client.clone();
            queries.spawn(async move {
                let pages = client.query_by_ids(&entity, &ids).await;
                (entity, ids, pages)
            });
        }
        let mut answers = Vec::new();
        while let Some(joined) = queries.join_next().await {
            let (entity, ids, pages) = joined
                .map_err(|e| ClientError::TaskFailed(format!("a related-records query: {e}")))?;
            answers.push((entity, ids, pages?));
        }
        // Load in a fixed order, so issues do not depend on which answer came first.
        answers.sort_by(|a, b| a.0.cmp(&b.0));
        for (entity, ids, pages) in answers {
            self.load(client, &entity, &pages, fetched)?;
            let cacheable = self.is_cached_entity(&entity);
            let mut cache = self.lock_cache();
            for id in ids {
                match fetched.records.get(&entity, id) {
                    Some(record) if cacheable => {
                        cache.insert((entity.as_str().into(), id), record.clone());
                    }
                    Some(_) => {}
                    None => fetched.missing.push((entity.clone(), id)),
                }
            }
        }
        Ok(())
    }

    fn load(
        &self,
        client: &AutotaskClient,
        entity: &str,
        pages: &[QueryPage],
        fetched: &mut Fetched,
    ) -> Result<(), ClientError> {
        for page in pages {
            let report = load_query_response(&page.xml, &self.schemas, &mut fetched.records)
                .map_err(|e| {
                    let at = client.call_site(Operation::Query, Some(entity));
                    client.scrubbed(match e {
                        LoadError::Soap(source) => ClientError::Xml {
                            at,
                            source: Box::new(source),
                        },
                        LoadError::Api { messages, .. } => ClientError::Api { at, messages },
                    })
                })?;
            fetched.issues.extend(report.issues);
        }
        Ok(())
    }

    fn is_cached_entity(&self, entity: &str) -> bool {
        self.cached_entities.iter().any(|e| e == entity)
    }

    fn lock_lookup_cache(&self) -> std::sync::MutexGuard<'_, TtlCache<LookupKey, Vec<Record>>> {
        self.lookup_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, TtlCache<RecordKey, Record>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A lookup query's answer, with what caching it per key needs.
struct LookupAnswer {
    index: usize,
    entity: String,
    /// The matched field.
    field: String,
    /// The query without its keys: which lookup the answer is for.
    signature: Box<str>,
    /// The keys asked for.
    asked: Vec<String>,
    cacheable: bool,
}

/// A key as Autotask compares it: text without regard to case.
fn key_text(value: &str) -> String {
    value.to_lowercase()
}

/// The records of `entity` whose matched field equals one of `keys` and that pass every filter.
fn lookup_query(entity: &str, lookup: &LookupQuery, keys: &[String]) -> QueryXml {
    let equals = |key: &String| QueryItem::field(&lookup.field, Operator::Equals, key.clone());
    let mut items = vec![match keys {
        [key] => equals(key),
        _ => QueryItem::any(keys.iter().map(equals)),
    }];
    items.extend(
        lookup
            .filters
            .iter()
            .map(|(field, op, value)| QueryItem::field(field, *op, value.clone())),
    );
    QueryXml::new(entity, items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookup_ors_its_keys_and_ands_its_filters() {
        let lookup = LookupQuery {
            field: "AccountID".into(),
            filters: vec![("PrimaryContact".into(), Operator::Equals, "true".into())],
        };
        let keys = ["29683552".to_string(), "29683560".to_string()];
        assert_eq!(
            lookup_query("Contact", &lookup, &keys).to_xml(),
            "<queryxml><entity>Contact</entity><query>\
             <condition>\
             <condition><field>AccountID<expression op=\"Equals\">29683552</expression></field></condition>\
             <condition operator=\"OR\"><field>AccountID<expression op=\"Equals\">29683560</expression></field></condition>\
             </condition>\
             <field>PrimaryContact<expression op=\"Equals\">true</expression></field>\
             </query></queryxml>"
        );
        assert_eq!(
            lookup_query("Contact", &lookup, &keys[..1]).to_xml(),
            "<queryxml><entity>Contact</entity><query>\
             <field>AccountID<expression op=\"Equals\">29683552</expression></field>\
             <field>PrimaryContact<expression op=\"Equals\">true</expression></field>\
             </query></queryxml>"
        );
    }
}
