//! The toolkit against recorded traffic, so that the client and the simulator, which share
//! it, are held to what Autotask and real clients send rather than to each other:
//!
//! - every `Entity` of the recorded answers is written again, byte for byte, by the entity
//!   writer from what the element tree read (the order of `id`, `UserDefinedFields` and fields,
//!   self-closing empties, which characters are escaped);
//! - QueryXML as Autotask's documentation and WSDL-generated clients write it (any case, nested
//!   conditions, escaped or in CDATA) is read into the expected tree;
//! - request envelopes of PHP, .NET and zeep clients name their operation through the one table.

use super::entity_writer::{close_entity, open_entity, push_field, push_udfs};
use super::operation::Operation;
use super::query_xml::{Operator, QueryItem, QueryXml};
use super::xml_tree::{XmlElement, parse_document};
use super::{ATWS_NAMESPACE, SOAP_NAMESPACE};
use crate::autotask::soap::WireType;

/// Recorded `query` and `create` answers, as Autotask's .NET serializer wrote them.
const RECORDED_ANSWERS: [(&str, &str); 13] = [
    (
        "accounts",
        include_str!("../../../mappings/fixtures/accounts.xml"),
    ),
    (
        "contacts",
        include_str!("../../../mappings/fixtures/contacts.xml"),
    ),
    (
        "locations",
        include_str!("../../../mappings/fixtures/locations.xml"),
    ),
    (
        "projects",
        include_str!("../../../mappings/fixtures/projects.xml"),
    ),
    (
        "resources",
        include_str!("../../../mappings/fixtures/resources.xml"),
    ),
    (
        "service calls",
        include_str!("../../../mappings/fixtures/service-calls.xml"),
    ),
    (
        "tasks",
        include_str!("../../../mappings/fixtures/tasks.xml"),
    ),
    (
        "tickets",
        include_str!("../../../mappings/fixtures/tickets.xml"),
    ),
    (
        "tickets page",
        include_str!("../../../tests/fixtures/soap/query_tickets_page.xml"),
    ),
    (
        "accounts page",
        include_str!("../../../tests/fixtures/soap/query_accounts_page.xml"),
    ),
    (
        "contacts page",
        include_str!("../../../tests/fixtures/soap/query_contacts_page.xml"),
    ),
    (
        "resources page",
        include_str!("../../../tests/fixtures/soap/query_resources_page.xml"),
    ),
    (
        "create answer",
        include_str!("../../../tests/fixtures/soap/create_ticket_response.xml"),
    ),
];

/// Every `Entity` element of a document, depth first.
fn entities(element: &XmlElement, out: &mut Vec<XmlElement>) {
    for child in &element.children {
        if child.local_name == "Entity" {
            out.push(child.clone());
        } else {
            entities(child, out);
        }
    }
}

/// The entity written again from what the tree read.
fn rewrite(entity: &XmlElement) -> String {
    let mut out = String::new();
    let id = entity
        .child_text("id")
        .and_then(|id| id.parse().ok())
        .unwrap_or(-1);
    open_entity(&mut out, entity.xsi_type().unwrap_or_default(), id);
    for child in &entity.children {
        match child.local_name.as_str() {
            "id" => {}
            "UserDefinedFields" => push_udfs(
                &mut out,
                child.children_named("UserDefinedField").map(|udf| {
                    let name = udf.child("Name").map_or("", |n| n.text.as_str());
                    (name, udf.child("Value").map(|v| v.text.as_str()))
                }),
            ),
            name => {
                let wire_type = child
                    .xsi_type()
                    .and_then(WireType::from_xsi_type)
                    .unwrap_or(WireType::String);
                push_field(&mut out, name, &wire_type, &child.text);
            }
        }
    }
    close_entity(&mut out);
    out
}

#[test]
fn every_recorded_entity_is_written_again_byte_for_byte() {
    let mut written = 0;
    for (name, document) in RECORDED_ANSWERS {
        let root = parse_document(document.as_bytes()).unwrap_or_default();
        let mut found = Vec::new();
        entities(&root, &mut found);
        assert!(!found.is_empty(), "{name}: no entities read");
        for entity in &found {
            let again = rewrite(entity);
            assert!(
                document.contains(&again),
                "{name}: the writer's\n{again}\nis not in the recording"
            );
            written += 1;
        }
    }
    assert!(written >= 16, "only {written} entities compared");
}

#[test]
fn documented_and_client_written_queryxml_reads_into_the_expected_tree() {
    // Autotask's documentation example: lower-case operators, nested groups, an OR condition.
    let documented = QueryXml::parse(concat!(
        "<queryxml><entity>contact</entity><query>",
        "<condition><field>firstname<expression op=\"equals\">George</expression></field></condition>",
        "<condition operator=\"OR\"><field>lastname<expression op=\"BeginsWith\">B</expression></field>",
        "<field>city<expression op=\"isnotnull\"></expression></field></condition>",
        "</query></queryxml>"
    ));
    assert_eq!(
        documented,
        Ok(QueryXml::new(
            "contact",
            vec![
                QueryItem::Condition {
                    or_with_previous: false,
                    items: vec![QueryItem::field("firstname", Operator::Equals, "George")],
                },
                QueryItem::Condition {
                    or_with_previous: true,
                    items: vec![
                        QueryItem::field("lastname", Operator::BeginsWith, "B"),
                        QueryItem::field("city", Operator::IsNotNull, ""),
                    ],
                },
            ],
        ))
    );
    // A WSDL client's sXML, unescaped from its envelope: upper case, a UDF, whitespace.
    let shouting = QueryXml::parse(
        "<QUERYXML>\n <ENTITY>ticket</ENTITY>\n <QUERY>\n  <FIELD UDF=\"TRUE\">send to fn<EXPRESSION OP=\"ISNOTNULL\"></EXPRESSION></FIELD>\n  <CONDITION OPERATOR=\"or\"><FIELD>STATUS<EXPRESSION OP=\"ISNULL\"/></FIELD></CONDITION>\n </QUERY>\n</QUERYXML>",
    );
    assert_eq!(
        shouting,
        Ok(QueryXml::new(
            "ticket",
            vec![
                QueryItem::udf("send to fn", Operator::IsNotNull, ""),
                QueryItem::Condition {
                    or_with_previous: true,
                    items: vec![QueryItem::field("STATUS", Operator::IsNull, "")],
                },
            ],
        ))
    );
}

#[test]
fn the_client_pages_with_id_above_the_last_id_and_ors_ids_in_one_group() {
    // The shapes Autotask documents for paging past 500 results and for OR-ed ids.
    assert_eq!(
        QueryXml::all("Ticket").with_id_above(1500).to_xml(),
        concat!(
            "<queryxml><entity>Ticket</entity><query>",
            "<field>id<expression op=\"GreaterThan\">0</expression></field>",
            "<field>id<expression op=\"GreaterThan\">1500</expression></field>",
            "</query></queryxml>"
        )
    );
    assert_eq!(
        QueryXml::by_ids("Ticket", &[7, 9])
            .with_id_above(7)
            .to_xml(),
        concat!(
            "<queryxml><entity>Ticket</entity><query><condition>",
            "<condition><field>id<expression op=\"Equals\">7</expression></field></condition>",
            "<condition operator=\"OR\"><field>id<expression op=\"Equals\">9</expression></field></condition>",
            "</condition><field>id<expression op=\"GreaterThan\">7</expression></field>",
            "</query></queryxml>"
        )
    );
}

#[test]
fn envelopes_of_wsdl_generated_clients_name_their_operation() {
    let php = format!(
        "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"{SOAP_NAMESPACE}\" xmlns:ns1=\"{ATWS_NAMESPACE}\"><SOAP-ENV:Body><ns1:getUDFInfo><ns1:psTable>Ticket</ns1:psTable></ns1:getUDFInfo></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    );
    let zeep = format!(
        "<soap-env:Envelope xmlns:soap-env=\"{SOAP_NAMESPACE}\">\n  <soap-env:Body>\n    <ns0:GetFieldInfo xmlns:ns0=\"{ATWS_NAMESPACE}\">\n      <ns0:psObjectType>Ticket</ns0:psObjectType>\n    </ns0:GetFieldInfo>\n  </soap-env:Body>\n</soap-env:Envelope>\n"
    );
    let dotnet = format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"{SOAP_NAMESPACE}\"><soap:Body><query xmlns=\"{ATWS_NAMESPACE}\"><sXML><![CDATA[<queryxml><entity>Ticket</entity><query><field>id<expression op=\"Equals\">9137</expression></field></query></queryxml>]]></sXML></query></soap:Body></soap:Envelope>"
    );
    for (document, operation) in [
        (php, Operation::GetUdfInfo),
        (zeep, Operation::GetFieldInfo),
        (dotnet, Operation::Query),
    ] {
        let envelope = parse_document(document.as_bytes()).unwrap_or_default();
        assert_eq!(envelope.namespace.as_deref(), Some(SOAP_NAMESPACE));
        let body = envelope.child("Body").and_then(|b| b.children.first());
        let element = body.map(|b| (b.local_name.as_str(), b.namespace.as_deref()));
        assert_eq!(
            element.and_then(|(name, _)| Operation::from_element(name)),
            Some(operation)
        );
        assert_eq!(element.and_then(|(_, ns)| ns), Some(ATWS_NAMESPACE));
        if operation == Operation::Query {
            let sxml = body.and_then(|b| b.child("sXML")).map(|s| s.text.as_str());
            assert_eq!(
                QueryXml::parse(sxml.unwrap_or_default()).map(|q| q.entity),
                Ok("Ticket".to_owned())
            );
        }
    }
}
