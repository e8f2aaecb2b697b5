//! The `ATWSResponse` every data operation answers with: `ReturnCode`,
//! `EntityResults`, `EntityResultType`, `Errors`, `EntityReturnInfoResults`.

use quick_xml::events::Event;

use super::entity_results::read_entity_results;
use super::envelope::read_soap_body;
use super::error::SoapError;
use super::outcome::EntityReturnInfo;
use super::return_infos::read_return_infos;
use super::sink::EntitySink;
use super::xml_events::{XmlEvents, local_name};

/// The element names one operation answers with.
pub(super) struct AtwsOperation {
    /// The `Body` element, e.g. `queryResponse`.
    pub(super) response: &'static str,
    /// Its `ATWSResponse` child, e.g. `queryResult`.
    pub(super) result: &'static str,
}

/// Everything an `ATWSResponse` says besides the entities themselves.
#[derive(Debug, Default)]
pub(super) struct AtwsResult {
    pub(super) return_code: i32,
    pub(super) entity_result_type: Option<String>,
    pub(super) errors: Vec<String>,
    pub(super) entity_count: usize,
    pub(super) return_infos: Vec<EntityReturnInfo>,
}

/// Reads a whole response to `operation`, streaming its entities to `sink`.
pub(super) fn read_atws_response<S: EntitySink + ?Sized>(
    xml: &[u8],
    operation: &AtwsOperation,
    sink: &mut S,
) -> Result<AtwsResult, SoapError> {
    let mut events = XmlEvents::new(xml);
    read_soap_body(&mut events, operation.response, |events| {
        read_response_element(events, operation, sink)
    })
}

fn read_response_element<S: EntitySink + ?Sized>(
    events: &mut XmlEvents<'_>,
    operation: &AtwsOperation,
    sink: &mut S,
) -> Result<AtwsResult, SoapError> {
    let mut result = None;
    loop {
        match events.next()? {
            Event::Start(start) if result.is_none() && local_name(&start) == operation.result => {
                result = Some(read_result(events, operation.result, sink)?);
            }
            Event::Start(_) => events.skip_element()?,
            Event::Empty(start) if result.is_none() && local_name(&start) == operation.result => {
                return Err(events.invalid(format!(
                    "<{}> is empty: it has no ReturnCode",
                    operation.result
                )));
            }
            Event::End(_) => {
                return result.ok_or_else(|| {
                    events.invalid(format!(
                        "<{}> has no <{}>",
                        operation.response, operation.result
                    ))
                });
            }
            Event::Eof => return Err(events.unexpected_end()),
            _ => {}
        }
    }
}

fn read_result<S: EntitySink + ?Sized>(
    events: &mut XmlEvents<'_>,
    result_element: &str,
    sink: &mut S,
) -> Result<AtwsResult, SoapError> {
    let mut result = AtwsResult::default();
    let mut return_code = None;
    loop {
        match events.next()? {
            Event::Start(start) => match local_name(&start) {
                "ReturnCode" => return_code = Some(read_return_code(events)?),
                "EntityResultType" => {
                    let leaf = events.read_leaf()?;
                    let name = leaf.text.trim();
                    result.entity_result_type = (!name.is_empty()).then(|| name.to_owned());
                }
                "EntityResults" => read_entity_results(events, sink, &mut result.entity_count)?,
                "Errors" => read_errors(events, &mut result.errors)?,
                "EntityReturnInfoResults" => {
                    read_return_infos(events, &mut result.return_infos)?;
                }
                _ => events.skip_element()?,
            },
            Event::Empty(start) if local_name(&start) == "ReturnCode" => {
                return Err(events.invalid("ReturnCode is empty"));
            }
            Event::End(_) => {
                result.return_code = return_code.ok_or_else(|| {
                    events.invalid(format!("<{result_element}> has no ReturnCode"))
                })?;
                return Ok(result);
            }
            Event::Eof => return Err(events.unexpected_end()),
            _ => {}
        }
    }
}

fn read_return_code(events: &mut XmlEvents<'_>) -> Result<i32, SoapError> {
    let start = events.position();
    let leaf = events.read_leaf()?;
    let text = leaf.text.trim();
    match text.parse() {
        Ok(code) if !leaf.has_child_elements => Ok(code),
        _ => Err(events.invalid_at(start, format!("ReturnCode `{text}` is not a whole number"))),
    }
}

/// `Errors/ATWSError/Message`, in order; an error without a message adds nothing.
fn read_errors(events: &mut XmlEvents<'_>, errors: &mut Vec<String>) -> Result<(), SoapError> {
    loop {
        match events.next()? {
            Event::Start(start) if local_name(&start) == "ATWSError" => {
                read_error(events, errors)?;
            }
            Event::Start(_) => events.skip_element()?,
            Event::End(_) => return Ok(()),
            Event::Eof => return Err(events.unexpected_end()),
            _ => {}
        }
    }
}

fn read_error(events: &mut XmlEvents<'_>, errors: &mut Vec<String>) -> Result<(), SoapError> {
    loop {
        match events.next()? {
            Event::Start(start) if local_name(&start) == "Message" => {
                let leaf = events.read_leaf()?;
                let message = leaf.text.trim();
                if !message.is_empty() {
                    errors.push(message.to_owned());
                }
            }
            Event::Start(_) => events.skip_element()?,
            Event::End(_) => return Ok(()),
            Event::Eof => return Err(events.unexpected_end()),
            _ => {}
        }
    }
}
