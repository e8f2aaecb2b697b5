//! `import`: a project of mappings in two folders sharing a file of tables, through the
//! commands (check, lint, fmt, explain, run, test) and the broker's configured mappings.

use std::path::{Path, PathBuf};
use std::process::Command;

use fieldmap::broker::{BrokerConfig, compile_mappings};

const SHARED: &str = r#"// Shared by the dispatch mappings.
table site_zone: string -> zone {
  "MN", "WI" => "America/Chicago"
  _          => "America/New_York"
}
"#;

const TICKET: &str = r#"import "../shared/sites.fmap"

mapping "Ticket in the site's zone" {
  source autotask.Ticket
  target fieldnation.WorkOrder

  title              = "${TicketNumber}: ${Title}"
  custom_fields[131] = DueDateTime at (Account.State | site_zone) | format("MM/DD/YYYY h:mm A z")
}
"#;

const CALL: &str = r#"import "../shared/sites.fmap"

mapping "Service call in the site's zone" {
  source autotask.ServiceCall
  target fieldnation.WorkOrder

  title              = "Service call ${id}"
  custom_fields[131] = StartDateTime at (Account.State | site_zone) | format("h:mm A z")
}
"#;

/// A fresh project: `shared/sites.fmap`, `tickets/dispatch.fmap`, `calls/dispatch.fmap`.
fn project(name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("fieldmap-imports-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for (file, text) in [
        ("shared/sites.fmap", SHARED),
        ("tickets/dispatch.fmap", TICKET),
        ("calls/dispatch.fmap", CALL),
    ] {
        let path = root.join(file);
        std::fs::create_dir_all(path.parent().unwrap_or(&root)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    }
    root
}

fn fieldmap(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_fieldmap"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The example configuration with `files` (a TOML list) as its mappings, relative to `root`.
fn broker_config(root: &Path, files: &str) -> BrokerConfig {
    let example = include_str!("../../fieldmap.example.toml").replace(
        r#"files = ["mappings/dispatch-service-ticket.fmap", "mappings/status-sync.fmap"]"#,
        &format!("files = {files}"),
    );
    BrokerConfig::parse(&example, "fieldmap.toml", root).unwrap_or_else(|e| panic!("{e}"))
}

fn text(path: &Path) -> String {
    path.display().to_string()
}

#[test]
fn every_command_reads_imports_from_the_importing_file_s_folder() {
    let root = project("commands");
    let dir = text(&root);
    let ticket = text(&root.join("tickets/dispatch.fmap"));

    let (code, out, err) = fieldmap(&["check", &dir]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        format!("{out}{err}").contains("checked 3 file(s): 0 error(s), 0 warning(s)"),
        "{out}{err}"
    );
    // The small mappings leave Field Nation's prepackaged fields unset (FM0902, a warning);
    // the shared file's tables are neither unused (FM0906) nor a file with nothing to run.
    let (code, out, err) = fieldmap(&["lint", &dir]);
    let all = format!("{out}{err}");
    assert_eq!(code, 3, "{all}");
    assert!(!all.contains("FM0906") && !all.contains("FM0607"), "{all}");
    assert!(all.contains("linted 3 file(s): 0 error(s)"), "{all}");
    let (code, out, err) = fieldmap(&["fmt", "--check", &dir]);
    assert_eq!(code, 0, "{out}{err}");

    let (code, out, err) = fieldmap(&["explain", &ticket]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("site_zone"), "{out}");

    let (code, out, err) = fieldmap(&[
        "run",
        &ticket,
        "--ticket",
        "mappings/fixtures/tickets.xml",
        "--records",
        "mappings/fixtures/",
        "--id",
        "9137",
        "--now",
        "2025-01-15T09:00:00",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("01/15/2025 8:00 AM CST"), "{out}{err}");

    // The test runner finds the mapping next to its test file, and its import from there.
    let fixtures = std::fs::canonicalize("mappings/fixtures").unwrap_or_else(|e| panic!("{e}"));
    let spec = serde_json::json!({
        "records": [text(&fixtures)],
        "now": "2025-01-14T17:00:00",
        "cases": [{
            "name": "the site's zone comes from the imported table",
            "source": 9137,
            "triggered": true,
            "work_order": {
                "title": "T20250114.0042: Printer & scanner down – Café Müller front desk",
                "custom_fields": {"results": [{"results": [
                    {"id": 131, "value": "01/15/2025 8:00 AM CST"}
                ]}]}
            }
        }]
    });
    let spec_path = root.join("tickets/dispatch.test.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let (code, out, err) = fieldmap(&["test", &text(&spec_path)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 passed, 0 failed"), "{out}{err}");

    // A missing import is an error at the import, for every command that compiles.
    std::fs::remove_file(root.join("shared/sites.fmap")).unwrap_or_else(|e| panic!("{e}"));
    let (code, out, err) = fieldmap(&["check", &ticket]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        format!("{out}{err}").contains("FM0223")
            && format!("{out}{err}").contains("import \"../shared/sites.fmap\""),
        "{out}{err}"
    );
    let (code, out, err) = fieldmap(&["explain", &ticket]);
    assert_eq!(code, 1, "{out}{err}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn the_broker_compiles_configured_mappings_that_share_an_import() {
    let root = project("broker");
    let config = broker_config(&root, r#"["tickets/dispatch.fmap", "calls/dispatch.fmap"]"#);
    let mappings = compile_mappings(&config).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = mappings
        .program
        .mappings()
        .iter()
        .map(|m| m.name())
        .collect();
    assert_eq!(
        names,
        [
            "Ticket in the site's zone",
            "Service call in the site's zone"
        ]
    );

    // An error in the shared file names the file whose import brought it in.
    std::fs::write(
        root.join("shared/sites.fmap"),
        SHARED.replace("America/Chicago", "America/Minneapolis"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let error = compile_mappings(&config)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("FM0223"), "{error}");
    assert!(error.contains("tickets/dispatch.fmap"), "{error}");
    assert!(error.contains("FM0209"), "{error}");
    let _ = std::fs::remove_dir_all(&root);
}

const SHARED_HELPERS: &str = r#"// The site's clock, for tickets and service calls.
table state_zone: string -> zone {
  "MN", "WI" => "America/Chicago"
  _          => "America/New_York"
}

let site_zone for Ticket = Account.State | state_zone
let site_zone for ServiceCall = AccountPhysicalLocation.State ?? Account.State | state_zone
"#;

#[test]
fn a_helper_is_checked_once_where_it_is_declared_and_read_by_every_importing_mapping() {
    let root = project("helpers");
    std::fs::write(root.join("shared/sites.fmap"), SHARED_HELPERS)
        .unwrap_or_else(|e| panic!("{e}"));
    for file in ["tickets/dispatch.fmap", "calls/dispatch.fmap"] {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let text = text.replace("(Account.State | site_zone)", "(site_zone)");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    }
    let dir = text(&root);
    let (code, out, err) = fieldmap(&["check", &dir]);
    assert_eq!(code, 0, "{out}{err}");

    // Each mapping fetches the records its helper reads: the call its physical location too.
    let (code, out, err) = fieldmap(&["explain", &text(&root.join("calls/dispatch.fmap"))]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("AccountPhysicalLocation  AccountPhysicalLocation through ServiceCall.AccountPhysicalLocationID"), "{out}");
    assert!(out.contains("state_zone"), "{out}");

    // A mistake in the helper: the shared file shows it in place, each importing file once, at
    // its import, however many rules read the helper.
    std::fs::write(
        root.join("shared/sites.fmap"),
        SHARED_HELPERS.replace(
            "Account.State | state_zone\n",
            "Account.Stat | state_zone\n",
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (code, out, err) = fieldmap(&["check", &text(&root.join("shared/sites.fmap"))]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("unknown field `Stat` on Account"), "{err}");
    assert!(err.contains("sites.fmap:7:"), "{err}");
    let (code, out, err) = fieldmap(&["check", &text(&root.join("tickets/dispatch.fmap"))]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(err.matches("FM0223").count(), 1, "{err}");
    assert!(
        err.contains("line 7, column 36: FM0203 unknown field `Stat` on Account"),
        "{err}"
    );
    assert!(
        !err.contains("FM0203\n"),
        "reported again at the use: {err}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn the_shipped_mappings_compile_together_in_the_broker() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = broker_config(
        root,
        r#"["mappings/dispatch-service-ticket.fmap", "mappings/dispatch-service-call.fmap",
            "mappings/dispatch-project-task.fmap", "mappings/dispatch-with-parent-account.fmap",
            "mappings/status-sync.fmap"]"#,
    );
    let mappings = compile_mappings(&config).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mappings.program.mappings().len(), 4);
    // Two of the examples take the same tickets ("Dispatch to Field" and "Send to FN"): served
    // together they would dispatch them twice, which the broker warns about at start.
    let overlaps: Vec<String> = fieldmap::lint::overlapping_triggers(&mappings.program)
        .into_iter()
        .map(|d| d.message)
        .collect();
    assert_eq!(
        overlaps,
        [
            "a Ticket can meet the triggers of both \"Dispatch from service ticket\" and \
          \"Dispatch franchise site\": it would get two work orders"
        ]
    );
}

#[test]
fn configured_files_keep_their_own_tables_and_helpers_in_the_broker() {
    let root = project("own-names");
    // Both files declare a table and a helper of the same names, with other values; each file's
    // mapping reads its own.
    for (file, zone) in [
        ("tickets/dispatch.fmap", "America/Denver"),
        ("calls/dispatch.fmap", "America/Phoenix"),
    ] {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let text = text
            .replace("import \"../shared/sites.fmap\"\n", "")
            .replace("(Account.State | site_zone)", "(site_clock)");
        let text = format!(
            "{text}\ntable local_zone: string -> zone {{\n  _ => \"{zone}\"\n}}\n\
             let site_clock for Ticket = Account.State | local_zone\n\
             let site_clock for ServiceCall = Account.State | local_zone\n"
        );
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    }
    let config = broker_config(&root, r#"["tickets/dispatch.fmap", "calls/dispatch.fmap"]"#);
    let mappings = compile_mappings(&config).unwrap_or_else(|e| panic!("{e}"));
    let zones: Vec<String> = mappings
        .program
        .mappings()
        .iter()
        .map(|m| format!("{m:?}"))
        .map(|debug| {
            ["America/Denver", "America/Phoenix"]
                .into_iter()
                .filter(|zone| debug.contains(zone))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    assert_eq!(zones, ["America/Denver", "America/Phoenix"]);
    let _ = std::fs::remove_dir_all(&root);
}
