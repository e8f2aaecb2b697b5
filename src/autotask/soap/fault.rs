//! A SOAP `Fault`: how the server answers requests it could not even route.

use quick_xml::events::Event;

use super::error::SoapError;
use super::xml_events::{XmlEvents, local_name};

/// Reads a `Fault` whose start tag was just read into [`SoapError::Fault`].
///
/// Autotask speaks SOAP 1.1 (`faultcode`, `faultstring`, `detail`); the SOAP
/// 1.2 names (`Code`, `Reason`, `Detail`) are read too, since a proxy may
/// translate. Nested markup in any part is flattened to its text.
pub(super) fn read_fault(events: &mut XmlEvents<'_>) -> Result<SoapError, SoapError> {
    let mut code = String::new();
    let mut message = String::new();
    let mut detail = None;
    loop {
        match events.next()? {
            Event::Start(start) => match local_name(&start) {
                "faultcode" | "Code" => code = events.read_all_text()?,
                "faultstring" | "Reason" => message = events.read_all_text()?,
                "detail" | "Detail" => {
                    let text = events.read_all_text()?;
                    detail = (!text.is_empty()).then_some(text);
                }
                _ => events.skip_element()?,
            },
            Event::End(_) => {
                return Ok(SoapError::Fault {
                    code,
                    message,
                    detail,
                });
            }
            Event::Eof => return Err(events.unexpected_end()),
            _ => {}
        }
    }
}
