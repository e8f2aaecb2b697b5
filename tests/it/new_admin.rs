//! The three mappings a new MSP admin writes from docs/language.md alone (in
//! `fixtures/new-admin/`): on-site dispatch for sites in several states with a shared file of
//! zones and a helper, a franchise dispatch that reads the grandparent account in Jsonnet, and
//! a completion sync back to the ticket. As written they pass `check` and `lint` without a
//! word; each mistake such an admin makes is caught before anything runs, with the right code
//! at the right line.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

const FILES: [&str; 4] = [
    "sites.fmap",
    "onsite-dispatch.fmap",
    "franchise-dispatch.fmap",
    "completion-sync.fmap",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/new-admin")
}

/// A copy of the four files in a folder of its own, with `from` replaced by `to` in `file`.
fn project_with(name: &str, file: &str, from: &str, to: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("fieldmap-new-admin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    for each in FILES {
        let text = std::fs::read_to_string(fixtures().join(each)).unwrap_or_else(|e| panic!("{e}"));
        let text = if each == file {
            assert!(text.contains(from), "{name}: `{from}` is not in {file}");
            text.replacen(from, to, 1)
        } else {
            text
        };
        std::fs::write(dir.join(each), text).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

/// `fieldmap <command> --format json <file>`: each diagnostic's code, line and text.
fn diagnostics(command: &str, file: &Path) -> Vec<(String, u64, String)> {
    let output = Command::new(env!("CARGO_BIN_EXE_fieldmap"))
        .args([command, "--format", "json"])
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json: Json = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}{}", String::from_utf8_lossy(&output.stderr)));
    let files = json["files"].as_array().cloned().unwrap_or_default();
    files
        .iter()
        .flat_map(|f| f["diagnostics"].as_array().cloned().unwrap_or_default())
        .map(|d| {
            let code = d["code"].as_str().unwrap_or_default().to_string();
            let line = d["line"].as_u64().unwrap_or(0);
            let brief = format!("{code}@{line}: {}", d["message"]);
            (code, line, format!("{brief}\n{d}"))
        })
        .collect()
}

#[test]
fn the_admin_s_three_mappings_pass_check_and_lint_as_written() {
    for command in ["check", "lint"] {
        for file in FILES {
            let found = diagnostics(command, &fixtures().join(file));
            assert!(found.is_empty(), "{command} {file}: {found:?}");
        }
    }
}

/// One mistake: where it is made, what it becomes, and what catches it.
struct Mistake {
    name: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    /// The command that catches it, `check` unless it is a lint rule.
    command: &'static str,
    /// The file whose check reports it (an imported file's mistakes are reported at the import).
    reported_in: &'static str,
    code: &'static str,
    line: u64,
    says: &'static str,
}

const fn mistake(
    name: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    code: &'static str,
    line: u64,
    says: &'static str,
) -> Mistake {
    Mistake {
        name,
        file,
        from,
        to,
        command: "check",
        reported_in: file,
        code,
        line,
        says,
    }
}

const ONSITE: &str = "onsite-dispatch.fmap";
const FRANCHISE: &str = "franchise-dispatch.fmap";
const SYNC: &str = "completion-sync.fmap";
const SITES: &str = "sites.fmap";

fn mistakes() -> Vec<Mistake> {
    vec![
        mistake(
            "picklist label in the wrong case",
            ONSITE,
            r#"Status == "Dispatch to Field""#,
            r#"Status == "dispatch to field""#,
            "FM0401",
            10,
            "Dispatch to Field",
        ),
        mistake(
            "misspelt related entity",
            ONSITE,
            "location.city     = Account.City",
            "location.city     = Acount.City",
            "FM0204",
            23,
            "did you mean `Account`?",
        ),
        mistake(
            "a city for a zone",
            SITES,
            r#""MN", "WI", "IA" => "America/Chicago""#,
            r#""MN", "WI", "IA" => "America/Minneapolis""#,
            "FM0209",
            5,
            "America/Chicago",
        ),
        mistake(
            "a number added to a date-time",
            ONSITE,
            "DueDateTime + hours(EstimatedHours ?? 2)",
            "DueDateTime + (EstimatedHours ?? 2)",
            "FM0301",
            30,
            "a date-time plus a duration",
        ),
        mistake(
            "an exact schedule with an end",
            ONSITE,
            r#"schedule.service_window.mode  = "between""#,
            r#"schedule.service_window.mode  = "exact""#,
            "FM0609",
            30,
            "exact",
        ),
        mistake(
            "an hours window shorter than 45 minutes",
            ONSITE,
            r#"schedule.service_window.mode  = "between"
  schedule.service_window.start = DueDateTime
  schedule.service_window.end   = DueDateTime + hours(EstimatedHours ?? 2)"#,
            r#"schedule.service_window.mode  = "hours"
  schedule.service_window.start = DueDateTime
  schedule.service_window.end   = DueDateTime + 30m"#,
            "FM0609",
            30,
            "45 minutes",
        ),
        mistake(
            "no units to pay",
            ONSITE,
            "pay.base.units  = EstimatedHours ?? 2",
            "pay.base.units  = 0",
            "FM0309",
            41,
            "above zero",
        ),
        mistake(
            "the default after the pipe",
            ONSITE,
            r#"Description ?? "No description given." | html"#,
            r#"Description | html ?? "No description given.""#,
            "FM0306",
            17,
            "(… | html) ??",
        ),
        mistake(
            "a regular expression that does not compile",
            ONSITE,
            r#""Room ([A-Z]-\\d+)""#,
            r#""Room ([A-Z]-\\d+""#,
            "FM0308",
            45,
            "unclosed group",
        ),
        mistake(
            "a sub-issue type under another issue type",
            ONSITE,
            r#"and udf("Send to FN") == "Yes""#,
            r#"and SubIssueType == "Printer" and udf("Send to FN") == "Yes""#,
            "FM0405",
            12,
            "Printer/Peripheral",
        ),
        mistake(
            "a misspelt function",
            ONSITE,
            r#"| format("ddd MM/DD h:mm A z")"#,
            r#"| fromat("ddd MM/DD h:mm A z")"#,
            "FM0207",
            44,
            "did you mean `format`?",
        ),
        mistake(
            "a string left open",
            ONSITE,
            r#"title                      = "${TicketNumber}: ${Title}""#,
            r#"title                      = "${TicketNumber}: ${Title}"#,
            "FM0101",
            16,
            "",
        ),
        mistake(
            "a misspelt Field Nation field",
            ONSITE,
            "location.zip      = Account.PostalCode",
            "location.zipcode  = Account.PostalCode",
            "FM0206",
            25,
            "did you mean `zip`?",
        ),
        mistake(
            "a misspelt field inside a shared helper",
            SITES,
            "Account.State | state_zone",
            "Account.Sate | state_zone",
            "FM0203",
            12,
            "State",
        ),
        mistake(
            "a Jsonnet path the block does not declare",
            FRANCHISE,
            "local account = $.input.Account;",
            "local account = $.input.Acount;",
            "FM0804",
            10,
            "Account",
        ),
        mistake(
            "an event that does not exist",
            SYNC,
            "on workorder.status.work_done",
            "on workorder.status.completed",
            "FM0210",
            7,
            "work_done",
        ),
        mistake(
            "a whole object pasted into text",
            SYNC,
            "work order ${workorder.id} done",
            "work order ${workorder} done",
            "FM0301",
            9,
            "workorder",
        ),
        mistake(
            "a status the tenant does not have",
            SYNC,
            r#"ticket.Status                  = "On Site""#,
            r#"ticket.Status                  = "Onsite""#,
            "FM0401",
            3,
            "On Site",
        ),
        mistake(
            "formatted text into a date-time UDF",
            SYNC,
            r#"ticket.udf("FN Checked In At") = timestamp"#,
            r#"ticket.udf("FN Checked In At") = timestamp | format("MM/DD/YYYY h:mm A")"#,
            "FM0301",
            4,
            "datetime",
        ),
        mistake(
            "a field of the event's timestamp",
            SYNC,
            r#"ticket.udf("FN Checked In At") = timestamp"#,
            r#"ticket.udf("FN Checked In At") = timestamp.utc"#,
            "FM0211",
            4,
            "timestamp",
        ),
        Mistake {
            command: "lint",
            ..mistake(
                "a country's name where Field Nation takes its code",
                FRANCHISE,
                r#"location.country  = (Account.Country | country_code) ?? "US""#,
                r#"location.country  = "United States""#,
                "FM0903",
                22,
                "US",
            )
        },
        Mistake {
            command: "lint",
            ..mistake(
                "a fixed-offset zone",
                SITES,
                r#""AZ"             => "America/Phoenix""#,
                r#""AZ"             => "MST""#,
                "FM0908",
                7,
                "America/Phoenix",
            )
        },
    ]
}

#[test]
fn every_mistake_the_admin_makes_is_caught_before_anything_runs() {
    let mut failures = Vec::new();
    for (i, m) in mistakes().iter().enumerate() {
        let dir = project_with(&format!("m{i}"), m.file, m.from, m.to);
        let found = diagnostics(m.command, &dir.join(m.reported_in));
        let hit = found
            .iter()
            .any(|(code, line, text)| code == m.code && *line == m.line && text.contains(m.says));
        if !hit {
            failures.push(format!(
                "{}: expected {} on line {} saying {:?} from `{}`, got {:#?}",
                m.name,
                m.code,
                m.line,
                m.says,
                m.command,
                found
                    .iter()
                    .map(|(_, _, text)| text.lines().next().unwrap_or_default())
                    .collect::<Vec<_>>()
            ));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_mistake_in_the_shared_file_is_reported_at_the_import_of_the_mapping_that_uses_it() {
    let dir = project_with(
        "import",
        SITES,
        "Account.State | state_zone",
        "Account.Sate | state_zone",
    );
    let found = diagnostics("check", &dir.join(ONSITE));
    assert!(
        found.iter().any(|(code, line, text)| code == "FM0223"
            && *line == 4
            && text.contains("line 12, column 36: FM0203")),
        "{found:#?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_on_site_dispatch_runs_on_the_demo_records_in_each_site_s_clock() {
    let run = |id: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_fieldmap"))
            .arg("run")
            .arg(fixtures().join(ONSITE))
            .args(["--ticket", "mappings/fixtures/tickets.xml"])
            .args(["--records", "mappings/fixtures", "--id", id])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let json: Json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
        json
    };
    let custom_field = |wo: &Json, id: u64| {
        wo["custom_fields"]["results"][0]["results"]
            .as_array()
            .and_then(|fields| fields.iter().find(|f| f["id"] == id))
            .map(|f| f["value"].clone())
            .unwrap_or(Json::Null)
    };
    // A Minnesota site: Central time through the shared helper; 2.5 estimated hours.
    let wo = run("9137");
    assert_eq!(custom_field(&wo, 131), "Wed 01/15 8:00 AM CST", "{wo:#}");
    assert_eq!(
        wo["schedule"]["service_window"]["end"]["utc"],
        "2025-01-15 16:30:00"
    );
    assert_eq!(wo["contacts"]["results"][0]["name"], "Zoë Schmidt");
    // An Illinois site, which this MSP's table leaves on Eastern time; no contact on the
    // ticket, so the account's primary contact.
    let wo = run("9138");
    assert_eq!(custom_field(&wo, 131), "Sun 11/03 1:30 AM EDT", "{wo:#}");
    assert_eq!(wo["contacts"]["results"][0]["name"], "Raj Patel");
}
