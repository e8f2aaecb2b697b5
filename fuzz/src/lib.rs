//! The properties the fuzz targets check, one function per target. Each takes the fuzzer's bytes
//! and panics when a property does not hold; garbage that is simply refused returns quietly.
//!
//! The fuzz targets (`fuzz/fuzz_targets/`) call these, and so does the regression test
//! `fuzz_regressions` in `tests/it/`, which includes this file as a module and replays every
//! input kept under `tests/fuzz_regressions/<target>/`. So this file uses nothing but `fieldmap`,
//! `serde_json` and `std`, and reads the shipped mappings and fixtures with `include_str!`,
//! which resolves beside this file in both builds.

use std::sync::{Arc, OnceLock};

use fieldmap::{EvalContext, Program, RecordSet, Schemas};

/// A property: panics when it does not hold for the input.
pub type Property = fn(&[u8]);

/// Every target by name: the fuzz targets' names, and the folders of the regression inputs.
pub const TARGETS: &[(&str, Property)] = &[
    ("program", program),
    ("soap", soap),
    ("events", events),
    ("formatter", formatter),
    ("jsonnet", jsonnet),
    ("autotask_webhook", autotask_webhook),
    ("fieldnation_signature", fieldnation_signature),
    ("broker_intake", broker_intake),
];

/// The shipped mappings, the sources of the demo records and the demo events.
const MAPPINGS: &[&str] = &[
    include_str!("../../mappings/dispatch-project-task.fmap"),
    include_str!("../../mappings/dispatch-service-call.fmap"),
    include_str!("../../mappings/dispatch-service-ticket.fmap"),
    include_str!("../../mappings/dispatch-with-parent-account.fmap"),
    include_str!("../../mappings/status-sync.fmap"),
];
const FIXTURES: &[&str] = &[
    include_str!("../../mappings/fixtures/accounts.xml"),
    include_str!("../../mappings/fixtures/contacts.xml"),
    include_str!("../../mappings/fixtures/locations.xml"),
    include_str!("../../mappings/fixtures/projects.xml"),
    include_str!("../../mappings/fixtures/resources.xml"),
    include_str!("../../mappings/fixtures/service-calls.xml"),
    include_str!("../../mappings/fixtures/tasks.xml"),
    include_str!("../../mappings/fixtures/tickets.xml"),
    include_str!("../../tests/golden/fixtures/edge-tickets.xml"),
];
const EVENTS: &[&str] = &[
    include_str!("../../mappings/fixtures/events/approved.json"),
    include_str!("../../mappings/fixtures/events/assigned.json"),
    include_str!("../../mappings/fixtures/events/checked-in.json"),
    include_str!("../../mappings/fixtures/events/work-done.json"),
];

fn schemas() -> Arc<Schemas> {
    static SCHEMAS: OnceLock<Arc<Schemas>> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| Arc::new(Schemas::bundled().expect("the bundled schemas load")))
        .clone()
}

fn demo_records() -> &'static RecordSet {
    static RECORDS: OnceLock<RecordSet> = OnceLock::new();
    RECORDS.get_or_init(|| {
        let mut records = RecordSet::new();
        for xml in FIXTURES {
            fieldmap::load_query_response(xml, &schemas(), &mut records)
                .expect("the demo fixtures load");
        }
        records
    })
}

fn shipped_programs() -> &'static [Program] {
    static PROGRAMS: OnceLock<Vec<Program>> = OnceLock::new();
    PROGRAMS.get_or_init(|| {
        MAPPINGS
            .iter()
            .map(|m| {
                // Their imports are read from the mappings folder (this file is built in the
                // fuzz crate and, for the regression tests, in the main one).
                let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
                let folder = [here.join("mappings"), here.join("../mappings")]
                    .into_iter()
                    .find(|f| f.is_dir())
                    .unwrap_or_default();
                let imports = fieldmap::Imports::file(&folder.join("shipped.fmap"));
                fieldmap::compile_importing(m, schemas(), &imports)
                    .map(|c| c.program)
                    .expect("the shipped mappings compile")
            })
            .collect()
    })
}

/// A fixed clock, so that a replayed input sees what the fuzzer saw.
fn ctx() -> EvalContext {
    let (clock, _) =
        fieldmap::time::parse_autotask_datetime("2025-01-15T09:00:00").expect("a valid clock");
    EvalContext::at(clock)
}

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Parse, check, compile; when it compiles, evaluate every mapping on every demo record of its
/// source entity both ways, which must agree, and apply the demo events to a demo ticket.
pub fn program(data: &[u8]) {
    let Some(source) = text(data) else { return };
    let _ = fieldmap::syntax::parse(source);
    let Ok(compiled) = fieldmap::compile_with_warnings(source, schemas()) else {
        return;
    };
    let program = compiled.program;
    let _ = fieldmap::ir::explain(&program);
    evaluate_all(&program, source);
    if let Some(ticket) = demo_records().of_entity("Ticket").first() {
        for event in EVENTS {
            let event: serde_json::Value = serde_json::from_str(event).expect("a demo event");
            let _ = program.on_event(&event, ticket, &ctx(), None);
        }
    }
}

/// What every evaluation of `program` on the demo records gives, the two ways agreeing: per
/// mapping and record, the work order's JSON text and the issues without their spans (which
/// formatting moves), or the error.
fn evaluate_all(program: &Program, source: &str) -> Vec<String> {
    let records = demo_records();
    let mut outcomes = Vec::new();
    for (index, mapping) in program.mappings().iter().enumerate() {
        let mut ids: Vec<i64> = records
            .of_entity(mapping.source())
            .iter()
            .map(|r| r.id)
            .collect();
        ids.push(-1);
        for id in ids {
            outcomes.push(both_ways(program, index, id, source));
        }
    }
    outcomes
}

/// `Program::evaluate` and `Program::evaluate_to_json` on one record: the same bytes, the same
/// issues, or the same error.
fn both_ways(program: &Program, index: usize, id: i64, source: &str) -> String {
    let (records, ctx) = (demo_records(), ctx());
    let tree = program.evaluate(records, id, &ctx, index);
    let mut body = Vec::new();
    let bytes = program.evaluate_to_json(records, id, &ctx, index, &mut body);
    match (tree, bytes) {
        (Ok(tree), Ok(bytes)) => {
            let written = String::from_utf8(body).expect("evaluate_to_json writes UTF-8");
            assert_eq!(
                written,
                tree.work_order.to_string(),
                "work orders differ: {source:?}"
            );
            let issues = serde_json::to_value(&tree.issues).expect("issues serialize");
            assert_eq!(
                serde_json::to_value(&bytes.issues).expect("issues serialize"),
                issues,
                "issues differ: {source:?}"
            );
            let issues: Vec<String> = tree
                .issues
                .iter()
                .map(|i| format!("{:?} {:?} {:?} {}", i.kind, i.severity, i.target, i.message))
                .collect();
            format!("{written} {issues:?}")
        }
        (Err(a), Err(b)) => {
            assert_eq!(a, b, "errors differ: {source:?}");
            format!("error: {a}")
        }
        (tree, bytes) => {
            panic!("one way failed: {source:?}\nevaluate: {tree:?}\nevaluate_to_json: {bytes:?}")
        }
    }
}

/// The SOAP reader and the record loader: a response either loads or is refused; what loads
/// is in the set under its entity and id, and loading is deterministic.
pub fn soap(data: &[u8]) {
    let Some(xml) = text(data) else { return };
    let mut records = RecordSet::new();
    let first = fieldmap::load_query_response(xml, &schemas(), &mut records);
    let mut again = RecordSet::new();
    let second = fieldmap::load_query_response(xml, &schemas(), &mut again);
    match (first, second) {
        (Ok(first), Ok(second)) => {
            assert_eq!(first.loaded, second.loaded);
            assert_eq!(first.issues, second.issues);
            for (entity, id) in &first.loaded {
                assert!(
                    records.get(entity, *id).is_some(),
                    "{entity} {id} not in the set"
                );
            }
            assert_eq!(records.len(), again.len());
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string());
            assert!(records.is_empty(), "a refused response left records behind");
        }
        (a, b) => panic!("loading twice differed: {a:?} / {b:?}"),
    }
}

/// An arbitrary JSON body as a Field Nation event, applied by every shipped mapping to every
/// demo ticket: an answer or an error, the same each time (outbound rules are pure).
pub fn events(data: &[u8]) {
    let Ok(event) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let ctx = ctx();
    for program in shipped_programs() {
        for ticket in demo_records().of_entity("Ticket") {
            let first = program.on_event(&event, ticket, &ctx, None);
            let second = program.on_event(&event, ticket, &ctx, None);
            assert_eq!(first, second, "on_event differed on the same event");
        }
    }
}

/// The formatter never corrupts: what it returns formats to itself, parses to the same tree,
/// and, when the original compiles, compiles to the same program (the same `explain`, the same
/// evaluations); when the original does not compile, neither does the result, with the same
/// codes. Refusing a file (FM0190) is allowed: the file is then left as it was.
pub fn formatter(data: &[u8]) {
    let Some(source) = text(data) else { return };
    let Ok(formatted) = fieldmap::syntax::format(source) else {
        return;
    };
    assert_eq!(
        fieldmap::syntax::format(&formatted).as_deref(),
        Ok(formatted.as_str()),
        "formatting twice changed the text"
    );
    let before = fieldmap::syntax::parse(source).expect("a file the formatter took parses");
    let after = fieldmap::syntax::parse(&formatted).expect("the formatted file parses");
    assert_eq!(
        without_spans(&format!("{after:?}")),
        without_spans(&format!("{before:?}")),
        "the formatted file parses to another tree:\n{formatted}"
    );
    match (
        fieldmap::compile(source, schemas()),
        fieldmap::compile(&formatted, schemas()),
    ) {
        (Ok(a), Ok(b)) => {
            assert_eq!(fieldmap::ir::explain(&b), fieldmap::ir::explain(&a));
            assert_eq!(evaluate_all(&b, &formatted), evaluate_all(&a, source));
        }
        (Err(a), Err(b)) => {
            let codes = |f: &fieldmap::CompileFailure| {
                let mut codes: Vec<String> = f
                    .diagnostics
                    .iter()
                    .map(|d| d.code.as_str().to_owned())
                    .collect();
                codes.sort();
                codes
            };
            assert_eq!(codes(&b), codes(&a), "other diagnostics after formatting");
        }
        (a, b) => panic!(
            "formatting changed whether the file compiles:\n{formatted}\nbefore: {:?}\nafter: {:?}",
            a.err(),
            b.err()
        ),
    }
}

/// A value's debug form with every `Span { … }` removed: two trees of the same shape compare
/// equal wherever their nodes sit in the text.
fn without_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find("Span {") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find('}').map_or(rest.len(), |e| e + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The input as a Jsonnet block's text in a mapping: the mapping compiles, or fails with the
/// block's own diagnostics (its syntax, its `$.input` paths); when it compiles, evaluating it on the demo tickets gives a work order
/// (a block's failure is an issue on its rule, never an error or the end of the process), the
/// same both ways. Blocks run in this process's worker threads here, where one way is left for
/// a block to end the process: an operator asking for more memory than there is (`'x' * 1e12`,
/// docs/jsonnet.md); a finding of that kind is that gap, closed by the binary's worker processes.
pub fn jsonnet(data: &[u8]) {
    let Some(code) = text(data) else { return };
    if code.contains("|||") {
        return; // would end the block early: the mapping's own syntax, which `program` fuzzes
    }
    let source = format!(
        "mapping \"M\" {{\n  source autotask.Ticket\n  target fieldnation.WorkOrder\n  title = Title\n  custom_fields[1] = jsonnet(Account, Contact) |||\n{code}\n  |||\n}}\n"
    );
    let program = match fieldmap::compile(&source, schemas()) {
        Ok(program) => program,
        Err(failure) => {
            for d in &failure.diagnostics {
                // FM0804: a `$.input` path the block reads is not in what it declared.
                assert!(
                    ["FM0802", "FM0804"].contains(&d.code.as_str()),
                    "a block's text gave another diagnostic: {}",
                    d.message
                );
            }
            return;
        }
    };
    for ticket in demo_records().of_entity("Ticket").iter().take(1) {
        let outcome = both_ways(&program, 0, ticket.id, &source);
        assert!(!outcome.starts_with("error:"), "{outcome}");
    }
}

/// Autotask's webhook body: a notice with a positive id and an entity name, or an error; and
/// `X-Hook-Signature` accepts exactly its own signature of the body.
pub fn autotask_webhook(data: &[u8]) {
    use fieldmap::autotask::webhook;
    if let Ok(notice) = webhook::parse(data) {
        assert!(notice.id > 0, "{notice:?}");
        assert!(!notice.entity_type.trim().is_empty(), "{notice:?}");
    }
    let (secret, body, header) = split3(data);
    let signed = webhook::sign(secret, body);
    assert!(webhook::verify(secret, body, &signed));
    if webhook::verify(secret, body, header) {
        assert_eq!(
            header.trim(),
            signed,
            "a header other than the signature was accepted"
        );
    }
}

/// Field Nation's `X-FN-Signature`: its own signature of the body verifies; any other header
/// that verifies spells the same bytes.
pub fn fieldnation_signature(data: &[u8]) {
    use fieldmap::fieldnation::signature;
    let (secret, body, header) = split3(data);
    let signed = signature::sign(secret, body);
    assert!(signature::verify(secret, body, &signed));
    let mut flipped = body.to_vec();
    flipped.push(b'x');
    assert!(!signature::verify(secret, &flipped, &signed));
    if signature::verify(secret, body, header) {
        assert_eq!(
            header.trim().to_ascii_lowercase(),
            signed,
            "a header other than the signature was accepted"
        );
    }
}

/// The input cut in three at its first two newlines: a secret, a body and a header.
fn split3(data: &[u8]) -> (&[u8], &[u8], &str) {
    let mut parts = data.splitn(3, |b| *b == b'\n');
    let secret = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();
    let header = parts
        .next()
        .map_or("", |h| std::str::from_utf8(h).unwrap_or(""));
    (secret, body, header)
}

/// The broker's intake hooks as they read a notice into a job, and the worker as it reads the
/// job back. The whole input is an Autotask hook body: a notice makes one dispatch job per
/// shipped mapping of its entity. Its first line is also Field Nation's `X-FN-Delivery-Id` and
/// the rest the hook's body: a JSON body makes an event job keyed by the delivery's uuid. Either
/// job's payload reads back to the same request, with the same event name, work order and time.
pub fn broker_intake(data: &[u8]) {
    use fieldmap::autotask::webhook;
    use fieldmap::broker::{DispatchRequest, EventDelivery};
    if let Ok(notice) = webhook::parse(data) {
        for program in shipped_programs() {
            for mapping in program.mappings() {
                if !mapping.source().eq_ignore_ascii_case(&notice.entity_type) {
                    continue;
                }
                let request = DispatchRequest::new(mapping.name(), mapping.source(), notice.id);
                let job = request.job();
                assert_eq!(DispatchRequest::parse(&job.payload).as_ref(), Ok(&request));
            }
        }
    }
    let mut lines = data.splitn(2, |b| *b == b'\n');
    let header = lines.next().unwrap_or_default();
    let body = lines.next().unwrap_or_default();
    // What `HeaderValue::to_str` accepts: visible ASCII, spaces and tabs.
    if !header
        .iter()
        .all(|b| (b' '..=b'~').contains(b) || *b == b'\t')
    {
        return;
    }
    let header = std::str::from_utf8(header).expect("ASCII");
    let delivery = header.split(':').next().unwrap_or(header).trim();
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        return;
    };
    if delivery.is_empty() {
        return;
    }
    let event = EventDelivery::new(delivery, json);
    let job = event.job(None);
    assert_eq!(job.key, delivery);
    let read = EventDelivery::parse(&job.payload)
        .unwrap_or_else(|e| panic!("the worker cannot read what intake wrote: {e}"));
    assert_eq!(read, event, "the payload read back differs");
    assert_eq!(
        (read.name(), read.work_order_id(), read.timestamp()),
        (event.name(), event.work_order_id(), event.timestamp())
    );
    assert!(!read.note_marker().is_empty() && !read.note_line().is_empty());
}
