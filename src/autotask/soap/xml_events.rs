//! The XML event stream the readers pull from, with every error located in
//! the caller's bytes.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::error::SoapError;
use super::text_builder::TextBuilder;
use super::xsi_scope::{XsiScope, contains};
use crate::diagnostics::line_column;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text inside an element whose content is a value.
pub(super) struct Leaf<'i> {
    pub(super) text: Cow<'i, str>,
    /// Values never contain elements; when one does, it is not a value.
    pub(super) has_child_elements: bool,
}

/// The `xsi:` attributes of one start tag.
pub(super) struct XsiAttributes<'a> {
    pub(super) type_name: Option<Cow<'a, str>>,
    pub(super) nil: bool,
}

/// A pull parser over one response document.
pub(super) struct XmlEvents<'i> {
    reader: Reader<&'i [u8]>,
    /// How many elements are open.
    depth: usize,
    xsi: XsiScope,
    input: &'i [u8],
    /// The byte order mark is cut off before parsing; positions add it back.
    bom_length: usize,
    /// Where the most recent event began, in `input`.
    event_start: usize,
}

impl<'i> XmlEvents<'i> {
    pub(super) fn new(input: &'i [u8]) -> Self {
        let (bom_length, document) = match input.strip_prefix(UTF8_BOM) {
            Some(rest) => (UTF8_BOM.len(), rest),
            None => (0, input),
        };
        XmlEvents {
            reader: Reader::from_reader(document),
            depth: 0,
            xsi: XsiScope::default(),
            input,
            bom_length,
            event_start: bom_length,
        }
    }

    /// The next event; malformed XML and document type declarations are errors.
    pub(super) fn next(&mut self) -> Result<Event<'i>, SoapError> {
        self.event_start = self.offset(self.reader.buffer_position());
        // Declarations on an empty element last only while it is the current event.
        self.xsi.leave_to(self.depth);
        match self.reader.read_event() {
            // SOAP forbids DTDs; refusing them also rules out entity tricks.
            Ok(Event::DocType(doctype)) => Err(self.malformed(
                self.event_start,
                format!(
                    "a SOAP message must not contain a document type declaration (found <!DOCTYPE {}>)",
                    excerpt(doctype.trim(), 40)
                ),
            )),
            Ok(Event::Start(start)) => {
                self.depth += 1;
                self.enter(&start, self.depth)?;
                Ok(Event::Start(start))
            }
            Ok(Event::Empty(start)) => {
                self.enter(&start, self.depth + 1)?;
                Ok(Event::Empty(start))
            }
            Ok(Event::End(end)) => {
                self.depth = self.depth.saturating_sub(1);
                Ok(Event::End(end))
            }
            Ok(event) => Ok(event),
            Err(error) => Err(self.parser_error(&error)),
        }
    }

    fn enter(&mut self, start: &BytesStart<'_>, depth: usize) -> Result<(), SoapError> {
        self.xsi
            .enter(start, depth)
            .map_err(|error| self.attribute_error(error))
    }

    /// Consumes everything up to and including the end tag of the element
    /// whose start tag was just read. Iterative, so nesting depth costs no stack.
    pub(super) fn skip_element(&mut self) -> Result<(), SoapError> {
        let mut depth = 1usize;
        loop {
            match self.next()? {
                Event::Start(_) => depth += 1,
                Event::End(_) => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                Event::Eof => return Err(self.unexpected_end()),
                _ => {}
            }
        }
    }

    /// Reads the content of the element whose start tag was just read, up to
    /// and including its end tag, as a value.
    pub(super) fn read_leaf(&mut self) -> Result<Leaf<'i>, SoapError> {
        let mut text = TextBuilder::default();
        let mut has_child_elements = false;
        loop {
            match self.next()? {
                Event::Text(piece) => text.push(piece.xml10_content()),
                Event::CData(piece) => text.push(piece.xml10_content()),
                Event::GeneralRef(reference) => self.push_reference(&mut text, &reference)?,
                Event::Start(_) => {
                    has_child_elements = true;
                    self.skip_element()?;
                }
                Event::Empty(_) => has_child_elements = true,
                Event::End(_) => {
                    return Ok(Leaf {
                        text: text.finish(),
                        has_child_elements,
                    });
                }
                Event::Eof => return Err(self.unexpected_end()),
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
            }
        }
    }

    /// Reads all text below the element whose start tag was just read, one
    /// trimmed piece per text run, joined by spaces. For human-readable parts
    /// such as a fault's `detail`, whatever markup they hold.
    pub(super) fn read_all_text(&mut self) -> Result<String, SoapError> {
        let mut pieces = Vec::new();
        let mut current = TextBuilder::default();
        let mut depth = 1usize;
        loop {
            match self.next()? {
                Event::Text(piece) => current.push(piece.xml10_content()),
                Event::CData(piece) => current.push(piece.xml10_content()),
                Event::GeneralRef(reference) => self.push_reference(&mut current, &reference)?,
                Event::Start(_) => {
                    keep_trimmed(std::mem::take(&mut current), &mut pieces);
                    depth += 1;
                }
                Event::Empty(_) => keep_trimmed(std::mem::take(&mut current), &mut pieces),
                Event::End(_) => {
                    keep_trimmed(std::mem::take(&mut current), &mut pieces);
                    depth -= 1;
                    if depth == 0 {
                        return Ok(pieces.join(" "));
                    }
                }
                Event::Eof => return Err(self.unexpected_end()),
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
            }
        }
    }

    /// `xsi:type` and `xsi:nil` of the start tag just read, found through
    /// whichever prefix is bound to the XML Schema instance namespace.
    pub(super) fn xsi_attributes<'a>(
        &self,
        start: &'a BytesStart<'i>,
    ) -> Result<XsiAttributes<'a>, SoapError> {
        let mut found = XsiAttributes {
            type_name: None,
            nil: false,
        };
        // Duplicate checks are quadratic in the attribute count; they buy nothing here.
        for attribute in start.attributes().with_checks(false) {
            let attribute = attribute.map_err(|error| self.attribute_error(error))?;
            let (wanted, prefix) = attribute.key.decompose();
            if !prefix.is_some_and(|p| self.xsi.is_xsi(p.into_inner())) {
                continue;
            }
            let wanted = wanted.into_inner();
            if wanted != "type" && wanted != "nil" {
                continue;
            }
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|error| self.malformed(self.event_start, error.to_string()))?;
            if wanted == "type" {
                found.type_name = Some(value);
            } else {
                found.nil = matches!(value.trim(), "true" | "1");
            }
        }
        Ok(found)
    }

    /// Whether the start tag just read carries `xsi:nil="true"`, for callers that do not
    /// need its `xsi:type`: most tags have no `nil` in them at all, and are not parsed.
    pub(super) fn xsi_nil(&self, start: &BytesStart<'i>) -> Result<bool, SoapError> {
        if !contains(start.attributes_raw().as_bytes(), b"nil") {
            return Ok(false);
        }
        Ok(self.xsi_attributes(start)?.nil)
    }

    /// Where the event just read began, to report errors found later.
    pub(super) fn position(&self) -> usize {
        self.event_start
    }

    /// A content error located at the event just read.
    pub(super) fn invalid(&self, message: impl Into<String>) -> SoapError {
        self.invalid_at(self.event_start, message)
    }

    /// A content error located at an earlier [`Self::position`].
    pub(super) fn invalid_at(&self, position: usize, message: impl Into<String>) -> SoapError {
        let (line, column) = line_column(self.input, position);
        SoapError::Invalid {
            position,
            line,
            column,
            message: message.into(),
        }
    }

    /// A well-formedness error located at the event just read.
    pub(super) fn malformed_here(&self, message: impl Into<String>) -> SoapError {
        self.malformed(self.event_start, message)
    }

    /// A structure error located at the event just read.
    pub(super) fn unexpected(&self, expected: &str, found: impl Into<String>) -> SoapError {
        let (line, column) = line_column(self.input, self.event_start);
        SoapError::UnexpectedElement {
            expected: expected.to_owned(),
            found: found.into(),
            position: self.event_start,
            line,
            column,
        }
    }

    /// The document stopped while elements were still open.
    pub(super) fn unexpected_end(&self) -> SoapError {
        self.malformed(
            self.input.len(),
            "the document ends before all elements are closed (truncated response?)",
        )
    }

    fn push_reference(
        &self,
        text: &mut TextBuilder<'i>,
        reference: &BytesRef<'i>,
    ) -> Result<(), SoapError> {
        match reference.resolve_char_ref() {
            Ok(Some(character)) => {
                text.push_str(character.encode_utf8(&mut [0; 4]));
                Ok(())
            }
            Ok(None) => match resolve_predefined_entity(reference) {
                Some(replacement) => {
                    text.push_str(replacement);
                    Ok(())
                }
                None => Err(self.malformed(
                    self.event_start,
                    format!("undefined entity `&{};`", &**reference),
                )),
            },
            Err(error) => Err(self.malformed(self.event_start, error.to_string())),
        }
    }

    fn parser_error(&self, error: &quick_xml::Error) -> SoapError {
        match error {
            quick_xml::Error::Encoding(_) => {
                // Point at the offending byte rather than the start of its text run.
                let tail = self.input.get(self.event_start..).unwrap_or_default();
                let position = match std::str::from_utf8(tail) {
                    Err(utf8) => self.event_start + utf8.valid_up_to(),
                    Ok(_) => self.event_start,
                };
                self.malformed(position, "the response is not valid UTF-8")
            }
            quick_xml::Error::InvalidAttr(error) => self.attribute_error(error.clone()),
            _ => {
                let reported = self.offset(self.reader.error_position());
                self.malformed(reported.max(self.event_start), error.to_string())
            }
        }
    }

    fn attribute_error(&self, error: AttrError) -> SoapError {
        let (offset, message) = match error {
            AttrError::ExpectedEq(at) => (at, "an attribute name must be followed by `=`"),
            AttrError::ExpectedValue(at) => (at, "`=` must be followed by an attribute value"),
            AttrError::UnquotedValue(at) => (at, "an attribute value must be quoted"),
            AttrError::ExpectedQuote(at, _) => (at, "an attribute value lacks its closing quote"),
            AttrError::Duplicated(at, _) => (at, "an attribute is repeated"),
        };
        // The parser counts from just after the tag's `<`.
        self.malformed(
            self.event_start.saturating_add(1).saturating_add(offset),
            message,
        )
    }

    fn malformed(&self, position: usize, message: impl Into<String>) -> SoapError {
        let position = position.min(self.input.len());
        let (line, column) = line_column(self.input, position);
        SoapError::Xml {
            position,
            line,
            column,
            message: message.into(),
        }
    }

    /// Converts a parser offset (which does not see the byte order mark).
    fn offset(&self, parser_offset: u64) -> usize {
        usize::try_from(parser_offset)
            .unwrap_or(usize::MAX)
            .saturating_add(self.bom_length)
            .min(self.input.len())
    }
}

/// The start of a long text, for messages.
pub(super) fn excerpt(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

fn keep_trimmed(piece: TextBuilder<'_>, pieces: &mut Vec<String>) {
    let text = piece.finish();
    let trimmed = text.trim();
    if !trimmed.is_empty() {
        pieces.push(trimmed.to_owned());
    }
}

/// An element's name without its prefix: elements are matched by local name,
/// since clients and proxies bind the namespaces to any prefix.
pub(super) fn local_name<'a>(start: &'a BytesStart<'_>) -> &'a str {
    let name = start.name().0;
    // A byte search: names are short, and `:` is ASCII, so the cut is on a char boundary.
    match name.bytes().position(|b| b == b':') {
        Some(colon) => &name[colon + 1..],
        None => name,
    }
}

/// An element's name as written, for messages.
pub(super) fn written_name<'a>(start: &'a BytesStart<'_>) -> &'a str {
    start.name().0
}
