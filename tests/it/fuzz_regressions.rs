//! Every input a fuzz target ever failed on, kept under `tests/fuzz_regressions/<target>/` and
//! replayed through the same property the target checks (`fuzz/src/lib.rs`, included here as a
//! module so that the property is written once). `tools/fuzz.sh` copies new findings there.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

#[path = "../../fuzz/src/lib.rs"]
mod properties;

/// libFuzzer runs a target on the main thread, whose stack is 8 MiB.
const STACK: usize = 8 * 1024 * 1024;

#[test]
fn every_kept_input_holds_its_property() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut replayed = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&root).expect("the regression folder exists") {
        let dir = entry.expect("a readable folder").path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let Some((_, property)) = properties::TARGETS.iter().find(|(t, _)| *t == name) else {
            panic!("{}: no fuzz target of that name", dir.display());
        };
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        inputs.sort();
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            let property = *property;
            let held = std::thread::Builder::new()
                .stack_size(STACK)
                .spawn(move || catch_unwind(AssertUnwindSafe(|| property(&data))).is_ok())
                .unwrap()
                .join()
                .unwrap();
            if !held {
                failures.push(input.display().to_string());
            }
            replayed += 1;
        }
    }
    assert!(replayed >= 5, "only {replayed} inputs found");
    assert!(failures.is_empty(), "properties failed on: {failures:#?}");
}

/// The properties see what the fuzzer sees: the shipped files pass them all.
#[test]
fn the_shipped_files_hold_every_property() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for mapping in [
        "dispatch-service-ticket.fmap",
        "dispatch-with-parent-account.fmap",
        "status-sync.fmap",
    ] {
        let text = std::fs::read(root.join("mappings").join(mapping)).unwrap();
        properties::program(&text);
        properties::formatter(&text);
    }
    properties::soap(&std::fs::read(root.join("mappings/fixtures/tickets.xml")).unwrap());
    properties::events(
        &std::fs::read(root.join("mappings/fixtures/events/assigned.json")).unwrap(),
    );
    properties::jsonnet(b"$.input.Title + ' / ' + $.input.Account.AccountName");
    properties::autotask_webhook(br#"{"ticketId":"9137","entityType":"Ticket","action":"create"}"#);
    properties::fieldnation_signature(b"secret\n{\"workorder_id\":1}\nsha256=00");
    let mut delivery = b"9b2f4c1e-0d7a-4e55-8a43-1f2e3d4c5b6a:1\n".to_vec();
    delivery.extend(std::fs::read(root.join("mappings/fixtures/events/approved.json")).unwrap());
    properties::broker_intake(&delivery);
    properties::broker_intake(br#"{"ticketId":"9137","entityType":"Ticket","action":"create"}"#);
}
