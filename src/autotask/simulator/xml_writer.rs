//! Appending response XML to a string, the way .NET's serializer writes it:
//! empty elements self-closing with a space (`<Errors />`), text with only
//! `&`, `<`, `>` (and carriage returns) escaped.

use quick_xml::escape::partial_escape;

/// Appends `text` escaped for element content.
pub(super) fn push_text(out: &mut String, text: &str) {
    out.push_str(&partial_escape(text));
}

/// `<name>text</name>`, or `<name />` when `text` is empty.
pub(super) fn push_leaf(out: &mut String, name: &str, text: &str) {
    if text.is_empty() {
        push_empty(out, name);
    } else {
        out.push('<');
        out.push_str(name);
        out.push('>');
        push_text(out, text);
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
}

/// `<name />`.
pub(super) fn push_empty(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push_str(" />");
}

/// `<name>true</name>` or `<name>false</name>`.
pub(super) fn push_bool(out: &mut String, name: &str, value: bool) {
    push_leaf(out, name, if value { "true" } else { "false" });
}

/// Opens `<name>`.
pub(super) fn open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

/// Closes `</name>`.
pub(super) fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}
