//! `GetFieldInfo` and `getUDFInfo` answers: an `ArrayOfField`, each field with its type, flags
//! and, for picklists, the tenant's values.

use super::answer::read_answer;
use crate::autotask::soap::SoapError;
use crate::autotask::wire::{Operation, XmlElement};

/// One `Field` of a `GetFieldInfo` or `getUDFInfo` answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldInfo {
    pub name: String,
    pub label: String,
    /// Autotask's type name: `integer`, `string`, `datetime`, … (as sent, lower-cased).
    pub field_type: String,
    pub length: Option<u32>,
    pub description: Option<String>,
    pub is_required: bool,
    pub is_read_only: bool,
    pub is_queryable: bool,
    pub is_reference: bool,
    pub reference_entity_type: Option<String>,
    pub is_picklist: bool,
    pub picklist_values: Vec<PicklistValueInfo>,
    pub picklist_parent_value_field: Option<String>,
    pub default_value: Option<String>,
}

/// One `PickListValue`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PicklistValueInfo {
    /// The stored value, as text (an integer for entity picklists).
    pub value: String,
    pub label: String,
    pub is_default: bool,
    pub sort_order: i64,
    pub parent_value: Option<String>,
    /// Absent on the wire means active.
    pub is_active: bool,
    pub is_system: bool,
}

/// Reads a `GetFieldInfoResponse` or `getUDFInfoResponse` (`operation` says which).
pub fn read_field_info_response(
    xml: &[u8],
    operation: Operation,
) -> Result<Vec<FieldInfo>, SoapError> {
    let result = read_answer(xml, operation)?;
    Ok(result.children_named("Field").map(field_info).collect())
}

fn field_info(node: &XmlElement) -> FieldInfo {
    let text = |name: &str| node.child_text(name).map(str::to_owned);
    FieldInfo {
        name: text("Name").unwrap_or_default(),
        label: text("Label").unwrap_or_default(),
        field_type: text("Type").unwrap_or_default().to_ascii_lowercase(),
        length: node
            .child_text("Length")
            .and_then(|l| l.parse::<u32>().ok())
            .filter(|l| *l > 0),
        description: text("Description"),
        is_required: node.child_flag("IsRequired"),
        is_read_only: node.child_flag("IsReadOnly"),
        is_queryable: node.child_flag("IsQueryable"),
        is_reference: node.child_flag("IsReference"),
        reference_entity_type: text("ReferenceEntityType"),
        is_picklist: node.child_flag("IsPickList"),
        picklist_values: node
            .child("PicklistValues")
            .map(|values| {
                values
                    .children_named("PickListValue")
                    .map(picklist_value)
                    .collect()
            })
            .unwrap_or_default(),
        picklist_parent_value_field: text("PicklistParentValueField"),
        default_value: text("DefaultValue"),
    }
}

fn picklist_value(node: &XmlElement) -> PicklistValueInfo {
    PicklistValueInfo {
        // A value's own spacing is kept; only surrounding whitespace of the element goes.
        value: node
            .child("Value")
            .map(|v| v.text.trim().to_owned())
            .unwrap_or_default(),
        label: node
            .child("Label")
            .map(|l| l.text.clone())
            .unwrap_or_default(),
        is_default: node.child_flag("IsDefaultValue"),
        sort_order: node
            .child_text("SortOrder")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        parent_value: node.child_text("parentValue").map(str::to_owned),
        is_active: node.child_text("IsActive").is_none() || node.child_flag("IsActive"),
        is_system: node.child_flag("IsSystem"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_picklist_values() {
        let xml = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetFieldInfoResponse xmlns="http://autotask.net/ATWS/v1_6/"><GetFieldInfoResult><Field><Name>Status</Name><Label>Status</Label><Type>integer</Type><Length>0</Length><IsRequired>true</IsRequired><IsReadOnly>false</IsReadOnly><IsQueryable>true</IsQueryable><IsReference>false</IsReference><IsPickList>true</IsPickList><PicklistValues><PickListValue><Value>1</Value><Label>New</Label><IsDefaultValue>true</IsDefaultValue><SortOrder>1</SortOrder><IsSystem>true</IsSystem></PickListValue><PickListValue><Value>9</Value><Label>Old</Label><IsDefaultValue>false</IsDefaultValue><SortOrder>2</SortOrder><IsActive>false</IsActive></PickListValue></PicklistValues></Field></GetFieldInfoResult></GetFieldInfoResponse></soap:Body></soap:Envelope>"#;
        let fields = read_field_info_response(xml, Operation::GetFieldInfo).unwrap_or_default();
        assert_eq!(fields.len(), 1);
        let status = &fields[0];
        assert!(status.is_picklist && status.is_required && status.length.is_none());
        assert_eq!(status.picklist_values.len(), 2);
        assert!(status.picklist_values[0].is_active && status.picklist_values[0].is_system);
        assert!(!status.picklist_values[1].is_active);
    }
}
