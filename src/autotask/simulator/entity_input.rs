//! Reading the `Entity` elements of a `create` or `update` into checked
//! values, field by field, as Autotask's deserializer and validation do.
//!
//! - The entity type comes from `xsi:type`; an unknown or missing type
//!   fails the whole request, as it fails .NET's deserializer.
//! - Elements that are not fields of the type are ignored (the deserializer
//!   drops them), as are read-only fields, except that a field both
//!   required and read-only (`Contact.AccountID`) is set on create.
//! - Every value should carry `xsi:type`; an untyped empty element fails with
//!   Autotask's "Conversion from type 'Object' to type 'String' is not
//!   valid.", an untyped value with text is read as the field's type.
//! - `xsi:nil="true"` is null; a typed empty element is the empty string.
//! - Strings must fit the field's length, picklist values must be values of
//!   the tenant's picklist, date-times must exist in New York.

use crate::schema::{Entity, Field, FieldType, PickValue, Picklist, Udf};

use super::metadata::{Metadata, udf_slot_ignoring_case};
use super::wire_value::{FieldValue, format_value, parse_value};
use crate::autotask::wire::XmlElement;

pub(super) const UNTYPED_EMPTY_VALUE: &str =
    "Conversion from type 'Object' to type 'String' is not valid.";

/// Whether the entities are being created or updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WriteMode {
    Create,
    Update,
}

/// One entity of a write, its values checked one by one.
#[derive(Debug, Clone)]
pub(super) struct EntityInput<'m> {
    pub(super) entity: &'m Entity,
    /// The `id` element's value, when it has one.
    pub(super) id: Option<i64>,
    /// Values of the fields the request sets, by slot; `None` is null.
    pub(super) fields: Vec<(usize, Option<FieldValue>)>,
    /// Values of the UDFs the request lists, by slot; `None` is null.
    pub(super) udfs: Vec<(usize, Option<String>)>,
    /// What is wrong with the values, as ATWS error messages.
    pub(super) errors: Vec<String>,
    /// Slots of fields whose value was refused: already reported, so not
    /// reported again as missing.
    pub(super) refused_fields: Vec<usize>,
}

/// The schema entity an `Entity` element's `xsi:type` names, or the
/// deserializer's complaint.
pub(super) fn entity_type_of<'m>(
    element: &XmlElement,
    metadata: &'m Metadata,
) -> Result<&'m Entity, String> {
    match element.xsi_type() {
        None => Err(
            "The specified type is abstract: name='Entity', namespace='http://autotask.net/ATWS/v1_6/'. \
             Send the entity's type in xsi:type."
                .to_owned(),
        ),
        Some(name) => metadata.entity(name).ok_or_else(|| {
            format!(
                "The specified type was not recognized: name='{name}', namespace='http://autotask.net/ATWS/v1_6/'."
            )
        }),
    }
}

/// Reads the values of one `Entity` element of type `entity`.
pub(super) fn read_entity<'m>(
    element: &XmlElement,
    entity: &'m Entity,
    metadata: &'m Metadata,
    mode: WriteMode,
) -> EntityInput<'m> {
    let mut input = EntityInput {
        entity,
        id: None,
        fields: Vec::new(),
        udfs: Vec::new(),
        errors: Vec::new(),
        refused_fields: Vec::new(),
    };
    for child in &element.children {
        match child.local_name.as_str() {
            "id" => input.id = read_id(child, &mut input.errors),
            "UserDefinedFields" => read_udfs(child, &mut input, metadata),
            // The base type's metadata array carries nothing to write.
            "Fields" => {}
            name => {
                let Some(slot) = entity.field_slot(name) else {
                    continue;
                };
                let field = &entity.fields[slot];
                let writable = !field.read_only || (mode == WriteMode::Create && field.required);
                if !writable {
                    continue;
                }
                let picklist = metadata.tenant.picklist(&entity.name, &field.name);
                match read_field_value(child, field, picklist) {
                    Ok(value) => set(&mut input.fields, slot, value),
                    Err(message) => {
                        input.errors.push(message);
                        input.refused_fields.push(slot);
                    }
                }
            }
        }
    }
    input
}

fn read_id(element: &XmlElement, errors: &mut Vec<String>) -> Option<i64> {
    let text = element.text.trim();
    if element.is_nil() || text.is_empty() {
        return None;
    }
    match text.parse() {
        Ok(id) => Some(id),
        Err(_) => {
            errors.push(format!("Value '{text}' is not a valid id."));
            None
        }
    }
}

/// The value of one field element, checked.
fn read_field_value(
    element: &XmlElement,
    field: &Field,
    picklist: Option<&Picklist>,
) -> Result<Option<FieldValue>, String> {
    if element.is_nil() {
        return Ok(None);
    }
    if !element.children.is_empty() {
        return Err("Conversion from type 'XmlNode()' to type 'String' is not valid.".to_owned());
    }
    if element.xsi_type().is_none() && element.text.is_empty() {
        return Err(UNTYPED_EMPTY_VALUE.to_owned());
    }
    let text = &element.text;
    if field.ty != FieldType::String && text.trim().is_empty() {
        return Err(format!(
            "Value '' is not a valid {} for field {}.",
            field.ty.name(),
            field.name
        ));
    }
    let value = parse_value(field.ty, text).map_err(|error| error.describe(text, &field.name))?;
    if let FieldValue::Text(text) = &value {
        check_length(text, field.length, &field.name)?;
    }
    if let Some(picklist) = picklist {
        check_picklist(&value, picklist, &field.name)?;
    }
    Ok(Some(value))
}

fn read_udfs(element: &XmlElement, input: &mut EntityInput<'_>, metadata: &Metadata) {
    let udfs = metadata.udfs(&input.entity.name);
    for udf_element in element.children_named("UserDefinedField") {
        let name = udf_element
            .child("Name")
            .map(|name| name.text.trim().to_owned())
            .unwrap_or_default();
        let Some(slot) = udf_slot_ignoring_case(udfs, &name) else {
            input.errors.push(format!(
                "Unable to find {} user-defined field '{name}'.",
                input.entity.name
            ));
            continue;
        };
        let Some(udf) = udfs.get(slot) else {
            continue;
        };
        if udf.read_only {
            continue;
        }
        // An empty `Value` clears the UDF, as a missing or nil one does.
        let value = udf_element
            .child("Value")
            .filter(|value| !value.is_nil() && !value.text.is_empty())
            .map(|value| value.text.as_str());
        match value.map(|text| read_udf_value(udf, text)).transpose() {
            Ok(value) => set(&mut input.udfs, slot, value),
            Err(message) => input.errors.push(message),
        }
    }
}

/// A UDF value checked against its type, in the form Autotask returns it.
fn read_udf_value(udf: &Udf, text: &str) -> Result<String, String> {
    let label = format!("user-defined field '{}'", udf.name);
    let value = parse_value(udf.ty, text).map_err(|error| error.describe(text, &label))?;
    if let FieldValue::Text(text) = &value {
        check_length(text, udf.length, &label)?;
    }
    if let Some(picklist) = &udf.picklist {
        let wire = format_value(&value);
        let known = picklist
            .values
            .iter()
            .any(|entry| entry.value.to_string() == wire);
        if !known {
            return Err(format!(
                "Value '{wire}' is not a picklist value of {label}."
            ));
        }
    }
    Ok(format_value(&value))
}

fn check_length(text: &str, length: Option<u32>, field: &str) -> Result<(), String> {
    let Some(limit) = length.filter(|&limit| limit > 0) else {
        return Ok(());
    };
    let count = text.chars().count();
    if count > limit as usize {
        return Err(format!(
            "Value for {field} is {count} characters long; at most {limit} are allowed."
        ));
    }
    Ok(())
}

fn check_picklist(value: &FieldValue, picklist: &Picklist, field: &str) -> Result<(), String> {
    let wanted = match value {
        FieldValue::Integer(number) => PickValue::Int(*number),
        FieldValue::Text(text) => PickValue::Str(text.clone()),
        // Picklists are integers or strings; other values have nothing to look up.
        _ => return Ok(()),
    };
    if matches!(&wanted, PickValue::Str(text) if text.is_empty()) {
        return Ok(());
    }
    if picklist.by_value(&wanted).is_some() {
        Ok(())
    } else {
        Err(format!(
            "Value {wanted} is not a picklist value of field {field}."
        ))
    }
}

/// Sets a slot's value; a field given twice keeps its last value.
fn set<T>(values: &mut Vec<(usize, T)>, slot: usize, value: T) {
    match values.iter_mut().find(|(existing, _)| *existing == slot) {
        Some(entry) => entry.1 = value,
        None => values.push((slot, value)),
    }
}
