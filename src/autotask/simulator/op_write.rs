//! `create` and `update`: at most 200 entities per call, in one
//! transaction. Any error saves nothing and reports, for each failing
//! entity, "Error updating entity for record number [n]." followed by what
//! is wrong with it.

use super::entity_input::{WriteMode, entity_type_of, read_entity};
use super::entity_xml::push_entity;
use super::hook_changes::hook_fields;
use super::request_envelope::EnvelopeError;
use super::response_envelope::{AtwsResult, FaultCode, ReturnInfo, atws_document};
use super::state::SimState;
use super::write_rules::{Pending, build_record};
use crate::autotask::wire::XmlElement;

/// Autotask's limit on entities per create, update or delete.
pub(super) const MAX_ENTITIES_PER_CALL: usize = 200;

/// The `createResponse`/`updateResponse` document, or a fault when an
/// entity cannot even be deserialized.
pub(super) fn answer_write(
    state: &SimState,
    operation: &XmlElement,
    mode: WriteMode,
) -> Result<String, EnvelopeError> {
    let name = match mode {
        WriteMode::Create => "create",
        WriteMode::Update => "update",
    };
    let result = run_write(state, operation, mode)?;
    Ok(atws_document(name, &result))
}

pub(super) fn run_write(
    state: &SimState,
    operation: &XmlElement,
    mode: WriteMode,
) -> Result<AtwsResult, EnvelopeError> {
    let elements: Vec<&XmlElement> = operation
        .child("Entities")
        .map(|entities| entities.children_named("Entity").collect())
        .unwrap_or_default();
    let mut entities = Vec::with_capacity(elements.len());
    for element in &elements {
        let entity = entity_type_of(element, &state.metadata).map_err(|message| EnvelopeError {
            code: FaultCode::Client,
            message: format!("Server was unable to read request. ---> {message}"),
        })?;
        entities.push(entity);
    }
    let result_type = entities.first().map(|entity| entity.name.to_lowercase());
    if elements.len() > MAX_ENTITIES_PER_CALL {
        return Ok(AtwsResult::failure(
            result_type,
            vec![format!(
                "The request holds {} entities; at most {MAX_ENTITIES_PER_CALL} may be sent in one call.",
                elements.len()
            )],
        ));
    }

    let now = state.clock.wall_clock();
    let mut store = state.store();
    let mut pending: Pending = Vec::with_capacity(elements.len());
    let mut errors = Vec::new();
    for (index, (element, entity)) in elements.iter().zip(&entities).enumerate() {
        let input = read_entity(element, entity, &state.metadata, mode);
        match build_record(&input, mode, &store, &pending, &state.metadata, now) {
            Ok(record) => pending.push((entity.name.clone(), record)),
            Err(messages) => {
                errors.push(format!(
                    "Error updating entity for record number [{}].",
                    index + 1
                ));
                errors.extend(messages);
            }
        }
    }
    if !errors.is_empty() {
        return Ok(AtwsResult::failure(result_type, errors));
    }

    let action = match mode {
        WriteMode::Create => "Created",
        WriteMode::Update => "Updated",
    };
    let mut rendered = String::new();
    let mut return_infos = Vec::with_capacity(pending.len());
    for (entity_name, record) in &pending {
        if let Some(entity) = state.metadata.entity(entity_name) {
            let udfs = state.metadata.udfs(entity_name);
            push_entity(
                &mut rendered,
                entity,
                udfs,
                state.metadata.lists_udfs(entity),
                record,
            );
        }
        return_infos.push(ReturnInfo {
            entity_id: record.id,
            database_action: action,
            match_info: Some(String::new()),
            message: String::new(),
        });
    }
    let event_time = state.clock.timestamp();
    for (entity_name, record) in pending {
        let old = match mode {
            WriteMode::Create => None,
            WriteMode::Update => store.get(&entity_name, record.id).cloned(),
        };
        // Under the store's lock, so callbacks are numbered in the order writes are saved.
        if let Some(hooks) = &state.hooks
            && let Some(subscription) = hooks.config().subscription(&entity_name)
            && let Some((action, fields)) =
                hook_fields(&state.metadata, subscription, old.as_ref(), &record)
        {
            hooks.send(action, &entity_name, record.id, fields, event_time);
        }
        store.put(&entity_name, record);
    }
    Ok(AtwsResult {
        return_code: 1,
        entity_result_type: result_type,
        entities: rendered,
        errors: Vec::new(),
        return_infos,
    })
}
