//! `query`: one page, every page (`id > last`), and records by id in OR-ed batches.

use super::client::{AutotaskClient, soap_error};
use super::error::{CallSite, ClientError, classify_atws_errors};
use super::request_envelope::query_body;
use crate::autotask::soap::{
    CollectedEntity, EntityCollector, EntitySink, SoapError, WireType, read_query_response,
};
use crate::autotask::wire::{Operation, PAGE_SIZE, QueryXml, id_batches};

/// One successful `queryResponse`, as received, with what paging needs to know about it.
#[derive(Debug, Clone)]
pub struct QueryPage {
    /// The whole response document (feed it to `load_query_response` or `collect_entities`).
    pub xml: String,
    pub entity_count: usize,
    /// The largest entity id on the page.
    pub max_id: Option<i64>,
}

impl AutotaskClient {
    /// Sends one QueryXML and returns its page (at most 500 entities).
    ///
    /// # Errors
    ///
    /// `ReturnCode` -1 is an error: [`ClientError::Api`] with Autotask's messages (or
    /// [`ClientError::Threshold`] / [`ClientError::IntegrationCode`] when they say so).
    pub async fn query_page(&self, query: &QueryXml) -> Result<QueryPage, ClientError> {
        self.call(
            Operation::Query,
            Some(&query.entity),
            query_body(query),
            &read_page,
        )
        .await
    }

    /// Every page of a query: the next page asks for ids above the last one seen, until a page
    /// comes back with fewer than 500 entities.
    pub async fn query_pages(&self, query: &QueryXml) -> Result<Vec<QueryPage>, ClientError> {
        let mut pages = Vec::new();
        let mut page = self.query_page(query).await?;
        loop {
            let full = page.entity_count >= PAGE_SIZE;
            let last = page.max_id;
            let previous_floor = pages.last().and_then(|p: &QueryPage| p.max_id);
            pages.push(page);
            let Some(last) = last.filter(|_| full) else {
                return Ok(pages);
            };
            // A server that ignored the id condition would page forever.
            if previous_floor.is_some_and(|floor| last <= floor) {
                return Err(ClientError::InvalidRequest(format!(
                    "paging {} did not advance past id {last}",
                    query.entity
                )));
            }
            page = self.query_page(&query.with_id_above(last)).await?;
        }
    }

    /// Every entity a query matches, across pages, as read from the wire.
    pub async fn query_entities(
        &self,
        query: &QueryXml,
    ) -> Result<Vec<CollectedEntity>, ClientError> {
        let pages = self.query_pages(query).await?;
        self.collect_pages(&pages, Some(&query.entity))
    }

    /// The entities with these ids: one query per 500 distinct ids.
    pub async fn query_by_ids(
        &self,
        entity: &str,
        ids: &[i64],
    ) -> Result<Vec<QueryPage>, ClientError> {
        let mut pages = Vec::new();
        for batch in id_batches(ids) {
            // Distinct ids match at most one entity each, so a batch is never more than a page.
            pages.push(self.query_page(&QueryXml::by_ids(entity, &batch)).await?);
        }
        Ok(pages)
    }

    /// The entities with these ids, as read from the wire.
    pub async fn query_entities_by_ids(
        &self,
        entity: &str,
        ids: &[i64],
    ) -> Result<Vec<CollectedEntity>, ClientError> {
        let pages = self.query_by_ids(entity, ids).await?;
        self.collect_pages(&pages, Some(entity))
    }

    /// The entities of pages a query answered ([`AutotaskClient::query_by_ids`] and the like),
    /// as read from the wire.
    ///
    /// # Errors
    ///
    /// A page is not a query response.
    pub fn collect_pages(
        &self,
        pages: &[QueryPage],
        entity: Option<&str>,
    ) -> Result<Vec<CollectedEntity>, ClientError> {
        let mut entities = Vec::new();
        for page in pages {
            let mut collector = EntityCollector::default();
            read_query_response(&page.xml, &mut collector).map_err(|e| {
                self.scrubbed(ClientError::Xml {
                    at: self.call_site(Operation::Query, entity),
                    source: Box::new(e),
                })
            })?;
            entities.extend(collector.into_entities());
        }
        Ok(entities)
    }
}

/// Checks a query answer and notes its size and last id.
fn read_page(body: &[u8], at: &CallSite) -> Result<QueryPage, ClientError> {
    let mut ids = PageIds::default();
    let outcome = read_query_response(body, &mut ids).map_err(|e| soap_error(at, e))?;
    if !outcome.succeeded() {
        let messages = if outcome.errors.is_empty() {
            vec![format!(
                "ReturnCode {} without an error message",
                outcome.return_code
            )]
        } else {
            outcome.errors
        };
        return Err(classify_atws_errors(at.clone(), messages));
    }
    let xml = String::from_utf8(body.to_vec()).map_err(|e| {
        soap_error(
            at,
            SoapError::Xml {
                position: e.utf8_error().valid_up_to(),
                line: 0,
                column: 0,
                message: "the response is not valid UTF-8".into(),
            },
        )
    })?;
    Ok(QueryPage {
        xml,
        entity_count: outcome.entity_count,
        max_id: ids.max_id,
    })
}

/// Notes the largest `id` of a page while the reader checks it.
#[derive(Default)]
struct PageIds {
    max_id: Option<i64>,
}

impl EntitySink for PageIds {
    fn wants_wire_types(&self) -> bool {
        false
    }

    fn begin_entity(&mut self, _entity_type: &str) {}

    fn field(&mut self, name: &str, _xsi_type: Option<WireType>, value: &str) {
        if name == "id"
            && let Ok(id) = value.trim().parse::<i64>()
        {
            self.max_id = Some(self.max_id.map_or(id, |max| max.max(id)));
        }
    }

    fn udf(&mut self, _name: &str, _value: Option<&str>) {}

    fn end_entity(&mut self) {}
}
