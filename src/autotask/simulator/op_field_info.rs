//! `GetFieldInfo(psObjectType)`: an entity's fields from the bundled
//! schema, picklist fields with the tenant's values.

use super::field_info_xml::{FieldInfo, push_field_info};
use super::request_envelope::EnvelopeError;
use super::response_envelope::{FaultCode, operation_document};
use super::state::SimState;
use crate::autotask::wire::{XmlElement, close, open};

pub(super) fn answer_field_info(
    state: &SimState,
    operation: &XmlElement,
) -> Result<String, EnvelopeError> {
    let entity = requested_entity(state, operation, "psObjectType")?;
    let mut out = String::new();
    open(&mut out, "GetFieldInfoResult");
    for field in &entity.fields {
        let is_system_value = |value: &str| {
            state
                .metadata
                .is_system_value(&entity.name, &field.name, value)
        };
        let picklist = field
            .picklist
            .then(|| state.metadata.tenant.picklist(&entity.name, &field.name));
        push_field_info(
            &mut out,
            &FieldInfo {
                name: &field.name,
                label: &field.label,
                type_name: field.ty.name(),
                length: field.length.unwrap_or(0),
                is_required: field.required,
                is_read_only: field.read_only,
                is_queryable: field.queryable,
                reference_entity: field.reference.as_deref(),
                picklist,
                picklist_parent: field.picklist_parent.as_deref(),
                is_system_value: &is_system_value,
            },
        );
    }
    close(&mut out, "GetFieldInfoResult");
    Ok(operation_document("GetFieldInfo", &out))
}

/// Metadata calls have no room for ATWS errors: an unknown type is a fault.
/// The entity named by the operation's `parameter`, as Autotask matches it (any casing).
pub(super) fn requested_entity<'s>(
    state: &'s SimState,
    operation: &XmlElement,
    parameter: &str,
) -> Result<&'s crate::schema::Entity, EnvelopeError> {
    let requested = operation
        .child(parameter)
        .map(|name| name.text.trim())
        .unwrap_or_default();
    state
        .metadata
        .entity_ignoring_case(requested)
        .ok_or_else(|| unknown_entity(requested))
}

fn unknown_entity(name: &str) -> EnvelopeError {
    EnvelopeError {
        code: FaultCode::Server,
        message: format!(
            "Server was unable to process request. ---> Invalid entity type: '{name}'."
        ),
    }
}
