//! The `fieldmap` command line, run as a real process: exit codes, diagnostics as a user sees
//! them, the JSON report, and the output of `run`, `explain` and `event` on the examples.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

const SERVICE_TICKET: &str = "mappings/dispatch-service-ticket.fmap";
const PROJECT_TASK: &str = "mappings/dispatch-project-task.fmap";
const SERVICE_CALL: &str = "mappings/dispatch-service-call.fmap";
const STATUS_SYNC: &str = "mappings/status-sync.fmap";
const FIXTURES: &str = "mappings/fixtures/";
const TICKETS: &str = "mappings/fixtures/tickets.xml";
const TASKS: &str = "mappings/fixtures/tasks.xml";
const SERVICE_CALLS: &str = "mappings/fixtures/service-calls.xml";
const DEMO_TENANT: &str = "stdlib/tenants/demo.json";
/// The clock of every evaluation whose output is compared exactly.
const NOW: &str = "2025-01-15T09:00:00";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// What one run of the binary did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs `fieldmap` from the project root, without colours.
fn fieldmap<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_fieldmap"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("the fieldmap binary starts");
    let run = Run {
        code: output.status.code().expect("fieldmap ended by a signal"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    };
    assert!(
        run.code != 101 && !run.stderr.contains("panicked"),
        "fieldmap panicked:\n{}",
        run.stderr
    );
    run
}

/// A folder of its own under the system temp dir, removed when the test ends.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(test: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "fieldmap-cli-{test}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).expect("stale scratch folder removed");
        }
        std::fs::create_dir_all(&dir).expect("scratch folder created");
        Scratch { dir }
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, contents).expect("scratch file written");
        path
    }

    /// Replaces the scratch folder's location with `[scratch]`, for snapshots.
    fn redact(&self, text: &str) -> String {
        text.replace(&self.dir.display().to_string(), "[scratch]")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn project_file(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// A copy of the service-ticket example with `from` (which must occur exactly once) replaced.
fn broken_copy(scratch: &Scratch, from: &str, to: &str) -> (PathBuf, String) {
    let original = project_file(SERVICE_TICKET);
    assert_eq!(
        original.matches(from).count(),
        1,
        "`{from}` must occur once in the example"
    );
    let text = original.replacen(from, to, 1);
    let path = scratch.write("dispatch-service-ticket.fmap", &text);
    (path, text)
}

/// 1-based line and column (in characters) of the only occurrence of `needle` in `text`.
fn line_col(text: &str, needle: &str) -> (usize, usize) {
    assert_eq!(
        text.matches(needle).count(),
        1,
        "`{needle}` must occur once in the file"
    );
    let at = text.find(needle).unwrap();
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line, column)
}

/// `check` on one broken file: exit 1, one error with `code`, the header pointing at `word`
/// (its line and column computed from the file), and `suggestion` in the label or help.
fn assert_one_error(path: &Path, text: &str, code: &str, word: &str, suggestion: &str) -> Run {
    let run = fieldmap(&[Path::new("check"), path]);
    run.expect_code(1);
    assert!(run.stdout.is_empty(), "human output goes to stderr");
    let (line, column) = line_col(text, word);
    let stderr = &run.stderr;
    assert!(stderr.contains(code), "no {code} in:\n{stderr}");
    let at = format!("{}:{line}:{column}]", path.display());
    assert!(stderr.contains(&at), "no `{at}` in:\n{stderr}");
    assert!(
        stderr.contains(suggestion),
        "no suggestion {suggestion} in:\n{stderr}"
    );
    assert!(
        stderr.contains("checked 1 file(s): 1 error(s), 0 warning(s)"),
        "{stderr}"
    );
    run
}

fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/cli");
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// `check --format json` on one file: its diagnostics.
/// `check` on a file with `errors` errors, in human and JSON form: each error's code and line.
fn failing_check(path: &Path, errors: usize) -> Vec<(String, u64)> {
    let run = fieldmap(&[Path::new("check"), path]);
    run.expect_code(1);
    let summary = format!("checked 1 file(s): {errors} error(s), 0 warning(s)");
    assert!(run.stderr.contains(&summary), "{}", run.stderr);
    let (run, diagnostics) = json_diagnostics(path);
    run.expect_code(1);
    assert_eq!(run.json()["summary"]["errors"], errors);
    diagnostics
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn json_diagnostics(path: &Path) -> (Run, Vec<Value>) {
    let run = fieldmap(&[
        Path::new("check"),
        Path::new("--format"),
        Path::new("json"),
        path,
    ]);
    let report = run.json();
    let diagnostics = report["files"][0]["diagnostics"]
        .as_array()
        .expect("files[0].diagnostics is an array")
        .clone();
    (run, diagnostics)
}

// ---------------------------------------------------------------------------------------------
// check
// ---------------------------------------------------------------------------------------------

#[test]
fn check_accepts_every_example() {
    let run = fieldmap(&["check", "mappings/"]);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("checked 6 file(s): 0 error(s), 0 warning(s)"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("FM0"), "{}", run.stderr);
}

#[test]
fn check_names_the_right_field_for_a_misspelled_one() {
    let scratch = Scratch::new("field");
    let (path, text) = broken_copy(&scratch, "Account.AccountName", "Account.AcountName");
    let run = assert_one_error(&path, &text, "FM0203", "AcountName", "`AccountName`");
    assert!(
        run.stderr.contains("unknown field `AcountName` on Account"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("help: replace `AcountName` with `AccountName`"),
        "{}",
        run.stderr
    );
    snapshot_settings().bind(|| {
        insta::assert_snapshot!("check_misspelled_field", scratch.redact(&run.stderr));
    });
}

#[test]
fn check_names_the_right_udf_for_a_misspelled_one() {
    let scratch = Scratch::new("udf");
    let (path, text) = broken_copy(&scratch, r#"udf("Send to FN")"#, r#"udf("Sned to FN")"#);
    let run = assert_one_error(&path, &text, "FM0205", r#""Sned to FN""#, "Send to FN");
    assert!(
        run.stderr.contains(r#"unknown UDF "Sned to FN" on Ticket"#),
        "{}",
        run.stderr
    );
}

#[test]
fn check_names_the_right_udf_for_one_with_a_stray_space() {
    let scratch = Scratch::new("udf-space");
    let (path, text) = broken_copy(&scratch, r#"udf("Send to FN")"#, r#"udf("Send to F N")"#);
    let run = assert_one_error(&path, &text, "FM0205", r#""Send to F N""#, "Send to FN");
    assert!(
        run.stderr.contains("with `Send to FN`"),
        "the help names the UDF: {}",
        run.stderr
    );
}

#[test]
fn check_names_the_right_label_for_a_misspelled_one() {
    let scratch = Scratch::new("label");
    let (path, text) = broken_copy(
        &scratch,
        r#"Status == "Dispatch to Field""#,
        r#"Status == "Dispatch to Feild""#,
    );
    let run = assert_one_error(
        &path,
        &text,
        "FM0401",
        r#""Dispatch to Feild""#,
        r#"did you mean "Dispatch to Field"?"#,
    );
    assert!(
        run.stderr
            .contains(r#""Dispatch to Feild" is not a Ticket.Status label in tenant "Demo MSP""#),
        "{}",
        run.stderr
    );
    snapshot_settings().bind(|| {
        insta::assert_snapshot!("check_misspelled_label", scratch.redact(&run.stderr));
    });
}

#[test]
fn check_says_a_label_differs_only_in_case() {
    let scratch = Scratch::new("label-case");
    let (path, text) = broken_copy(
        &scratch,
        r#"Status == "Dispatch to Field""#,
        r#"Status == "dispatch to field""#,
    );
    let run = assert_one_error(
        &path,
        &text,
        "FM0401",
        r#""dispatch to field""#,
        r#"write "Dispatch to Field""#,
    );
    assert!(
        run.stderr.contains("only in case"),
        "the label is named as a case-only difference: {}",
        run.stderr
    );
}

#[test]
fn check_names_the_right_target_field_for_a_misspelled_one() {
    let scratch = Scratch::new("target");
    let (path, text) = broken_copy(&scratch, "location.address1 ", "location.adress1 ");
    let run = assert_one_error(&path, &text, "FM0206", "adress1", "`address1`");
    assert!(
        run.stderr.contains("`location` has no field `adress1`"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_column_counts_characters_on_a_line_with_accents() {
    let scratch = Scratch::new("column");
    let (path, text) = broken_copy(
        &scratch,
        r#""${TicketNumber}: ${Title}""#,
        r#""Café – Zoë: ${Account.AcountName}""#,
    );
    // JSON and human output must agree, and both count characters as the JSON docs say.
    let (_, diagnostics) = json_diagnostics(&path);
    let (line, column) = line_col(&text, "AcountName");
    assert_eq!(diagnostics[0]["line"], line);
    assert_eq!(diagnostics[0]["column"], column);
    assert_one_error(&path, &text, "FM0203", "AcountName", "`AccountName`");
}

#[test]
fn check_json_report_has_the_documented_shape() {
    let scratch = Scratch::new("json");
    let (path, text) = broken_copy(&scratch, "Account.AccountName", "Account.AcountName");
    let (run, diagnostics) = json_diagnostics(&path);
    run.expect_code(1);
    let report = run.json();
    let files = report["files"].as_array().expect("files is an array");
    assert_eq!(files.len(), 1);
    assert!(
        files[0]["path"]
            .as_str()
            .expect("path is text")
            .ends_with("dispatch-service-ticket.fmap")
    );
    assert_eq!(diagnostics.len(), 1);
    let d = &diagnostics[0];
    assert_eq!(d["code"], "FM0203");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["message"], "unknown field `AcountName` on Account");
    let (line, column) = line_col(&text, "AcountName");
    assert_eq!(d["line"], line);
    assert_eq!(d["column"], column);
    let start = text.find("AcountName").unwrap();
    assert_eq!(
        d["span"],
        serde_json::json!({"start": start, "end": start + "AcountName".len()})
    );
    let labels = d["labels"].as_array().expect("labels is an array");
    assert!(!labels.is_empty());
    let primary: Vec<&Value> = labels.iter().filter(|l| l["primary"] == true).collect();
    assert_eq!(primary.len(), 1, "one primary label: {labels:?}");
    assert_eq!(primary[0]["span"], d["span"]);
    assert!(
        primary[0]["message"]
            .as_str()
            .expect("label message is text")
            .contains("AccountName")
    );
    assert_eq!(d["help"], "replace `AcountName` with `AccountName`");
    assert!(d["notes"].is_array());
    assert_eq!(
        report["summary"],
        serde_json::json!({"errors": 1, "warnings": 0})
    );
    assert!(
        run.stderr.is_empty(),
        "JSON mode writes nothing else: {}",
        run.stderr
    );
}

#[test]
fn check_json_report_of_clean_files() {
    let run = fieldmap(&["check", "--format", "json", "mappings/"]);
    run.expect_code(0);
    let report = run.json();
    let files = report["files"].as_array().expect("files is an array");
    assert_eq!(files.len(), 6);
    for file in files {
        assert_eq!(file["diagnostics"], serde_json::json!([]), "{file}");
    }
    assert_eq!(
        report["summary"],
        serde_json::json!({"errors": 0, "warnings": 0})
    );
}

#[test]
fn check_reports_every_error_in_a_file() {
    let scratch = Scratch::new("several");
    let text = project_file(SERVICE_TICKET)
        .replacen(
            r#"Status == "Dispatch to Field""#,
            r#"Status == "Dispatch to Feild""#,
            1,
        )
        .replacen(r#"udf("Send to FN")"#, r#"udf("Sned to FN")"#, 1)
        .replacen("Account.AccountName", "Account.AcountName", 1)
        .replacen("location.address1 ", "location.adress1 ", 1);
    let path = scratch.write("several.fmap", &text);

    let found = failing_check(&path, 4);
    let found: Vec<(&str, u64)> = found
        .iter()
        .map(|(code, line)| (code.as_str(), *line))
        .collect();
    let line = |word| line_col(&text, word).0 as u64;
    assert_eq!(
        found,
        [
            ("FM0401", line("Dispatch to Feild")),
            ("FM0205", line("Sned to FN")),
            ("FM0203", line("AcountName")),
            ("FM0206", line("adress1")),
        ],
        "every error, in file order"
    );
}

#[test]
fn check_reports_every_broken_statement_of_one_mapping() {
    let scratch = Scratch::new("statements");
    let text = project_file(SERVICE_TICKET)
        .replacen(
            r#"Description ?? "No description given." | html"#,
            "Description ?? | html",
            1,
        )
        .replacen(
            "location.display_name = Account.AccountName",
            "location.display_name Account.AccountName",
            1,
        )
        .replacen("<= 4: 250", "<= 4 250", 1);
    let path = scratch.write("statements.fmap", &text);

    let found = failing_check(&path, 3);
    let found: Vec<(&str, u64)> = found
        .iter()
        .map(|(code, line)| (code.as_str(), *line))
        .collect();
    let line = |word| line_col(&text, word).0 as u64;
    assert_eq!(
        found,
        [
            ("FM0101", line("Description ?? | html")),
            ("FM0101", line("display_name Account")),
            ("FM0101", line("<= 4 250")),
        ],
        "one error for each broken statement, in file order"
    );
}

#[test]
fn check_counts_files_and_errors_across_several_files() {
    let scratch = Scratch::new("files");
    let broken = project_file(SERVICE_TICKET).replacen("Account.City", "Account.Cty", 1);
    let broken = scratch.write("broken.fmap", broken);
    let run = fieldmap(&[
        Path::new("check"),
        Path::new(PROJECT_TASK),
        &broken,
        Path::new(SERVICE_CALL),
    ]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("checked 3 file(s): 1 error(s), 0 warning(s)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `City`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_warning_alone_exits_zero() {
    let scratch = Scratch::new("warning");
    // "Escalated (old)" is an inactive Ticket.Status in the demo tenant.
    let (path, _) = broken_copy(
        &scratch,
        r#"Status == "Dispatch to Field""#,
        r#"Status == "Escalated (old)""#,
    );
    let run = fieldmap(&[Path::new("check"), &path]);
    run.expect_code(0);
    assert!(run.stderr.contains("FM0402"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("checked 1 file(s): 0 error(s), 1 warning(s)"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_missing_path_is_a_usage_error() {
    let run = fieldmap(&["check", "mappings/no-such-file.fmap"]);
    run.expect_code(2);
    assert!(run.stderr.contains("no-such-file.fmap"), "{}", run.stderr);
    assert!(!run.stderr.contains("checked"), "{}", run.stderr);
}

#[test]
fn check_folder_without_mappings_is_a_usage_error() {
    let run = fieldmap(&["check", FIXTURES]);
    run.expect_code(2);
    assert!(run.stderr.contains("no `.fmap` files"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// check --schema
// ---------------------------------------------------------------------------------------------

#[test]
fn check_against_a_copy_of_the_demo_tenant_passes() {
    let scratch = Scratch::new("schema-copy");
    let tenant = scratch.write("tenant.json", project_file(DEMO_TENANT));
    let run = fieldmap(&[
        Path::new("check"),
        Path::new("--schema"),
        &tenant,
        Path::new("mappings/"),
    ]);
    run.expect_code(0);
}

#[test]
fn check_against_a_tenant_without_the_label_fails() {
    let scratch = Scratch::new("schema-renamed");
    let demo = project_file(DEMO_TENANT);
    let needle = r#""label": "Dispatch to Field""#;
    assert_eq!(demo.matches(needle).count(), 1);
    let tenant = scratch.write(
        "tenant.json",
        demo.replacen(needle, r#""label": "Send to Field Services""#, 1),
    );
    let run = fieldmap(&[
        Path::new("check"),
        Path::new("--schema"),
        &tenant,
        Path::new(SERVICE_TICKET),
    ]);
    run.expect_code(1);
    assert!(run.stderr.contains("FM0401"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(r#""Dispatch to Field" is not a Ticket.Status label"#),
        "{}",
        run.stderr
    );
    let text = project_file(SERVICE_TICKET);
    let (line, column) = line_col(&text, r#"== "Dispatch to Field""#);
    assert!(
        run.stderr
            .contains(&format!("{SERVICE_TICKET}:{line}:{}]", column + 3)),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("checked 1 file(s): 1 error(s), 0 warning(s)"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_with_a_tenant_snapshot_that_is_not_json() {
    let scratch = Scratch::new("schema-bad");
    let tenant = scratch.write("tenant.json", r#"{"name": "Broken", "picklists": {"#);
    let run = fieldmap(&[
        Path::new("check"),
        Path::new("--schema"),
        &tenant,
        Path::new(SERVICE_TICKET),
    ]);
    run.expect_code(2);
    assert!(
        run.stderr
            .starts_with("error: tenant snapshot is not valid:"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("line 1"), "says where: {}", run.stderr);
    assert!(!run.stderr.contains("checked"), "{}", run.stderr);
}

#[test]
fn check_with_a_missing_tenant_snapshot() {
    let run = fieldmap(&[
        "check",
        "--schema",
        "stdlib/tenants/no-such-tenant.json",
        SERVICE_TICKET,
    ]);
    run.expect_code(2);
    assert!(run.stderr.contains("no-such-tenant.json"), "{}", run.stderr);
}

#[test]
fn check_with_a_tenant_snapshot_missing_required_keys() {
    let scratch = Scratch::new("schema-keys");
    let tenant = scratch.write("tenant.json", r#"{"name": "Empty"}"#);
    let run = fieldmap(&[
        Path::new("check"),
        Path::new("--schema"),
        &tenant,
        Path::new(SERVICE_TICKET),
    ]);
    run.expect_code(2);
    assert!(run.stderr.contains("picklists"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// Usage
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let run = fieldmap(&["frobnicate", "mappings/"]);
    run.expect_code(2);
    assert!(run.stderr.contains("frobnicate"), "{}", run.stderr);
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let run = fieldmap(&["check", "--bogus", "mappings/"]);
    run.expect_code(2);
    assert!(run.stderr.contains("--bogus"), "{}", run.stderr);
}

#[test]
fn unknown_format_is_a_usage_error() {
    let run = fieldmap(&["check", "--format", "yaml", "mappings/"]);
    run.expect_code(2);
    assert!(run.stderr.contains("yaml"), "{}", run.stderr);
}

#[test]
fn missing_arguments_are_a_usage_error() {
    fieldmap::<&str>(&[]).expect_code(2);
    fieldmap(&["check"]).expect_code(2);
    fieldmap(&["run", SERVICE_TICKET]).expect_code(2);
    fieldmap(&["event", STATUS_SYNC, "--ticket", TICKETS]).expect_code(2);
}

#[test]
fn help_exits_zero_and_lists_the_commands() {
    let run = fieldmap(&["--help"]);
    run.expect_code(0);
    for command in ["check", "run", "explain", "event"] {
        assert!(run.stdout.contains(command), "{}", run.stdout);
    }
    let run = fieldmap(&["run", "--help"]);
    run.expect_code(0);
    assert!(run.stdout.contains("--ticket"), "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------------
// run
// ---------------------------------------------------------------------------------------------

fn run_mapping(mapping: &str, ticket: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "run",
        mapping,
        "--ticket",
        ticket,
        "--records",
        FIXTURES,
        "--now",
        NOW,
    ];
    args.extend_from_slice(extra);
    fieldmap(&args)
}

#[test]
fn run_with_a_missing_ticket_file_is_a_usage_error() {
    let run = fieldmap(&[
        "run",
        SERVICE_TICKET,
        "--ticket",
        "mappings/fixtures/no-such-file.xml",
    ]);
    run.expect_code(2);
    assert!(run.stderr.contains("no-such-file.xml"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn run_service_ticket() {
    let run = run_mapping(SERVICE_TICKET, TICKETS, &["--id", "9137"]);
    run.expect_code(0);
    let wo = run.json();
    assert_eq!(
        wo["title"],
        "T20250114.0042: Printer & scanner down – Café Müller front desk"
    );
    assert_eq!(wo["types_of_work"][0]["id"], 64);
    assert_eq!(
        wo["schedule"]["service_window"]["start"]["utc"],
        "2025-01-15 14:00:00"
    );
    assert_eq!(wo["pay"]["base"]["amount"], 250);
    assert_eq!(wo["contacts"]["results"][0]["name"], "Zoë Schmidt");
    assert_eq!(wo["contacts"]["results"][1]["role"], "Resource coordinator");
    assert!(
        !run.stderr.contains("error"),
        "no errors for 9137: {}",
        run.stderr
    );
}

#[test]
fn run_on_several_tickets_asks_for_an_id() {
    let without = run_mapping(SERVICE_TICKET, TICKETS, &[]);
    without.expect_code(2);
    assert!(
        without
            .stderr
            .contains("holds 3 Ticket records (9137, 9138, 9139); pick one with --id"),
        "{}",
        without.stderr
    );
    assert!(without.stdout.is_empty(), "{}", without.stdout);
    // One ticket in the file: no --id needed.
    let scratch = Scratch::new("one-ticket");
    let tickets = project_file(TICKETS);
    let first_end = tickets.find("</Entity>").unwrap() + "</Entity>".len();
    let second_end = tickets.rfind("</Entity>").unwrap() + "</Entity>".len();
    let one = format!("{}{}", &tickets[..first_end], &tickets[second_end..]);
    let one = scratch.write("one-ticket.xml", one);
    let run = run_mapping(SERVICE_TICKET, one.to_str().unwrap(), &[]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        run_mapping(SERVICE_TICKET, TICKETS, &["--id", "9137"]).stdout
    );
}

#[test]
fn event_on_several_tickets_asks_for_an_id() {
    let run = fieldmap(&[
        "event",
        "mappings/status-sync.fmap",
        "--event",
        "mappings/fixtures/events/work-done.json",
        "--ticket",
        TICKETS,
    ]);
    run.expect_code(2);
    assert!(run.stderr.contains("pick one with --id"), "{}", run.stderr);
}

#[test]
fn a_record_given_twice_with_different_values_is_an_error() {
    let scratch = Scratch::new("conflicting-records");
    let tickets = project_file(TICKETS);
    assert!(tickets.contains("T20250114.0042"));
    let changed = scratch.write(
        "tickets-changed.xml",
        tickets.replace("T20250114.0042", "T20250114.9999"),
    );
    let run = run_mapping(
        SERVICE_TICKET,
        TICKETS,
        &["--id", "9137", "--records", changed.to_str().unwrap()],
    );
    run.expect_code(2);
    assert!(
        run.stderr.contains("Ticket 9137 is in") && run.stderr.contains("with different values"),
        "{}",
        run.stderr
    );
    // The same records twice (an identical copy) are fine.
    let copy = scratch.write("tickets-copy.xml", &tickets);
    let run = run_mapping(
        SERVICE_TICKET,
        TICKETS,
        &["--id", "9137", "--records", copy.to_str().unwrap()],
    );
    run.expect_code(0);
}

#[test]
fn run_project_task() {
    let run = run_mapping(PROJECT_TASK, TASKS, &["--id", "7701"]);
    run.expect_code(0);
    let wo = run.json();
    assert_eq!(
        wo["title"],
        "Northwind Dental – Wi-Fi refresh: Install ceiling access points – floor 2"
    );
    assert_eq!(wo["location"]["address1"], "233 S Wacker Dr");
    assert_eq!(wo["contacts"]["results"][0]["role"], "Project manager");
    assert_eq!(
        wo["schedule"]["service_window"]["start"]["utc"],
        "2025-07-15 13:00:00"
    );
    assert_eq!(wo["pay"]["base"]["amount"], 95);
}

#[test]
fn run_service_call() {
    let run = run_mapping(SERVICE_CALL, SERVICE_CALLS, &[]);
    run.expect_code(0);
    let wo = run.json();
    assert_eq!(wo["title"], "Café Müller & Söhne: service call 4401");
    assert_eq!(wo["location"]["display_name"], "Café Müller – Uptown");
    assert_eq!(
        wo["schedule"]["service_window"]["start"]["utc"],
        "2025-03-09 17:00:00"
    );
    assert_eq!(
        wo["custom_fields"]["results"][0]["results"][1],
        serde_json::json!({"id": 131, "value": "Sun Mar 9, 12:00 PM CDT"})
    );
}

#[test]
fn run_report_has_verdict_work_order_provenance_and_issues() {
    let plain = run_mapping(SERVICE_TICKET, TICKETS, &["--id", "9137"]);
    let run = run_mapping(SERVICE_TICKET, TICKETS, &["--id", "9137", "--report"]);
    run.expect_code(0);
    let report = run.json();
    assert_eq!(report["mapping"], "Dispatch from service ticket");
    assert_eq!(report["source_id"], 9137);
    assert_eq!(report["triggered"], true);
    assert_eq!(report["work_order"], plain.json());
    let provenance = report["provenance"]
        .as_array()
        .expect("provenance is an array");
    let title = provenance
        .iter()
        .find(|p| p["target"] == "title")
        .expect("provenance of the title");
    assert_eq!(
        title["sources"],
        serde_json::json!(["TicketNumber", "Title"])
    );
    assert_eq!(title["value"], report["work_order"]["title"]);
    let start = provenance
        .iter()
        .find(|p| p["target"] == "schedule.service_window.start.utc")
        .expect("provenance of the start");
    assert_eq!(start["sources"], serde_json::json!(["DueDateTime"]));
    for p in provenance {
        assert!(
            p["span"]["start"].is_u64() && p["span"]["end"].is_u64(),
            "{p}"
        );
    }
    // Ticket 9137 has everything but the dispatcher's phone, which the mapping does not ask for.
    assert_eq!(report["issues"], serde_json::json!([]));
}

#[test]
fn run_report_spans_cover_only_their_rule() {
    let text = project_file(SERVICE_TICKET);
    let run = run_mapping(SERVICE_TICKET, TICKETS, &["--id", "9138", "--report"]);
    let report = run.json();
    let spans = report["provenance"]
        .as_array()
        .unwrap()
        .iter()
        .chain(report["issues"].as_array().unwrap())
        .map(|p| &p["span"]);
    for span in spans {
        let (start, end) = (
            span["start"].as_u64().unwrap() as usize,
            span["end"].as_u64().unwrap() as usize,
        );
        let rule = &text[start..end];
        assert_eq!(rule, rule.trim(), "span {start}..{end}");
        assert!(!rule.contains("//"), "span {start}..{end}: {rule:?}");
    }
}

#[test]
fn run_says_when_the_trigger_does_not_hold() {
    // The work order is printed, and the exit status tells a script it would not dispatch.
    let run = run_mapping(SERVICE_TICKET, TICKETS, &["--id", "9139"]);
    run.expect_code(3);
    assert!(
        run.stderr.contains(
            r#"note: the trigger of "Dispatch from service ticket" does not hold for Ticket 9139"#
        ),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.json()["title"],
        "T20250114.0051: Replace docking station"
    );

    let run = run_mapping(SERVICE_TICKET, TICKETS, &["--id", "9139", "--report"]);
    assert_eq!(run.json()["triggered"], false);

    let run = run_mapping(SERVICE_TICKET, TICKETS, &["--id", "9137"]);
    assert!(!run.stderr.contains("does not hold"), "{}", run.stderr);
}

#[test]
fn run_ticket_without_contact_sends_the_account_s_primary_contact() {
    let run = run_mapping(SERVICE_TICKET, TICKETS, &["--id", "9138"]);
    run.expect_code(0);
    let wo = run.json();
    assert_eq!(
        wo["contacts"],
        serde_json::json!({"results": [{
            "role": "Location Contact",
            "name": "Raj Patel",
            "phone": "312-555-0123",
            "email": "raj.patel@northwind-dental.example",
        }]}),
        "{}",
        run.stdout
    );
    assert_eq!(
        wo["title"],
        "T20241101.0007: Patch rack 3 and relabel switch ports"
    );
    assert_eq!(wo["pay"]["base"]["amount"], 400);
    // Its due time falls in the hour New York repeats in November: reported, earlier one taken.
    assert_eq!(
        wo["schedule"]["service_window"]["start"]["utc"],
        "2024-11-03 05:30:00"
    );
    assert!(
        run.stderr.contains("Ticket 9138.DueDateTime") && run.stderr.contains("earlier"),
        "{}",
        run.stderr
    );
    // No assigned resource: the dispatcher contact is left out, and said so at its rule.
    assert!(
        run.stderr.contains(
            "warning: mappings/dispatch-service-ticket.fmap:35:3: `contacts.results[1].name` has no value"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn run_places_each_issue_at_its_rule() {
    let scratch = Scratch::new("run-issue-places");
    let mapping = scratch.write(
        "issues.fmap",
        "// Issues on ticket 9138: a Jsonnet block that subtracts from text, a field with no value.\n\
         mapping \"Issue places\" {\n\
         \x20 source autotask.Ticket\n\
         \x20 target fieldnation.WorkOrder\n\
         \x20 title = TicketNumber\n\
         \x20 types_of_work[0].id = 62\n\
         \x20 description.html = jsonnet(Account) |||\n\
         \x20   local account = $.input.Account;\n\
         \x20   account.City - 1\n\
         \x20 |||\n\
         \x20 location.address2 = Account.Address2\n\
         }\n",
    );
    let mapping = mapping.to_str().unwrap();
    let run = run_mapping(mapping, TICKETS, &["--id", "9138"]);
    run.expect_code(1);
    let issues: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: ") || l.starts_with("warning: "))
        .filter(|l| !l.contains("tickets.xml"))
        .collect();
    assert_eq!(
        issues,
        [
            format!(
                "error: {mapping}:7:3: `description.html`: the Jsonnet block failed on its line 2 \
                 (line 9 of the file): `-` cannot combine text and a number"
            ),
            format!(
                "warning: {mapping}:11:3: `location.address2` has no value (null, missing or \
                 empty) and no default"
            ),
        ],
        "{}",
        run.stderr
    );
    snapshot_settings().bind(|| {
        insta::assert_snapshot!("run_issue_places", scratch.redact(&issues.join("\n")));
    });

    // The report says the same place beside each issue's span.
    let report = run_mapping(mapping, TICKETS, &["--id", "9138", "--report"]).json();
    let places: Vec<(String, u64, u64)> = report["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["file"].as_str().unwrap().to_string(),
                i["line"].as_u64().unwrap(),
                i["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [(mapping.to_string(), 7, 3), (mapping.to_string(), 11, 3)]
    );
}

#[test]
fn run_with_an_unknown_id_is_a_usage_error() {
    let run = run_mapping(SERVICE_TICKET, TICKETS, &["--id", "1"]);
    run.expect_code(2);
    assert!(run.stderr.contains("Ticket with id 1"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn run_with_an_unknown_mapping_name_is_a_usage_error() {
    let run = run_mapping(SERVICE_TICKET, TICKETS, &["--mapping-name", "Nope"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("Dispatch from service ticket"),
        "names the mappings there are: {}",
        run.stderr
    );
}

#[test]
fn run_with_a_bad_clock_is_a_usage_error() {
    let run = fieldmap(&[
        "run",
        SERVICE_TICKET,
        "--ticket",
        TICKETS,
        "--now",
        "yesterday",
    ]);
    run.expect_code(2);
    assert!(run.stderr.contains("--now"), "{}", run.stderr);
}

#[test]
fn run_with_a_broken_mapping_exits_one() {
    let scratch = Scratch::new("run-broken");
    let (path, _) = broken_copy(&scratch, "Account.AccountName", "Account.AcountName");
    let run = fieldmap(&[
        Path::new("run"),
        &path,
        Path::new("--ticket"),
        Path::new(TICKETS),
    ]);
    run.expect_code(1);
    assert!(run.stderr.contains("FM0203"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "no work order: {}", run.stdout);
}

#[test]
fn run_on_a_file_without_mappings_says_so() {
    let run = run_mapping(STATUS_SYNC, TICKETS, &[]);
    run.expect_code(2);
    assert!(!run.stderr.contains("holds no  for"), "{}", run.stderr);
    assert!(
        run.stderr.contains("has no `mapping` to run"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// explain
// ---------------------------------------------------------------------------------------------

#[test]
fn explain_service_ticket() {
    let run = fieldmap(&["explain", SERVICE_TICKET]);
    run.expect_code(0);
    let out = &run.stdout;
    assert!(
        out.contains("fetch plan: 5 Autotask API call(s) per Ticket"),
        "{out}"
    );
    assert!(out.contains("<entity>Ticket</entity>"), "{out}");
    assert!(
        out.contains(r#"<field>Status<expression op="Equals">29682833</expression></field>"#),
        "the label is the tenant's id in QueryXML: {out}"
    );
    assert!(
        out.contains(
            r#"<field udf="true">Send to FN<expression op="Equals">Yes</expression></field>"#
        ),
        "{out}"
    );
    snapshot_settings().bind(|| {
        insta::assert_snapshot!("explain_service_ticket", out);
    });
}

#[test]
fn explain_the_other_examples() {
    for (mapping, plan, entity) in [
        (
            PROJECT_TASK,
            "fetch plan: 4 Autotask API call(s) per Task",
            "Task",
        ),
        (
            SERVICE_CALL,
            "fetch plan: 3 Autotask API call(s) per ServiceCall",
            "ServiceCall",
        ),
    ] {
        let run = fieldmap(&["explain", mapping]);
        run.expect_code(0);
        assert!(run.stdout.contains(plan), "{mapping}:\n{}", run.stdout);
        assert!(
            run.stdout.contains(&format!("<entity>{entity}</entity>")),
            "{mapping}:\n{}",
            run.stdout
        );
    }
    let run = fieldmap(&["explain", STATUS_SYNC]);
    run.expect_code(0);
    for event in ["assigned", "checked_in", "work_done", "approved"] {
        assert!(
            run.stdout
                .contains(&format!("on workorder.status.{event}:")),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn explain_a_broken_mapping_exits_one() {
    let scratch = Scratch::new("explain-broken");
    let (path, _) = broken_copy(&scratch, "location.address1 ", "location.adress1 ");
    let run = fieldmap(&[Path::new("explain"), &path]);
    run.expect_code(1);
    assert!(run.stderr.contains("FM0206"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------------
// event
// ---------------------------------------------------------------------------------------------

fn event(path: &Path) -> Run {
    fieldmap(&[
        Path::new("event"),
        Path::new(STATUS_SYNC),
        Path::new("--event"),
        path,
        Path::new("--ticket"),
        Path::new(TICKETS),
        Path::new("--id"),
        Path::new("9137"),
        Path::new("--now"),
        Path::new(NOW),
    ])
}

fn fixture_event(name: &str) -> Run {
    let run = event(&Path::new("mappings/fixtures/events").join(format!("{name}.json")));
    run.expect_code(0);
    assert!(run.stderr.is_empty(), "{name}: {}", run.stderr);
    run
}

#[test]
fn event_assigned() {
    let run = fixture_event("assigned");
    let changes = run.json();
    assert_eq!(changes["updates"][0]["value"], "29682834");
    assert_eq!(changes["updates"][0]["label"], "Assigned to Field Tech");
    snapshot_settings().bind(|| insta::assert_snapshot!("event_assigned", run.stdout));
}

/// With no `--schema`, `event` takes the snapshot the working directory's `fieldmap.toml`
/// names, and says so: a label's id there is what goes to Autotask, not the demo tenant's.
#[test]
fn event_uses_the_snapshot_fieldmap_toml_names() {
    let scratch = Scratch::new("event-toml");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let demo = std::fs::read_to_string(root.join("stdlib/tenants/demo.json")).unwrap();
    let mut tenant: Value = serde_json::from_str(&demo).unwrap();
    for status in tenant["picklists"]["Ticket"]["Status"]
        .as_array_mut()
        .unwrap()
    {
        if status["label"] == "Assigned to Field Tech" {
            status["value"] = serde_json::json!(555);
        }
    }
    scratch.write("tenant.json", tenant.to_string());
    scratch.write(
        "fieldmap.toml",
        "[mappings]\nfiles = []\ntenant_snapshot = \"tenant.json\"\n",
    );
    let output = Command::new(env!("CARGO_BIN_EXE_fieldmap"))
        .arg("event")
        .arg(root.join(STATUS_SYNC))
        .arg("--event")
        .arg(root.join("mappings/fixtures/events/assigned.json"))
        .arg("--ticket")
        .arg(root.join(TICKETS))
        .args(["--id", "9137", "--now", NOW])
        .current_dir(&scratch.dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("tenant snapshot: tenant.json (fieldmap.toml tenant_snapshot)"),
        "{stderr}"
    );
    let changes: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(changes["updates"][0]["value"], "555");
}

#[test]
fn event_checked_in() {
    let run = fixture_event("checked-in");
    // 08:02:40 in Chicago is 09:02:40 in New York, Autotask's wire clock.
    assert_eq!(run.json()["updates"][1]["value"], "2025-01-15T09:02:40");
    snapshot_settings().bind(|| insta::assert_snapshot!("event_checked_in", run.stdout));
}

#[test]
fn event_work_done() {
    let run = fixture_event("work-done");
    assert_eq!(run.json()["updates"], serde_json::json!([]));
    snapshot_settings().bind(|| insta::assert_snapshot!("event_work_done", run.stdout));
}

#[test]
fn event_approved() {
    let run = fixture_event("approved");
    assert_eq!(run.json()["updates"][0]["value"], "29682836");
    snapshot_settings().bind(|| insta::assert_snapshot!("event_approved", run.stdout));
}

#[test]
fn event_on_a_task_writes_the_task_and_a_task_note() {
    let run = fieldmap(&[
        "event",
        "mappings/dispatch-project-task.fmap",
        "--event",
        "mappings/fixtures/events/created-task.json",
        "--record",
        "mappings/fixtures/tasks.xml",
        "--entity",
        "Task",
        "--id",
        "7701",
    ]);
    run.expect_code(0);
    let changes = run.json();
    assert_eq!(changes["entity"], "Task");
    assert_eq!(changes["updates"][1]["field"], "ExternalID");
    assert_eq!(changes["updates"][1]["value"], "1234601");
    assert_eq!(changes["notes"][0]["TaskID"], 7701);
    // 14:20 UTC is 9:20 in Chicago (daylight time in July).
    assert!(
        changes["notes"][0]["Description"]
            .as_str()
            .is_some_and(|d| d.contains("Jul 1, 2025 9:20 AM CDT")),
        "{changes}"
    );
    // The same event against a ticket: the rules write tasks only.
    let run = fieldmap(&[
        "event",
        "mappings/dispatch-project-task.fmap",
        "--event",
        "mappings/fixtures/events/created-task.json",
        "--record",
        TICKETS,
        "--id",
        "9137",
    ]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr
            .contains("the record given is a Ticket; the outbound rules write to Task"),
        "{}",
        run.stderr
    );
}

#[test]
fn event_without_a_rule_changes_nothing() {
    let scratch = Scratch::new("event-paid");
    let body = project_file("mappings/fixtures/events/approved.json");
    assert_eq!(body.matches("workorder.status.approved").count(), 1);
    let path = scratch.write(
        "paid.json",
        body.replacen("workorder.status.approved", "workorder.status.paid", 1),
    );
    let run = event(&path);
    run.expect_code(0);
    let changes = run.json();
    assert_eq!(changes["event"], "workorder.status.paid");
    assert_eq!(changes["record_id"], 9137);
    assert_eq!(changes["updates"], serde_json::json!([]));
    assert_eq!(changes["notes"], serde_json::json!([]));
    assert!(
        run.stderr
            .contains("note: the mapping has no rule for `workorder.status.paid`"),
        "{}",
        run.stderr
    );
}

#[test]
fn event_file_that_is_not_json_is_a_usage_error() {
    let scratch = Scratch::new("event-text");
    let path = scratch.write("event.json", "event: workorder.status.assigned\n");
    let run = event(&path);
    run.expect_code(2);
    assert!(
        run.stderr.contains("event.json") && run.stderr.contains("not JSON"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn event_without_a_name_is_rejected() {
    let scratch = Scratch::new("event-nameless");
    let path = scratch.write("event.json", r#"{"workorder": {"id": 1}}"#);
    let run = event(&path);
    run.expect_code(2);
    assert!(run.stderr.contains("event.name"), "{}", run.stderr);
}

#[test]
fn event_for_a_ticket_the_file_lacks() {
    let run = fieldmap(&[
        "event",
        STATUS_SYNC,
        "--event",
        "mappings/fixtures/events/assigned.json",
        "--ticket",
        TICKETS,
        "--id",
        "4401",
    ]);
    run.expect_code(2);
    assert!(run.stderr.contains("no Ticket 4401"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// Garbage in
// ---------------------------------------------------------------------------------------------

#[test]
fn check_binary_bytes_is_a_syntax_error() {
    let scratch = Scratch::new("binary");
    let path = scratch.write("binary.fmap", b"\x00\x01\x02\x7f PK\x03\x04 \x1b[0m");
    let run = fieldmap(&[Path::new("check"), &path]);
    run.expect_code(1);
    assert!(run.stderr.contains("FM0101"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("checked 1 file(s): 1 error(s), 0 warning(s)"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_invalid_utf8_is_a_diagnostic() {
    let scratch = Scratch::new("not-utf8");
    let path = scratch.write("png.fmap", b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x00");
    let run = fieldmap(&[Path::new("check"), &path, Path::new(SERVICE_TICKET)]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("checked 2 file(s): 1 error(s), 0 warning(s)"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_truncated_mapping_is_a_syntax_error() {
    let scratch = Scratch::new("truncated");
    let text = project_file(SERVICE_TICKET);
    let cut = text.find("contacts[0].name").unwrap() + "contacts[0].name".len();
    let path = scratch.write("truncated.fmap", &text[..cut]);
    let run = fieldmap(&[Path::new("check"), &path]);
    run.expect_code(1);
    assert!(run.stderr.contains("FM0101"), "{}", run.stderr);
    let (line, _) = line_col(&text, "contacts[0].name");
    assert!(
        run.stderr.contains(&format!("truncated.fmap:{line}:")),
        "points at the end: {}",
        run.stderr
    );
}

#[test]
fn check_every_truncation_of_an_example() {
    // Every prefix of the service-ticket example, in one run: no panic, and every prefix that
    // stops inside the mapping (after the leading comment, before its last line) is an error.
    let scratch = Scratch::new("prefixes");
    let text = project_file(SERVICE_TICKET);
    let body_start = text.find("mapping").unwrap();
    let body_end = text.rfind('}').unwrap();
    let mut expected_errors = Vec::new();
    for (i, (at, _)) in text.char_indices().enumerate() {
        let name = format!("{i:05}.fmap");
        scratch.write(&name, &text[..at]);
        if at > body_start && at <= body_end {
            expected_errors.push(name);
        }
    }
    let run = fieldmap(&[
        Path::new("check"),
        Path::new("--format"),
        Path::new("json"),
        &scratch.dir,
    ]);
    run.expect_code(1);
    let report = run.json();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), text.chars().count());
    for file in files {
        let path = file["path"].as_str().unwrap();
        let name = Path::new(path).file_name().unwrap().to_str().unwrap();
        let diagnostics = file["diagnostics"].as_array().unwrap();
        let errors = diagnostics
            .iter()
            .filter(|d| d["severity"] == "error")
            .count();
        if expected_errors.iter().any(|n| n == name) {
            assert!(errors > 0, "{name} has no error");
        }
        for d in diagnostics {
            assert!(
                d["line"].as_u64().unwrap() >= 1 && d["column"].as_u64().unwrap() >= 1,
                "{name}: {d}"
            );
            assert!(
                !d["message"]
                    .as_str()
                    .unwrap()
                    .contains("the parser met a shape"),
                "{name}: {d}"
            );
        }
    }
}

#[test]
fn check_missing_equals_sign_says_so() {
    let scratch = Scratch::new("no-equals");
    let (path, text) = broken_copy(
        &scratch,
        "location.zip          = Account.PostalCode",
        "location.zip          Account.PostalCode",
    );
    let (run, diagnostics) = json_diagnostics(&path);
    run.expect_code(1);
    let d = &diagnostics[0];
    assert_eq!(d["code"], "FM0101");
    assert_eq!(d["line"], line_col(&text, "location.zip").0);
    let message = d["message"].as_str().unwrap();
    assert!(message.contains("`=`"), "{message}");
}

#[test]
fn check_unterminated_string_says_so() {
    let scratch = Scratch::new("open-string");
    let text = project_file(SERVICE_TICKET);
    let cut = text.find(r#"== "Dispatch to Field""#).unwrap() + 6;
    let path = scratch.write("open.fmap", &text[..cut]);
    let (run, diagnostics) = json_diagnostics(&path);
    run.expect_code(1);
    let message = diagnostics[0]["message"].as_str().unwrap();
    assert!(
        message.contains("string") || message.contains("end of file"),
        "{message}"
    );
}

/// Runs `fieldmap` with the reading end of its stdout (or stderr) already closed, as in
/// `fieldmap run … | head -0`; returns the exit code and what it wrote to the other stream.
fn with_closed_pipe(args: &[&str], close_stderr: bool) -> (i32, String) {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldmap"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the fieldmap binary starts");
    let (closed, mut open): (Box<dyn Read>, Box<dyn Read>) = if close_stderr {
        let open = Box::new(child.stdout.take().unwrap());
        (Box::new(child.stderr.take().unwrap()), open)
    } else {
        let open = Box::new(child.stderr.take().unwrap());
        (Box::new(child.stdout.take().unwrap()), open)
    };
    drop(closed);
    let mut other = String::new();
    open.read_to_string(&mut other).unwrap();
    let status = child.wait().unwrap();
    (status.code().expect("fieldmap ended by a signal"), other)
}

#[test]
fn a_closed_pipe_ends_the_output_quietly_with_the_usual_status() {
    let run = [
        "run",
        "mappings/dispatch-service-ticket.fmap",
        "--ticket",
        "mappings/fixtures/tickets.xml",
        "--records",
        "mappings/fixtures/",
        "--id",
        "9137",
    ];
    let (code, stderr) = with_closed_pipe(&run, false);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Diagnostics go to stderr: a closed stderr keeps the findings' exit status.
    let scratch = Scratch::new("closed-stderr");
    let (broken, _) = broken_copy(&scratch, "Account.City", "Account.Cty");
    let (code, stdout) = with_closed_pipe(&["check", broken.to_str().unwrap()], true);
    assert_eq!(code, 1, "{stdout}");
}

#[test]
fn repeated_load_warnings_are_counted_not_repeated() {
    let scratch = Scratch::new("repeated-warnings");
    let noise = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope \
         xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soap:Body><queryResponse \
         xmlns=\"http://autotask.net/ATWS/v1_6/\"><queryResult><ReturnCode>1</ReturnCode>\
         <EntityResults>{}</EntityResults><Errors /></queryResult></queryResponse></soap:Body>\
         </soap:Envelope>",
        "<Entity xsi:type=\"Account\"></Entity>".repeat(20_000)
    );
    let noise = scratch.write("empty-accounts.xml", &noise);
    let run = fieldmap(&[
        "run",
        "mappings/dispatch-service-ticket.fmap",
        "--ticket",
        "mappings/fixtures/tickets.xml",
        "--records",
        "mappings/fixtures/",
        "--records",
        noise.to_str().unwrap(),
        "--id",
        "9137",
    ]);
    run.expect_code(0);
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("without an id"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(lines[0].ends_with("(20,000 times)"), "{}", lines[0]);
}

#[test]
fn a_binary_file_never_writes_control_bytes_to_the_terminal() {
    let scratch = Scratch::new("binary");
    let mut bytes = b"\x7fELF\x02\x01\x01\x00\x00\x00\x1b[2J\x1b]0;title\x07".to_vec();
    bytes.extend((0u8..=255).cycle().take(4096));
    let path = scratch.write("binary.fmap", &bytes);
    let run = fieldmap(&["check", path.to_str().unwrap()]);
    run.expect_code(1);
    assert!(run.stderr.contains("not valid UTF-8"), "{}", run.stderr);
    let controls: Vec<char> = run
        .stderr
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(controls.is_empty(), "{controls:?}");
    // The excerpt stops soon after the bad byte instead of printing the whole file.
    assert!(run.stderr.len() < 2_000, "{} bytes", run.stderr.len());
}

#[test]
fn fmt_on_a_folder_without_mappings_is_a_usage_error() {
    let scratch = Scratch::new("no-mappings");
    scratch.write("notes.txt", "not a mapping");
    let run = fieldmap(&["fmt", scratch.dir.to_str().unwrap()]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("no `.fmap` files found"),
        "{}",
        run.stderr
    );
}
