//! Criterion benchmarks: compiling each example mapping, evaluating the dispatch mapping on
//! prepared records, reading a 500-ticket SOAP page, a whole ticket from SOAP bytes to work order
//! JSON bytes, and a Jsonnet block. The three-way comparison is `cargo run --release --example
//! compare`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use fieldmap::EvalContext;
use fieldmap::RecordSet;
use fieldmap::Schemas;
use fieldmap::load_query_response;
use fieldmap::time::parse_autotask_datetime;

const EXAMPLES: &[(&str, &str)] = &[
    (
        "dispatch-service-ticket",
        include_str!("../mappings/dispatch-service-ticket.fmap"),
    ),
    (
        "dispatch-project-task",
        include_str!("../mappings/dispatch-project-task.fmap"),
    ),
    (
        "dispatch-service-call",
        include_str!("../mappings/dispatch-service-call.fmap"),
    ),
    (
        "dispatch-with-parent-account",
        include_str!("../mappings/dispatch-with-parent-account.fmap"),
    ),
    ("status-sync", include_str!("../mappings/status-sync.fmap")),
];

const FIXTURES: &[&str] = &[
    include_str!("../mappings/fixtures/tickets.xml"),
    include_str!("../mappings/fixtures/accounts.xml"),
    include_str!("../mappings/fixtures/contacts.xml"),
    include_str!("../mappings/fixtures/resources.xml"),
];

fn ctx() -> EvalContext {
    EvalContext::at(
        parse_autotask_datetime("2025-01-15T09:00:00")
            .expect("clock")
            .0,
    )
}

fn compile(c: &mut Criterion) {
    let schemas = Arc::new(Schemas::bundled().expect("schemas"));
    let mut group = c.benchmark_group("compile");
    for (name, source) in EXAMPLES {
        // Imports are read from the mapping's folder.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("mappings")
            .join(format!("{name}.fmap"));
        let imports = fieldmap::Imports::file(&path);
        group.bench_function(*name, |b| {
            b.iter(|| {
                fieldmap::compile_importing(black_box(source), schemas.clone(), &imports)
                    .expect("compiles")
            })
        });
    }
    group.finish();
}

/// A file of `rules` rules: mappings of ten rules each, with triggers, related entities,
/// templates and range maps, as an MSP with many dispatch mappings would write them.
fn many_rules(rules: usize) -> String {
    (0..rules / 10)
        .map(|i| {
            format!(
                "mapping \"Dispatch {i}\" {{\n  source autotask.Ticket\n  target fieldnation.WorkOrder\n  \
                 trigger when Status == \"Dispatch to Field\"\n  title = \"${{TicketNumber}}: ${{Title}}\"\n  \
                 description.html = Description ?? \"No description\"\n  location.mode = \"custom\"\n  \
                 location.city = Account.City\n  location.state = Account.State\n  \
                 location.zip = Account.PostalCode\n  \
                 contacts[0].name = \"${{Contact.FirstName}} ${{Contact.LastName}}\"\n  \
                 contacts[0].phone = Contact.Phone\n  \
                 pay.base.amount = EstimatedHours | ranges {{ <= 2: 150, <= 4: 250, _: 400 }}\n  \
                 custom_fields[145] = \"Ticket:${{id}}\"\n}}\n"
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checking grows with the file, not faster: the time per rule stays flat from 1,000 to
/// 100,000 rules.
fn check_scaling(c: &mut Criterion) {
    let schemas = Arc::new(Schemas::bundled().expect("schemas"));
    let mut group = c.benchmark_group("check/rules");
    group.sample_size(10);
    for rules in [1_000, 10_000, 100_000] {
        let source = many_rules(rules);
        group.throughput(criterion::Throughput::Elements(rules as u64));
        group.bench_function(rules.to_string(), |b| {
            b.iter(|| fieldmap::compile(black_box(&source), schemas.clone()).expect("compiles"))
        });
    }
    group.finish();
}

fn evaluate(c: &mut Criterion) {
    let schemas = Arc::new(Schemas::bundled().expect("schemas"));
    let program = fieldmap::compile(EXAMPLES[0].1, schemas.clone()).expect("compiles");
    let mut records = RecordSet::new();
    for xml in FIXTURES {
        load_query_response(xml, &schemas, &mut records).expect("loads");
    }
    let ctx = ctx();
    let mut group = c.benchmark_group("evaluate/dispatch-service-ticket");
    group.bench_function("tree-and-provenance", |b| {
        b.iter(|| {
            program
                .evaluate(black_box(&records), 9137, &ctx, 0)
                .expect("evaluates")
        })
    });
    let mut out = Vec::new();
    group.bench_function("to-json-bytes", |b| {
        b.iter(|| {
            out.clear();
            program
                .evaluate_to_json(black_box(&records), 9137, &ctx, 0, &mut out)
                .expect("evaluates")
        })
    });
    group.finish();
}

/// A query response page of `count` tickets, made from the demo ticket.
fn ticket_page(count: usize) -> String {
    let demo = FIXTURES[0];
    let start = demo.find("<Entity ").expect("an entity");
    let end = demo[start..].find("</Entity>").expect("its end") + start + "</Entity>".len();
    let entity = &demo[start..end];
    let mut body = String::new();
    for i in 0..count {
        body.push_str(&entity.replacen(">9137<", &format!(">{}<", 200_000 + i), 1));
    }
    format!(
        "{}{body}{}",
        &demo[..start],
        &demo[demo.rfind("</EntityResults>").expect("results end")..]
    )
}

fn soap(c: &mut Criterion) {
    let schemas = Schemas::bundled().expect("schemas");
    let page = ticket_page(500);
    c.bench_function("soap/page-of-500-tickets", |b| {
        b.iter(|| {
            let mut records = RecordSet::new();
            load_query_response(black_box(&page), &schemas, &mut records).expect("loads");
            records
        })
    });
}

fn whole_ticket(c: &mut Criterion) {
    let schemas = Arc::new(Schemas::bundled().expect("schemas"));
    let program = fieldmap::compile(EXAMPLES[0].1, schemas.clone()).expect("compiles");
    let ctx = ctx();
    c.bench_function("ticket/soap-bytes-to-work-order-json", |b| {
        b.iter(|| {
            let mut records = RecordSet::new();
            for xml in FIXTURES {
                load_query_response(black_box(xml), &schemas, &mut records).expect("loads");
            }
            let mut body = Vec::new();
            program
                .evaluate_to_json(&records, 9137, &ctx, 0, &mut body)
                .expect("evaluates");
            body
        })
    });
}

fn jsonnet(c: &mut Criterion) {
    let schemas = Arc::new(Schemas::bundled().expect("schemas"));
    let program = fieldmap::compile(EXAMPLES[3].1, schemas.clone()).expect("compiles");
    let mut records = RecordSet::new();
    for xml in FIXTURES {
        load_query_response(xml, &schemas, &mut records).expect("loads");
    }
    let ctx = ctx();
    c.bench_function("jsonnet/dispatch-with-parent-account", |b| {
        b.iter(|| {
            program
                .evaluate(black_box(&records), 9137, &ctx, 0)
                .expect("evaluates")
        })
    });
}

/// One block on a `$.input` the size of a ticket with its account: in this process's worker
/// threads, and in a worker process (the `fieldmap` binary's isolation), to show what the
/// process boundary costs per block.
fn jsonnet_isolation(c: &mut Criterion) {
    use fieldmap::diagnostics::Span;
    use fieldmap::jsonnet::{JsonnetBlock, WorkerProcesses};
    let block = JsonnetBlock::compile(
        "local a = $.input.Account; '%s: %s (%s)' % [$.input.TicketNumber, $.input.Title, a.AccountName]",
        Span::default(),
    )
    .expect("compiles");
    let fields: serde_json::Map<String, serde_json::Value> = (0..80)
        .map(|i| (format!("Field{i}"), serde_json::json!(format!("value {i}"))))
        .collect();
    let mut input = serde_json::json!({
        "TicketNumber": "T20250114.0042",
        "Title": "Printer down",
        "Account": fields.clone(),
    });
    input["Account"]["AccountName"] = serde_json::json!("Café Müller");
    for (k, v) in fields {
        input[k] = v;
    }
    c.bench_function("jsonnet/block-in-threads", |b| {
        b.iter(|| block.evaluate(black_box(input.clone())).expect("evaluates"))
    });
    let workers = WorkerProcesses::new(env!("CARGO_BIN_EXE_fieldmap"));
    c.bench_function("jsonnet/block-in-worker-process", |b| {
        b.iter(|| {
            workers
                .evaluate(&block, black_box(input.clone()))
                .expect("evaluates")
        })
    });
}

criterion_group!(
    benches,
    compile,
    check_scaling,
    evaluate,
    soap,
    whole_ticket,
    jsonnet,
    jsonnet_isolation
);
criterion_main!(benches);
