//! `query(sXML)`: at most 500 matching records, ids ascending; clients page
//! with `id > last id`.

use super::entity_xml::push_entity;
use super::query_match::record_matches;
use super::query_plan::plan_query;
use super::response_envelope::{AtwsResult, atws_document};
use super::state::SimState;
use crate::autotask::wire::{QueryXml, XmlElement};

/// The message Autotask adds to every QueryXML it cannot read.
const UNREADABLE_QUERY: &str = "Error reading in Query XML.";

/// Autotask's page size.
pub(super) const MAX_RESULTS: usize = 500;

/// The `queryResponse` document for a `query` element.
pub(super) fn answer_query(state: &SimState, operation: &XmlElement) -> String {
    let result = run_query(state, operation);
    atws_document("query", &result)
}

fn run_query(state: &SimState, operation: &XmlElement) -> AtwsResult {
    let Some(sxml) = operation.child("sXML") else {
        return AtwsResult::failure(
            None,
            vec![
                "The query has no sXML argument.".to_owned(),
                UNREADABLE_QUERY.to_owned(),
            ],
        );
    };
    let query = match QueryXml::parse(&sxml.text) {
        Ok(query) => query,
        Err(error) => {
            return AtwsResult::failure(None, vec![error.0, UNREADABLE_QUERY.to_owned()]);
        }
    };
    let plan = match plan_query(&query, &state.metadata) {
        Ok(plan) => plan,
        Err(errors) => {
            return AtwsResult::failure(Some(query.entity.to_lowercase()), errors);
        }
    };
    let Some(entity) = state.metadata.entity(&plan.entity) else {
        return AtwsResult::failure(
            None,
            vec![format!("Unable to find entity type '{}'.", plan.entity)],
        );
    };
    let udfs = state.metadata.udfs(&entity.name);
    let lists_udfs = state.metadata.lists_udfs(entity);
    let mut entities = String::new();
    let store = state.store();
    for record in store
        .records(&entity.name)
        .filter(|record| record_matches(&plan.items, record))
        .take(MAX_RESULTS)
    {
        push_entity(&mut entities, entity, udfs, lists_udfs, record);
    }
    AtwsResult {
        return_code: 1,
        entity_result_type: Some(entity.name.to_lowercase()),
        entities,
        ..AtwsResult::default()
    }
}
