//! `EntityResults`: the entities of a response, streamed to a sink.
//!
//! On the wire an entity is `<Entity xsi:type="Ticket">` holding `id`, then
//! `UserDefinedFields`, then one element per non-null field, each with its
//! own `xsi:type`. Null fields are left out; empty strings are `<Title />`.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};

use super::error::SoapError;
use super::sink::EntitySink;
use super::wire_type::{WireType, local_part};
use super::xml_events::{XmlEvents, local_name};

/// Reads `EntityResults` (start tag just read), counting delivered entities.
pub(super) fn read_entity_results<S: EntitySink + ?Sized>(
    events: &mut XmlEvents<'_>,
    sink: &mut S,
    entity_count: &mut usize,
) -> Result<(), SoapError> {
    loop {
        match events.next()? {
            Event::Start(start) if local_name(&start) == "Entity" => {
                let xsi = events.xsi_attributes(&start)?;
                if xsi.nil {
                    events.skip_element()?;
                    continue;
                }
                sink.begin_entity(entity_type(events, xsi.type_name.as_deref())?);
                read_entity(events, sink)?;
                sink.end_entity();
                *entity_count += 1;
            }
            Event::Empty(start) if local_name(&start) == "Entity" => {
                let xsi = events.xsi_attributes(&start)?;
                if !xsi.nil {
                    sink.begin_entity(entity_type(events, xsi.type_name.as_deref())?);
                    sink.end_entity();
                    *entity_count += 1;
                }
            }
            Event::Start(_) => events.skip_element()?,
            Event::End(_) => return Ok(()),
            Event::Eof => return Err(events.unexpected_end()),
            _ => {}
        }
    }
}

/// The entity type is only on the wire as the `Entity`'s `xsi:type`.
fn entity_type<'a>(
    events: &XmlEvents<'_>,
    xsi_type: Option<&'a str>,
) -> Result<&'a str, SoapError> {
    match xsi_type.map(|name| local_part(name.trim())) {
        Some(name) if !name.is_empty() => Ok(name),
        _ => Err(events.invalid("an <Entity> has no xsi:type naming its entity type")),
    }
}

fn read_entity<S: EntitySink + ?Sized>(
    events: &mut XmlEvents<'_>,
    sink: &mut S,
) -> Result<(), SoapError> {
    loop {
        match events.next()? {
            Event::Start(start) if local_name(&start) == "UserDefinedFields" => {
                read_user_defined_fields(events, sink)?;
            }
            Event::Start(start) => {
                let (wire_type, nil) = field_attributes(events, &start, sink.wants_wire_types())?;
                if nil {
                    events.skip_element()?;
                    continue;
                }
                let leaf = events.read_leaf()?;
                // Fields are scalars; a nested structure (such as the WSDL's
                // never-sent `Fields` list) is not a field value.
                if !leaf.has_child_elements {
                    sink.field(local_name(&start), wire_type, &leaf.text);
                }
            }
            Event::Empty(start) if local_name(&start) == "UserDefinedFields" => {}
            Event::Empty(start) => {
                let (wire_type, nil) = field_attributes(events, &start, sink.wants_wire_types())?;
                if !nil {
                    sink.field(local_name(&start), wire_type, "");
                }
            }
            Event::End(_) => return Ok(()),
            Event::Eof => return Err(events.unexpected_end()),
            _ => {}
        }
    }
}

/// A field's wire type (when the sink wants it) and whether it is `xsi:nil`.
fn field_attributes(
    events: &XmlEvents<'_>,
    start: &BytesStart<'_>,
    wants_wire_type: bool,
) -> Result<(Option<WireType>, bool), SoapError> {
    if !wants_wire_type {
        return Ok((None, events.xsi_nil(start)?));
    }
    let xsi = events.xsi_attributes(start)?;
    let wire_type = xsi.type_name.as_deref().and_then(WireType::from_xsi_type);
    Ok((wire_type, xsi.nil))
}

/// `UserDefinedFields/UserDefinedField` pairs of `Name` and optional `Value`.
fn read_user_defined_fields<S: EntitySink + ?Sized>(
    events: &mut XmlEvents<'_>,
    sink: &mut S,
) -> Result<(), SoapError> {
    loop {
        match events.next()? {
            Event::Start(start) if local_name(&start) == "UserDefinedField" => {
                read_user_defined_field(events, sink)?;
            }
            Event::Start(_) => events.skip_element()?,
            Event::End(_) => return Ok(()),
            Event::Eof => return Err(events.unexpected_end()),
            _ => {}
        }
    }
}

fn read_user_defined_field<S: EntitySink + ?Sized>(
    events: &mut XmlEvents<'_>,
    sink: &mut S,
) -> Result<(), SoapError> {
    let mut name: Option<Cow<'_, str>> = None;
    let mut value: Option<Cow<'_, str>> = None;
    loop {
        match events.next()? {
            Event::Start(start) => match local_name(&start) {
                "Name" => name = Some(events.read_leaf()?.text),
                "Value" if events.xsi_attributes(&start)?.nil => {
                    events.skip_element()?;
                    value = None;
                }
                "Value" => value = Some(events.read_leaf()?.text),
                _ => events.skip_element()?,
            },
            Event::Empty(start) => match local_name(&start) {
                "Name" => name = Some(Cow::Borrowed("")),
                "Value" if events.xsi_attributes(&start)?.nil => value = None,
                "Value" => value = Some(Cow::Borrowed("")),
                _ => {}
            },
            Event::End(_) => {
                // UDFs are addressed by name; one without a name cannot be used.
                if let Some(name) = name.filter(|name| !name.is_empty()) {
                    sink.udf(&name, value.as_deref());
                }
                return Ok(());
            }
            Event::Eof => return Err(events.unexpected_end()),
            _ => {}
        }
    }
}
