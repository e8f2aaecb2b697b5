//! Hostile and broken input: the reader must never panic and must say where
//! the problem is.

use super::test_fixtures::*;
use super::*;

/// Reads `xml` and, if it fails, checks the error points into the input.
fn read_and_check_position(xml: &[u8]) -> Result<QueryOutcome, SoapError> {
    let result = read_query_response(xml, &mut IgnoreEntities);
    if let Err(error) = &result {
        match error.position() {
            Some(position) => assert!(position <= xml.len(), "{error:?}"),
            None => assert!(matches!(error, SoapError::Fault { .. }), "{error:?}"),
        }
    }
    result
}

#[test]
fn every_truncation_of_a_response_is_a_located_error() {
    let fixtures = [
        TICKETS_WIRE,
        TICKET_VARIANTS[0].1,
        TICKET_VARIANTS[3].1,
        TICKET_VARIANTS[4].1,
        TICKETS_INDENTED,
        ERROR_BAD_QUERY,
        FAULT_UNKNOWN_SOAP_ACTION,
    ];
    for fixture in fixtures {
        let bytes = fixture.as_bytes();
        let complete = fixture.trim_end().len();
        for cut in 0..complete {
            let error = match read_query_response(&bytes[..cut], &mut IgnoreEntities) {
                Ok(outcome) => panic!("prefix of {cut} bytes was accepted: {outcome:?}"),
                Err(error) => error,
            };
            let Some(position) = error.position() else {
                panic!("prefix of {cut} bytes: error without position: {error:?}");
            };
            assert!(position <= cut, "prefix of {cut} bytes: {error:?}");
        }
        let full = read_query_response(&bytes[..complete], &mut IgnoreEntities);
        assert!(
            full.is_ok() || matches!(full, Err(SoapError::Fault { .. })),
            "{full:?}"
        );
    }
}

/// A small deterministic generator, so failures reproduce.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

#[test]
fn random_bytes_are_rejected_with_a_position() {
    let mut random = XorShift(0x5eed_1234_abcd_ef01);
    for _ in 0..3000 {
        let length = random.below(300);
        let bytes: Vec<u8> = (0..length).map(|_| random.next() as u8).collect();
        let error = read_query_response(&bytes, &mut IgnoreEntities).unwrap_err();
        let position = error.position().expect("random bytes get a located error");
        assert!(position <= bytes.len());
    }
}

#[test]
fn mutated_responses_never_panic() {
    const MARKUP: &[u8] = b"<>&;/=\"'![]:?-x \xC3\xA9\xFF";
    let mut random = XorShift(0x0dd_ba11_cafe_f00d);
    let fixtures = [
        TICKETS_WIRE,
        TICKET_VARIANTS[2].1,
        TICKET_VARIANTS[3].1,
        ERROR_BAD_QUERY,
    ];
    for round in 0..4000 {
        let mut bytes = fixtures[round % fixtures.len()].as_bytes().to_vec();
        for _ in 0..1 + random.below(4) {
            let at = random.below(bytes.len());
            match random.below(4) {
                0 => bytes[at] = MARKUP[random.below(MARKUP.len())],
                1 => bytes.insert(at, MARKUP[random.below(MARKUP.len())]),
                2 => {
                    let end = (at + random.below(40)).min(bytes.len());
                    bytes.drain(at..end);
                }
                _ => {
                    let from = random.below(bytes.len());
                    let end = (from + random.below(60)).min(bytes.len());
                    let copied = bytes[from..end].to_vec();
                    bytes.splice(at..at, copied);
                }
            }
        }
        let _ = read_and_check_position(&bytes);
        let _ = read_write_response(&bytes, WriteOperation::Update, &mut IgnoreEntities);
        let _ = read_threshold_and_usage_response(&bytes);
    }
}

#[test]
fn deep_nesting_costs_no_stack_and_fails_cleanly() {
    // Far deeper than any recursion would survive; closed properly it is skipped.
    let depth = 50_000;
    let nested = format!("{}{}", "<x>".repeat(depth), "</x>".repeat(depth));
    let entity = format!(
        r#"<Entity xsi:type="Ticket"><id xsi:type="xsd:long">1</id><Deep>{nested}</Deep></Entity>"#
    );
    let (outcome, entities) = collect_entities(&query_response(&entity)).unwrap();
    assert_eq!(outcome.entity_count, 1);
    assert_eq!(entities[0].fields.len(), 1);

    // Deeper than the namespace resolver allows, and never closed.
    let open_entity = query_response(r#"<Entity xsi:type="Ticket"><Deep>"#);
    let cut = open_entity.find("<Deep>").unwrap() + "<Deep>".len();
    let unclosed = format!("{}{}", &open_entity[..cut], "<x>".repeat(200_000));
    let error = read_and_check_position(unclosed.as_bytes()).unwrap_err();
    assert!(matches!(error, SoapError::Xml { .. }), "{error:?}");

    // Deep but never closed, within the resolver's limit: the end is reported.
    let unclosed = format!("{}{}", &open_entity[..cut], "<x>".repeat(20_000));
    let error = read_and_check_position(unclosed.as_bytes()).unwrap_err();
    assert_eq!(error.position(), Some(unclosed.len()));
}

#[test]
fn huge_attributes_are_handled() {
    let huge = "A".repeat(4_000_000);
    let entity = format!(
        r#"<Entity xsi:type="Ticket" junk="{huge}"><id xsi:type="xsd:long" note="{huge}">1</id><Odd xsi:type="{huge}">2</Odd></Entity>"#
    );
    let (_, entities) = collect_entities(&query_response(&entity)).unwrap();
    assert_eq!(entities[0].field("id"), Some("1"));
    assert_eq!(
        entities[0].field_type("Odd"),
        Some(&WireType::Other(huge.clone()))
    );

    let unterminated = format!(
        r#"{}<Entity xsi:type="Ticket" junk="{huge}"#,
        envelope("").replace("</soap:Body></soap:Envelope>", "")
    );
    let error = read_and_check_position(unterminated.as_bytes()).unwrap_err();
    assert!(matches!(error, SoapError::Xml { .. }), "{error:?}");
}

#[test]
fn many_attributes_on_one_element_stay_linear() {
    let attributes: String = (0..60_000).map(|n| format!(r#" a{n}="{n}""#)).collect();
    let entity =
        format!(r#"<Entity xsi:type="Ticket"><id{attributes} xsi:type="xsd:long">1</id></Entity>"#);
    let (_, entities) = collect_entities(&query_response(&entity)).unwrap();
    assert_eq!(entities[0].field_type("id"), Some(&WireType::Long));
}

#[test]
fn errors_point_at_the_offending_byte_line_and_column() {
    // A mismatched end tag on line 27 of the indented fixture.
    let broken = TICKETS_INDENTED.replacen("</TicketNumber>", "</TicketNumbr>", 1);
    let expected_position = broken.find("</TicketNumbr>").unwrap();
    let line_start = broken[..expected_position].rfind('\n').unwrap() + 1;
    let error = collect_entities(&broken).unwrap_err();
    assert_eq!(
        error,
        SoapError::Xml {
            position: expected_position,
            line: 1 + broken[..expected_position].matches('\n').count(),
            column: 1 + broken[line_start..expected_position].chars().count(),
            message: error_message(&error),
        }
    );

    // Invalid UTF-8 is located at the bad byte, after multi-byte characters.
    let mut bytes = TICKETS_WIRE.as_bytes().to_vec();
    let at = TICKETS_WIRE.find("Café").unwrap() + "Caf".len();
    bytes[at] = 0xFF;
    let error = read_and_check_position(&bytes).unwrap_err();
    assert_eq!(error.position(), Some(at), "{error:?}");
    assert!(error.to_string().contains("not valid UTF-8"), "{error}");

    // An unquoted attribute value is located at the value itself.
    let unquoted = TICKETS_WIRE.replacen(r#"xsi:type="xsd:int""#, "xsi:type=xsd:int", 1);
    let error = collect_entities(&unquoted).unwrap_err();
    assert_eq!(
        error.position(),
        Some(unquoted.find("xsi:type=xsd:int").unwrap() + "xsi:type=".len()),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("attribute value must be quoted"),
        "{error}"
    );

    // A byte order mark takes bytes but no column.
    let error = collect_entities("\u{feff}<soap:Envelope").unwrap_err();
    assert!(
        matches!(
            error,
            SoapError::Xml {
                position: 3,
                line: 1,
                column: 1,
                ..
            }
        ),
        "{error:?}"
    );
}

fn error_message(error: &SoapError) -> String {
    match error {
        SoapError::Xml { message, .. } => message.clone(),
        other => panic!("expected an XML error, got {other:?}"),
    }
}

#[test]
fn bad_references_are_malformed_xml() {
    for value in [
        "&nbsp;",
        "&#0;",
        "&#xD800;",
        "&#xFFFFFFFF;",
        "& alone",
        "&#x;",
    ] {
        let xml = query_response(&format!(
            r#"<Entity xsi:type="Ticket"><Title xsi:type="xsd:string">{value}</Title></Entity>"#
        ));
        let error = read_and_check_position(xml.as_bytes()).unwrap_err();
        assert!(matches!(error, SoapError::Xml { .. }), "{value}: {error:?}");
        let title = xml.find("<Title").unwrap();
        assert!(error.position().unwrap() > title, "{value}: {error:?}");
    }
}

#[test]
fn document_type_declarations_and_trailing_content_are_refused() {
    let with_doctype = format!(
        "<!DOCTYPE Envelope [<!ENTITY boom \"boom\">]>{}",
        TICKETS_WIRE.trim_start_matches(r#"<?xml version="1.0" encoding="utf-8"?>"#)
    );
    let error = read_and_check_position(with_doctype.as_bytes()).unwrap_err();
    assert!(
        error.to_string().contains("document type declaration"),
        "{error}"
    );

    // The error page a proxy sends instead of a SOAP answer.
    let html = "<!DOCTYPE html>\n<html><body><h1>502 Bad Gateway</h1></body></html>";
    let error = read_and_check_position(html.as_bytes()).unwrap_err();
    assert!(
        error.to_string().contains("found <!DOCTYPE html>"),
        "{error}"
    );

    let trailing = format!("{TICKETS_WIRE}<soap:Envelope/>");
    let error = read_and_check_position(trailing.as_bytes()).unwrap_err();
    assert_eq!(error.position(), Some(TICKETS_WIRE.len()));

    let trailing_text = format!("{TICKETS_WIRE}\n  garbage");
    assert!(read_and_check_position(trailing_text.as_bytes()).is_err());

    let trailing_space = format!("{TICKETS_WIRE}\r\n  <!-- done -->\n");
    assert!(read_and_check_position(trailing_space.as_bytes()).is_ok());
}

#[test]
fn mismatched_and_stray_end_tags_are_malformed() {
    for xml in [
        "</soap:Envelope>",
        "<soap:Envelope><soap:Body></soap:Envelope>",
        "<a></b>",
    ] {
        let error = read_and_check_position(xml.as_bytes()).unwrap_err();
        assert!(
            matches!(
                error,
                SoapError::Xml { .. } | SoapError::UnexpectedElement { .. }
            ),
            "{xml}: {error:?}"
        );
    }
}
