//! Writing a record as an `Entity` element, exactly as Autotask does: `id`
//! first, then `UserDefinedFields` (every UDF of the tenant, `Value` left out
//! when null; self-closing when all are null), then the non-null fields in
//! schema order with their `xsi:type`, empty strings self-closing.

use crate::schema::{Entity, Udf};

use super::datastore::StoredEntity;
use super::wire_value::{FieldValue, format_value};
use super::xml_writer::{close, open, push_empty, push_leaf, push_text};

/// Appends one `<Entity xsi:type="…">` element.
pub(super) fn push_entity(
    out: &mut String,
    entity: &Entity,
    udfs: &[Udf],
    lists_udfs: bool,
    record: &StoredEntity,
) {
    out.push_str("<Entity xsi:type=\"");
    out.push_str(&entity.name);
    out.push_str("\"><id xsi:type=\"xsd:long\">");
    out.push_str(&record.id.to_string());
    out.push_str("</id>");
    if lists_udfs {
        push_udfs(out, udfs, record);
    }
    for (slot, field) in entity.fields.iter().enumerate() {
        if field.name == "id" {
            continue;
        }
        let Some(Some(value)) = record.fields.get(slot) else {
            continue;
        };
        let text = format_value(value);
        out.push('<');
        out.push_str(&field.name);
        out.push_str(" xsi:type=\"");
        out.push_str(field.ty.xsd_type());
        if text.is_empty() && matches!(value, FieldValue::Text(_)) {
            out.push_str("\" />");
            continue;
        }
        out.push_str("\">");
        push_text(out, &text);
        close(out, &field.name);
    }
    out.push_str("</Entity>");
}

fn push_udfs(out: &mut String, udfs: &[Udf], record: &StoredEntity) {
    if record.udfs.iter().all(Option::is_none) {
        push_empty(out, "UserDefinedFields");
        return;
    }
    open(out, "UserDefinedFields");
    for (slot, udf) in udfs.iter().enumerate() {
        open(out, "UserDefinedField");
        push_leaf(out, "Name", &udf.name);
        if let Some(Some(value)) = record.udfs.get(slot) {
            push_leaf(out, "Value", value);
        }
        close(out, "UserDefinedField");
    }
    close(out, "UserDefinedFields");
}
