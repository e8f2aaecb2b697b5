//! `fieldmap lint`: a mapping broken in three ways is reported in every format, with the exit
//! code of its worst finding; levels come from fieldmap.toml and allow comments.

use std::path::{Path, PathBuf};
use std::process::Command;

const SERVICE_TICKET: &str = "mappings/dispatch-service-ticket.fmap";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
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
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A scratch folder under the system temp dir, removed at the end of the test.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("fieldmap-lint-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Each finding of a `--format json` run on one file: its code, line and message.
fn findings(run: &Run) -> Vec<(String, u64, String)> {
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    report["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The service-ticket example with a typo, an uncovered picklist value and a missing field.
fn broken_three_ways() -> String {
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SERVICE_TICKET))
            .unwrap();
    let broken = source
        .replace("Account.City", "Account.Cty")
        .replace("// fieldmap: allow(FM0901)\n", "")
        .lines()
        .filter(|l| !l.trim_start().starts_with("location.zip"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(broken, source);
    broken
}

fn codes_in(text: &str) -> Vec<&str> {
    let mut codes: Vec<&str> = ["FM0203", "FM0901", "FM0902"]
        .into_iter()
        .filter(|c| text.contains(c))
        .collect();
    codes.sort_unstable();
    codes
}

#[test]
fn the_examples_lint_clean() {
    let run = fieldmap(&["lint", "mappings/"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("linted 6 file(s): 0 error(s), 0 warning(s)"),
        "{}",
        run.stderr
    );
}

#[test]
fn three_breakages_show_in_every_format() {
    let scratch = Scratch::new("three");
    let path = scratch.write("broken.fmap", &broken_three_ways());

    let human = fieldmap(&["lint", &path]);
    assert_eq!(human.code, 1, "an error makes exit 1");
    assert_eq!(
        codes_in(&human.stderr),
        ["FM0203", "FM0901", "FM0902"],
        "{}",
        human.stderr
    );
    assert!(human.stderr.contains("did you mean `City`?"));
    // The human renderer wraps long messages; the missing labels are all named.
    for label in ["\"Software\"", "\"Security\"", "\"Account/"] {
        assert!(human.stderr.contains(label), "{label}: {}", human.stderr);
    }
    assert!(human.stderr.contains("`location.zip` (zip)"));

    let json = fieldmap(&["lint", "--format", "json", &path]);
    assert_eq!(json.code, 1);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let diagnostics = report["files"][0]["diagnostics"].as_array().unwrap();
    let codes: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["FM0902", "FM0203", "FM0901"], "source order");
    assert_eq!(report["summary"]["errors"], 1);
    assert_eq!(report["summary"]["warnings"], 2);
    let typo = &diagnostics[1];
    assert_eq!(
        (typo["line"].as_u64(), typo["column"].as_u64()),
        (Some(19), Some(35))
    );

    let sarif = fieldmap(&["lint", "--format", "sarif", &path]);
    assert_eq!(sarif.code, 1);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[index]["id"], result["ruleId"],
            "ruleIndex points at the rule"
        );
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(
            region["startLine"].as_u64().unwrap() >= 1
                && region["endColumn"].as_u64().unwrap() >= 1
        );
    }
    let typo = results.iter().find(|r| r["ruleId"] == "FM0203").unwrap();
    assert_eq!(typo["level"], "error");
    let region = &typo["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (
            region["startLine"].as_u64(),
            region["startColumn"].as_u64(),
            region["endColumn"].as_u64()
        ),
        (Some(19), Some(35), Some(38))
    );
    let coverage_rule = rules.iter().find(|r| r["id"] == "FM0901").unwrap();
    assert!(
        coverage_rule["help"]["text"]
            .as_str()
            .unwrap()
            .contains("Picklists change")
    );

    let github = fieldmap(&["lint", "--format", "github", &path]);
    assert_eq!(github.code, 1);
    let lines: Vec<&str> = github.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", github.stdout);
    assert!(
        lines[1].starts_with("::error file=")
            && lines[1].contains(",line=19,col=35,")
            && lines[1].contains("title=FM0203::"),
        "{}",
        lines[1]
    );
    assert!(lines.iter().filter(|l| l.starts_with("::warning ")).count() == 2);
}

#[test]
fn warnings_alone_exit_three_and_config_can_raise_or_silence_them() {
    let scratch = Scratch::new("config");
    let fixed = broken_three_ways().replace("Account.Cty", "Account.City");
    let path = scratch.write("warned.fmap", &fixed);
    let run = fieldmap(&["lint", &path]);
    assert_eq!(run.code, 3, "warnings only: {}", run.stderr);

    scratch.write(
        "fieldmap.toml",
        "[lint]\nFM0902 = \"error\"\nFM0901 = \"off\"\n",
    );
    let run = fieldmap(&["lint", "--format", "json", &path]);
    assert_eq!(run.code, 1, "FM0902 raised to an error");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let diagnostics = report["files"][0]["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "FM0901 is off: {diagnostics:?}");
    assert_eq!(diagnostics[0]["severity"], "error");

    scratch.write("fieldmap.toml", "[lint]\nFM0203 = \"off\"\n");
    let run = fieldmap(&["lint", &path]);
    assert_eq!(run.code, 2, "a language error cannot be switched off");
    assert!(run.stderr.contains("FM0203"), "{}", run.stderr);
}

#[test]
fn allow_comments_silence_one_place() {
    let scratch = Scratch::new("allow");
    let source = broken_three_ways()
        .replace("Account.Cty", "Account.City")
        .replace(
            "mapping \"Dispatch",
            "// fieldmap: allow(FM0902)\nmapping \"Dispatch",
        );
    let path = scratch.write("allowed.fmap", &source);
    let run = fieldmap(&["lint", "--format", "json", &path]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let codes: Vec<&str> = report["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["FM0901"]);
}

#[test]
fn triggers_zones_tables_and_codes_are_linted() {
    let scratch = Scratch::new("rules");
    let source = r#"mapping "M" {
  source autotask.Ticket
  target fieldnation.WorkOrder

  trigger when Status == "New" and Status == "Complete"
  trigger when Account.AccountType == "Customer"

  title                         = Title
  description.html              = Description ?? ""
  types_of_work[0].id           = 1
  location.address1             = Account.Address1
  location.city                 = Account.City
  location.state                = Account.State ?? "Minnesota"
  location.zip                  = Account.PostalCode
  location.country              = "USA"
  pay.type                      = "fixed"
  pay.base.amount               = 100
  schedule.service_window.start = DueDateTime
  custom_fields[131]            = format(DueDateTime, "MM/DD/YYYY h:mm A")
  custom_fields[132]            = DueDateTime at "America/Chicago" | format("h:mm A")
  custom_fields[133]            = DueDateTime at "EST" | format("h:mm A")
}

table unused: string -> int {
  "a" => 1
  _   => 0
}
"#;
    let path = scratch.write("rules.fmap", source);
    let run = fieldmap(&["lint", "--format", "json", &path]);
    let found: Vec<(String, u64)> = findings(&run)
        .into_iter()
        .map(|(code, line, _)| (code, line))
        .collect();
    let expected: Vec<(String, u64)> = [
        ("FM0904", 5),
        ("FM0905", 6),
        ("FM0903", 13),
        ("FM0903", 15),
        ("FM0907", 19),
        ("FM0908", 21),
        ("FM0906", 24),
    ]
    .into_iter()
    .map(|(c, l)| (c.to_string(), l))
    .collect();
    assert_eq!(found, expected, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("name the place's zone instead: America/New_York"),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 3);
}

#[test]
fn mappings_whose_triggers_can_take_the_same_record_are_reported_once_each() {
    let scratch = Scratch::new("overlap");
    let mapping = |name: &str, source: &str, trigger: &str| {
        format!(
            "// fieldmap: allow(FM0902)\nmapping {name:?} {{\n  source autotask.{source}\n  \
             target fieldnation.WorkOrder\n{trigger}  title = \"x\"\n}}\n"
        )
    };
    let source = [
        // Lines 1–7: hardware tickets.
        mapping(
            "Hardware",
            "Ticket",
            "  trigger when Status == \"Dispatch to Field\" and IssueType == \"Hardware\"\n",
        ),
        // 8–14: network and software, never hardware: no finding.
        mapping(
            "Network",
            "Ticket",
            "  trigger when Status == \"Dispatch to Field\" and IssueType in [\"Network\", \"Software\"]\n",
        ),
        // 15–22: two triggers, the second of which takes hardware tickets too.
        mapping(
            "Escalations",
            "Ticket",
            "  trigger when Priority == \"Critical\" and IssueType == \"Security\"\n  \
             trigger when Priority == \"Critical\" and IssueType in [\"Hardware\", \"Security\"]\n",
        ),
        // 23–28: service calls are other records: no finding.
        mapping("Calls", "ServiceCall", ""),
        // 29–34: no trigger takes every ticket; reported against the first it meets.
        mapping("Everything", "Ticket", ""),
    ]
    .concat();
    let path = scratch.write("overlap.fmap", &source);
    let run = fieldmap(&["lint", "--format", "json", &path]);
    let found = findings(&run);
    assert_eq!(
        found,
        [
            (
                "FM0909".to_string(),
                16,
                "a Ticket can meet the triggers of both \"Hardware\" and \"Escalations\": it would get two work orders".to_string()
            ),
            (
                "FM0909".to_string(),
                30,
                "a Ticket can meet the triggers of both \"Hardware\" and \"Everything\": it would get two work orders".to_string()
            ),
        ],
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 3);
}
