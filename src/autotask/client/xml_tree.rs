//! A small element tree for the answers that are not entity streams: `GetFieldInfo`,
//! `getUDFInfo`, `GetEntityInfo`, `getZoneInfo` and SOAP faults. They are small, and a tree
//! makes their optional, any-order elements easy to read. Elements are matched by local name,
//! as in the streaming reader, because servers and proxies bind namespaces to any prefix.

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;

use super::operation::Operation;
use crate::autotask::soap::SoapError;

/// Deeper nesting than any ATWS answer has is refused, which also bounds the tree's size.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XmlNode {
    /// The local name (no prefix).
    pub name: String,
    /// The element's own text, unescaped (text of children not included).
    pub text: String,
    pub children: Vec<XmlNode>,
}

impl XmlNode {
    pub fn child(&self, name: &str) -> Option<&XmlNode> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a XmlNode> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of a child, `None` when the child is absent or empty.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }

    /// A boolean child (`true`/`1`); absent or unreadable is `false`.
    pub fn child_flag(&self, name: &str) -> bool {
        matches!(self.child_text(name), Some("true" | "True" | "1"))
    }
}

/// Parses a whole document into its root element.
pub fn parse(xml: &[u8]) -> Result<XmlNode, SoapError> {
    let input = xml.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(xml);
    let mut reader = Reader::from_reader(input);
    let mut stack: Vec<XmlNode> = Vec::new();
    let mut root: Option<XmlNode> = None;
    loop {
        let position = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader
            .read_event()
            .map_err(|e| malformed(input, position, e.to_string()))?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(malformed(input, position, "elements nest too deeply"));
                }
                if root.is_some() {
                    return Err(malformed(input, position, "content after the root element"));
                }
                stack.push(XmlNode {
                    name: start.local_name().into_inner().to_owned(),
                    ..XmlNode::default()
                });
            }
            Event::Empty(start) => {
                let node = XmlNode {
                    name: start.local_name().into_inner().to_owned(),
                    ..XmlNode::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None if root.is_none() => root = Some(node),
                    None => {
                        return Err(malformed(input, position, "content after the root element"));
                    }
                }
            }
            Event::End(_) => {
                let Some(node) = stack.pop() else {
                    return Err(malformed(input, position, "an end tag without a start tag"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::Text(text) => {
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&text.xml10_content());
                } else if !text.xml10_content().trim().is_empty() {
                    return Err(malformed(input, position, "text outside the root element"));
                }
            }
            Event::CData(text) => {
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&text.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(character)) => character.to_string(),
                    Ok(None) => resolve_predefined_entity(&reference)
                        .map(str::to_owned)
                        .ok_or_else(|| {
                            malformed(
                                input,
                                position,
                                format!("undefined entity `&{};`", &*reference),
                            )
                        })?,
                    Err(e) => return Err(malformed(input, position, e.to_string())),
                };
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&resolved);
                }
            }
            Event::DocType(_) => {
                return Err(malformed(
                    input,
                    position,
                    "a SOAP message must not contain a document type declaration",
                ));
            }
            Event::Eof => {
                if !stack.is_empty() {
                    return Err(malformed(
                        input,
                        input.len(),
                        "the document ends before all elements are closed (truncated response?)",
                    ));
                }
                return root.ok_or_else(|| malformed(input, 0, "the document has no root element"));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
}

/// The result element of an ATWS answer (`GetFieldInfoResult` inside `GetFieldInfoResponse`
/// inside the SOAP `Body`). A SOAP fault is returned as [`SoapError::Fault`]. A missing result
/// element reads as an empty one (the WSDL makes every result optional).
pub fn read_answer(xml: &[u8], operation: Operation) -> Result<XmlNode, SoapError> {
    let envelope = parse(xml)?;
    if envelope.name != "Envelope" {
        return Err(unexpected(
            "a SOAP <Envelope>",
            format!("<{}>", envelope.name),
        ));
    }
    let body = envelope
        .child("Body")
        .ok_or_else(|| unexpected("a SOAP <Body>", "none".to_owned()))?;
    let Some(first) = body.children.first() else {
        return Err(unexpected(
            "an answer in the SOAP Body",
            "nothing".to_owned(),
        ));
    };
    if first.name == "Fault" {
        return Err(fault(first));
    }
    let response = operation.response_element();
    if first.name != response {
        return Err(unexpected(
            &format!("<{response}> in the SOAP Body"),
            format!("<{}>", first.name),
        ));
    }
    let result = operation.result_element();
    Ok(first.child(&result).cloned().unwrap_or(XmlNode {
        name: result,
        ..XmlNode::default()
    }))
}

/// The SOAP fault in a document, when it is one.
pub fn read_fault(xml: &[u8]) -> Option<SoapError> {
    let envelope = parse(xml).ok()?;
    let first = envelope.child("Body")?.children.first()?;
    (first.name == "Fault").then(|| fault(first))
}

fn fault(node: &XmlNode) -> SoapError {
    let text = |names: [&str; 2]| {
        names
            .iter()
            .find_map(|n| node.child(n))
            .map(all_text)
            .unwrap_or_default()
    };
    let detail = text(["detail", "Detail"]);
    SoapError::Fault {
        code: text(["faultcode", "Code"]),
        message: text(["faultstring", "Reason"]),
        detail: (!detail.is_empty()).then_some(detail),
    }
}

/// All text below a node, trimmed pieces joined by spaces.
fn all_text(node: &XmlNode) -> String {
    let mut pieces = Vec::new();
    let mut pending = vec![node];
    while let Some(next) = pending.pop() {
        let own = next.text.trim();
        if !own.is_empty() {
            pieces.push(own.to_owned());
        }
        pending.extend(next.children.iter().rev());
    }
    pieces.join(" ")
}

fn malformed(input: &[u8], position: usize, message: impl Into<String>) -> SoapError {
    let position = position.min(input.len());
    let (line, column) = line_and_column(input, position);
    SoapError::Xml {
        position,
        line,
        column,
        message: message.into(),
    }
}

fn unexpected(expected: &str, found: String) -> SoapError {
    SoapError::UnexpectedElement {
        expected: expected.to_owned(),
        found,
        position: 0,
        line: 1,
        column: 1,
    }
}

fn line_and_column(input: &[u8], position: usize) -> (usize, usize) {
    let before = &input[..position.min(input.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_answer_and_a_fault() {
        let answer = br#"<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><getZoneInfoResponse xmlns="http://autotask.net/ATWS/v1_6/"><getZoneInfoResult><URL>https://x/a&amp;b</URL><ErrorCode>0</ErrorCode></getZoneInfoResult></getZoneInfoResponse></s:Body></s:Envelope>"#;
        let result = read_answer(answer, Operation::GetZoneInfo).unwrap_or_default();
        assert_eq!(result.child_text("URL"), Some("https://x/a&b"));

        let fault = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>Server did not recognize the value of HTTP Header SOAPAction: x.</faultstring></soap:Fault></soap:Body></soap:Envelope>"#;
        assert!(matches!(
            read_answer(fault, Operation::Query),
            Err(SoapError::Fault { code, .. }) if code == "soap:Client"
        ));
        assert!(read_fault(fault).is_some());
        assert!(read_answer(b"<a><b></a>", Operation::Query).is_err());
        assert!(read_answer(b"Unauthorized", Operation::Query).is_err());
    }
}
