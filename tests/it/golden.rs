//! Golden tests of the mapping language, in the style of VRL's: every
//! `tests/golden/**/<name>.fmap` is a mapping (or a list of expressions) whose leading
//! comment lines say what to do with it, and the result is compared with the snapshot
//! `tests/golden/snapshots/<folder>__<name>.snap`.
//!
//! Directives (leading `// key: value` lines, before the first line of code):
//!
//! - `// expect: diagnostics` — the file must produce at least one diagnostic (an error or a
//!   warning); the rendered diagnostics are snapshotted.
//! - `// expect: errors` — the file must fail to compile.
//! - `// expect: output` — the file must compile; whatever `run:`/`event:`/`queryxml` asks for
//!   is snapshotted (with any warnings).
//! - `// expect: values` — every line of the body is an expression, evaluated on its own at
//!   the pinned clock; each result (JSON text or `error: …`) is snapshotted.
//! - `// expect: queryxml` — the file must compile; each trigger's QueryXML (or the reason it
//!   has none) is snapshotted.
//! - `// run: ticket=9137 9138` — evaluates every mapping whose source is that entity
//!   (`ticket`, `task`, `service_call`) for each id; the trigger verdict, the work order, the
//!   issues and the load issues of the records involved are snapshotted.
//! - `// event: assigned ticket=9137` — applies the Field Nation event body `assigned.json`
//!   (from `tests/golden/fixtures/` or the demo `mappings/fixtures/events/`) to the record:
//!   `ticket=`, `task=` or `service_call=` and its id; the rules `for` that entity apply.
//! - `// records: demo fixtures/extra.xml` — the query responses to load (`demo` = every
//!   response in `mappings/fixtures/`); the default is `demo`.
//! - `// now: 2025-01-15T09:00:00` — the clock (Autotask wall clock); that is the default.
//! - `// show: provenance` — include the provenance of every work order field.
//! - `// codes: FM0203 FM0205` — the diagnostics' codes, in order, must be exactly these.
//! - `// contains: text` — the diagnostics (messages, labels, help, notes) or the results
//!   must contain `text` (may be repeated); the quoted source lines do not count.
//! - `// lacks: text` — they must not contain `text` (may be repeated).
//! - `// at: 9:11` — the first diagnostic points at this line and column.
//!
//! Files under `tests/golden/pending/` show known bugs: the main test skips them, and the
//! ignored test `pending_golden_files` checks their `expect`, `codes`, `at`, `contains` and
//! `lacks` directives, which state the correct behaviour.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fieldmap::EvalContext;
use fieldmap::RecordSet;
use fieldmap::Schemas;
use fieldmap::autotask::{LoadIssue, load_query_response};
use fieldmap::diagnostics::{Code, Diagnostic, render_human};
use fieldmap::time::parse_autotask_datetime;
use serde_json::Value as Json;

const DEFAULT_NOW: &str = "2025-01-15T09:00:00";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn golden_dir() -> PathBuf {
    root().join("tests").join("golden")
}

#[derive(Debug, Default)]
struct Directives {
    expect: Option<String>,
    runs: Vec<(String, Vec<i64>)>,
    /// Event body name, the record's entity and its id.
    events: Vec<(String, String, i64)>,
    records: Vec<String>,
    now: Option<String>,
    show_provenance: bool,
    codes: Option<Vec<String>>,
    contains: Vec<String>,
    lacks: Vec<String>,
    at: Option<String>,
    /// A tenant snapshot in `tests/golden/fixtures/` to check against instead of the demo's.
    tenant: Option<String>,
}

/// The entity a directive names the way outbound rules name records: `ticket`, `task`,
/// `service_call`.
fn entity_named(name: &str) -> Option<&'static str> {
    match name {
        "ticket" => Some("Ticket"),
        "task" => Some("Task"),
        "service_call" => Some("ServiceCall"),
        _ => None,
    }
}

fn parse_directives(source: &str) -> Result<Directives, String> {
    let mut d = Directives::default();
    for line in source.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(comment) = line.strip_prefix("//") else {
            break;
        };
        let comment = comment.trim();
        let Some((key, value)) = comment.split_once(": ") else {
            continue;
        };
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            continue;
        }
        let value = value.trim();
        match key {
            "expect" => {
                if d.expect.is_some() {
                    return Err("`expect` given twice".into());
                }
                d.expect = Some(value.to_string());
            }
            "run" => {
                let (entity, ids) = value
                    .split_once('=')
                    .ok_or_else(|| format!("`run: {value}`: expected `entity=id …`"))?;
                let entity = entity_named(entity.trim())
                    .ok_or_else(|| format!("`run`: unknown source `{}`", entity.trim()))?;
                let ids = ids
                    .split_whitespace()
                    .map(|id| id.parse::<i64>().map_err(|e| format!("`run`: {id}: {e}")))
                    .collect::<Result<Vec<_>, _>>()?;
                if ids.is_empty() {
                    return Err("`run` names no id".into());
                }
                d.runs.push((entity.to_string(), ids));
            }
            "event" => {
                let mut parts = value.split_whitespace();
                let name = parts.next().ok_or("`event` names no event file")?;
                let expected =
                    "`event`: expected `<name> <record>=<id>` (ticket, task or service_call)";
                let (record, id) = parts
                    .next()
                    .and_then(|t| t.split_once('='))
                    .ok_or(expected)?;
                let entity = entity_named(record).ok_or(expected)?;
                let id = id
                    .parse::<i64>()
                    .map_err(|e| format!("`event`: {id}: {e}"))?;
                if parts.next().is_some() {
                    return Err(expected.into());
                }
                d.events.push((name.to_string(), entity.to_string(), id));
            }
            "records" => d
                .records
                .extend(value.split_whitespace().map(str::to_string)),
            "now" => d.now = Some(value.to_string()),
            "show" => match value {
                "provenance" => d.show_provenance = true,
                other => return Err(format!("`show: {other}`: only `provenance`")),
            },
            "codes" => {
                d.codes = Some(value.split_whitespace().map(str::to_string).collect());
            }
            "contains" => d.contains.push(value.to_string()),
            "lacks" => d.lacks.push(value.to_string()),
            "at" => d.at = Some(value.to_string()),
            "tenant" => d.tenant = Some(value.to_string()),
            other => return Err(format!("unknown directive `{other}`")),
        }
    }
    match d.expect.as_deref() {
        Some("diagnostics" | "errors" | "output" | "values" | "queryxml") => Ok(d),
        Some(other) => Err(format!("unknown `expect: {other}`")),
        None => Err("the file has no `// expect:` line".into()),
    }
}

/// Every `.fmap` under `dir`, sorted, as paths relative to the golden folder.
fn golden_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        // Fixtures hold the files golden files import; they are no tests of their own.
        if path.is_dir() && path.file_name().is_some_and(|n| n == "fixtures") {
            continue;
        }
        if path.is_dir() {
            golden_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "fmap") {
            out.push(
                path.strip_prefix(golden_dir())
                    .expect("under the golden folder")
                    .to_path_buf(),
            );
        }
    }
}

fn relative_name(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// `diagnostics/unknown_field.fmap` → `diagnostics__unknown_field`.
fn snapshot_name(relative: &str) -> String {
    relative.trim_end_matches(".fmap").replace('/', "__")
}

fn clock(now: Option<&str>) -> EvalContext {
    let text = now.unwrap_or(DEFAULT_NOW);
    let (now, _) = parse_autotask_datetime(text).unwrap_or_else(|e| panic!("`now: {text}`: {e}"));
    EvalContext::at(now)
}

/// Replaces every `{start, end}` span object by `line:col-line:col`, so snapshots read
/// like the mapping file.
fn readable_spans(json: &mut Json, source: &str) {
    match json {
        Json::Object(map) => {
            let is_span = map.len() == 2
                && map.get("start").is_some_and(Json::is_u64)
                && map.get("end").is_some_and(Json::is_u64);
            if is_span {
                let at = |key: &str| {
                    let offset = map[key].as_u64().unwrap_or_default() as usize;
                    let span = fieldmap::diagnostics::Span::new(offset, offset);
                    let (line, col) = span.line_col(source);
                    format!("{line}:{col}")
                };
                *json = Json::String(format!("{}-{}", at("start"), at("end")));
                return;
            }
            for value in map.values_mut() {
                readable_spans(value, source);
            }
        }
        Json::Array(items) => items.iter_mut().for_each(|v| readable_spans(v, source)),
        _ => {}
    }
}

fn pretty(json: &Json) -> String {
    serde_json::to_string_pretty(json).expect("JSON renders")
}

/// The records a file evaluates against, and the load issues of each file loaded.
struct Loaded {
    records: RecordSet,
    /// `(is_demo, issue)`.
    issues: Vec<(bool, LoadIssue)>,
}

fn load_records(specs: &[String], schemas: &Schemas) -> Result<Loaded, String> {
    let mut files: Vec<(bool, PathBuf)> = Vec::new();
    let specs: Vec<String> = if specs.is_empty() {
        vec!["demo".into()]
    } else {
        specs.to_vec()
    };
    for spec in &specs {
        if spec == "demo" {
            let dir = root().join("mappings").join("fixtures");
            let mut demo: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map_err(|e| format!("{}: {e}", dir.display()))?
                .map(|e| e.expect("directory entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "xml"))
                .collect();
            demo.sort();
            files.extend(demo.into_iter().map(|p| (true, p)));
        } else {
            files.push((false, golden_dir().join(spec)));
        }
    }
    let mut loaded = Loaded {
        records: RecordSet::new(),
        issues: Vec::new(),
    };
    for (demo, file) in files {
        let xml = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let report = load_query_response(&xml, schemas, &mut loaded.records)
            .map_err(|e| format!("{}: {e}", file.display()))?;
        loaded
            .issues
            .extend(report.issues.into_iter().map(|i| (demo, i)));
    }
    Ok(loaded)
}

fn event_body(name: &str) -> Result<Json, String> {
    let candidates = [
        golden_dir().join("fixtures").join(format!("{name}.json")),
        root()
            .join("mappings")
            .join("fixtures")
            .join("events")
            .join(format!("{name}.json")),
    ];
    let file = candidates
        .iter()
        .find(|p| p.is_file())
        .ok_or_else(|| format!("no event body `{name}.json`"))?;
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))
}

/// What one golden file gave: the text to snapshot and the diagnostics' codes.
struct Outcome {
    text: String,
    codes: Vec<Code>,
    /// `line:col` of the first diagnostic's primary span.
    first_at: Option<String>,
    /// What `contains`/`lacks` search: the diagnostics' messages, labels, help and notes,
    /// and every result, but not the source lines the rendering quotes.
    findings: String,
}

fn render(diagnostics: &[Diagnostic], relative: &str, source: &str) -> String {
    render_human(diagnostics, relative, source, false)
}

fn run_values(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        let result = fieldmap::eval_standalone(line).unwrap_or_else(|e| format!("error: {e}"));
        let _ = writeln!(out, "{line}\n    => {result}");
    }
    out
}

fn run_file(relative: &str, source: &str, d: &Directives) -> Result<Outcome, String> {
    let expect = d.expect.as_deref().unwrap_or_default();
    if expect == "values" {
        if !d.runs.is_empty() || !d.events.is_empty() {
            return Err("`expect: values` takes no `run` or `event`".into());
        }
        let text = run_values(source);
        return Ok(Outcome {
            findings: text.clone(),
            text,
            codes: Vec::new(),
            first_at: None,
        });
    }
    let schemas = match &d.tenant {
        None => Schemas::bundled(),
        Some(file) => {
            let path = golden_dir().join("fixtures").join(file);
            let json = std::fs::read_to_string(&path).map_err(|e| format!("{file}: {e}"))?;
            Schemas::with_tenant_json(&json)
        }
    };
    let schemas = Arc::new(schemas.map_err(|e| e.to_string())?);
    let mut text = String::new();
    // Imports are read relative to the golden file.
    let imports = fieldmap::Imports::file(&golden_dir().join(relative));
    let (program, diagnostics) =
        match fieldmap::compile_importing(source, schemas.clone(), &imports) {
            Ok(compiled) => (Some(compiled.program), compiled.warnings),
            Err(failure) => (None, failure.diagnostics),
        };
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    let first_at = diagnostics.first().map(|d| {
        let (line, col) = d.primary_span().line_col(source);
        format!("{line}:{col}")
    });
    let mut findings = String::new();
    for d in &diagnostics {
        let _ = writeln!(findings, "{}", d.message);
        for label in &d.labels {
            let _ = writeln!(findings, "{}", label.message);
        }
        if let Some(help) = &d.help {
            let _ = writeln!(findings, "{help}");
        }
        for note in &d.notes {
            let _ = writeln!(findings, "{note}");
        }
    }
    match expect {
        "diagnostics" if diagnostics.is_empty() => {
            return Err("expected diagnostics, but the file compiled cleanly".into());
        }
        "errors" if program.is_some() => {
            return Err(format!(
                "expected the file not to compile, but it did (with {} warning(s))",
                diagnostics.len()
            ));
        }
        "output" | "queryxml" if program.is_none() => {
            return Err(format!(
                "expected the file to compile, but it failed:\n{}",
                render(&diagnostics, relative, source)
            ));
        }
        _ => {}
    }
    if !diagnostics.is_empty() {
        text.push_str(&render(&diagnostics, relative, source));
    }
    let Some(program) = program else {
        if !d.runs.is_empty() || !d.events.is_empty() {
            return Err("`run`/`event` need a file that compiles".into());
        }
        return Ok(Outcome {
            text,
            codes,
            first_at,
            findings,
        });
    };

    if expect == "queryxml" {
        for mapping in program.mappings() {
            for (i, trigger) in mapping.triggers().iter().enumerate() {
                let _ = writeln!(text, "== {:?} trigger #{} ==", mapping.name(), i + 1);
                match trigger.query() {
                    Ok(xml) => {
                        let _ = writeln!(text, "{}", xml.to_pretty_xml());
                    }
                    Err(reason) => {
                        let _ = writeln!(text, "no QueryXML: {reason}");
                    }
                }
            }
        }
    }

    let diagnostics_end = text.len();
    let results = |text: &str, findings: &str| format!("{findings}{}", &text[diagnostics_end..]);
    if d.runs.is_empty() && d.events.is_empty() {
        let findings = results(&text, &findings);
        return Ok(Outcome {
            text,
            codes,
            first_at,
            findings,
        });
    }
    let loaded = load_records(&d.records, &schemas)?;
    let ctx = clock(d.now.as_deref());

    for (entity, ids) in &d.runs {
        let mappings: Vec<usize> = program
            .mappings()
            .iter()
            .enumerate()
            .filter(|(_, m)| m.source() == *entity)
            .map(|(i, _)| i)
            .collect();
        if mappings.is_empty() {
            return Err(format!("no mapping in the file starts from {entity}"));
        }
        for &index in &mappings {
            let mapping = &program.mappings()[index];
            for &id in ids {
                let evaluation = program
                    .evaluate(&loaded.records, id, &ctx, index)
                    .map_err(|e| format!("evaluating {entity} {id}: {e}"))?;
                // The records involved: the source and what its relations point at.
                let mut involved = vec![(entity.to_string(), id)];
                if let Some(record) = loaded.records.get(entity, id) {
                    involved.extend(
                        mapping
                            .referenced_by(record)
                            .map(|(entity, id)| (entity.to_string(), id)),
                    );
                }
                // Load issues of those records, and of the file's own entities without an id.
                let load_issues: Vec<&LoadIssue> = loaded
                    .issues
                    .iter()
                    .filter(|(demo, issue)| match issue.id {
                        Some(id) => involved.iter().any(|(e, i)| *e == issue.entity && *i == id),
                        None => !demo,
                    })
                    .map(|(_, issue)| issue)
                    .collect();
                let mut json =
                    serde_json::to_value(&evaluation).map_err(|e| format!("serializing: {e}"))?;
                if let Json::Object(map) = &mut json {
                    // Rebuilt rather than `remove`d, which would reorder the keys.
                    let dropped = |k: &str, v: &Json| {
                        k == "mapping"
                            || k == "source_id"
                            || (k == "provenance" && !d.show_provenance)
                            || (k == "log" && v.as_array().is_some_and(Vec::is_empty))
                    };
                    *map = std::mem::take(map)
                        .into_iter()
                        .filter(|(k, v)| !dropped(k, v))
                        .collect();
                    if !load_issues.is_empty() {
                        map.insert(
                            "load_issues".into(),
                            serde_json::to_value(&load_issues).map_err(|e| e.to_string())?,
                        );
                    }
                }
                readable_spans(&mut json, source);
                let _ = writeln!(text, "== {:?} {entity} {id} ==", mapping.name());
                let _ = writeln!(text, "{}", pretty(&json));
            }
        }
    }

    for (name, entity, id) in &d.events {
        let body = event_body(name)?;
        let record = loaded
            .records
            .get(entity, *id)
            .ok_or_else(|| format!("no {entity} {id} among the records"))?;
        let changes = program
            .on_event(&body, record, &ctx, None)
            .map_err(|e| format!("event {name}: {e}"))?;
        let mut json = serde_json::to_value(&changes).map_err(|e| e.to_string())?;
        readable_spans(&mut json, source);
        let _ = writeln!(text, "== event {name} on {entity} {id} ==");
        let _ = writeln!(text, "{}", pretty(&json));
    }
    let findings = results(&text, &findings);
    Ok(Outcome {
        text,
        codes,
        first_at,
        findings,
    })
}

/// Runs one file and checks its directives; returns the snapshot text.
fn check_file(relative: &str) -> Result<(Directives, String), String> {
    let path = golden_dir().join(relative);
    let source = std::fs::read_to_string(&path).map_err(|e| format!("reading: {e}"))?;
    let directives = parse_directives(&source)?;
    let outcome = run_file(relative, &source, &directives)?;
    if let Some(want) = &directives.codes {
        let got: Vec<&str> = outcome.codes.iter().map(|c| c.as_str()).collect();
        if got != *want {
            return Err(format!(
                "codes: expected {want:?}, got {got:?}\n{}",
                outcome.text
            ));
        }
    }
    if let Some(want) = &directives.at
        && outcome.first_at.as_ref() != Some(want)
    {
        return Err(format!(
            "at: expected the first diagnostic at {want}, got {:?}\n{}",
            outcome.first_at, outcome.text
        ));
    }
    for needle in &directives.contains {
        if !outcome.findings.contains(needle.as_str()) {
            return Err(format!(
                "the result does not contain {needle:?}:\n{}",
                outcome.text
            ));
        }
    }
    for needle in &directives.lacks {
        if outcome.findings.contains(needle.as_str()) {
            return Err(format!("the result contains {needle:?}:\n{}", outcome.text));
        }
    }
    let mut header = format!("source: {relative}\n");
    if let Some(expect) = &directives.expect {
        let _ = writeln!(header, "expect: {expect}");
    }
    Ok((directives, format!("{header}\n{}", outcome.text)))
}

fn all_files() -> Vec<String> {
    let mut files = Vec::new();
    golden_files(&golden_dir(), &mut files);
    files.iter().map(|p| relative_name(p)).collect()
}

#[test]
fn golden_files_match_their_snapshots() {
    let files: Vec<String> = all_files()
        .into_iter()
        .filter(|f| !f.starts_with("pending/"))
        .collect();
    assert!(
        files.len() >= 40,
        "expected the golden suite to hold at least 40 files, found {}",
        files.len()
    );
    let mut failures: Vec<String> = Vec::new();
    let mut codes_seen: BTreeSet<&'static str> = BTreeSet::new();
    for relative in &files {
        let (directives, text) = match check_file(relative) {
            Ok(done) => done,
            Err(reason) => {
                failures.push(format!("{relative}: {reason}"));
                continue;
            }
        };
        if let Some(codes) = &directives.codes {
            for code in codes {
                if let Some(c) = Code::ALL.iter().find(|c| c.as_str() == code) {
                    codes_seen.insert(c.as_str());
                }
            }
        }
        let name = snapshot_name(relative);
        let result = std::panic::catch_unwind(|| {
            insta::with_settings!({
                snapshot_path => "../golden/snapshots",
                prepend_module_to_snapshot => false,
                omit_expression => true,
            }, {
                insta::assert_snapshot!(name.as_str(), text);
            });
        });
        if result.is_err() {
            failures.push(format!("{relative}: does not match snapshot `{name}`"));
        }
    }
    // Every code the checker raises has a golden file that pins it (`codes:` lines).
    // FM0605 cannot be produced (the grammar requires `source` and `target`), and lint
    // rules (09xx) belong to `fieldmap lint`, not to `compile`.
    // FM0190 guards the formatter against its own bugs; formatter tests pin it.
    let unreachable = ["FM0605", "FM0190"];
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !c.starts_with("FM09") && !unreachable.contains(c) && !codes_seen.contains(c))
        .collect();
    if !missing.is_empty() {
        failures.push(format!(
            "no golden file pins these codes with `// codes:`: {missing:?}"
        ));
    }
    assert!(
        failures.is_empty(),
        "{} golden file(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_snapshot_belongs_to_a_golden_file() {
    let names: BTreeSet<String> = all_files()
        .iter()
        .filter(|f| !f.starts_with("pending/"))
        .map(|f| snapshot_name(f))
        .collect();
    let dir = golden_dir().join("snapshots");
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the snapshot folder exists") {
        let path = entry.expect("directory entry").path();
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        if let Some(stem) = file.strip_suffix(".snap")
            && !names.contains(stem)
        {
            orphans.push(file.to_string());
        }
    }
    assert!(
        orphans.is_empty(),
        "snapshots without a golden file: {orphans:?}"
    );
}

#[test]
fn directives_are_parsed_strictly() {
    assert!(parse_directives("mapping \"x\" {}").is_err(), "no expect");
    assert!(parse_directives("// expect: nonsense\n").is_err());
    assert!(parse_directives("// expect: output\n// runn: ticket=1\n").is_err());
    assert!(parse_directives("// expect: output\n// run: ticket=\n").is_err());
    assert!(parse_directives("// expect: output\n// event: assigned project=1\n").is_err());
    assert!(parse_directives("// expect: output\n// event: assigned ticket=1 2\n").is_err());
    let task = parse_directives("// expect: output\n// event: created-task task=7701\n");
    assert_eq!(
        task.map(|d| d.events),
        Ok(vec![("created-task".into(), "Task".into(), 7701)])
    );
    let d = parse_directives(
        "// A comment: with a colon is prose.\n// expect: output\n// run: ticket=9137 9138\n\
         // event: assigned ticket=9137\n// codes: FM0203\nmapping \"x\" {}\n// expect: errors\n",
    )
    .expect("valid directives");
    assert_eq!(d.expect.as_deref(), Some("output"));
    assert_eq!(d.runs, vec![("Ticket".to_string(), vec![9137, 9138])]);
    assert_eq!(
        d.events,
        vec![("assigned".to_string(), "Ticket".to_string(), 9137)]
    );
    assert_eq!(d.codes, Some(vec!["FM0203".to_string()]));
}

/// The pending files state the correct behaviour of known bugs; this fails until they are
/// fixed. When it passes for a file, move the file out of `pending/` and accept its snapshot.
#[test]
#[ignore = "bug: the files under tests/golden/pending show known checker bugs"]
fn pending_golden_files() {
    let files: Vec<String> = all_files()
        .into_iter()
        .filter(|f| f.starts_with("pending/"))
        .collect();
    assert!(!files.is_empty(), "no pending files");
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| check_file(f).err().map(|e| format!("{f}: {e}")))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
