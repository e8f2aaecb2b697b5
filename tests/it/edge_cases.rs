//! Edge cases with explicit assertions: DST on the wire and in arithmetic, null versus
//! missing versus empty, tickets without a contact, picklist labels, Unicode, range and
//! table boundaries, outbound rules, QueryXML, and evaluating one program from many threads.

use std::sync::Arc;

use fieldmap::EvalContext;
use fieldmap::Program;
use fieldmap::RecordSet;
use fieldmap::Schemas;
use fieldmap::autotask::{LoadReport, load_query_response};
use fieldmap::diagnostics::{Code, Diagnostic};
use fieldmap::runtime::evaluate::Evaluation;
use fieldmap::runtime::issue::IssueKind;
use fieldmap::time::parse_autotask_datetime;
use fieldmap::value::Value;
use serde_json::{Value as Json, json};

// `Program` is compiled once and shared by the broker's worker threads.
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Program>();
    assert_send_sync::<Arc<Program>>();
};

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn schemas() -> Arc<Schemas> {
    Arc::new(Schemas::bundled().expect("bundled schemas load"))
}

/// The pinned clock: 2025-01-15 09:00 New York.
fn ctx() -> EvalContext {
    EvalContext::at(
        parse_autotask_datetime("2025-01-15T09:00:00")
            .expect("valid wire date-time")
            .0,
    )
}

fn render(diagnostics: &[Diagnostic], source: &str) -> String {
    fieldmap::diagnostics::render_human(diagnostics, "test.fmap", source, false)
}

fn compile_ok(source: &str, schemas: &Arc<Schemas>) -> Program {
    match fieldmap::compile_with_warnings(source, schemas.clone()) {
        Ok(compiled) => compiled.program,
        Err(failure) => panic!(
            "expected the mapping to compile:\n{}",
            render(&failure.diagnostics, source)
        ),
    }
}

fn compile_err(source: &str) -> Vec<Diagnostic> {
    match fieldmap::compile(source, schemas()) {
        Ok(_) => panic!("expected the mapping not to compile:\n{source}"),
        Err(failure) => failure.diagnostics,
    }
}

/// A Ticket mapping with a title and the given statements.
fn ticket_mapping(statements: &str) -> String {
    format!(
        "mapping \"Edge\" {{\n  source autotask.Ticket\n  target fieldnation.WorkOrder\n  \
         title = TicketNumber\n{statements}\n}}\n"
    )
}

/// A SOAP query response holding the given `<Entity>` elements.
fn envelope(entity_type: &str, entities: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope \
         xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"><soap:Body><queryResponse \
         xmlns=\"http://autotask.net/ATWS/v1_6/\"><queryResult><ReturnCode>1</ReturnCode>\
         <EntityResultType>{}</EntityResultType><EntityResults>{entities}</EntityResults>\
         <Errors /><EntityReturnInfoResults /></queryResult></queryResponse></soap:Body>\
         </soap:Envelope>",
        entity_type.to_lowercase()
    )
}

/// One Ticket as Autotask writes it: `id`, then the UDFs, then the non-null fields (which
/// the caller lists in schema order, each with its `xsi:type`).
fn ticket(id: i64, udfs: &str, fields: &str) -> String {
    let udfs = if udfs.is_empty() {
        "<UserDefinedFields />".to_string()
    } else {
        format!("<UserDefinedFields>{udfs}</UserDefinedFields>")
    };
    format!(
        "<Entity xsi:type=\"Ticket\"><id xsi:type=\"xsd:long\">{id}</id>{udfs}{fields}</Entity>"
    )
}

fn udf(name: &str, value: Option<&str>) -> String {
    match value {
        Some(v) => {
            format!("<UserDefinedField><Name>{name}</Name><Value>{v}</Value></UserDefinedField>")
        }
        None => format!("<UserDefinedField><Name>{name}</Name></UserDefinedField>"),
    }
}

fn field(name: &str, xsd: &str, text: &str) -> String {
    if text.is_empty() {
        format!("<{name} xsi:type=\"xsd:{xsd}\" />")
    } else {
        format!("<{name} xsi:type=\"xsd:{xsd}\">{text}</{name}>")
    }
}

/// The usual fields of a test ticket on account 29683552, before and after the ones a test
/// varies (schema order: AccountID … ContactID … DueDateTime, EstimatedHours … Title).
struct TicketFields<'a> {
    contact: Option<&'a str>,
    description: Option<&'a str>,
    due: Option<&'a str>,
    hours: Option<&'a str>,
    issue_type: &'a str,
    status: &'a str,
    title: Option<&'a str>,
}

impl Default for TicketFields<'_> {
    fn default() -> Self {
        TicketFields {
            contact: Some("30684411"),
            description: Some("A description"),
            due: Some("2025-02-03T10:00:00"),
            hours: Some("3"),
            issue_type: "14",
            status: "29682833",
            title: Some("A title"),
        }
    }
}

impl TicketFields<'_> {
    fn xml(&self, id: i64) -> String {
        let mut out = String::new();
        out.push_str(&field("AccountID", "int", "29683552"));
        out.push_str(&field("AssignedResourceID", "int", "29682885"));
        if let Some(c) = self.contact {
            out.push_str(&field("ContactID", "int", c));
        }
        out.push_str(&field("CreateDate", "dateTime", "2024-12-01T10:00:00"));
        if let Some(d) = self.description {
            out.push_str(&field("Description", "string", d));
        }
        if let Some(d) = self.due {
            out.push_str(&field("DueDateTime", "dateTime", d));
        }
        if let Some(h) = self.hours {
            out.push_str(&field("EstimatedHours", "double", h));
        }
        out.push_str(&field("IssueType", "int", self.issue_type));
        out.push_str(&field("Priority", "int", "1"));
        out.push_str(&field("QueueID", "int", "29683497"));
        out.push_str(&field("Status", "int", self.status));
        out.push_str(&field("TicketNumber", "string", &format!("T{id}")));
        if let Some(t) = self.title {
            out.push_str(&field("Title", "string", t));
        }
        out
    }
}

/// Loads the demo fixtures (accounts, contacts, resources, tickets, …) and then `extra`.
fn records_with(extra: &[String], schemas: &Schemas) -> (RecordSet, Vec<LoadReport>) {
    let mut records = RecordSet::new();
    let mut reports = Vec::new();
    let dir = root().join("mappings").join("fixtures");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("demo fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    for file in files {
        let xml = std::fs::read_to_string(&file).expect("readable fixture");
        load_query_response(&xml, schemas, &mut records).expect("demo fixture loads");
    }
    for xml in extra {
        reports.push(load_query_response(xml, schemas, &mut records).expect("test XML loads"));
    }
    (records, reports)
}

fn evaluate(program: &Program, records: &RecordSet, id: i64) -> Evaluation {
    program
        .evaluate(records, id, &ctx(), 0)
        .unwrap_or_else(|e| panic!("evaluating ticket {id}: {e}"))
}

fn missing_targets(evaluation: &Evaluation) -> Vec<&str> {
    evaluation
        .issues
        .iter()
        .filter(|i| i.kind == IssueKind::MissingValue)
        .filter_map(|i| i.target.as_deref())
        .collect()
}

fn primary_label(d: &Diagnostic) -> &str {
    d.labels
        .iter()
        .find(|l| l.primary)
        .map(|l| l.message.as_str())
        .unwrap_or_default()
}

fn demo_mapping(name: &str) -> String {
    std::fs::read_to_string(root().join("mappings").join(name)).expect("demo mapping")
}

// ---- DST ------------------------------------------------------------------------------------

#[test]
fn dst_gap_on_the_wire_moves_forward_and_is_reported() {
    let s = schemas();
    let xml = envelope(
        "Ticket",
        &ticket(
            1,
            "",
            &TicketFields {
                due: Some("2024-03-10T02:30:00"),
                ..Default::default()
            }
            .xml(1),
        ),
    );
    let (records, reports) = records_with(&[xml], &s);
    let issues = &reports[0].issues;
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].entity, "Ticket");
    assert_eq!(issues[0].id, Some(1));
    assert_eq!(issues[0].field.as_deref(), Some("DueDateTime"));
    assert!(
        issues[0]
            .message
            .contains("2024-03-10T02:30:00 does not exist")
            && issues[0].message.contains("2024-03-10T03:30:00-04:00"),
        "{}",
        issues[0].message
    );

    let slot = s
        .autotask
        .entity("Ticket")
        .and_then(|t| t.field_slot("DueDateTime"))
        .expect("DueDateTime slot");
    let ticket = records.get("Ticket", 1).expect("ticket 1 loaded");
    assert_eq!(ticket.field(slot).to_string(), "2024-03-10T03:30:00-04:00");

    let program = compile_ok(
        &ticket_mapping(
            "  schedule.service_window.start = DueDateTime\n  \
             custom_fields[131] = DueDateTime | format(\"YYYY-MM-DD HH:mm z\")",
        ),
        &s,
    );
    let evaluation = evaluate(&program, &records, 1);
    assert_eq!(
        evaluation.work_order["schedule"]["service_window"]["start"]["utc"],
        json!("2024-03-10 07:30:00")
    );
    assert_eq!(
        evaluation.work_order["custom_fields"]["results"][0]["results"][0]["value"],
        json!("2024-03-10 03:30 EDT")
    );
    // Each rule that reads the moved value reports it, once.
    let targets: Vec<_> = evaluation
        .issues
        .iter()
        .map(|i| (&i.kind, i.target.as_deref()))
        .filter(|(k, _)| matches!(k, IssueKind::DstAdjusted { .. }))
        .map(|(_, t)| t)
        .collect();
    assert_eq!(
        targets,
        [
            Some("schedule.service_window.start.utc"),
            Some("custom_fields[131]")
        ],
        "{:?}",
        evaluation.issues
    );
    assert_eq!(evaluation.issues.len(), 2, "{:?}", evaluation.issues);
}

#[test]
fn adding_a_day_into_the_gap_moves_forward_and_is_reported() {
    let s = schemas();
    let xml = envelope(
        "Ticket",
        &ticket(
            2,
            "",
            &TicketFields {
                due: Some("2024-03-09T02:30:00"),
                ..Default::default()
            }
            .xml(2),
        ),
    );
    let (records, reports) = records_with(&[xml], &s);
    assert!(reports[0].issues.is_empty(), "{:?}", reports[0].issues);
    let program = compile_ok(
        &ticket_mapping(
            "  schedule.service_window.start = DueDateTime\n  \
             schedule.service_window.end = DueDateTime + 1d\n  \
             custom_fields[131] = DueDateTime + 24h | format(\"YYYY-MM-DD HH:mm z\")\n  \
             custom_fields[132] = DueDateTime + 1d | format(\"YYYY-MM-DD HH:mm z\")",
        ),
        &s,
    );
    let evaluation = evaluate(&program, &records, 2);
    let window = &evaluation.work_order["schedule"]["service_window"];
    assert_eq!(window["start"]["utc"], json!("2024-03-09 07:30:00"));
    // 02:30 on 2024-03-10 does not exist; moved forward by the hour to 03:30 EDT.
    assert_eq!(window["end"]["utc"], json!("2024-03-10 07:30:00"));
    let custom = &evaluation.work_order["custom_fields"]["results"][0]["results"];
    // 24 hours are exact elapsed time: no wall clock is read, nothing to adjust.
    assert_eq!(custom[0]["value"], json!("2024-03-10 03:30 EDT"));
    assert_eq!(custom[1]["value"], json!("2024-03-10 03:30 EDT"));

    let adjusted: Vec<_> = evaluation
        .issues
        .iter()
        .filter(|i| matches!(i.kind, IssueKind::DstAdjusted { .. }))
        .collect();
    let targets: Vec<_> = adjusted.iter().map(|i| i.target.as_deref()).collect();
    assert_eq!(
        targets,
        vec![
            Some("schedule.service_window.end.utc"),
            Some("custom_fields[132]")
        ]
    );
    for issue in adjusted {
        assert_eq!(issue.severity, fieldmap::diagnostics::Severity::Warning);
        let IssueKind::DstAdjusted {
            wall,
            zone,
            resolved,
            ..
        } = &issue.kind
        else {
            unreachable!()
        };
        assert_eq!(wall, "2024-03-10T02:30:00");
        assert_eq!(zone, "America/New_York");
        assert!(
            resolved.starts_with("2024-03-10T03:30:00-04:00"),
            "{resolved}"
        );
        assert!(issue.message.contains("gap"), "{}", issue.message);
    }
}

#[test]
fn fall_back_hour_takes_the_first_occurrence_and_is_reported() {
    let s = schemas();
    let xml = envelope(
        "Ticket",
        &ticket(
            3,
            "",
            &TicketFields {
                due: Some("2024-11-03T01:30:00"),
                ..Default::default()
            }
            .xml(3),
        ),
    );
    let (records, reports) = records_with(&[xml], &s);
    let issues = &reports[0].issues;
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].field.as_deref(), Some("DueDateTime"));
    assert!(
        issues[0].message.contains("happens twice")
            && issues[0]
                .message
                .contains("earlier occurrence 2024-11-03T01:30:00-04:00"),
        "{}",
        issues[0].message
    );
    let program = compile_ok(
        &ticket_mapping(
            "  schedule.service_window.start = DueDateTime\n  \
             schedule.service_window.end = DueDateTime + 1h\n  \
             custom_fields[131] = DueDateTime | format(\"HH:mm z\")",
        ),
        &s,
    );
    let evaluation = evaluate(&program, &records, 3);
    let window = &evaluation.work_order["schedule"]["service_window"];
    assert_eq!(window["start"]["utc"], json!("2024-11-03 05:30:00"));
    // One elapsed hour later is the second 01:30, on standard time.
    assert_eq!(window["end"]["utc"], json!("2024-11-03 06:30:00"));
    assert_eq!(
        evaluation.work_order["custom_fields"]["results"][0]["results"][0]["value"],
        json!("01:30 EDT")
    );
}

// ---- null, missing, empty -------------------------------------------------------------------

#[test]
fn null_missing_and_empty_with_and_without_defaults() {
    let s = schemas();
    let xml = envelope(
        "Ticket",
        &ticket(
            4,
            &[
                udf("Send to FN", Some("Yes")),
                udf("Site Access Notes", None),
                udf("Room Number", Some("B-7")),
            ]
            .concat(),
            // `<Title xsi:type="xsd:string" />` is empty text; no Description element is null.
            &TicketFields {
                title: Some(""),
                description: None,
                ..Default::default()
            }
            .xml(4),
        ),
    );
    let (records, _) = records_with(&[xml], &s);
    let entity = s.autotask.entity("Ticket").expect("Ticket");
    let record = records.get("Ticket", 4).expect("ticket 4");
    let slot = |name: &str| entity.field_slot(name).expect("field slot");
    let udf_slot = |name: &str| s.tenant.udf_slot("Ticket", name).expect("UDF slot");
    assert_eq!(record.field(slot("Title")), &Value::str(""));
    assert_eq!(record.field(slot("Description")), &Value::Null);
    assert_eq!(record.udf(udf_slot("Site Access Notes")), &Value::Null);
    assert_eq!(record.udf(udf_slot("Room Number")), &Value::str("B-7"));

    let program = compile_ok(
        &ticket_mapping(
            r#"  location.display_name = Title
  location.address1 = Title ?? "no title"
  location.address2 = Description
  location.city = Description ?? "no description"
  location.state = udf("Site Access Notes")
  location.zip = udf("Site Access Notes") ?? "no notes"
  location.country = udf("Room Number") ?? "no room"
  require_gps = Title is null
  printable = Description is null
  require_ontime = udf("Site Access Notes") is null
  allow_counter_offers = Title == """#,
        ),
        &s,
    );
    let evaluation = evaluate(&program, &records, 4);
    assert_eq!(
        evaluation.work_order["location"],
        json!({
            "address1": "no title",
            "city": "no description",
            "zip": "no notes",
            "country": "B-7",
        })
    );
    // Empty text is not null; an omitted field and a UDF without a Value are.
    assert_eq!(evaluation.work_order["require_gps"], json!(false));
    assert_eq!(evaluation.work_order["printable"], json!(true));
    assert_eq!(evaluation.work_order["require_ontime"], json!(true));
    assert_eq!(evaluation.work_order["allow_counter_offers"], json!(true));
    assert_eq!(
        missing_targets(&evaluation),
        vec![
            "location.display_name",
            "location.address2",
            "location.state"
        ]
    );
    assert!(
        evaluation
            .issues
            .iter()
            .all(|i| i.kind == IssueKind::MissingValue
                && i.severity == fieldmap::diagnostics::Severity::Warning),
        "{:?}",
        evaluation.issues
    );
}

// ---- contacts -------------------------------------------------------------------------------

#[test]
fn a_ticket_without_a_contact_at_an_account_without_a_primary_contact_sends_no_contact() {
    let s = schemas();
    let program = compile_ok(&demo_mapping("dispatch-service-ticket.fmap"), &s);
    // The mapping falls back to the account's primary contact: here no contact is primary.
    let not_primary = |id: i64, account: i64| {
        format!(
            "<Entity xsi:type=\"Contact\"><id xsi:type=\"xsd:long\">{id}</id>\
             <AccountID xsi:type=\"xsd:int\">{account}</AccountID>\
             <PrimaryContact xsi:type=\"xsd:boolean\">false</PrimaryContact></Entity>"
        )
    };
    let contacts = envelope(
        "Contact",
        &format!(
            "{}{}",
            not_primary(30684411, 29683552),
            not_primary(30684502, 29683560)
        ),
    );
    // Demo ticket 9138 has neither a contact nor an assigned resource.
    let xml = envelope(
        "Ticket",
        &ticket(
            5,
            "",
            &TicketFields {
                contact: None,
                ..Default::default()
            }
            .xml(5),
        ),
    );
    let (records, _) = records_with(&[xml, contacts], &s);

    let evaluation = evaluate(&program, &records, 9138);
    assert!(evaluation.triggered);
    assert_eq!(evaluation.work_order.get("contacts"), None);
    let missing = missing_targets(&evaluation);
    for target in [
        "contacts.results[0].name",
        "contacts.results[0].phone",
        "contacts.results[0].email",
        "contacts.results[1].name",
        "contacts.results[1].email",
    ] {
        assert!(missing.contains(&target), "{target} not in {missing:?}");
    }
    assert!(!evaluation.has_errors(), "{:?}", evaluation.issues);

    // Without a contact but with an assigned resource: only the dispatcher is sent.
    let evaluation = evaluate(&program, &records, 5);
    assert_eq!(
        evaluation.work_order["contacts"],
        json!({"results": [{
            "role": "Resource coordinator",
            "name": "Dana Whitfield",
            "email": "dana.whitfield@msp.example",
        }]})
    );
    let missing = missing_targets(&evaluation);
    assert!(missing.contains(&"contacts.results[0].name"), "{missing:?}");
    assert!(
        !missing.contains(&"contacts.results[1].name"),
        "{missing:?}"
    );
}

// ---- picklists and names --------------------------------------------------------------------

#[test]
fn a_label_that_differs_only_in_case_is_rejected_with_the_exact_label() {
    let source = ticket_mapping("  trigger when Status == \"dispatch to field\"");
    let diagnostics = compile_err(&source);
    assert_eq!(diagnostics.len(), 1, "{}", render(&diagnostics, &source));
    let d = &diagnostics[0];
    assert_eq!(d.code, Code::UnknownPicklistLabel);
    assert_eq!(d.code.as_str(), "FM0401");
    let at = source
        .find("\"dispatch to field\"")
        .expect("label in source");
    assert_eq!(d.primary_span().start, at);
    assert_eq!(d.primary_span().end, at + "\"dispatch to field\"".len());
    assert!(
        primary_label(d).contains("\"Dispatch to Field\""),
        "{}",
        primary_label(d)
    );
    assert!(
        d.help
            .as_deref()
            .is_some_and(|h| h.contains("\"Dispatch to Field\"")),
        "{:?}",
        d.help
    );
}

#[test]
fn an_unknown_udf_suggests_the_closest_name() {
    let source = ticket_mapping("  trigger when udf(\"Sent to FN\") == \"Yes\"");
    let diagnostics = compile_err(&source);
    assert_eq!(diagnostics.len(), 1, "{}", render(&diagnostics, &source));
    let d = &diagnostics[0];
    assert_eq!(d.code.as_str(), "FM0205");
    assert!(d.message.contains("Sent to FN"), "{}", d.message);
    assert_eq!(primary_label(d), "did you mean `Send to FN`?");
    assert_eq!(
        d.help.as_deref(),
        Some("replace `Sent to FN` with `Send to FN`")
    );
}

#[test]
fn picklists_show_their_labels_in_templates() {
    let s = schemas();
    let program = compile_ok(
        &ticket_mapping(
            "  location.display_name = \"${Status} / ${Priority} / ${QueueID} / ${udf(\"Send to FN\")}\"\n  \
             location.city = \"${IssueType}\"",
        ),
        &s,
    );
    let xml = envelope(
        "Ticket",
        &ticket(
            6,
            "",
            &TicketFields {
                // Not a value of the tenant's IssueType picklist.
                issue_type: "99",
                ..Default::default()
            }
            .xml(6),
        ),
    );
    let (records, _) = records_with(&[xml], &s);
    let evaluation = evaluate(&program, &records, 9137);
    assert_eq!(
        evaluation.work_order["location"]["display_name"],
        json!("Dispatch to Field / High / Field Services / Yes")
    );
    assert_eq!(
        evaluation.work_order["location"]["city"],
        json!("Printer/Peripheral")
    );
    // An id the snapshot does not know is tenant drift: an issue, never "99" sent as a label.
    let evaluation = evaluate(&program, &records, 6);
    assert!(evaluation.work_order["location"].get("city").is_none());
    let drift: Vec<_> = evaluation
        .issues
        .iter()
        .filter(|i| {
            i.kind
                == IssueKind::UnknownPicklistValue {
                    picklist: "Ticket.IssueType".into(),
                    value: "99".into(),
                }
        })
        .collect();
    assert_eq!(drift.len(), 1, "{:?}", evaluation.issues);
    assert_eq!(drift[0].target.as_deref(), Some("location.city"));
}

#[test]
fn in_compares_picklist_labels_by_their_ids() {
    let s = schemas();
    let program = compile_ok(
        &ticket_mapping(
            "  require_gps = Status in [\"Dispatch to Field\", \"On Site\"]\n  \
             printable = Priority in [\"Low\", \"Medium\"]\n  \
             require_ontime = udf(\"Send to FN\") in [\"Yes\"]\n  \
             allow_counter_offers = ContactID is null",
        ),
        &s,
    );
    let (records, _) = records_with(&[], &s);
    let expected = [
        (9137, json!([true, false, true, false])),
        (9138, json!([true, true, false, true])),
        (9139, json!([false, true, false, false])),
    ];
    for (id, want) in expected {
        let wo = evaluate(&program, &records, id).work_order;
        let got = json!([
            wo["require_gps"],
            wo["printable"],
            wo["require_ontime"],
            wo["allow_counter_offers"]
        ]);
        assert_eq!(got, want, "ticket {id}");
    }
    // Labels in the list are checked too.
    let diagnostics = compile_err(&ticket_mapping(
        "  require_gps = Status in [\"Dispatch to Field\", \"On-Site\"]",
    ));
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].code.as_str(), "FM0401");
    assert_eq!(primary_label(&diagnostics[0]), "did you mean \"On Site\"?");
}

// ---- Unicode --------------------------------------------------------------------------------

#[test]
fn unicode_cdata_and_character_references_reach_the_work_order_unchanged() {
    let s = schemas();
    let xml = envelope(
        "Ticket",
        &ticket(
            7,
            &udf(
                "Site Access Notes",
                Some("Badge &#8212; ask for Zo&#235; <![CDATA[<b>&amp;</b>]]>"),
            ),
            &TicketFields {
                description: Some("Caf&#233; &amp; M&#xFC;ller &lt;front&gt; &#x1F527; 🔧 日本語"),
                title: Some("<![CDATA[Printer <HP> & \"scanner\" down – Zoë 🖨️]]>"),
                ..Default::default()
            }
            .xml(7),
        ),
    );
    let (records, reports) = records_with(&[xml], &s);
    assert!(reports[0].issues.is_empty(), "{:?}", reports[0].issues);
    let program = compile_ok(
        &ticket_mapping(
            "  location.display_name = Title\n  \
             location.address1 = Description\n  \
             location.address2 = udf(\"Site Access Notes\")\n  \
             description.html = Title | html",
        ),
        &s,
    );
    let evaluation = evaluate(&program, &records, 7);
    assert!(evaluation.issues.is_empty(), "{:?}", evaluation.issues);
    let location = &evaluation.work_order["location"];
    assert_eq!(
        location["display_name"],
        json!("Printer <HP> & \"scanner\" down – Zoë 🖨️")
    );
    assert_eq!(
        location["address1"],
        json!("Café & Müller <front> 🔧 🔧 日本語")
    );
    assert_eq!(
        location["address2"],
        json!("Badge — ask for Zoë <b>&amp;</b>")
    );
    assert_eq!(
        evaluation.work_order["description"]["html"],
        json!("Printer &lt;HP&gt; &amp; &quot;scanner&quot; down – Zoë 🖨️")
    );
    // The JSON text carries the characters themselves.
    let text = serde_json::to_string(&evaluation.work_order).expect("JSON");
    assert!(text.contains("🖨️") && text.contains("日本語"), "{text}");
}

// ---- ranges and tables ----------------------------------------------------------------------

#[test]
fn range_bounds_are_inclusive_with_le_and_exclusive_with_lt() {
    let s = schemas();
    let hours = [
        (10, Some("2")),
        (11, Some("2.0001")),
        (12, Some("4")),
        (13, Some("1.9999")),
        (14, None),
        (15, Some("0")),
    ];
    let entities: String = hours
        .iter()
        .map(|(id, h)| {
            ticket(
                *id,
                "",
                &TicketFields {
                    hours: *h,
                    ..Default::default()
                }
                .xml(*id),
            )
        })
        .collect();
    let (records, _) = records_with(&[envelope("Ticket", &entities)], &s);
    let program = compile_ok(
        &ticket_mapping(
            "  pay.base.amount = EstimatedHours | ranges { <= 2: 150, <= 4: 250, _: 400 }\n  \
             pay.base.units = EstimatedHours | ranges { < 2: 1, < 4: 2, _: 3 }",
        ),
        &s,
    );
    let expected = [
        (10, json!(150), json!(2)),
        (11, json!(250), json!(2)),
        (12, json!(250), json!(3)),
        (13, json!(150), json!(1)),
        (14, Json::Null, Json::Null),
        (15, json!(150), json!(1)),
    ];
    for (id, amount, units) in expected {
        let evaluation = evaluate(&program, &records, id);
        let base = &evaluation.work_order["pay"]["base"];
        assert_eq!(base["amount"], amount, "ticket {id} amount");
        assert_eq!(base["units"], units, "ticket {id} units");
    }
    // A null estimate gives no value, reported rather than guessed.
    let evaluation = evaluate(&program, &records, 14);
    assert_eq!(
        missing_targets(&evaluation),
        vec!["pay.base.amount", "pay.base.units"]
    );
}

#[test]
fn tables_fall_back_to_their_default() {
    let s = schemas();
    let source = format!(
        "{}\n{}",
        ticket_mapping(
            "  types_of_work[0].id = IssueType | work_type\n  \
             location.display_name = udf(\"Room Number\") ?? \"none\" | floor"
        ),
        r#"table work_type: Ticket.IssueType -> int {
  "Hardware", "Network" => 62
  "Printer/Peripheral"  => 64
  _                     => 1
}

table floor: string -> string {
  "B-12" => "Floor B"
  _      => "Ground floor"
}
"#
    );
    let program = compile_ok(&source, &s);
    let xml = envelope(
        "Ticket",
        &ticket(
            20,
            "",
            &TicketFields {
                issue_type: "99",
                ..Default::default()
            }
            .xml(20),
        ),
    );
    let (records, _) = records_with(&[xml], &s);
    let expected = [
        // Printer/Peripheral, room B-12.
        (9137, 64, "Floor B"),
        // Network, no room.
        (9138, 62, "Ground floor"),
        // Hardware.
        (9139, 62, "Ground floor"),
        // An IssueType id the tenant does not list.
        (20, 1, "Ground floor"),
    ];
    for (id, work_type, floor) in expected {
        let wo = evaluate(&program, &records, id).work_order;
        assert_eq!(
            wo["types_of_work"][0]["id"],
            json!(work_type),
            "ticket {id}"
        );
        assert_eq!(wo["location"]["display_name"], json!(floor), "ticket {id}");
    }
}

// ---- outbound rules -------------------------------------------------------------------------

fn event(name: &str) -> Json {
    let path = root()
        .join("mappings")
        .join("fixtures")
        .join("events")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("event body")).expect("JSON")
}

#[test]
fn outbound_rules_write_status_ids_udfs_and_notes() {
    let s = schemas();
    let program = compile_ok(&demo_mapping("status-sync.fmap"), &s);
    let (records, _) = records_with(&[], &s);
    let ticket = records.get("Ticket", 9137).expect("ticket 9137");

    let changes = program
        .on_event(&event("assigned"), ticket, &ctx(), None)
        .expect("event applies");
    assert_eq!(changes.event, "workorder.status.assigned");
    assert_eq!(changes.record_id, 9137);
    assert!(changes.issues.is_empty(), "{:?}", changes.issues);
    assert!(changes.notes.is_empty());
    let status = &changes.updates[0];
    assert_eq!(status.field, "Status");
    assert!(!status.udf);
    assert_eq!(status.value, "29682834");
    assert_eq!(status.xsd_type, "xsd:int");
    assert_eq!(status.label.as_deref(), Some("Assigned to Field Tech"));
    assert_eq!(status.previous, json!(29682833));
    let udfs: Vec<(&str, &str)> = changes.updates[1..]
        .iter()
        .map(|u| (u.field.as_str(), u.value.as_str()))
        .collect();
    assert_eq!(
        udfs,
        vec![
            ("FN Technician", "Jordan Reyes"),
            ("FN Work Order ID", "1234567")
        ]
    );
    assert!(changes.updates[1..].iter().all(|u| u.udf));

    // A date-time UDF is written as Eastern wall clock.
    let changes = program
        .on_event(&event("checked-in"), ticket, &ctx(), None)
        .expect("event applies");
    assert_eq!(changes.updates[1].field, "FN Checked In At");
    assert_eq!(changes.updates[1].value, "2025-01-15T09:02:40");
    assert_eq!(changes.updates[1].xsd_type, "xsd:dateTime");

    // An internal note with a type label.
    let changes = program
        .on_event(&event("work-done"), ticket, &ctx(), None)
        .expect("event applies");
    assert!(changes.updates.is_empty());
    assert_eq!(changes.notes.len(), 1);
    let note = &changes.notes[0];
    assert_eq!(note.record_id, 9137);
    assert_eq!(note.title, "Field Nation work order 1234567 done");
    assert_eq!(
        note.description,
        "Technician: Jordan Reyes\nReplaced fuser unit & re-paired scanner.\n\
         Printed test page; customer signed off."
    );
    assert_eq!(note.note_type, 29682871, "NoteType \"Field Update\"");
    assert_eq!(
        note.publish, 2,
        "internal: Publish \"Internal Project Team\""
    );

    // A note without type or publish takes the tenant's defaults.
    let changes = program
        .on_event(&event("approved"), ticket, &ctx(), None)
        .expect("event applies");
    assert_eq!(
        changes.updates[0].label.as_deref(),
        Some("Complete - Customer Notified")
    );
    assert_eq!(
        changes.notes[0].note_type, 3,
        "default NoteType \"Task Notes\""
    );
    assert_eq!(
        changes.notes[0].publish, 1,
        "Publish \"All Autotask Users\""
    );

    // An event no rule names changes nothing.
    let mut other = event("assigned");
    other["event"]["name"] = json!("workorder.status.published");
    let changes = program
        .on_event(&other, ticket, &ctx(), None)
        .expect("applies");
    assert!(changes.updates.is_empty() && changes.notes.is_empty());
}

#[test]
fn outbound_rules_cannot_write_read_only_fields() {
    let source = "on workorder.status.checked_in {\n  \
                  ticket.CreateDate = timestamp\n}\n";
    let diagnostics = compile_err(source);
    assert_eq!(diagnostics.len(), 1, "{}", render(&diagnostics, source));
    let d = &diagnostics[0];
    assert_eq!(d.code.as_str(), "FM0602");
    assert_eq!(d.code, Code::ReadOnlyField);
    let at = source.find("CreateDate").expect("field in source");
    assert_eq!(d.primary_span().start, at);
    assert_eq!(d.primary_span().end, at + "CreateDate".len());
    assert!(d.message.contains("Ticket.CreateDate"), "{}", d.message);
}

#[test]
fn a_note_needs_a_description_and_known_fields() {
    let source =
        "on workorder.status.work_done {\n  note {\n    title = \"x\"\n    body = \"y\"\n  }\n}\n";
    let codes: Vec<&str> = compile_err(source)
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, vec!["FM0214", "FM0603"]);
}

// ---- QueryXML -------------------------------------------------------------------------------

fn trigger_queries(source: &str) -> Vec<Result<String, String>> {
    let program = compile_ok(source, &schemas());
    program.mappings()[0]
        .triggers()
        .iter()
        .map(|t| t.query().map(|q| q.to_pretty_xml()).map_err(str::to_string))
        .collect()
}

#[test]
fn a_trigger_becomes_queryxml_with_labels_as_ids() {
    let queries = trigger_queries(&ticket_mapping(
        "  trigger when Status == \"Dispatch to Field\" and QueueID in [\"Field Services\", \"Client Portal\"] \
         and udf(\"Send to FN\") != \"No\"",
    ));
    let expected = "<queryxml>
  <entity>Ticket</entity>
  <query>
    <field>Status<expression op=\"Equals\">29682833</expression></field>
    <condition>
      <condition>
        <field>QueueID<expression op=\"Equals\">29683481</expression></field>
      </condition>
      <condition operator=\"OR\">
        <field>QueueID<expression op=\"Equals\">29683497</expression></field>
      </condition>
    </condition>
    <field udf=\"true\">Send to FN<expression op=\"NotEqual\">No</expression></field>
  </query>
</queryxml>";
    assert_eq!(queries, vec![Ok(expected.to_string())]);
}

#[test]
fn triggers_without_queryxml_say_why() {
    let queries = trigger_queries(&ticket_mapping(
        "  trigger when udf(\"Send to FN\") == \"Yes\" and udf(\"Synced to FN\") == \"No\"\n  \
         trigger when Account.City == \"Minneapolis\"\n  \
         trigger when Status == \"New\" or Contact.FirstName is null",
    ));
    assert_eq!(queries.len(), 3);
    let reason = |i: usize| queries[i].clone().expect_err("no QueryXML");
    assert_eq!(
        reason(0),
        "Autotask allows one UDF per query, and this trigger tests \"Send to FN\" and \"Synced to FN\""
    );
    assert!(reason(1).contains("related entities"), "{}", reason(1));
    assert!(reason(2).contains("related entities"), "{}", reason(2));
}

// ---- threads --------------------------------------------------------------------------------

#[test]
fn one_program_evaluates_the_same_from_eight_threads() {
    let s = schemas();
    let program = compile_ok(&demo_mapping("dispatch-service-ticket.fmap"), &s);
    same_results_from_eight_threads(&program, &s);
}

#[test]
fn a_program_with_jsonnet_evaluates_the_same_from_eight_threads() {
    let s = schemas();
    let source = format!(
        "{}\n",
        ticket_mapping(
            "  custom_fields[140] = jsonnet(Account.ParentAccount) |||\n    \
             local parent = $.input.Account.ParentAccount;\n    \
             if parent == null then 'none' else parent.AccountName\n  |||\n  \
             pay.base.amount = jsonnet() ||| $.input.EstimatedHours * 100 |||"
        )
    );
    let program = compile_ok(&source, &s);
    let single = same_results_from_eight_threads(&program, &s);
    let custom = &single[0]["work_order"]["custom_fields"]["results"][0]["results"];
    assert_eq!(custom[0]["value"], json!("Müller Hospitality Group"));
    assert_eq!(single[0]["work_order"]["pay"]["base"]["amount"], json!(250));
}

/// Evaluates the demo tickets once, then from eight threads at once, and checks that every
/// result equals the single-threaded one; returns the single-threaded results.
fn same_results_from_eight_threads(program: &Program, s: &Arc<Schemas>) -> Vec<Json> {
    let (records, _) = records_with(&[], s);
    let ids = [9137, 9138, 9139];
    let single: Vec<Json> = ids
        .iter()
        .map(|&id| serde_json::to_value(evaluate(program, &records, id)).expect("JSON"))
        .collect();
    assert_eq!(single.len(), 3);
    assert!(single.iter().all(|e| e["work_order"]["title"].is_string()));
    assert!(
        single.iter().all(|e| e["issues"]
            .as_array()
            .is_some_and(|issues| issues.iter().all(|i| i["severity"] != "error"))),
        "{single:?}"
    );

    let results: Vec<Vec<Json>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let records = &records;
                scope.spawn(move || {
                    let ctx = ctx();
                    let mut out = Vec::new();
                    for round in 0..40 {
                        // Each thread walks the tickets in its own order.
                        let id = ids[(t + round) % ids.len()];
                        let evaluation = program.evaluate(records, id, &ctx, 0).expect("evaluates");
                        out.push(serde_json::to_value(evaluation).expect("JSON"));
                    }
                    (t, out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                let (t, out) = h.join().expect("thread did not panic");
                // Put each result back beside its ticket.
                let mut by_ticket = vec![Json::Null; ids.len()];
                for (round, value) in out.into_iter().enumerate() {
                    let i = (t + round) % ids.len();
                    if by_ticket[i].is_null() {
                        by_ticket[i] = value;
                    } else {
                        assert_eq!(by_ticket[i], value, "thread {t} round {round}");
                    }
                }
                by_ticket
            })
            .collect()
    });
    assert_eq!(results.len(), 8);
    for (t, by_ticket) in results.iter().enumerate() {
        assert_eq!(by_ticket, &single, "thread {t}");
    }
    single
}

// ---- overlaps and arm types -----------------------------------------------------------------

#[test]
fn overlapping_assignments_are_reported() {
    let source = ticket_mapping(
        "  location = null\n  location.city = Account.City\n  \
         custom_fields.results[0].results[0].value = \"first\"\n  custom_fields[129] = TicketNumber",
    );
    let diagnostics = match fieldmap::compile(&source, schemas()) {
        Ok(_) => Vec::new(),
        Err(failure) => failure.diagnostics,
    };
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, vec!["FM0606", "FM0606"]);
    // The later assignment is the one marked.
    let at = source.find("location.city").expect("in source");
    assert_eq!(diagnostics[0].primary_span().start, at);
}

// ---- known bugs -----------------------------------------------------------------------------

#[test]
fn a_lt_arm_then_a_le_arm_with_the_same_bound_catches_the_bound() {
    let s = schemas();
    let program = compile_ok(
        &ticket_mapping(
            "  location.display_name = EstimatedHours | ranges { < 2: \"below\", <= 2: \"two\", _: \"above\" }",
        ),
        &s,
    );
    let entities: String = [(30, "1.5"), (31, "2"), (32, "2.5")]
        .iter()
        .map(|(id, h)| {
            ticket(
                *id,
                "",
                &TicketFields {
                    hours: Some(h),
                    ..Default::default()
                }
                .xml(*id),
            )
        })
        .collect();
    let (records, _) = records_with(&[envelope("Ticket", &entities)], &s);
    for (id, want) in [(30, "below"), (31, "two"), (32, "above")] {
        let wo = evaluate(&program, &records, id).work_order;
        assert_eq!(wo["location"]["display_name"], json!(want), "ticket {id}");
    }
}

#[test]
fn a_picklist_match_arm_reads_as_its_label_when_the_arms_are_text() {
    let s = schemas();
    let program = compile_ok(
        &ticket_mapping(
            "  location.address1 = match IssueType { \"Hardware\" => IssueType, _ => \"Other\" }",
        ),
        &s,
    );
    let (records, _) = records_with(&[], &s);
    let evaluation = evaluate(&program, &records, 9139);
    assert_eq!(
        evaluation.work_order["location"]["address1"],
        json!("Hardware")
    );
}

#[test]
fn a_note_whose_description_is_null_is_not_created() {
    let s = schemas();
    let program = compile_ok(
        "on workorder.status.assigned {\n  note {\n    description = workorder.closing_notes\n  }\n}\n",
        &s,
    );
    let (records, _) = records_with(&[], &s);
    let ticket = records.get("Ticket", 9137).expect("ticket 9137");
    // The demo `assigned` event has no closing notes.
    let changes = program
        .on_event(&event("assigned"), ticket, &ctx(), None)
        .expect("event applies");
    assert!(changes.notes.is_empty(), "{:?}", changes.notes);
    assert!(!changes.issues.is_empty(), "the note left out is reported");
}
