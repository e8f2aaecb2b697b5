//! `fieldmap demo`: the library function in process (on SQLite and on PostgreSQL) and the
//! binary, each run to its end and checked for a verified end state and the timeline's key
//! lines. The values checked here are the shipped mappings' own (`status-sync.fmap`,
//! `dispatch-project-task.fmap`).

use std::process::Command;
use std::sync::{Arc, Mutex};

use fieldmap::broker::demo::{self, DemoOptions, DemoReport, timeline::Entry};

use super::broker_store::postgres_url;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn run(options: DemoOptions) -> Result<(DemoReport, Vec<String>), BoxError> {
    let printed = Arc::new(Mutex::new(Vec::new()));
    let sink_printed = printed.clone();
    let sink = Box::new(move |entry: &Entry| {
        if let Ok(mut lines) = sink_printed.lock() {
            lines.push(entry.render(23));
        }
    });
    let report = demo::run(options, sink).await?;
    let lines = printed.lock().map_err(|_| "poisoned")?.clone();
    Ok((report, lines))
}

/// The end state and the timeline a passing run has.
fn check(report: &DemoReport, lines: &[String], generated: usize) -> Result<(), BoxError> {
    let text = lines.join("\n");
    assert!(report.passed(), "{:#?}\n{text}", report.problems);
    // The sink saw every entry the report keeps, as they happened.
    assert_eq!(lines.len(), report.timeline.len());
    assert!(report.timeline.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));

    let record = |id: i64| {
        report
            .records
            .iter()
            .find(|r| r.id == id)
            .ok_or_else(|| format!("no record {id} in the report"))
    };
    for ticket in [9137, 9138] {
        let r = record(ticket)?;
        assert!(r.qualifies, "{r:?}");
        assert_eq!(r.work_orders.len(), 1, "{r:?}");
        assert_eq!(r.status, "Complete - Customer Notified", "{r:?}");
    }
    let refused = record(9139)?;
    assert!(
        !refused.qualifies && refused.work_orders.is_empty(),
        "{refused:?}"
    );
    assert_eq!(refused.status, "Dispatch to Field");
    let task = record(7701)?;
    assert_eq!(task.work_orders.len(), 1, "{task:?}");
    assert_eq!(task.status, "In Progress", "{task:?}");
    let mut all: Vec<u64> = report
        .records
        .iter()
        .flat_map(|r| r.work_orders.clone())
        .collect();
    all.dedup();
    assert_eq!(
        all.len(),
        3 + generated,
        "one work order per qualifying record: {all:?}"
    );
    assert_eq!(report.records.len(), 4 + generated);
    for made in report.records.iter().skip(4) {
        assert!(made.qualifies && made.work_orders.len() == 1, "{made:?}");
        assert_eq!(made.status, "Complete - Customer Notified", "{made:?}");
    }

    let wo = report.records[0].work_orders[0];
    for wanted in [
        "T20250114.0042           dispatcher: Status → Dispatch to Field".to_owned(),
        "Autotask webhook #".to_owned(),
        format!("broker: work order {wo} created in Field Nation"),
        "T20250114.0051           not dispatched: the trigger does not hold".to_owned(),
        "Field Nation webhook workorder.status.assigned (signed) → broker 202".to_owned(),
        "Status: Dispatch to Field → Assigned to Field Tech".to_owned(),
        "UDF \"FN Technician\": (empty) → Jordan Reyes".to_owned(),
        format!("UDF \"FN Work Order ID\": (empty) → {wo}"),
        "Status: Assigned to Field Tech → On Site".to_owned(),
        "UDF \"FN Checked In At\": (empty) → ".to_owned(),
        format!("note (Field Update): Field Nation work order {wo} done"),
        "Status: On Site → Complete - Customer Notified".to_owned(),
        format!("note (Task Notes): Field Nation work order {wo} approved"),
        "task T20250601.0003.004    Status: Ready → In Progress".to_owned(),
        "✓ as the mapping's rules say".to_owned(),
        format!(
            "verified: {} records dispatched once each, 1 not dispatched",
            3 + generated
        ),
    ] {
        assert!(text.contains(&wanted), "{wanted:?} missing from\n{text}");
    }
    // The record that does not qualify never reached Field Nation.
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("T20250114.0051") && l.contains("work order")),
        "{text}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_verifies_the_whole_loop_on_sqlite() -> Result<(), BoxError> {
    // Two generated tickets besides the demo tenant's own.
    let options = DemoOptions {
        extra_tickets: 2,
        ..DemoOptions::default()
    };
    let (report, lines) = run(options).await?;
    assert_eq!(report.store, "sqlite");
    assert!(report.kept.is_none());
    let text = lines.join("\n");
    assert_eq!(
        text.matches("setup: created over SOAP").count(),
        2,
        "{text}"
    );
    assert_eq!(
        text.matches(" Create (signed) → broker 202").count(),
        2,
        "{text}"
    );
    check(&report, &lines, 2)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_verifies_the_whole_loop_on_postgres() -> Result<(), BoxError> {
    let options = DemoOptions {
        postgres: Some(postgres_url()),
        ..DemoOptions::default()
    };
    let (report, lines) = run(options).await?;
    assert_eq!(report.store, "postgres");
    check(&report, &lines, 0)
}

#[test]
fn the_demo_command_exits_0_and_prints_the_timeline() -> Result<(), BoxError> {
    let out = Command::new(env!("CARGO_BIN_EXE_fieldmap"))
        .arg("demo")
        .current_dir(std::env::temp_dir())
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("broker: work order"), "{stdout}");
    assert!(
        stdout
            .lines()
            .last()
            .is_some_and(|l| l.contains("verified: ")),
        "{stdout}"
    );

    // --json: the same run as one document.
    let out = Command::new(env!("CARGO_BIN_EXE_fieldmap"))
        .args(["demo", "--json"])
        .output()?;
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(report["problems"], serde_json::json!([]));
    assert_eq!(report["records"].as_array().map(Vec::len), Some(4));
    assert!(report["timeline"].as_array().is_some_and(|t| t.len() > 20));
    Ok(())
}
