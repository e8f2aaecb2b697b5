//! Reading real-shaped `queryResponse` pages, errors and faults.

use super::test_fixtures::*;
use super::*;

fn collect(xml: &str) -> (QueryOutcome, Vec<CollectedEntity>) {
    match collect_entities(xml) {
        Ok(collected) => collected,
        Err(error) => panic!("fixture should read: {error}"),
    }
}

fn ids(entities: &[CollectedEntity]) -> Vec<&str> {
    entities
        .iter()
        .map(|entity| entity.field("id").unwrap_or("?"))
        .collect()
}

#[test]
fn ticket_page_yields_every_ticket_in_order() {
    let (outcome, tickets) = collect(TICKETS_PAGE);
    assert_eq!(
        outcome,
        QueryOutcome {
            return_code: 1,
            entity_result_type: Some("ticket".to_owned()),
            errors: vec![],
            entity_count: 5,
        }
    );
    assert!(outcome.succeeded());
    assert!(outcome.result_type_is("Ticket"));
    assert_eq!(ids(&tickets), ["9137", "9138", "9141", "9142", "9145"]);
    assert!(tickets.iter().all(|ticket| ticket.entity_type == "Ticket"));

    let firewall = &tickets[2];
    assert_eq!(firewall.fields[0].0, "id", "id comes first on the wire");
    assert_eq!(firewall.field_type("id"), Some(&WireType::Long));
    assert_eq!(
        firewall.field("Title"),
        Some("Firewall firmware update – Northwind Dental (Riverside)")
    );
    assert_eq!(firewall.field("PurchaseOrderNumber"), Some("PO-77120"));
    assert_eq!(firewall.field("EstimatedHours"), Some("1.7500"));
    assert_eq!(
        firewall.field_type("EstimatedHours"),
        Some(&WireType::Decimal)
    );
    assert_eq!(firewall.field("CreateDate"), Some("2024-03-09T08:05:33.1"));
    assert_eq!(firewall.field_type("CreateDate"), Some(&WireType::DateTime));
    assert_eq!(firewall.field("ProblemTicketId"), None, "null is omitted");
    assert_eq!(firewall.field("ExternalID"), Some(""));
    assert_eq!(firewall.udf("FN Technician"), Some(Some("Dana Whitfield")));
    assert_eq!(firewall.udf("FN Work Order ID"), Some(Some("18422")));

    let new_hire = &tickets[4];
    assert_eq!(
        new_hire.field("Title"),
        Some("New hire laptop setup – María José Peña")
    );
    assert_eq!(
        new_hire.field("Description"),
        Some(
            "New hire starts Monday: image Dell Latitude 5440, enrol in Intune, \
             install Office & Sage 50, set up desk phone ext. 214."
        )
    );
    assert_eq!(new_hire.udf("Send to FN"), Some(Some("No")));
    assert_eq!(new_hire.udf("Site Access Notes"), Some(None));
    assert_eq!(new_hire.udf("Not a UDF"), None);

    let email = &tickets[3];
    assert!(
        email.udfs.is_empty(),
        "all-null UDFs arrive as an empty list"
    );
    assert_eq!(email.field("DueDateTime"), None);
}

#[test]
fn account_page_reads_short_double_and_boolean_fields() {
    let (outcome, accounts) = collect(ACCOUNTS_PAGE);
    assert_eq!(outcome.entity_count, 3);
    assert!(outcome.result_type_is("Account"));
    assert_eq!(ids(&accounts), ["29683552", "29683571", "29683590"]);

    let cafe = &accounts[0];
    assert_eq!(cafe.entity_type, "Account");
    assert_eq!(
        cafe.field("AccountName"),
        Some("Café Müller Bakery & Bistro")
    );
    assert_eq!(cafe.field("AccountType"), Some("1"));
    assert_eq!(cafe.field_type("AccountType"), Some(&WireType::Short));
    assert_eq!(cafe.field("AssetValue"), Some("125000.5"));
    assert_eq!(cafe.field_type("AssetValue"), Some(&WireType::Double));
    assert_eq!(cafe.field("Active"), Some("true"));
    assert_eq!(cafe.field_type("Active"), Some(&WireType::Boolean));
    assert_eq!(
        cafe.field("WebAddress"),
        Some("https://cafemuller.example.com/?utm_source=psa&lang=en")
    );
    assert_eq!(cafe.field("Fax"), Some(""));
    assert_eq!(cafe.field("ParentAccountID"), None);
    assert_eq!(cafe.udf("Site Hours"), Some(Some("Mon–Sat 06:00–15:00")));

    let logistics = &accounts[2];
    assert_eq!(
        logistics.field("AccountName"),
        Some("O'Brien & Sons Logistics")
    );
    assert_eq!(logistics.field("ParentAccountID"), Some("29683571"));
    assert_eq!(logistics.field("TaxExempt"), Some("true"));
}

#[test]
fn contact_page_reads_escaped_markup_in_values() {
    let (outcome, contacts) = collect(CONTACTS_PAGE);
    assert_eq!(outcome.entity_count, 3);
    assert_eq!(outcome.entity_result_type.as_deref(), Some("Contact"));
    let zoe = &contacts[0];
    assert_eq!(zoe.entity_type, "Contact");
    assert_eq!(zoe.field("FirstName"), Some("Zoë"));
    assert_eq!(zoe.field("LastName"), Some("Müller"));
    assert_eq!(zoe.field("EMailAddress2"), Some(""));
    assert_eq!(zoe.udf("Preferred Contact Method"), Some(Some("SMS")));
    let sean = &contacts[2];
    assert_eq!(sean.field("FirstName"), Some("Seán"));
    assert_eq!(
        sean.field("Note"),
        Some("Prefers calls after 2 pm; <do not> email invoices.")
    );
    assert_eq!(sean.field("Active"), Some("0"));
    assert_eq!(sean.field_type("Active"), Some(&WireType::Int));
}

#[test]
fn resource_page_has_no_udfs() {
    let (outcome, resources) = collect(RESOURCES_PAGE);
    assert_eq!(outcome.entity_count, 3);
    assert!(outcome.result_type_is("RESOURCE"));
    assert!(resources.iter().all(|resource| resource.udfs.is_empty()));
    assert_eq!(resources[0].field("UserName"), Some("dwhitfield"));
    assert_eq!(resources[0].field("Greeting"), None);
    assert_eq!(
        resources[0].field_type("DefaultServiceDeskRoleID"),
        Some(&WireType::Long)
    );
    assert_eq!(resources[1].field("Email2"), Some(""));
    assert_eq!(resources[2].field("FirstName"), Some("Jérôme"));
    assert_eq!(resources[2].field("NumberFormat"), Some("X.XXX,XX"));
}

#[test]
fn integration_code_error_is_an_outcome_not_an_error() {
    let (outcome, entities) = collect(ERROR_INTEGRATION_CODE);
    assert!(entities.is_empty());
    assert_eq!(
        outcome,
        QueryOutcome {
            return_code: -1,
            entity_result_type: Some("ticket".to_owned()),
            errors: vec!["IntegrationCode is invalid.".to_owned()],
            entity_count: 0,
        }
    );
    assert!(!outcome.succeeded());
}

#[test]
fn every_atws_error_message_is_kept_in_order() {
    let (outcome, _) = collect(ERROR_BAD_QUERY);
    assert_eq!(outcome.return_code, -1);
    assert_eq!(
        outcome.errors,
        [
            "Unable to find Ticket field 'QueueId2' in the entity.",
            "Error reading in Query XML.",
            "Operator \"Equal\" is not valid for field Status; use one of Equals, NotEqual, IsNull…",
        ]
    );
}

#[test]
fn soap_fault_becomes_a_fault_error() {
    let error = collect_entities(FAULT_UNKNOWN_SOAP_ACTION).unwrap_err();
    let SoapError::Fault {
        code,
        message,
        detail,
    } = &error
    else {
        panic!("expected a fault, got {error:?}");
    };
    assert_eq!(code, "soap:Client");
    assert!(message.starts_with(
        "System.Web.Services.Protocols.SoapException: Server did not recognize the value of HTTP Header SOAPAction: http://autotask.net/ATWS/v1_6/Query."
    ));
    assert!(message.ends_with("Boolean& abortProcessing)"));
    assert_eq!(*detail, None, "an empty detail is no detail");
    assert_eq!(error.position(), None);
    assert!(error.to_string().starts_with("SOAP fault soap:Client: "));
}

#[test]
fn fault_detail_is_flattened_to_its_text() {
    let error = collect_entities(FAULT_SERVER_ERROR).unwrap_err();
    assert_eq!(
        error,
        SoapError::Fault {
            code: "soap:Server".to_owned(),
            message: "Server was unable to process request. ---> Object reference not set to an instance of an object."
                .to_owned(),
            detail: Some(
                "System.NullReferenceException Object reference not set to an instance of an object."
                    .to_owned()
            ),
        }
    );
}

#[test]
fn soap_1_2_fault_is_read_too() {
    let xml = concat!(
        r#"<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault>"#,
        "<env:Code><env:Value>env:Receiver</env:Value></env:Code>",
        r#"<env:Reason><env:Text xml:lang="en">Upstream timed out</env:Text></env:Reason>"#,
        "<env:Detail><gw:Retry xmlns:gw=\"urn:gateway\">30</gw:Retry></env:Detail>",
        "</env:Fault></env:Body></env:Envelope>"
    );
    assert_eq!(
        collect_entities(xml).unwrap_err(),
        SoapError::Fault {
            code: "env:Receiver".to_owned(),
            message: "Upstream timed out".to_owned(),
            detail: Some("30".to_owned()),
        }
    );
}

#[test]
fn a_different_answer_names_what_was_found() {
    let error = collect_entities(CREATE_TICKET).unwrap_err();
    let SoapError::UnexpectedElement {
        expected,
        found,
        position,
        line,
        column,
    } = &error
    else {
        panic!("expected UnexpectedElement, got {error:?}");
    };
    assert_eq!(expected, "<queryResponse> in the SOAP Body");
    assert_eq!(found, "<createResponse>");
    assert_eq!(Some(*position), CREATE_TICKET.find("<createResponse"));
    assert_eq!((*line, *column), (1, *position + 1));
    assert!(error.to_string().contains("found <createResponse>"));
}

#[test]
fn non_soap_bodies_are_named() {
    let html =
        "<html><head><title>401 - Unauthorized: Access is denied</title></head><body/></html>";
    let error = collect_entities(html).unwrap_err();
    assert!(
        matches!(&error, SoapError::UnexpectedElement { found, position: 0, .. } if found == "<html>"),
        "{error:?}"
    );

    let error = collect_entities("\n  Unauthorized\n").unwrap_err();
    assert!(
        matches!(&error, SoapError::UnexpectedElement { found, position: 0, .. } if found == "text \"Unauthorized\""),
        "{error:?}"
    );

    let error = collect_entities("").unwrap_err();
    assert!(
        matches!(
            &error,
            SoapError::Xml {
                position: 0,
                line: 1,
                column: 1,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn broken_contract_is_an_invalid_response() {
    let no_return_code = envelope(
        r#"<queryResponse xmlns="http://autotask.net/ATWS/v1_6/"><queryResult><EntityResults /></queryResult></queryResponse>"#,
    );
    let error = collect_entities(&no_return_code).unwrap_err();
    assert!(
        matches!(&error, SoapError::Invalid { message, .. } if message == "<queryResult> has no ReturnCode"),
        "{error:?}"
    );

    let bad_return_code = envelope(
        r#"<queryResponse xmlns="http://autotask.net/ATWS/v1_6/"><queryResult><ReturnCode>one</ReturnCode></queryResult></queryResponse>"#,
    );
    let error = collect_entities(&bad_return_code).unwrap_err();
    assert_eq!(error.position(), bad_return_code.find("<ReturnCode>"));
    assert!(
        error
            .to_string()
            .contains("ReturnCode `one` is not a whole number")
    );

    let no_result = envelope(r#"<queryResponse xmlns="http://autotask.net/ATWS/v1_6/" />"#);
    assert!(matches!(
        collect_entities(&no_result),
        Err(SoapError::Invalid { .. })
    ));

    let empty_body = envelope("");
    let error = collect_entities(&empty_body).unwrap_err();
    assert!(
        error.to_string().contains("the SOAP Body is empty"),
        "{error}"
    );

    let untyped_entity = query_response(r#"<Entity><id xsi:type="xsd:long">1</id></Entity>"#);
    let error = collect_entities(&untyped_entity).unwrap_err();
    assert!(error.to_string().contains("no xsi:type"), "{error}");
    assert_eq!(error.position(), untyped_entity.find("<Entity>"));
}

#[test]
fn page_of_500_entities_streams_every_one() {
    let mut entities = String::new();
    for id in 1..=500 {
        entities.push_str(&format!(
            concat!(
                r#"<Entity xsi:type="Ticket"><id xsi:type="xsd:long">{id}</id>"#,
                "<UserDefinedFields><UserDefinedField><Name>Send to FN</Name><Value>Yes</Value></UserDefinedField>",
                "<UserDefinedField><Name>FN Technician</Name></UserDefinedField></UserDefinedFields>",
                r#"<AccountID xsi:type="xsd:int">{account}</AccountID>"#,
                r#"<Title xsi:type="xsd:string">Ticket {id} &amp; follow-up</Title>"#,
                r#"<EstimatedHours xsi:type="xsd:decimal">{id}.2500</EstimatedHours>"#,
                r#"<Resolution xsi:type="xsd:string" /></Entity>"#
            ),
            id = id,
            account = 29_683_000 + id % 7,
        ));
    }
    let xml = query_response(&entities);

    let (outcome, tickets) = collect(&xml);
    assert_eq!(outcome.entity_count, 500);
    assert_eq!(tickets.len(), 500);
    for (index, ticket) in tickets.iter().enumerate() {
        let id = index + 1;
        assert_eq!(ticket.field("id"), Some(id.to_string().as_str()));
        assert_eq!(ticket.fields.len(), 5);
        assert_eq!(
            ticket.field("Title"),
            Some(format!("Ticket {id} & follow-up").as_str())
        );
        assert_eq!(ticket.field("Resolution"), Some(""));
        assert_eq!(
            ticket.udfs,
            [
                ("Send to FN".to_owned(), Some("Yes".to_owned())),
                ("FN Technician".to_owned(), None)
            ]
        );
    }
}

/// Records every sink call, to check order and what is borrowed.
#[derive(Default)]
struct RecordingSink {
    calls: Vec<String>,
    entities_begun: usize,
    /// `(entity number, field name)` of values that point into the input.
    borrowed_fields: Vec<(usize, String)>,
    input_range: std::ops::Range<usize>,
}

impl EntitySink for RecordingSink {
    fn begin_entity(&mut self, entity_type: &str) {
        self.calls.push(format!("begin {entity_type}"));
        self.entities_begun += 1;
    }
    fn field(&mut self, name: &str, xsi_type: Option<WireType>, value: &str) {
        let typed = xsi_type.map_or("untyped".to_owned(), |wire_type| wire_type.to_string());
        self.calls.push(format!("field {name}:{typed}={value}"));
        if self.input_range.contains(&(value.as_ptr() as usize)) {
            self.borrowed_fields
                .push((self.entities_begun, name.to_owned()));
        }
    }
    fn udf(&mut self, name: &str, value: Option<&str>) {
        self.calls.push(format!("udf {name}={value:?}"));
    }
    fn end_entity(&mut self) {
        self.calls.push("end".to_owned());
    }
}

#[test]
fn sink_sees_wire_order_and_unescaped_values_borrow_the_input() {
    let xml = TICKETS_WIRE.as_bytes();
    let start = xml.as_ptr() as usize;
    let mut sink = RecordingSink {
        input_range: start..start + xml.len(),
        ..RecordingSink::default()
    };
    let outcome = read_query_response(xml, &mut sink).unwrap();
    assert_eq!(outcome.entity_count, 2);
    assert_eq!(
        sink.calls[..7],
        [
            "begin Ticket",
            "field id:long=9137",
            "udf Send to FN=Some(\"Yes\")",
            "udf FN Technician=None",
            "udf Site Access Notes=Some(\"Badge at \\\"Reception\\\" — ask for Zoë\")",
            "udf FN Work Order ID=None",
            "field AccountID:int=29683552",
        ]
    );
    assert_eq!(sink.calls.iter().filter(|call| *call == "end").count(), 2);
    assert_eq!(sink.calls.last().map(String::as_str), Some("end"));

    let borrowed =
        |entity: usize, name: &str| sink.borrowed_fields.contains(&(entity, name.to_owned()));
    // Plain values are handed out straight from the response bytes …
    assert!(borrowed(1, "TicketNumber"));
    assert!(borrowed(1, "id"));
    assert!(borrowed(2, "Title"));
    // … escaped ones had to be unescaped into a new string.
    assert!(!borrowed(1, "Title"));
    assert!(!borrowed(1, "Description"));
}
