//! Writing `Field` elements, the answer of `GetFieldInfo` and `getUDFInfo`,
//! in the WSDL's element order.

use crate::schema::Picklist;

use crate::autotask::wire::{close, open, push_bool, push_empty, push_leaf};

/// One field's metadata as `GetFieldInfo` reports it.
pub(super) struct FieldInfo<'a> {
    pub(super) name: &'a str,
    pub(super) label: &'a str,
    /// `integer`, `string`, `datetime`…
    pub(super) type_name: &'a str,
    pub(super) length: u32,
    pub(super) is_required: bool,
    pub(super) is_read_only: bool,
    pub(super) is_queryable: bool,
    pub(super) reference_entity: Option<&'a str>,
    /// `Some` for picklist fields, with the tenant's values when it has them.
    pub(super) picklist: Option<Option<&'a Picklist>>,
    pub(super) picklist_parent: Option<&'a str>,
    /// Whether a picklist value (as wire text) is one of Autotask's own.
    pub(super) is_system_value: &'a dyn Fn(&str) -> bool,
}

pub(super) fn push_field_info(out: &mut String, info: &FieldInfo<'_>) {
    open(out, "Field");
    push_leaf(out, "Name", info.name);
    push_leaf(out, "Label", info.label);
    push_leaf(out, "Type", info.type_name);
    push_leaf(out, "Length", &info.length.to_string());
    push_bool(out, "IsRequired", info.is_required);
    push_bool(out, "IsReadOnly", info.is_read_only);
    push_bool(out, "IsQueryable", info.is_queryable);
    push_bool(out, "IsReference", info.reference_entity.is_some());
    push_leaf(
        out,
        "ReferenceEntityType",
        info.reference_entity.unwrap_or(""),
    );
    push_bool(out, "IsPickList", info.picklist.is_some());
    match info.picklist {
        None => {}
        Some(None) => push_empty(out, "PicklistValues"),
        Some(Some(picklist)) => push_picklist(out, picklist, info.is_system_value),
    }
    push_leaf(
        out,
        "PicklistParentValueField",
        info.picklist_parent.unwrap_or(""),
    );
    close(out, "Field");
}

fn push_picklist(out: &mut String, picklist: &Picklist, is_system_value: &dyn Fn(&str) -> bool) {
    if picklist.values.is_empty() {
        push_empty(out, "PicklistValues");
        return;
    }
    open(out, "PicklistValues");
    for entry in &picklist.values {
        let value = entry.value.to_string();
        open(out, "PickListValue");
        push_leaf(out, "Value", &value);
        push_leaf(out, "Label", &entry.label);
        push_bool(out, "IsDefaultValue", entry.is_default);
        push_leaf(out, "SortOrder", &entry.sort.to_string());
        let parent = entry.parent.as_ref().map(ToString::to_string);
        push_leaf(out, "parentValue", parent.as_deref().unwrap_or(""));
        push_bool(out, "IsActive", entry.active);
        push_bool(out, "IsSystem", is_system_value(&value));
        close(out, "PickListValue");
    }
    close(out, "PicklistValues");
}
