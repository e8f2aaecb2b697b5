//! `getUDFInfo(psTable)`: the tenant's user-defined fields of an entity.

use super::field_info_xml::{FieldInfo, push_field_info};
use super::op_field_info::requested_entity;
use super::request_envelope::EnvelopeError;
use super::response_envelope::operation_document;
use super::state::SimState;
use crate::autotask::wire::{XmlElement, close, open, push_empty};

pub(super) fn answer_udf_info(
    state: &SimState,
    operation: &XmlElement,
) -> Result<String, EnvelopeError> {
    let entity = requested_entity(state, operation, "psTable")?;
    let udfs = state.metadata.udfs(&entity.name);
    let mut out = String::new();
    if udfs.is_empty() {
        push_empty(&mut out, "getUDFInfoResult");
        return Ok(operation_document("getUDFInfo", &out));
    }
    open(&mut out, "getUDFInfoResult");
    // UDF picklist values are tenant-made, never Autotask's own.
    let never_system = |_: &str| false;
    for udf in udfs {
        push_field_info(
            &mut out,
            &FieldInfo {
                name: &udf.name,
                label: &udf.name,
                type_name: udf.ty.name(),
                length: udf.length.unwrap_or(0),
                is_required: udf.required,
                is_read_only: udf.read_only,
                is_queryable: true,
                reference_entity: None,
                picklist: udf.picklist.as_ref().map(Some),
                picklist_parent: None,
                is_system_value: &never_system,
            },
        );
    }
    close(&mut out, "getUDFInfoResult");
    Ok(operation_document("getUDFInfo", &out))
}
