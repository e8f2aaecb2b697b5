//! Changing a record as a person in Autotask's web UI would (a dispatcher moving a ticket to
//! "Dispatch to Field"): through the same write path as a SOAP `update`, so the same checks
//! apply and the same webhooks fire, without counting as an API request.

use super::entity_input::WriteMode;
use super::metadata::{field_slot_ignoring_case, udf_slot_ignoring_case};
use super::op_write::run_write;
use super::state::SimState;
use crate::autotask::soap::WireType;
use crate::autotask::wire::{
    XSI_NAMESPACE, close_entity, open_entity, parse_document, push_field, push_udfs,
};

/// Sets fields (or UDFs, by name) of one record to wire texts (`("Status", "12")`): the whole
/// record is read and sent back with the changes, as a read-modify-write `update` does.
pub(super) fn edit_record(
    state: &SimState,
    entity: &str,
    id: i64,
    changes: &[(&str, &str)],
) -> Result<(), String> {
    let schema = state
        .metadata
        .entity_ignoring_case(entity)
        .ok_or_else(|| format!("the schema has no entity {entity:?}"))?;
    let udfs = state.metadata.udfs(&schema.name);
    let mut field_changes = Vec::new();
    let mut udf_changes = Vec::new();
    for (name, value) in changes {
        if let Some((slot, _)) = field_slot_ignoring_case(schema, name) {
            field_changes.push((slot, *value));
        } else if let Some(slot) = udf_slot_ignoring_case(udfs, name) {
            udf_changes.push((udfs[slot].name.as_str(), Some(*value)));
        } else {
            return Err(format!("{} has no field or UDF {name:?}", schema.name));
        }
    }
    let mut xml = format!(
        r#"<update xmlns:xsi="{XSI_NAMESPACE}" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><Entities>"#
    );
    {
        let store = state.store();
        let record = store
            .get(&schema.name, id)
            .ok_or_else(|| format!("{} {id} does not exist", schema.name))?;
        open_entity(&mut xml, &schema.name, id);
        push_udfs(&mut xml, udf_changes);
        for (slot, field) in schema.fields.iter().enumerate() {
            if field.name == "id" {
                continue;
            }
            let value = match field_changes.iter().rev().find(|(s, _)| *s == slot) {
                Some((_, value)) => (*value).to_owned(),
                None => match record.fields.get(slot) {
                    Some(Some(value)) => super::wire_value::format_value(value),
                    _ => continue,
                },
            };
            push_field(&mut xml, &field.name, &WireType::of(field.ty), &value);
        }
        close_entity(&mut xml);
    }
    xml.push_str("</Entities></update>");
    let operation =
        parse_document(xml.as_bytes()).map_err(|e| format!("the update is not XML: {e:?}"))?;
    let result =
        run_write(state, &operation, WriteMode::Update).map_err(|e| e.message.to_string())?;
    if result.return_code == 1 {
        Ok(())
    } else {
        Err(result.errors.join(" "))
    }
}
