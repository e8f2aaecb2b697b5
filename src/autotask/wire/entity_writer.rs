//! `Entity` elements, written the same way in both directions: the client's `create` and
//! `update` requests and the simulator's answers. `id` comes first, then `UserDefinedFields`,
//! then one element per field with its `xsi:type`; an empty string is a self-closing element,
//! typed too. Autotask's entity fields are untyped in the WSDL, so the type must be on the
//! wire: an untyped element, even an empty one, fails on the server.

use super::xml_writer::{close, escape, open, push_empty, push_leaf, push_text};
use crate::autotask::soap::WireType;

/// Opens `<Entity xsi:type="…">` and writes its `id`.
pub fn open_entity(out: &mut String, entity_type: &str, id: i64) {
    out.push_str("<Entity xsi:type=\"");
    out.push_str(&escape(entity_type));
    out.push_str("\"><id xsi:type=\"xsd:long\">");
    out.push_str(&id.to_string());
    out.push_str("</id>");
}

/// `<UserDefinedFields>` with one `UserDefinedField` per `(name, value)`; a `None` value leaves
/// `Value` out. No UDFs at all is `<UserDefinedFields />`.
pub fn push_udfs<'a>(out: &mut String, udfs: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) {
    let mut udfs = udfs.into_iter().peekable();
    if udfs.peek().is_none() {
        push_empty(out, "UserDefinedFields");
        return;
    }
    open(out, "UserDefinedFields");
    for (name, value) in udfs {
        open(out, "UserDefinedField");
        push_leaf(out, "Name", name);
        if let Some(value) = value {
            push_leaf(out, "Value", value);
        }
        close(out, "UserDefinedField");
    }
    close(out, "UserDefinedFields");
}

/// `<Name xsi:type="xsd:…">value</Name>`, self-closing when the value is empty.
pub fn push_field(out: &mut String, name: &str, wire_type: &WireType, value: &str) {
    let name = escape(name);
    out.push('<');
    out.push_str(&name);
    out.push_str(" xsi:type=\"xsd:");
    out.push_str(&escape(wire_type.as_str()));
    if value.is_empty() {
        out.push_str("\" />");
        return;
    }
    out.push_str("\">");
    push_text(out, value);
    close(out, &name);
}

/// Closes the `Entity`.
pub fn close_entity(out: &mut String) {
    close(out, "Entity");
}
