//! `EntityReturnInfoResults`: per-entity results of a write, and the carrier
//! of the `getThresholdAndUsageInfo` message.

use quick_xml::events::Event;

use super::error::SoapError;
use super::outcome::EntityReturnInfo;
use super::xml_events::{XmlEvents, local_name};

/// Reads `EntityReturnInfoResults` (start tag just read).
pub(super) fn read_return_infos(
    events: &mut XmlEvents<'_>,
    return_infos: &mut Vec<EntityReturnInfo>,
) -> Result<(), SoapError> {
    loop {
        match events.next()? {
            Event::Start(start) if local_name(&start) == "EntityReturnInfo" => {
                return_infos.push(read_return_info(events)?);
            }
            Event::Start(_) => events.skip_element()?,
            Event::End(_) => return Ok(()),
            Event::Eof => return Err(events.unexpected_end()),
            _ => {}
        }
    }
}

fn read_return_info(events: &mut XmlEvents<'_>) -> Result<EntityReturnInfo, SoapError> {
    let mut info = EntityReturnInfo::default();
    loop {
        match events.next()? {
            Event::Start(start) => match local_name(&start) {
                "EntityId" => info.entity_id = read_trimmed(events)?.parse().ok(),
                "DatabaseAction" => info.database_action = non_empty(read_trimmed(events)?),
                "DuplicateStatus" => info.duplicate_found = read_duplicate_found(events)?,
                "Message" => info.message = non_empty(read_trimmed(events)?),
                _ => events.skip_element()?,
            },
            Event::End(_) => return Ok(info),
            Event::Eof => return Err(events.unexpected_end()),
            _ => {}
        }
    }
}

/// `DuplicateStatus/Found`; `MatchInfo` and `Ignored` are not needed.
fn read_duplicate_found(events: &mut XmlEvents<'_>) -> Result<Option<bool>, SoapError> {
    let mut found = None;
    loop {
        match events.next()? {
            Event::Start(start) if local_name(&start) == "Found" => {
                found = match read_trimmed(events)?.as_str() {
                    "true" | "1" => Some(true),
                    "false" | "0" => Some(false),
                    _ => None,
                };
            }
            Event::Start(_) => events.skip_element()?,
            Event::End(_) => return Ok(found),
            Event::Eof => return Err(events.unexpected_end()),
            _ => {}
        }
    }
}

fn read_trimmed(events: &mut XmlEvents<'_>) -> Result<String, SoapError> {
    Ok(events.read_leaf()?.text.trim().to_owned())
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}
