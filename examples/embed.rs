//! Embedding fieldmap in a broker: compile once at start-up, then evaluate each ticket that a
//! webhook announces, from as many worker threads as you like. Evaluation does no I/O: the
//! broker fetches the records the program's fetch plan names, then evaluates.
//!
//! Run: cargo run --example embed

use std::sync::Arc;

use fieldmap::{EvalContext, RecordSet, Schemas, load_query_response};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Once, at start-up.
    let schemas = Arc::new(Schemas::bundled()?);
    let source = std::fs::read_to_string("mappings/dispatch-service-ticket.fmap")?;
    let program = Arc::new(fieldmap::compile(&source, schemas.clone())?);
    let mapping = &program.mappings()[0];
    println!(
        "compiled {:?}: {} rules, {} Autotask call(s) per ticket",
        mapping.name(),
        mapping.rule_count(),
        mapping.plan().api_calls()
    );

    // Per batch: the broker's fetcher fills a record set (here: the demo responses).
    let mut records = RecordSet::new();
    for file in ["tickets", "accounts", "contacts", "resources"] {
        let xml = std::fs::read_to_string(format!("mappings/fixtures/{file}.xml"))?;
        load_query_response(&xml, &schemas, &mut records)?;
    }
    let records = Arc::new(records);

    // Per ticket, on any thread: pure evaluation against the fetched records.
    let ctx = EvalContext::current();
    let ids: Vec<i64> = records.of_entity("Ticket").iter().map(|r| r.id).collect();
    std::thread::scope(|scope| {
        for id in ids {
            let (program, records, ctx) = (program.clone(), records.clone(), ctx.clone());
            scope.spawn(move || {
                // The body of POST /workorders, written straight from the records. (For the
                // work order as a JSON tree with each field's provenance, use `evaluate`.)
                let mut body = Vec::new();
                match program.evaluate_to_json(&records, id, &ctx, 0, &mut body) {
                    Ok(result) if result.triggered => println!(
                        "ticket {id}: dispatch, {} bytes, {} issue(s): {}…",
                        body.len(),
                        result.issues.len(),
                        String::from_utf8_lossy(&body[..body.len().min(60)])
                    ),
                    Ok(_) => println!("ticket {id}: trigger does not hold"),
                    Err(e) => println!("ticket {id}: {e}"),
                }
            });
        }
    });
    Ok(())
}
