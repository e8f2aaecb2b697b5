//! The SOAP 1.1 envelope around every ATWS answer: an `Envelope` with an
//! optional `Header` and a `Body` that holds either the answer or a `Fault`.

use quick_xml::events::{BytesText, Event};

use super::error::SoapError;
use super::fault::read_fault;
use super::xml_events::{XmlEvents, excerpt, local_name, written_name};

/// What the first element of the `Body` turned out to be.
enum BodyContent<T> {
    Answer(T),
    Fault(SoapError),
}

/// Reads a whole response document whose `Body` must hold `answer_element`
/// (e.g. `queryResponse`). `read_answer` is called right after that
/// element's start tag and must consume it up to its end tag.
///
/// The document is read to its end even after the answer, so a truncated
/// response is an error rather than a silently short page.
pub(super) fn read_soap_body<'i, T>(
    events: &mut XmlEvents<'i>,
    answer_element: &str,
    mut read_answer: impl FnMut(&mut XmlEvents<'i>) -> Result<T, SoapError>,
) -> Result<T, SoapError> {
    expect_envelope_start(events)?;
    let content = read_envelope(events, answer_element, &mut read_answer)?;
    expect_document_end(events)?;
    match content {
        BodyContent::Answer(answer) => Ok(answer),
        BodyContent::Fault(fault) => Err(fault),
    }
}

fn expect_envelope_start(events: &mut XmlEvents<'_>) -> Result<(), SoapError> {
    const EXPECTED: &str = "a SOAP <Envelope>";
    loop {
        match events.next()? {
            Event::Start(start) if local_name(&start) == "Envelope" => return Ok(()),
            Event::Empty(start) if local_name(&start) == "Envelope" => {
                return Err(events.invalid("the SOAP Envelope is empty"));
            }
            Event::Start(start) | Event::Empty(start) => {
                return Err(events.unexpected(EXPECTED, format!("<{}>", written_name(&start))));
            }
            Event::Text(text) if is_blank(&text) => {}
            Event::Text(text) => {
                return Err(
                    events.unexpected(EXPECTED, format!("text \"{}\"", excerpt(text.trim(), 60)))
                );
            }
            Event::CData(_) | Event::GeneralRef(_) => {
                return Err(events.unexpected(EXPECTED, "text"));
            }
            Event::Eof => {
                return Err(events.malformed_here("the document has no root element"));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
            Event::End(_) => return Err(events.malformed_here("an end tag without a start tag")),
        }
    }
}

fn read_envelope<'i, T>(
    events: &mut XmlEvents<'i>,
    answer_element: &str,
    read_answer: &mut impl FnMut(&mut XmlEvents<'i>) -> Result<T, SoapError>,
) -> Result<BodyContent<T>, SoapError> {
    let mut content = None;
    loop {
        match events.next()? {
            Event::Start(start) if content.is_none() && local_name(&start) == "Body" => {
                content = Some(read_body(events, answer_element, read_answer)?);
            }
            // Header blocks carry nothing a response reader needs.
            Event::Start(_) => events.skip_element()?,
            Event::Empty(start) if content.is_none() && local_name(&start) == "Body" => {
                return Err(events.invalid("the SOAP Body is empty"));
            }
            Event::End(_) => {
                return content.ok_or_else(|| events.invalid("the SOAP Envelope has no Body"));
            }
            Event::Eof => return Err(events.unexpected_end()),
            _ => {}
        }
    }
}

fn read_body<'i, T>(
    events: &mut XmlEvents<'i>,
    answer_element: &str,
    read_answer: &mut impl FnMut(&mut XmlEvents<'i>) -> Result<T, SoapError>,
) -> Result<BodyContent<T>, SoapError> {
    let mut content = None;
    loop {
        match events.next()? {
            Event::Start(start) if content.is_none() => {
                content = Some(match local_name(&start) {
                    "Fault" => BodyContent::Fault(read_fault(events)?),
                    name if name == answer_element => BodyContent::Answer(read_answer(events)?),
                    _ => return Err(wrong_answer(events, answer_element, written_name(&start))),
                });
            }
            Event::Empty(start) if content.is_none() => {
                return Err(match local_name(&start) {
                    "Fault" => events.invalid("the SOAP Fault is empty"),
                    name if name == answer_element => {
                        events.invalid(format!("<{}> is empty", written_name(&start)))
                    }
                    _ => wrong_answer(events, answer_element, written_name(&start)),
                });
            }
            // SOAP 1.1 allows further body entries; the first one is the answer.
            Event::Start(_) => events.skip_element()?,
            Event::End(_) => {
                return content.ok_or_else(|| events.invalid("the SOAP Body is empty"));
            }
            Event::Eof => return Err(events.unexpected_end()),
            _ => {}
        }
    }
}

fn wrong_answer(events: &XmlEvents<'_>, answer_element: &str, found: &str) -> SoapError {
    events.unexpected(
        &format!("<{answer_element}> in the SOAP Body"),
        format!("<{found}>"),
    )
}

fn expect_document_end(events: &mut XmlEvents<'_>) -> Result<(), SoapError> {
    loop {
        match events.next()? {
            Event::Eof => return Ok(()),
            Event::Text(text) if is_blank(&text) => {}
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            _ => {
                return Err(events.malformed_here("content after the end of the SOAP Envelope"));
            }
        }
    }
}

fn is_blank(text: &BytesText<'_>) -> bool {
    text.trim().is_empty()
}
