//! The same tickets written the many ways clients and proxies write them
//! must read the same, and every escaping form must unescape exactly.

use super::test_fixtures::*;
use super::*;

fn entities(xml: impl AsRef<[u8]>) -> Vec<CollectedEntity> {
    match collect_entities(&xml) {
        Ok((_, entities)) => entities,
        Err(error) => panic!("should read: {error}"),
    }
}

fn only_entity(xml: &str) -> CollectedEntity {
    let mut all = entities(xml);
    assert_eq!(all.len(), 1);
    all.remove(0)
}

fn field(name: &str, wire_type: WireType, value: &str) -> (String, Option<WireType>, String) {
    (name.to_owned(), Some(wire_type), value.to_owned())
}

#[test]
fn the_wire_fixture_reads_exactly() {
    let tickets = entities(TICKETS_WIRE);
    assert_eq!(tickets.len(), 2);
    let printer = &tickets[0];
    assert_eq!(printer.entity_type, "Ticket");
    let names: Vec<&str> = printer
        .fields
        .iter()
        .map(|(name, _, _)| name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "id",
            "AccountID",
            "AllocationCodeID",
            "ContactID",
            "ContractID",
            "CreateDate",
            "CreatorResourceID",
            "Description",
            "DueDateTime",
            "EstimatedHours",
            "IssueType",
            "LastActivityDate",
            "Priority",
            "QueueID",
            "AssignedResourceID",
            "AssignedResourceRoleID",
            "Source",
            "Status",
            "SubIssueType",
            "TicketNumber",
            "Title",
            "FirstResponseDueDateTime",
            "ServiceLevelAgreementID",
            "ServiceLevelAgreementHasBeenMet",
            "Resolution",
            "TicketType",
            "HoursToBeScheduled",
        ]
    );
    assert_eq!(printer.fields[0], field("id", WireType::Long, "9137"));
    assert_eq!(
        printer.fields[7],
        field(
            "Description",
            WireType::String,
            "Front desk printer (HP LaserJet M507) shows \"Error 49.4C02\" & the scanner won't pair.\n\
             Log: [Printer[HP-M507]] offline since 08:10 — café staff rebooted twice.\n\
             Replace fuser if < 5% life > 0%."
        )
    );
    assert_eq!(
        printer.fields[9],
        field("EstimatedHours", WireType::Decimal, "2.5000")
    );
    assert_eq!(
        printer.fields[20],
        field(
            "Title",
            WireType::String,
            "Printer & scanner down – Café Müller front desk"
        )
    );
    assert_eq!(
        printer.fields[23],
        field(
            "ServiceLevelAgreementHasBeenMet",
            WireType::Boolean,
            "false"
        )
    );
    assert_eq!(
        printer.fields[24],
        field("Resolution", WireType::String, "")
    );
    assert_eq!(
        printer.udfs,
        [
            ("Send to FN".to_owned(), Some("Yes".to_owned())),
            ("FN Technician".to_owned(), None),
            (
                "Site Access Notes".to_owned(),
                Some("Badge at \"Reception\" — ask for Zoë".to_owned())
            ),
            ("FN Work Order ID".to_owned(), None),
        ]
    );

    let cabling = &tickets[1];
    assert_eq!(cabling.fields.len(), 18);
    assert!(cabling.udfs.is_empty());
    assert_eq!(cabling.field("ContactID"), None);
    assert_eq!(
        cabling.field("Title"),
        Some("Onsite cabling for Zoë's office")
    );
    assert_eq!(
        cabling.field("Description"),
        Some(
            "Onsite: patch rack 3 → port 24 on switch \"SW-Ü2\"; label cables 1–12 & test.\n\
             🖨\u{fe0f} Zebra label printer needed (ask 日本 office for a spare)."
        )
    );
    assert_eq!(
        cabling.field("ExternalID"),
        Some(" RMM-4471 "),
        "whitespace inside a value is data"
    );
}

#[test]
fn every_wire_variant_gives_the_same_entities() {
    let expected = entities(TICKETS_WIRE);
    for (variant, xml) in TICKET_VARIANTS {
        assert_eq!(entities(xml), expected, "variant: {variant}");
    }
}

#[test]
fn entity_result_type_casing_is_kept_and_compared_loosely() {
    for (variant, xml) in TICKET_VARIANTS {
        let (outcome, _) = collect_entities(xml).unwrap();
        assert!(outcome.result_type_is("Ticket"), "variant: {variant}");
    }
    let (outcome, _) = collect_entities(TICKET_VARIANTS[1].1).unwrap();
    assert_eq!(outcome.entity_result_type.as_deref(), Some("TICKET"));
}

#[test]
fn byte_order_mark_and_crlf_line_ends_change_nothing() {
    let expected = entities(TICKETS_WIRE);
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(TICKETS_WIRE.as_bytes());
    assert_eq!(entities(&with_bom), expected);

    // Line ends inside values are normalised to \n, as XML requires.
    let crlf = format!("\u{feff}{}", TICKETS_INDENTED.replace('\n', "\r\n"));
    assert_eq!(entities(crlf), expected);
}

#[test]
fn predefined_and_numeric_references_are_unescaped() {
    let ticket = only_entity(&query_response(concat!(
        r#"<Entity xsi:type="Ticket"><id xsi:type="xsd:long">1</id>"#,
        r#"<Title xsi:type="xsd:string">Caf&#233; &amp; caf&#xE9; &lt;b&gt; &quot;x&quot; &apos;y&apos;</Title>"#,
        r#"<Description xsi:type="xsd:string">&#x1F5A8; printer &#8594; &#x65E5;&#26412;</Description>"#,
        r#"<ExternalID xsi:type="xsd:string">&amp;</ExternalID></Entity>"#
    )));
    assert_eq!(ticket.field("Title"), Some("Café & café <b> \"x\" 'y'"));
    assert_eq!(ticket.field("Description"), Some("🖨 printer → 日本"));
    assert_eq!(ticket.field("ExternalID"), Some("&"));
}

#[test]
fn cdata_keeps_markup_and_brackets_literally() {
    let ticket = only_entity(&query_response(concat!(
        r#"<Entity xsi:type="Ticket"><id xsi:type="xsd:long">1</id>"#,
        r#"<Title xsi:type="xsd:string"><![CDATA[a[i[0]] & <b> ]] done]]></Title>"#,
        r#"<Description xsi:type="xsd:string"><![CDATA[ends with ]]]]><![CDATA[> marker]]></Description>"#,
        r#"<ExternalID xsi:type="xsd:string">A<![CDATA[ &amp; ]]>B&amp;C</ExternalID>"#,
        r#"<Resolution xsi:type="xsd:string"><![CDATA[]]></Resolution></Entity>"#
    )));
    assert_eq!(ticket.field("Title"), Some("a[i[0]] & <b> ]] done"));
    assert_eq!(ticket.field("Description"), Some("ends with ]]> marker"));
    assert_eq!(ticket.field("ExternalID"), Some("A &amp; B&C"));
    assert_eq!(ticket.field("Resolution"), Some(""));
}

#[test]
fn empty_strings_are_delivered_and_nulls_are_not() {
    let ticket = only_entity(&query_response(concat!(
        r#"<Entity xsi:type="Ticket"><id xsi:type="xsd:long">1</id>"#,
        r#"<Title xsi:type="xsd:string" />"#,
        r#"<Description xsi:type="xsd:string"></Description>"#,
        r#"<PurchaseOrderNumber xsi:nil="true" xsi:type="xsd:string" />"#,
        r#"<ExternalID xsi:nil="true"></ExternalID>"#,
        "</Entity>"
    )));
    assert_eq!(ticket.field("Title"), Some(""));
    assert_eq!(ticket.field_type("Title"), Some(&WireType::String));
    assert_eq!(ticket.field("Description"), Some(""));
    assert_eq!(ticket.field("PurchaseOrderNumber"), None);
    assert_eq!(ticket.field("ExternalID"), None);
    assert_eq!(ticket.field("ContactID"), None);
    assert_eq!(ticket.fields.len(), 3);
}

#[test]
fn udf_values_distinguish_null_from_empty() {
    let ticket = only_entity(&query_response(concat!(
        r#"<Entity xsi:type="Ticket"><id xsi:type="xsd:long">1</id><UserDefinedFields>"#,
        "<UserDefinedField><Name>Omitted</Name></UserDefinedField>",
        r#"<UserDefinedField><Name>Nil</Name><Value xsi:nil="true" /></UserDefinedField>"#,
        "<UserDefinedField><Name>Empty</Name><Value /></UserDefinedField>",
        "<UserDefinedField><Value>first</Value><Name>Value first</Name></UserDefinedField>",
        "<UserDefinedField><Value>nameless</Value></UserDefinedField>",
        "<UserDefinedField><Name>Escaped &amp; CDATA</Name><Value><![CDATA[<ok>]]></Value></UserDefinedField>",
        "</UserDefinedFields></Entity>"
    )));
    assert_eq!(
        ticket.udfs,
        [
            ("Omitted".to_owned(), None),
            ("Nil".to_owned(), None),
            ("Empty".to_owned(), Some(String::new())),
            ("Value first".to_owned(), Some("first".to_owned())),
            ("Escaped & CDATA".to_owned(), Some("<ok>".to_owned())),
        ]
    );
}

#[test]
fn xsi_type_is_found_through_its_namespace_not_its_prefix() {
    // `t:` is bound to the instance namespace, `xsi:` to something else.
    let entity = concat!(
        r#"<Entity xmlns:t="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsi="urn:not-schema-instance" "#,
        r#"t:type="Ticket" xsi:type="Decoy"><id t:type="xsd:long" xsi:type="xsd:string">7</id></Entity>"#
    );
    let ticket = only_entity(&query_response(entity));
    assert_eq!(ticket.entity_type, "Ticket");
    assert_eq!(ticket.field_type("id"), Some(&WireType::Long));
}

#[test]
fn an_undeclared_xsi_prefix_is_still_taken_as_xsi() {
    let xml = concat!(
        "<Envelope><Body><queryResponse><queryResult><ReturnCode>1</ReturnCode><EntityResults>",
        r#"<Entity xsi:type="Ticket"><id xsi:type="xsd:long">7</id></Entity>"#,
        "</EntityResults></queryResult></queryResponse></Body></Envelope>"
    );
    let ticket = only_entity(xml);
    assert_eq!(ticket.entity_type, "Ticket");
    assert_eq!(ticket.field_type("id"), Some(&WireType::Long));
}

#[test]
fn unknown_types_untyped_fields_and_nested_structures() {
    let ticket = only_entity(&query_response(concat!(
        r#"<Entity xsi:type="Ticket"><Fields><Field><Name>x</Name></Field></Fields>"#,
        r#"<id xsi:type="xsd:long">1</id>"#,
        r#"<Weird xsi:type="xsd:unsignedByte">7</Weird>"#,
        "<Untyped>plain</Untyped>",
        r#"<Mixed xsi:type="xsd:string">a<b>nested</b>c</Mixed>"#,
        "</Entity>"
    )));
    assert_eq!(
        ticket.fields,
        [
            field("id", WireType::Long, "1"),
            field("Weird", WireType::Other("unsignedByte".to_owned()), "7"),
            ("Untyped".to_owned(), None, "plain".to_owned()),
        ]
    );
}

#[test]
fn comments_and_processing_instructions_are_ignored() {
    let ticket = only_entity(&query_response(concat!(
        r#"<Entity xsi:type="Ticket"><!-- first --><id xsi:type="xsd:long">1<!-- x -->2</id>"#,
        r#"<?trace step="2"?><Title xsi:type="xsd:string">A<?pi?>B</Title></Entity>"#
    )));
    assert_eq!(ticket.field("id"), Some("12"));
    assert_eq!(ticket.field("Title"), Some("AB"));
}

#[test]
fn empty_and_nil_entities() {
    let (outcome, all) = collect_entities(&query_response(concat!(
        r#"<Entity xsi:type="Ticket" />"#,
        r#"<Entity xsi:nil="true" />"#,
        r#"<Entity xsi:nil="true"></Entity>"#
    )))
    .unwrap();
    assert_eq!(outcome.entity_count, 1);
    assert_eq!(
        all,
        [CollectedEntity {
            entity_type: "Ticket".to_owned(),
            ..CollectedEntity::default()
        }]
    );
}
