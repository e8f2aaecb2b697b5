//! Appending XML to a string, the way .NET's serializer writes it: empty elements
//! self-closing with a space (`<Errors />`), text with only `&`, `<`, `>` and carriage returns
//! escaped (a parser would turn a literal carriage return into a line feed).

use quick_xml::escape::partial_escape;

/// Text escaped for attribute values (and element content): quotes too.
pub fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// Text as one CDATA section. `]]>` cannot occur inside CDATA, so it is split across two
/// sections: `]]` ends the first, `>` starts the second.
pub fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

/// Appends `text` escaped for element content.
pub fn push_text(out: &mut String, text: &str) {
    out.push_str(&partial_escape(text));
}

/// `<name>text</name>`, or `<name />` when `text` is empty.
pub fn push_leaf(out: &mut String, name: &str, text: &str) {
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
pub fn push_empty(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push_str(" />");
}

/// `<name>true</name>` or `<name>false</name>`.
pub fn push_bool(out: &mut String, name: &str, value: bool) {
    push_leaf(out, name, if value { "true" } else { "false" });
}

/// Opens `<name>`.
pub fn open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

/// Closes `</name>`.
pub fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdata_splits_its_terminator() {
        assert_eq!(cdata("a]]>b"), "<![CDATA[a]]]]><![CDATA[>b]]>");
        assert_eq!(cdata("<x>&</x>"), "<![CDATA[<x>&</x>]]>");
    }

    #[test]
    fn carriage_returns_survive_as_references() {
        let mut out = String::new();
        push_leaf(&mut out, "a", "x\r\n<&\"");
        assert_eq!(out, "<a>x&#13;\n&lt;&amp;\"</a>");
        assert_eq!(escape("\"'\r"), "&quot;&apos;&#13;");
    }
}
