//! `Program::evaluate_to_json` writes the work order straight to bytes. It must give exactly
//! `serde_json::to_vec` of the tree `Program::evaluate` builds, with the same issues, whatever
//! is left out, dropped or invalid.

use std::path::Path;
use std::sync::Arc;

use fieldmap::EvalContext;
use fieldmap::Program;
use fieldmap::RecordSet;
use fieldmap::Schemas;
use fieldmap::load_query_response;
use fieldmap::time::parse_autotask_datetime;
use serde_json::json;

struct Demo {
    schemas: Arc<Schemas>,
    records: RecordSet,
    ctx: EvalContext,
}

fn demo() -> Demo {
    let schemas = Arc::new(Schemas::bundled().expect("bundled schemas load"));
    let mut records = RecordSet::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/fixtures");
    for entry in std::fs::read_dir(&dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "xml") {
            let xml = std::fs::read_to_string(&path).expect("readable fixture");
            load_query_response(&xml, &schemas, &mut records).expect("fixture loads");
        }
    }
    let now = parse_autotask_datetime("2025-01-15T09:00:00").unwrap().0;
    Demo {
        schemas,
        records,
        ctx: EvalContext::at(now),
    }
}

fn compile(demo: &Demo, statements: &str) -> Program {
    let source = format!(
        "mapping \"Body\" {{\n  source autotask.Ticket\n  target fieldnation.WorkOrder\n{statements}\n}}\n"
    );
    fieldmap::compile(&source, demo.schemas.clone())
        .unwrap_or_else(|f| panic!("compiles: {:#?}\n{source}", f.diagnostics))
}

/// Evaluates both ways, asserts they agree, and returns the work order and issue messages.
fn both_ways(demo: &Demo, program: &Program, id: i64) -> (serde_json::Value, Vec<String>) {
    let tree = program.evaluate(&demo.records, id, &demo.ctx, 0).unwrap();
    // The body is appended to what the buffer holds already.
    let mut out = b"POST ".to_vec();
    let body = program
        .evaluate_to_json(&demo.records, id, &demo.ctx, 0, &mut out)
        .unwrap();
    assert_eq!(&out[..5], b"POST ");
    assert_eq!(
        String::from_utf8_lossy(&out[5..]),
        serde_json::to_string(&tree.work_order).unwrap(),
        "ticket {id}"
    );
    assert_eq!(
        serde_json::to_value(&body.issues).unwrap(),
        serde_json::to_value(&tree.issues).unwrap(),
        "ticket {id}"
    );
    assert_eq!((body.triggered, &body.log), (tree.triggered, &tree.log));
    assert_eq!(body.source_id, id);
    let messages = tree.issues.iter().map(|i| i.message.clone()).collect();
    (tree.work_order, messages)
}

#[test]
fn every_example_agrees_on_every_ticket() {
    let demo = demo();
    for example in [
        "dispatch-service-ticket.fmap",
        "dispatch-with-parent-account.fmap",
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("mappings")
            .join(example);
        let source = std::fs::read_to_string(path).unwrap();
        let program = fieldmap::compile(&source, demo.schemas.clone()).unwrap();
        for ticket in demo.records.of_entity("Ticket") {
            let (work_order, _) = both_ways(&demo, &program, ticket.id);
            assert!(work_order["title"].is_string(), "{example} {}", ticket.id);
        }
    }
}

#[test]
fn objects_without_data_are_left_out_and_constants_alone_do_not_keep_them() {
    let demo = demo();
    // The resource has no such phone; the contact block holds only constants then.
    let program = compile(
        &demo,
        "  title = TicketNumber\n  contacts[0].role = \"Resource coordinator\"\n  contacts[0].phone = AssignedResource.OfficePhone\n  \
         contacts[1].role = \"Location Contact\"\n  contacts[1].name = \"${Contact.FirstName} ${Contact.LastName}\"\n  \
         location.mode = \"custom\"\n  custom_fields[129] = Resolution\n  custom_fields[131] = TicketNumber",
    );
    for ticket in demo.records.of_entity("Ticket") {
        let (work_order, _) = both_ways(&demo, &program, ticket.id);
        // A constant-only object stays when it has no data rule at all.
        assert_eq!(work_order["location"], json!({"mode": "custom"}));
        assert_eq!(
            work_order["custom_fields"]["results"][0]["results"][0]["id"],
            json!(131)
        );
    }
}

#[test]
fn nothing_to_send_is_an_empty_object_with_the_title_missing() {
    let demo = demo();
    let program = compile(
        &demo,
        "  title = Resolution\n  contacts[0].name = Resolution",
    );
    let (work_order, messages) = both_ways(&demo, &program, 9137);
    assert_eq!(work_order, json!({}));
    assert!(
        messages
            .iter()
            .any(|m| m.contains("Field Nation requires `title`")),
        "{messages:?}"
    );
}

#[test]
fn nested_required_fields_and_values_typed_at_run_time_are_checked() {
    let demo = demo();
    // `local` needs both `date` and `time`; a `pay.bonuses` object needs nine fields; the
    // Jsonnet block's object is only known at run time.
    let program = compile(
        &demo,
        "  title = TicketNumber\n  schedule.service_window.mode = \"exact\"\n  \
         schedule.service_window.start.local.date = DueDateTime | format(\"YYYY-MM-DD\")\n  \
         pay.bonuses = jsonnet() ||| { id: 1, name: $.input.TicketNumber } |||",
    );
    let (work_order, messages) = both_ways(&demo, &program, 9137);
    assert_eq!(work_order["pay"]["bonuses"]["id"], json!(1));
    let invalid: Vec<&String> = messages
        .iter()
        .filter(|m| m.contains("does not fit"))
        .collect();
    assert!(
        invalid
            .iter()
            .any(|m| m.contains("$.schedule.service_window.start.local: required field `time`")),
        "{invalid:?}"
    );
    assert!(
        invalid
            .iter()
            .any(|m| m.contains("$.pay.bonuses: required field `charged`")),
        "{invalid:?}"
    );
}

#[test]
fn constants_are_written_from_fixed_text_unless_they_give_an_issue() {
    let demo = demo();
    let program = compile(
        &demo,
        "  title = TicketNumber\n  location.mode = \"custom\"\n  location.display_name = \"\"\n  \
         pay.base.units = 1\n  types_of_work[0].isPrimary = true",
    );
    let body = program.mappings()[0].body_shape();
    let fixed: Vec<Option<&str>> = body.fixed.iter().map(|f| f.as_deref()).collect();
    // The empty name gives a warning on every evaluation, so it is evaluated every time.
    assert_eq!(
        fixed,
        [None, Some("\"custom\""), None, Some("1"), Some("true")]
    );
    let (work_order, messages) = both_ways(&demo, &program, 9137);
    assert_eq!(work_order["location"], json!({"mode": "custom"}));
    assert_eq!(work_order["types_of_work"], json!([{"isPrimary": true}]));
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`location.display_name` has no value")),
        "{messages:?}"
    );
}

#[test]
fn constant_fields_stay_when_every_data_rule_is_empty() {
    let demo = demo();
    // Ticket 9137 has no "FN Technician": the only rule that reads data comes back empty.
    let program = compile(
        &demo,
        "  title = \"Fixed title\"\n  types_of_work[0].id = 62\n  \
         description.html = udf(\"FN Technician\")",
    );
    let (work_order, messages) = both_ways(&demo, &program, 9137);
    assert_eq!(
        work_order,
        json!({"title": "Fixed title", "types_of_work": [{"id": 62}]})
    );
    assert!(
        !messages.iter().any(|m| m.contains("requires")),
        "{messages:?}"
    );
    // Objects below the root are still left out when their data is empty.
    let program = compile(
        &demo,
        "  title = \"Fixed title\"\n  contacts[0].role = \"Location Contact\"\n  \
         contacts[0].name = udf(\"FN Technician\")",
    );
    let (work_order, _) = both_ways(&demo, &program, 9137);
    assert_eq!(work_order, json!({"title": "Fixed title"}));
}
