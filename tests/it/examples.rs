//! What every example mapping in `mappings/` must hold on the demo data, through the library:
//! each work order fits Field Nation's WorkOrderCreateDto with no error, the trigger verdicts,
//! the facts each example exists to show, and the Autotask changes each event makes. The exact
//! output of each example is asserted once, by its `mappings/*.test.json` (run by
//! `test_runner::the_example_suites_pass_and_report_coverage`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fieldmap::EvalContext;
use fieldmap::Program;
use fieldmap::RecordSet;
use fieldmap::runtime::evaluate::Evaluation;
use fieldmap::runtime::outbound::AutotaskChanges;
use fieldmap::schema::{PickValue, Schemas};
use serde_json::{Value, json};

const SERVICE_TICKET: &str = "dispatch-service-ticket.fmap";
const PROJECT_TASK: &str = "dispatch-project-task.fmap";
const SERVICE_CALL: &str = "dispatch-service-call.fmap";
const STATUS_SYNC: &str = "status-sync.fmap";
const PARENT_ACCOUNT: &str = "dispatch-with-parent-account.fmap";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The bundled schemas, every fixture loaded with them, and the pinned clock.
struct Demo {
    schemas: Arc<Schemas>,
    records: RecordSet,
    ctx: EvalContext,
}

impl Demo {
    fn load() -> Self {
        let schemas = Arc::new(Schemas::bundled().expect("bundled schemas load"));
        let mut records = RecordSet::new();
        let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("mappings/fixtures"))
            .expect("fixtures folder")
            .map(|e| e.expect("fixture entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "xml"))
            .collect();
        files.sort();
        assert_eq!(files.len(), 8, "{files:?}");
        for file in &files {
            let report =
                fieldmap::autotask::load_query_response(&read(file), &schemas, &mut records)
                    .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            assert!(
                !report.loaded.is_empty(),
                "{} loads records",
                file.display()
            );
        }
        let now = fieldmap::time::parse_autotask_datetime("2025-01-15T09:00:00")
            .expect("the pinned clock parses")
            .0;
        Demo {
            schemas,
            records,
            ctx: EvalContext::at(now),
        }
    }

    fn compile(&self, example: &str) -> Program {
        let path = root().join("mappings").join(example);
        let source = read(&path);
        fieldmap::compile_importing(
            &source,
            self.schemas.clone(),
            &fieldmap::Imports::file(&path),
        )
        .map(|c| c.program)
        .unwrap_or_else(|f| panic!("{example} compiles: {:#?}", f.diagnostics))
    }

    /// Evaluates the example's only mapping for every record of its source entity, checks each
    /// work order against WorkOrderCreateDto.
    fn evaluate_all(&self, example: &str) -> BTreeMap<i64, Evaluation> {
        let program = self.compile(example);
        assert_eq!(program.mappings().len(), 1, "{example} holds one mapping");
        let source = &program.mappings()[0].source();
        let mut results = BTreeMap::new();
        for record in self.records.of_entity(source) {
            let evaluation = program
                .evaluate(&self.records, record.id, &self.ctx, 0)
                .unwrap_or_else(|e| panic!("{example} {source} {}: {e}", record.id));
            assert_eq!(evaluation.source_id, record.id);
            let problems = self.schemas.workorder.validate(&evaluation.work_order);
            assert!(
                problems.is_empty(),
                "{example} {source} {}: the work order does not fit WorkOrderCreateDto: \
                 {problems:?}\n{:#}",
                record.id,
                evaluation.work_order
            );
            assert!(
                !evaluation.has_errors(),
                "{example} {source} {}: {:#?}",
                record.id,
                evaluation.issues
            );
            results.insert(record.id, evaluation);
        }
        results
    }
}

fn verdicts(results: &BTreeMap<i64, Evaluation>) -> Vec<(i64, bool)> {
    results.iter().map(|(id, e)| (*id, e.triggered)).collect()
}

/// The `custom_fields[id]` value of a work order.
fn custom_field(work_order: &Value, id: i64) -> &Value {
    work_order["custom_fields"]["results"][0]["results"]
        .as_array()
        .expect("custom fields")
        .iter()
        .find(|f| f["id"] == id)
        .map(|f| &f["value"])
        .unwrap_or_else(|| panic!("no custom field {id}"))
}

fn issue_targets(evaluation: &Evaluation) -> Vec<(String, &'static str)> {
    evaluation
        .issues
        .iter()
        .map(|i| (i.target.clone().unwrap_or_default(), i.severity.as_str()))
        .collect()
}

// ---------------------------------------------------------------------------------------------

#[test]
fn every_example_is_tested_and_compiles_cleanly() {
    let mut found: Vec<String> = std::fs::read_dir(root().join("mappings"))
        .expect("mappings folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".fmap"))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            PROJECT_TASK,
            SERVICE_CALL,
            SERVICE_TICKET,
            PARENT_ACCOUNT,
            STATUS_SYNC,
            // The tables the service call imports.
            "us-sites.fmap",
        ],
        "a new example needs its exact-output test here"
    );
    let schemas = Arc::new(Schemas::bundled().unwrap());
    for example in &found {
        let path = root().join("mappings").join(example);
        let source = read(&path);
        let imports = fieldmap::Imports::file(&path);
        let compiled = fieldmap::compile_importing(&source, schemas.clone(), &imports)
            .unwrap_or_else(|f| panic!("{example}: {:#?}", f.diagnostics));
        assert!(
            compiled.warnings.is_empty(),
            "{example}: {:#?}",
            compiled.warnings
        );
    }
}

#[test]
fn parent_account_through_jsonnet() {
    let demo = Demo::load();
    let results = demo.evaluate_all(PARENT_ACCOUNT);
    assert_eq!(
        verdicts(&results),
        [(9137, true), (9138, false), (9139, false)]
    );
    let wo = &results[&9137].work_order;
    // The ticket's account (Café Müller & Söhne) belongs to Müller Hospitality Group.
    assert_eq!(
        wo["title"],
        "T20250114.0042: Printer & scanner down – Café Müller front desk (Müller Hospitality Group)"
    );
    assert_eq!(custom_field(wo, 140), "Müller Hospitality Group");
    assert_eq!(custom_field(wo, 141), "Café Müller & Söhne");
    assert_eq!(custom_field(wo, 142), "8801");
    // Northwind Dental has no parent: the block falls back to the account itself.
    let wo = &results[&9138].work_order;
    assert!(
        wo["title"]
            .as_str()
            .unwrap()
            .ends_with("(Northwind Dental)"),
        "{wo:#}"
    );
    assert_eq!(custom_field(wo, 140), "none");
    assert_eq!(custom_field(wo, 141), "no contact");
}

#[test]
fn service_ticket() {
    let demo = Demo::load();
    let results = demo.evaluate_all(SERVICE_TICKET);
    assert_eq!(
        verdicts(&results),
        [(9137, true), (9138, true), (9139, false)]
    );

    let wo = &results[&9137].work_order;
    assert_eq!(
        wo["title"],
        "T20250114.0042: Printer & scanner down – Café Müller front desk"
    );
    // "Printer/Peripheral" through the work_type table.
    assert_eq!(wo["types_of_work"][0], json!({"id": 64, "isPrimary": true}));
    // 09:00 New York wall clock in January is 14:00 UTC.
    assert_eq!(
        wo["schedule"]["service_window"]["start"]["utc"],
        "2025-01-15 14:00:00"
    );
    // The window is as long as the estimate: 2.5 hours.
    assert_eq!(
        wo["schedule"]["service_window"]["end"]["utc"],
        "2025-01-15 16:30:00"
    );
    // 2.5 estimated hours fall in `<= 4`.
    assert_eq!(wo["pay"]["base"]["amount"], 250);
    assert_eq!(wo["location"]["display_name"], "Café Müller & Söhne");
    assert_eq!(
        wo["description"]["html"],
        "Front desk printer (HP LaserJet M507) shows &quot;Error 49.4C02&quot; &amp; the \
         scanner won&#39;t pair.<br>Replace fuser if &lt; 5% life."
    );
    assert_eq!(
        wo["contacts"]["results"],
        json!([
            {"role": "Location Contact", "name": "Zoë Schmidt", "phone": "612-555-0143",
             "email": "zoe.schmidt@cafe-mueller.example"},
            {"role": "Resource coordinator", "name": "Dana Whitfield",
             "email": "dana.whitfield@msp.example"}
        ])
    );
    assert_eq!(custom_field(wo, 129), "T20250114.0042");
    // A Minnesota site: its clock is Central, through the `site_zone` table.
    assert_eq!(custom_field(wo, 131), "01/15/2025 8:00 AM CST");
    assert_eq!(custom_field(wo, 135), "High");
    assert_eq!(custom_field(wo, 137), "Badge at reception — ask for Zoë");
    assert!(
        results[&9137].issues.is_empty(),
        "{:#?}",
        results[&9137].issues
    );

    let wo = &results[&9138].work_order;
    assert_eq!(wo["pay"]["base"]["amount"], 400);
    assert_eq!(wo["types_of_work"][0]["id"], 71);
    assert_eq!(wo["description"]["html"], "No description given.");
    // 01:30 on the day New York falls back happens twice; the earlier (EDT) one is taken.
    assert_eq!(
        wo["schedule"]["service_window"]["start"]["utc"],
        "2024-11-03 05:30:00"
    );
    // An Illinois site, still on daylight time at 05:30 UTC; six estimated hours end the window.
    assert_eq!(custom_field(wo, 131), "11/03/2024 12:30 AM CDT");
    assert_eq!(
        wo["schedule"]["service_window"]["end"]["utc"],
        "2024-11-03 11:30:00"
    );
    assert_eq!(custom_field(wo, 135), "Medium");
    assert_eq!(custom_field(wo, 137), "None");
    // No contact on the ticket: the site contact is the account's primary contact.
    assert_eq!(
        wo["contacts"],
        json!({"results": [{
            "role": "Location Contact",
            "name": "Raj Patel",
            "phone": "312-555-0123",
            "email": "raj.patel@northwind-dental.example",
        }]}),
        "{wo:#}"
    );
    assert!(wo["location"].get("address2").is_none(), "{wo:#}");
    assert_eq!(
        issue_targets(&results[&9138]),
        [
            ("location.address2".to_string(), "warning"),
            ("contacts.results[1].name".to_string(), "warning"),
            ("contacts.results[1].email".to_string(), "warning"),
            // DueDateTime is 01:30 on the fall-back night: each rule that reads it says so.
            ("schedule.service_window.start.utc".to_string(), "warning"),
            ("schedule.service_window.end.utc".to_string(), "warning"),
            ("custom_fields[131]".to_string(), "warning"),
        ]
    );

    // Not dispatched (status "New", Level I queue), but its work order is still computed.
    let wo = &results[&9139].work_order;
    assert_eq!(wo["title"], "T20250114.0051: Replace docking station");
    assert_eq!(wo["types_of_work"][0]["id"], 62);
    assert_eq!(wo["pay"]["base"]["amount"], 150);
}

#[test]
fn project_task() {
    let demo = Demo::load();
    let results = demo.evaluate_all(PROJECT_TASK);
    assert_eq!(verdicts(&results), [(7701, true), (7702, false)]);

    let wo = &results[&7701].work_order;
    assert_eq!(
        wo["title"],
        "Northwind Dental – Wi-Fi refresh: Install ceiling access points – floor 2"
    );
    assert_eq!(
        wo["location"]["display_name"],
        "Northwind Dental – Loop office"
    );
    assert_eq!(wo["location"]["address2"], "Floor 2");
    assert_eq!(
        wo["contacts"]["results"][0],
        json!({"role": "Project manager", "name": "Marcus Oyelaran",
               "email": "marcus.oyelaran@msp.example", "phone": "651-555-0111"})
    );
    // 09:00–12:30 New York in July (EDT) is 13:00–16:30 UTC.
    assert_eq!(
        wo["schedule"]["service_window"],
        json!({"mode": "hours", "start": {"utc": "2025-07-15 13:00:00"},
               "end": {"utc": "2025-07-15 16:30:00"}})
    );
    // PriorityLabel "High" pays the higher rate; 3.5 estimated hours.
    assert_eq!(
        wo["pay"],
        json!({"type": "hourly", "base": {"amount": 95, "units": 3.5}})
    );
    assert_eq!(custom_field(wo, 129), "T20250601.0003.004");
    assert_eq!(custom_field(wo, 133), "P20250601.0003");
    assert!(
        results[&7701].issues.is_empty(),
        "{:#?}",
        results[&7701].issues
    );

    // "Fixed Work", not "On-Site": no dispatch. Without an end, it ends 4 hours after it starts.
    let wo = &results[&7702].work_order;
    assert_eq!(
        wo["schedule"]["service_window"]["end"]["utc"],
        "2025-07-16 17:00:00"
    );
    assert_eq!(wo["pay"]["base"], json!({"amount": 75, "units": 2}));
}

#[test]
fn service_call() {
    let demo = Demo::load();
    let results = demo.evaluate_all(SERVICE_CALL);
    assert_eq!(verdicts(&results), [(4401, true)]);

    let wo = &results[&4401].work_order;
    assert_eq!(wo["title"], "Café Müller & Söhne: service call 4401");
    assert_eq!(wo["types_of_work"][0]["id"], 62);
    assert_eq!(wo["location"]["display_name"], "Café Müller – Uptown");
    assert_eq!(wo["location"]["country"], "US");
    // 13:00 New York on the day clocks spring forward is already EDT: 17:00 UTC.
    assert_eq!(
        wo["schedule"]["service_window"],
        json!({"mode": "between", "start": {"utc": "2025-03-09 17:00:00"},
               "end": {"utc": "2025-03-09 19:30:00"}})
    );
    assert_eq!(
        wo["pay"],
        json!({"type": "hourly", "base": {"amount": 85, "units": 2.5}})
    );
    assert_eq!(custom_field(wo, 129), "SC-4401");
    assert_eq!(custom_field(wo, 131), "Sun Mar 9, 12:00 PM CDT");
    assert!(
        results[&4401].issues.is_empty(),
        "{:#?}",
        results[&4401].issues
    );
}

#[test]
fn the_work_order_check_is_not_vacuous() {
    let demo = Demo::load();
    let program = demo.compile(SERVICE_TICKET);
    let mut wo = program
        .evaluate(&demo.records, 9137, &demo.ctx, 0)
        .unwrap()
        .work_order;
    assert!(demo.schemas.workorder.validate(&wo).is_empty());
    wo["location"]["mode"] = json!("somewhere");
    wo["pay"]["base"]["amount"] = json!("250");
    wo["colour"] = json!("red");
    let problems = demo.schemas.workorder.validate(&wo);
    assert_eq!(problems.len(), 3, "{problems:?}");
}

#[test]
fn evaluation_from_many_threads_matches() {
    let demo = Demo::load();
    let program = demo.compile(SERVICE_TICKET);
    let expected: Vec<Value> = [9137, 9138, 9139]
        .iter()
        .map(|id| {
            program
                .evaluate(&demo.records, *id, &demo.ctx, 0)
                .unwrap()
                .work_order
        })
        .collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    [9137, 9138, 9139]
                        .iter()
                        .map(|id| {
                            program
                                .evaluate(&demo.records, *id, &demo.ctx, 0)
                                .unwrap()
                                .work_order
                        })
                        .collect::<Vec<Value>>()
                })
            })
            .collect();
        for handle in handles {
            assert_eq!(handle.join().unwrap(), expected);
        }
    });
}

// ---------------------------------------------------------------------------------------------
// status-sync.fmap
// ---------------------------------------------------------------------------------------------

/// Applies `events/<name>.json` to ticket 9137.
fn apply(demo: &Demo, program: &Program, name: &str) -> AutotaskChanges {
    let path = root()
        .join("mappings/fixtures/events")
        .join(format!("{name}.json"));
    let event: Value = serde_json::from_str(&read(&path)).expect("event is JSON");
    let ticket = demo.records.get("Ticket", 9137).expect("ticket 9137");
    let changes = program
        .on_event(&event, ticket, &demo.ctx, None)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(changes.record_id, 9137);
    assert!(changes.issues.is_empty(), "{name}: {:#?}", changes.issues);
    changes
}

/// The tenant's id for a picklist label.
fn pick(schemas: &Schemas, entity: &str, field: &str, label: &str) -> i64 {
    let entry = schemas
        .tenant
        .picklist(entity, field)
        .and_then(|p| p.by_label(label))
        .unwrap_or_else(|| panic!("{entity}.{field} has no {label:?}"));
    match entry.value {
        PickValue::Int(id) => id,
        PickValue::Str(ref s) => panic!("{entity}.{field} {label:?} is {s:?}"),
    }
}

/// `(field, udf, value, label)` of each update.
fn updates(changes: &AutotaskChanges) -> Vec<(&str, bool, &str, Option<&str>)> {
    changes
        .updates
        .iter()
        .map(|u| {
            (
                u.field.as_str(),
                u.udf,
                u.value.as_str(),
                u.label.as_deref(),
            )
        })
        .collect()
}

#[test]
fn status_sync() {
    let demo = Demo::load();
    let program = demo.compile(STATUS_SYNC);
    assert!(program.mappings().is_empty());
    let s = &demo.schemas;

    let assigned = apply(&demo, &program, "assigned");
    assert_eq!(assigned.event, "workorder.status.assigned");
    assert_eq!(
        pick(s, "Ticket", "Status", "Assigned to Field Tech"),
        29682834
    );
    assert_eq!(
        updates(&assigned),
        [
            ("Status", false, "29682834", Some("Assigned to Field Tech")),
            ("FN Technician", true, "Jordan Reyes", None),
            ("FN Work Order ID", true, "1234567", None),
        ]
    );
    assert_eq!(assigned.updates[0].xsd_type, "xsd:int");
    // The ticket was in "Dispatch to Field".
    assert_eq!(assigned.updates[0].previous, json!(29682833));
    assert_eq!(assigned.updates[1].xsd_type, "xsd:string");
    assert!(assigned.notes.is_empty());

    let checked_in = apply(&demo, &program, "checked-in");
    assert_eq!(
        updates(&checked_in),
        [
            ("Status", false, "29682835", Some("On Site")),
            // 08:02:40-06:00 is 14:02:40 UTC, written as New York wall clock.
            ("FN Checked In At", true, "2025-01-15T09:02:40", None),
        ]
    );
    assert_eq!(checked_in.updates[1].xsd_type, "xsd:dateTime");
    assert!(checked_in.notes.is_empty());

    let work_done = apply(&demo, &program, "work-done");
    assert!(work_done.updates.is_empty());
    assert_eq!(work_done.notes.len(), 1);
    let note = &work_done.notes[0];
    assert_eq!(note.record_id, 9137);
    assert_eq!(note.title, "Field Nation work order 1234567 done");
    assert_eq!(
        note.description,
        "Technician: Jordan Reyes\nReplaced fuser unit & re-paired scanner.\n\
         Printed test page; customer signed off."
    );
    assert_eq!(pick(s, "TicketNote", "NoteType", "Field Update"), 29682871);
    assert_eq!(note.note_type, 29682871);
    assert_eq!(pick(s, "TicketNote", "Publish", "Internal Project Team"), 2);
    assert_eq!(note.publish, 2);

    let approved = apply(&demo, &program, "approved");
    assert_eq!(
        updates(&approved),
        [(
            "Status",
            false,
            "29682836",
            Some("Complete - Customer Notified")
        )]
    );
    assert_eq!(approved.notes.len(), 1);
    let note = &approved.notes[0];
    assert_eq!(note.title, "Field Nation work order 1234567 approved");
    // A plain `note`: the tenant's default type, published to all Autotask users.
    assert_eq!(pick(s, "TicketNote", "NoteType", "Task Notes"), 3);
    assert_eq!(note.note_type, 3);
    assert_eq!(pick(s, "TicketNote", "Publish", "All Autotask Users"), 1);
    assert_eq!(note.publish, 1);
}

#[test]
fn status_sync_ignores_an_event_without_a_rule() {
    let demo = Demo::load();
    let program = demo.compile(STATUS_SYNC);
    let mut event: Value = serde_json::from_str(&read(
        &root().join("mappings/fixtures/events/approved.json"),
    ))
    .unwrap();
    event["event"]["name"] = json!("workorder.status.paid");
    let ticket = demo.records.get("Ticket", 9137).unwrap();
    let changes = program.on_event(&event, ticket, &demo.ctx, None).unwrap();
    assert_eq!(changes.event, "workorder.status.paid");
    assert!(changes.updates.is_empty() && changes.notes.is_empty() && changes.issues.is_empty());
}
