//! `delete`: removes records of entity types Autotask lets the API delete,
//! all of them or (on any error) none.

use std::collections::HashSet;

use super::entity_input::entity_type_of;
use super::op_write::MAX_ENTITIES_PER_CALL;
use super::request_envelope::EnvelopeError;
use super::response_envelope::{AtwsResult, FaultCode, ReturnInfo, atws_document};
use super::state::SimState;
use crate::autotask::wire::XmlElement;

pub(super) fn answer_delete(
    state: &SimState,
    operation: &XmlElement,
) -> Result<String, EnvelopeError> {
    let result = run_delete(state, operation)?;
    Ok(atws_document("delete", &result))
}

fn run_delete(state: &SimState, operation: &XmlElement) -> Result<AtwsResult, EnvelopeError> {
    let elements: Vec<&XmlElement> = operation
        .child("Entities")
        .map(|entities| entities.children_named("Entity").collect())
        .unwrap_or_default();
    let mut targets = Vec::with_capacity(elements.len());
    for element in &elements {
        let entity = entity_type_of(element, &state.metadata).map_err(|message| EnvelopeError {
            code: FaultCode::Client,
            message: format!("Server was unable to read request. ---> {message}"),
        })?;
        let id = element
            .child("id")
            .and_then(|id| id.text.trim().parse::<i64>().ok());
        targets.push((entity, id));
    }
    let result_type = targets
        .first()
        .map(|(entity, _)| entity.name.to_lowercase());
    if targets.len() > MAX_ENTITIES_PER_CALL {
        return Ok(AtwsResult::failure(
            result_type,
            vec![format!(
                "The request holds {} entities; at most {MAX_ENTITIES_PER_CALL} may be sent in one call.",
                targets.len()
            )],
        ));
    }

    let mut store = state.store();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (index, (entity, id)) in targets.iter().enumerate() {
        let problem = if !entity.can_delete {
            Some(format!(
                "Entities of type {} cannot be deleted through the API.",
                entity.name
            ))
        } else {
            match id {
                None => Some(format!("An {} to delete must carry its id.", entity.name)),
                Some(id)
                    if !store.contains(&entity.name, *id) || !seen.insert((&entity.name, *id)) =>
                {
                    Some(format!("Unable to find {} with id {id}.", entity.name))
                }
                Some(_) => None,
            }
        };
        if let Some(problem) = problem {
            errors.push(format!(
                "Error deleting entity for record number [{}].",
                index + 1
            ));
            errors.push(problem);
        }
    }
    if !errors.is_empty() {
        return Ok(AtwsResult::failure(result_type, errors));
    }
    let mut return_infos = Vec::with_capacity(targets.len());
    for (entity, id) in targets {
        let Some(id) = id else { continue };
        store.remove(&entity.name, id);
        return_infos.push(ReturnInfo {
            entity_id: id,
            database_action: "None",
            match_info: Some(String::new()),
            message: String::new(),
        });
    }
    Ok(AtwsResult {
        return_code: 1,
        entity_result_type: result_type,
        return_infos,
        ..AtwsResult::default()
    })
}
