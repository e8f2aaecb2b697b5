//! Writing a record as an `Entity` element, exactly as Autotask does: `id`
//! first, then `UserDefinedFields` (every UDF of the tenant, `Value` left out
//! when null; self-closing when all are null), then the non-null fields in
//! schema order with their `xsi:type`, empty strings self-closing.

use crate::autotask::soap::WireType;
use crate::autotask::wire::{close_entity, open_entity, push_field, push_udfs};
use crate::schema::{Entity, Udf};

use super::datastore::StoredEntity;
use super::wire_value::format_value;

/// Appends one `<Entity xsi:type="…">` element.
pub(super) fn push_entity(
    out: &mut String,
    entity: &Entity,
    udfs: &[Udf],
    lists_udfs: bool,
    record: &StoredEntity,
) {
    open_entity(out, &entity.name, record.id);
    if lists_udfs {
        push_record_udfs(out, udfs, record);
    }
    for (slot, field) in entity.fields.iter().enumerate() {
        if field.name == "id" {
            continue;
        }
        let Some(Some(value)) = record.fields.get(slot) else {
            continue;
        };
        push_field(
            out,
            &field.name,
            &WireType::of(field.ty),
            &format_value(value),
        );
    }
    close_entity(out);
}

/// Every UDF of the tenant, or `<UserDefinedFields />` when all are null.
fn push_record_udfs(out: &mut String, udfs: &[Udf], record: &StoredEntity) {
    if record.udfs.iter().all(Option::is_none) {
        push_udfs(out, []);
        return;
    }
    push_udfs(
        out,
        udfs.iter().enumerate().map(|(slot, udf)| {
            let value = record.udfs.get(slot).and_then(Option::as_deref);
            (udf.name.as_str(), value)
        }),
    );
}
