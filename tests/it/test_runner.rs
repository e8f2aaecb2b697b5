//! `fieldmap test`: passing suites, a wrong expectation shown with the rule behind it,
//! `--update`, and coverage of rules, table rows and arms.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
}

fn fieldmap(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_fieldmap"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

/// A copy of the service-ticket mapping and its fixtures in a scratch folder.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings");
        let dir = std::env::temp_dir().join(format!(
            "fieldmap-test-runner-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("fixtures")).unwrap();
        for file in ["tickets", "accounts", "contacts", "resources"] {
            std::fs::copy(
                root.join(format!("fixtures/{file}.xml")),
                dir.join(format!("fixtures/{file}.xml")),
            )
            .unwrap();
        }
        std::fs::copy(
            root.join("dispatch-service-ticket.fmap"),
            dir.join("dispatch.fmap"),
        )
        .unwrap();
        Scratch(dir)
    }

    fn write_test(&self, json: &str) -> String {
        let path = self.0.join("dispatch.test.json");
        std::fs::write(&path, json).unwrap();
        path.display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn the_example_suites_pass_and_report_coverage() {
    let run = fieldmap(&["test", "mappings/"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("15 passed, 0 failed"), "{}", run.stdout);
    assert!(
        run.stdout.contains("rows of table `work_type` taken"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("never: \"On-Site Required\", _"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("range arms taken"));
    assert!(
        run.stdout.contains("4/4   outbound rules that ran"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_wrong_expectation_fails_with_a_diff_naming_the_rule() {
    let scratch = Scratch::new("wrong");
    let path = scratch.write_test(
        r#"{"records": ["fixtures/"], "cases": [
            {"name": "city and custom field", "source": 9137, "triggered": true, "match": "subset",
             "work_order": {"location": {"city": "St Paul"},
                            "custom_fields": {"results": [{"results": [{"id": 129, "value": "T20250114.0042"}, {"id": 131, "value": "01/15/2025 9:00 AM"}]}]}}}
        ]}"#,
    );
    let run = fieldmap(&["test", &path]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("FAILED  city and custom field"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(r#"work_order.location.city: expected "St Paul", found "Minneapolis""#),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("from line 19:3: location.city         = Account.City, reads Account.City"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(r#"work_order.custom_fields.results[0].results[1].value: expected "01/15/2025 9:00 AM", found "01/15/2025 8:00 AM CST""#), "{}", run.stdout);
    assert!(run.stdout.contains(r#"custom_fields[131] = DueDateTime at (site_zone) | format("MM/DD/YYYY h:mm A z"), reads DueDateTime, Account.State"#), "{}", run.stdout);
    assert!(run.stdout.contains("0 passed, 1 failed"));
}

#[test]
fn update_rewrites_failing_expectations_and_keeps_subset_shape() {
    let scratch = Scratch::new("update");
    let path = scratch.write_test(
        r#"{"records": ["fixtures/"], "cases": [
            {"name": "new ticket", "source": 9139, "triggered": true},
            {"name": "pay", "source": 9137, "match": "subset", "work_order": {"pay": {"base": {"amount": 1}}}}
        ]}"#,
    );
    let run = fieldmap(&["test", "--update", &path]);
    assert_eq!(
        run.code, 1,
        "the run that updates still reports the failures"
    );
    assert!(
        run.stdout.contains("updated the expectations"),
        "{}",
        run.stdout
    );
    let rewritten: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(rewritten["cases"][0]["triggered"], false);
    assert_eq!(
        rewritten["cases"][1]["work_order"],
        serde_json::json!({"pay": {"base": {"amount": 250}}})
    );
    assert_eq!(rewritten["cases"][1]["match"], "subset");
    let again = fieldmap(&["test", &path]);
    assert_eq!(again.code, 0, "{}", again.stdout);
}

#[test]
fn broken_test_files_are_reported_not_panicked_on() {
    let scratch = Scratch::new("broken");
    let path = scratch.write_test(
        r#"{"records": ["fixtures/"], "cases": [{"name": "x", "source": 9137, "colour": 1}]}"#,
    );
    let run = fieldmap(&["test", &path]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("unknown field `colour`"),
        "{}",
        run.stdout
    );
    let path =
        scratch.write_test(r#"{"records": ["fixtures/"], "cases": [{"name": "x", "source": 1}]}"#);
    let run = fieldmap(&["test", &path]);
    assert!(
        run.stdout.contains("no mapping applies to record 1"),
        "{}",
        run.stdout
    );
}
