//! Requests as small element trees.
//!
//! Requests are small (at most 200 entities) and the simulator looks at
//! them in every direction, so unlike the streaming response reader this
//! builds a tree. Elements are matched by local name, because clients bind
//! the SOAP and ATWS namespaces to any prefix or to the default namespace;
//! namespaces are kept for the few checks that need them. The builder is
//! iterative and bounded, so no input can exhaust the stack.

use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// Deeper than any ATWS request or QueryXML a client writes.
const MAX_DEPTH: usize = 64;
/// 200 entities of every field fit many times over.
const MAX_ELEMENTS: usize = 500_000;

/// One element: its name, attributes, direct text and child elements.
#[derive(Debug, Clone, Default)]
pub(super) struct XmlElement {
    pub(super) local_name: String,
    pub(super) namespace: Option<String>,
    pub(super) attributes: Vec<XmlAttribute>,
    pub(super) children: Vec<XmlElement>,
    /// Text and CDATA directly inside, joined, references resolved.
    pub(super) text: String,
}

/// An attribute other than a namespace declaration.
#[derive(Debug, Clone)]
pub(super) struct XmlAttribute {
    pub(super) local_name: String,
    pub(super) is_xsi: bool,
    pub(super) value: String,
}

impl XmlElement {
    /// The first child with this local name.
    pub(super) fn child(&self, local_name: &str) -> Option<&XmlElement> {
        self.children.iter().find(|c| c.local_name == local_name)
    }

    /// Every child with this local name.
    pub(super) fn children_named<'a>(
        &'a self,
        local_name: &'a str,
    ) -> impl Iterator<Item = &'a XmlElement> + 'a {
        self.children
            .iter()
            .filter(move |c| c.local_name == local_name)
    }

    /// `xsi:type` without its prefix (`xsd:int` → `int`, `q1:Ticket` → `Ticket`).
    pub(super) fn xsi_type(&self) -> Option<&str> {
        self.xsi_attribute("type")
            .map(|value| {
                let value = value.trim();
                value.rsplit_once(':').map_or(value, |(_, local)| local)
            })
            .filter(|value| !value.is_empty())
    }

    /// Whether `xsi:nil` says the element is null.
    pub(super) fn is_nil(&self) -> bool {
        self.xsi_attribute("nil")
            .is_some_and(|value| matches!(value.trim(), "true" | "1"))
    }

    fn xsi_attribute(&self, local_name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.is_xsi && a.local_name == local_name)
            .map(|a| a.value.as_str())
    }
}

/// Why a document could not be read, located for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct XmlError {
    pub(super) line: usize,
    pub(super) column: usize,
    pub(super) message: String,
}

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "There is an error in XML document ({}, {}): {}",
            self.line, self.column, self.message
        )
    }
}

/// Parses a whole document into its root element.
pub(super) fn parse_document(input: &[u8]) -> Result<XmlElement, XmlError> {
    let document = input.strip_prefix(UTF8_BOM).unwrap_or(input);
    TreeBuilder {
        reader: NsReader::from_reader(document),
        document,
        stack: Vec::new(),
        root: None,
        elements: 0,
        event_start: 0,
    }
    .build()
}

struct TreeBuilder<'i> {
    reader: NsReader<&'i [u8]>,
    document: &'i [u8],
    stack: Vec<XmlElement>,
    root: Option<XmlElement>,
    elements: usize,
    event_start: usize,
}

impl<'i> TreeBuilder<'i> {
    fn build(mut self) -> Result<XmlElement, XmlError> {
        loop {
            self.event_start = offset(self.reader.buffer_position());
            let (namespace, event) = match self.reader.read_resolved_event() {
                Ok((namespace, event)) => (owned_namespace(&namespace), event),
                Err(error) => return Err(self.error(&error.to_string())),
            };
            match event {
                Event::Start(start) => {
                    let element = self.open(&start, namespace)?;
                    if self.stack.len() >= MAX_DEPTH {
                        return Err(self.error("elements are nested too deeply"));
                    }
                    self.stack.push(element);
                }
                Event::Empty(start) => {
                    let element = self.open(&start, namespace)?;
                    self.close(element)?;
                }
                Event::End(_) => match self.stack.pop() {
                    Some(element) => self.close(element)?,
                    None => return Err(self.error("an end tag without a start tag")),
                },
                Event::Text(text) => self.push_text(&text.xml10_content())?,
                Event::CData(text) => self.push_text(&text.xml10_content())?,
                Event::GeneralRef(reference) => {
                    let resolved = self.resolve_reference(&reference)?;
                    self.push_text(&resolved)?;
                }
                // SOAP forbids document type declarations; refusing them also
                // rules out entity expansion tricks.
                Event::DocType(_) => {
                    return Err(self.error("a document type declaration is not allowed"));
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => {
                    if !self.stack.is_empty() {
                        return Err(self.error("the document ends before all elements are closed"));
                    }
                    return self
                        .root
                        .take()
                        .ok_or_else(|| self.error("the document has no root element"));
                }
            }
        }
    }

    fn open(
        &mut self,
        start: &BytesStart<'i>,
        namespace: Option<String>,
    ) -> Result<XmlElement, XmlError> {
        self.elements += 1;
        if self.elements > MAX_ELEMENTS {
            return Err(self.error("the document has too many elements"));
        }
        if self.root.is_some() {
            return Err(self.error("content after the end of the root element"));
        }
        let local_name = start.local_name().into_inner().to_owned();
        let mut attributes = Vec::new();
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|error| self.error(&error.to_string()))?;
            let key = attribute.key;
            if key.as_namespace_binding().is_some() {
                continue;
            }
            let (attribute_namespace, attribute_local) =
                self.reader.resolver().resolve_attribute(key);
            let is_xsi = match attribute_namespace {
                ResolveResult::Bound(Namespace(uri)) => uri == XSI_NAMESPACE,
                // An undeclared `xsi:` is taken at its word, as sloppy clients write it.
                ResolveResult::Unknown(_) => key.prefix().map(|p| p.into_inner()) == Some("xsi"),
                ResolveResult::Unbound => false,
            };
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|error| self.error(&error.to_string()))?;
            attributes.push(XmlAttribute {
                local_name: attribute_local.into_inner().to_owned(),
                is_xsi,
                value: value.into_owned(),
            });
        }
        Ok(XmlElement {
            local_name,
            namespace,
            attributes,
            children: Vec::new(),
            text: String::new(),
        })
    }

    fn close(&mut self, element: XmlElement) -> Result<(), XmlError> {
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(element),
            None if self.root.is_none() => self.root = Some(element),
            None => return Err(self.error("content after the end of the root element")),
        }
        Ok(())
    }

    fn push_text(&mut self, text: &str) -> Result<(), XmlError> {
        match self.stack.last_mut() {
            Some(element) => {
                element.text.push_str(text);
                Ok(())
            }
            None if text.trim().is_empty() => Ok(()),
            None => Err(self.error("text outside the root element")),
        }
    }

    fn resolve_reference(&self, reference: &BytesRef<'_>) -> Result<String, XmlError> {
        match reference.resolve_char_ref() {
            Ok(Some(character)) => Ok(character.to_string()),
            Ok(None) => resolve_predefined_entity(reference)
                .map(str::to_owned)
                .ok_or_else(|| self.error(&format!("undefined entity `&{};`", &**reference))),
            Err(error) => Err(self.error(&error.to_string())),
        }
    }

    fn error(&self, message: &str) -> XmlError {
        let before = self
            .document
            .get(..self.event_start.min(self.document.len()))
            .unwrap_or_default();
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |newline| newline + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        XmlError {
            line,
            column,
            message: message.to_owned(),
        }
    }
}

fn owned_namespace(namespace: &ResolveResult<'_>) -> Option<String> {
    match namespace {
        ResolveResult::Bound(Namespace(uri)) => Some((*uri).to_owned()),
        ResolveResult::Unbound | ResolveResult::Unknown(_) => None,
    }
}

fn offset(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::parse_document;

    #[test]
    fn reads_prefixes_default_namespaces_cdata_and_references() {
        let root = parse_document(
            br#"<?xml version="1.0"?><s:E xmlns:s="urn:s" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><a xmlns="urn:a" i:type="q1:int" x="1">4&amp;<![CDATA[<b>]]>&#x41;</a><c i:nil="true"/></s:E>"#,
        )
        .unwrap();
        assert_eq!(root.local_name, "E");
        assert_eq!(root.namespace.as_deref(), Some("urn:s"));
        let a = root.child("a").unwrap();
        assert_eq!(a.namespace.as_deref(), Some("urn:a"));
        assert_eq!(a.text, "4&<b>A");
        assert_eq!(a.xsi_type(), Some("int"));
        assert!(
            a.attributes
                .iter()
                .any(|x| !x.is_xsi && x.local_name == "x" && x.value == "1")
        );
        assert!(root.child("c").unwrap().is_nil());
    }

    #[test]
    fn rejects_what_is_not_one_well_formed_document() {
        for input in [
            &b""[..],
            b"<a>",
            b"<a></b>",
            b"<a/><b/>",
            b"text",
            b"<!DOCTYPE a><a/>",
            b"<a>&bogus;</a>",
            b"<a x='1' x='2'/>",
            b"\xff\xfe<a/>",
        ] {
            assert!(parse_document(input).is_err(), "{input:?}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "<a>".repeat(100_000);
        let error = parse_document(deep.as_bytes()).unwrap_err();
        assert!(error.message.contains("nested too deeply"), "{error}");
    }
}
