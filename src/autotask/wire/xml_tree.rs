//! Small SOAP documents as element trees: the requests the simulator reads (at most 200
//! entities, looked at in every direction) and the answers the client reads that are not entity
//! streams (`GetFieldInfo`, `getUDFInfo`, `GetEntityInfo`, `getZoneInfo`, SOAP faults). Query
//! answers go through the streaming reader instead.
//!
//! Elements are matched by local name, because clients, servers and proxies bind the SOAP and
//! ATWS namespaces to any prefix or to the default namespace; namespaces are kept for the few
//! checks that need them. The builder is iterative and bounded, so no input can exhaust the
//! stack.

use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};

use super::XSI_NAMESPACE;
use crate::diagnostics::line_column;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// Deeper than any ATWS request, answer or QueryXML.
const MAX_DEPTH: usize = 64;
/// 200 entities of every field fit many times over.
const MAX_ELEMENTS: usize = 500_000;

/// One element: its name, attributes, direct text and child elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XmlElement {
    /// The name without its prefix.
    pub local_name: String,
    /// The namespace the prefix (or default namespace) is bound to.
    pub namespace: Option<String>,
    pub attributes: Vec<XmlAttribute>,
    pub children: Vec<XmlElement>,
    /// Text and CDATA directly inside, joined, references resolved.
    pub text: String,
}

/// An attribute other than a namespace declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlAttribute {
    pub local_name: String,
    /// In the XML Schema instance namespace (`xsi:type`, `xsi:nil`).
    pub is_xsi: bool,
    pub value: String,
}

impl XmlElement {
    /// The first child with this local name.
    pub fn child(&self, local_name: &str) -> Option<&XmlElement> {
        self.children.iter().find(|c| c.local_name == local_name)
    }

    /// Every child with this local name.
    pub fn children_named<'a>(
        &'a self,
        local_name: &'a str,
    ) -> impl Iterator<Item = &'a XmlElement> + 'a {
        self.children
            .iter()
            .filter(move |c| c.local_name == local_name)
    }

    /// The trimmed text of a child, `None` when the child is absent or empty.
    pub fn child_text(&self, local_name: &str) -> Option<&str> {
        self.child(local_name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }

    /// A boolean child (`true`/`1`); absent or unreadable is `false`.
    pub fn child_flag(&self, local_name: &str) -> bool {
        matches!(self.child_text(local_name), Some("true" | "True" | "1"))
    }

    /// All text below the element, trimmed pieces joined by spaces.
    pub fn all_text(&self) -> String {
        let mut pieces = Vec::new();
        let mut pending = vec![self];
        while let Some(next) = pending.pop() {
            let own = next.text.trim();
            if !own.is_empty() {
                pieces.push(own.to_owned());
            }
            pending.extend(next.children.iter().rev());
        }
        pieces.join(" ")
    }

    /// `xsi:type` without its prefix (`xsd:int` → `int`, `q1:Ticket` → `Ticket`).
    pub fn xsi_type(&self) -> Option<&str> {
        self.xsi_attribute("type")
            .map(|value| {
                let value = value.trim();
                value.rsplit_once(':').map_or(value, |(_, local)| local)
            })
            .filter(|value| !value.is_empty())
    }

    /// Whether `xsi:nil` says the element is null.
    pub fn is_nil(&self) -> bool {
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
pub struct XmlError {
    /// The byte offset in the document as given (a byte order mark included).
    pub position: usize,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// .NET's words, which the simulator answers with.
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
pub fn parse_document(input: &[u8]) -> Result<XmlElement, XmlError> {
    let document = input.strip_prefix(UTF8_BOM).unwrap_or(input);
    TreeBuilder {
        reader: NsReader::from_reader(document),
        input,
        skipped: input.len() - document.len(),
        stack: Vec::new(),
        root: None,
        elements: 0,
        event_start: 0,
    }
    .build()
}

struct TreeBuilder<'i> {
    reader: NsReader<&'i [u8]>,
    /// The document as given, for locating errors.
    input: &'i [u8],
    /// The byte order mark's length, where the reader's positions start.
    skipped: usize,
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
        let position = (self.skipped + self.event_start).min(self.input.len());
        let (line, column) = line_column(self.input, position);
        XmlError {
            position,
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
