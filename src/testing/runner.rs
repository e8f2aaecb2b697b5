//! Running one test file: compile its mapping, load its records, evaluate every case, compare.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value as Json;

use super::coverage_report::CoverageReport;
use super::json_diff::{Difference, diff, project};
use super::spec::{Case, TestFile};
use crate::autotask::load_query_response;
use crate::diagnostics::render_human;
use crate::ir::{MappingProgram, Program};
use crate::runtime::EvalOptions;
use crate::runtime::coverage::Coverage;
use crate::schema::Schemas;
use crate::stdlib::context::EvalContext;
use crate::time::parse_autotask_datetime;
use crate::value::record::RecordSet;

const DEFAULT_NOW: &str = "2025-01-15T09:00:00";

#[derive(Debug, Clone)]
pub struct CaseOutcome {
    pub name: String,
    /// Empty when the case passed; otherwise one readable explanation per problem.
    pub failures: Vec<String>,
}

impl CaseOutcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct FileOutcome {
    pub test_file: PathBuf,
    pub mapping_file: PathBuf,
    pub cases: Vec<CaseOutcome>,
    /// A problem that kept the file's cases from running (bad JSON, a mapping with errors…).
    pub error: Option<String>,
    pub coverage: Option<CoverageReport>,
    /// `--update` rewrote the file's expectations.
    pub updated: bool,
}

/// Runs every case of a test file; with `update`, rewrites the expectations that failed.
pub fn run_test_file(path: &Path, schemas: Arc<Schemas>, update: bool) -> FileOutcome {
    let mut outcome = FileOutcome {
        test_file: path.to_path_buf(),
        mapping_file: PathBuf::new(),
        cases: Vec::new(),
        error: None,
        coverage: None,
        updated: false,
    };
    if let Err(e) = run(path, schemas, update, &mut outcome) {
        outcome.error = Some(e);
    }
    outcome
}

fn run(
    path: &Path,
    schemas: Arc<Schemas>,
    update: bool,
    outcome: &mut FileOutcome,
) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut spec: TestFile =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mapping_file = match &spec.mapping {
        Some(m) => dir.join(m),
        None => {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            dir.join(format!("{}.fmap", name.trim_end_matches(".test.json")))
        }
    };
    outcome.mapping_file = mapping_file.clone();
    let source = std::fs::read_to_string(&mapping_file)
        .map_err(|e| format!("cannot read {}: {e}", mapping_file.display()))?;
    let imports = crate::check::Imports::file(&mapping_file);
    let compiled = crate::check::compile_importing(&source, schemas.clone(), &imports);
    let program = compiled.map(|c| c.program).map_err(|failure| {
        let shown = mapping_file.display().to_string();
        format!(
            "the mapping does not compile:\n{}",
            render_human(&failure.diagnostics, &shown, &source, false)
        )
    })?;
    let mut records = RecordSet::new();
    for entry in &spec.records {
        for file in xml_files(&dir.join(entry))? {
            let xml = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            load_query_response(&xml, &schemas, &mut records)
                .map_err(|e| format!("{}: {e}", file.display()))?;
        }
    }
    let now = spec.now.as_deref().unwrap_or(DEFAULT_NOW);
    let (now, _) = parse_autotask_datetime(now).map_err(|e| format!("`now`: {e}"))?;
    let ctx = EvalContext::at(now);
    let mut coverage = Coverage::default();
    let mut changed = false;
    for case in &mut spec.cases {
        let failures = match (&case.event, case.source) {
            (Some(_), _) => event_case(
                &program,
                case,
                dir,
                &records,
                &ctx,
                &mut coverage,
                update,
                &mut changed,
            ),
            (None, Some(_)) => mapping_case(
                &program,
                &source,
                case,
                &records,
                &ctx,
                &mut coverage,
                update,
                &mut changed,
            ),
            (None, None) => Err(
                "a case needs `source` (a mapping case) or `event` and its record (an event case)"
                    .into(),
            ),
        };
        outcome.cases.push(CaseOutcome {
            name: case.name.clone(),
            failures: failures.unwrap_or_else(|e| vec![e]),
        });
    }
    if update && changed {
        let mut text = serde_json::to_string_pretty(&spec).map_err(|e| e.to_string())?;
        text.push('\n');
        crate::files::write_atomically(path, text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        outcome.updated = true;
    }
    outcome.coverage = Some(CoverageReport::build(&program, &coverage, &source));
    Ok(())
}

fn xml_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("cannot list {}: {e}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    Ok(files)
}

#[allow(clippy::too_many_arguments)]
fn mapping_case(
    program: &Program,
    source: &str,
    case: &mut Case,
    records: &RecordSet,
    ctx: &EvalContext,
    coverage: &mut Coverage,
    update: bool,
    changed: &mut bool,
) -> Result<Vec<String>, String> {
    let id = case.source.unwrap_or_default();
    let index = program
        .mappings
        .iter()
        .position(|m| match &case.mapping_name {
            Some(name) => &m.name == name,
            None => records.get(&m.source, id).is_some(),
        })
        .ok_or_else(|| format!("no mapping applies to record {id} (is it in `records`?)"))?;
    let mapping = &program.mappings[index];
    let result = program
        .evaluate(
            records,
            id,
            ctx,
            EvalOptions::from(index).with_coverage(coverage),
        )
        .map_err(|e| e.to_string())?;
    let mut failures = Vec::new();
    if let Some(expected) = case.triggered
        && expected != result.triggered
    {
        failures.push(format!(
            "triggered: expected {expected}, found {}",
            result.triggered
        ));
        if update {
            case.triggered = Some(result.triggered);
            *changed = true;
        }
    }
    if let Some(expected) = &case.work_order {
        let differences = diff(expected, &result.work_order, case.compare);
        if !differences.is_empty() {
            for d in &differences {
                failures.push(explain_difference(d, mapping, source, &result.work_order));
            }
            if update {
                case.work_order = Some(match case.compare {
                    super::spec::Match::Exact => result.work_order.clone(),
                    super::spec::Match::Subset => project(expected, &result.work_order),
                });
                *changed = true;
            }
        }
    }
    if let Some(expected) = &case.issues {
        let found: Vec<String> = result
            .issues
            .iter()
            .filter_map(|i| {
                serde_json::to_value(i)
                    .ok()?
                    .get("kind")?
                    .as_str()
                    .map(str::to_string)
            })
            .collect();
        if *expected != found {
            failures.push(format!("issues: expected {expected:?}, found {found:?}"));
            if update {
                case.issues = Some(found);
                *changed = true;
            }
        }
    }
    Ok(failures)
}

/// A wrong field, with the rule that wrote it: its place in the mapping and its text.
fn explain_difference(
    d: &Difference,
    mapping: &MappingProgram,
    source: &str,
    actual: &Json,
) -> String {
    let show = |v: &Option<Json>| v.as_ref().map_or("nothing".to_string(), |v| v.to_string());
    let mut text = format!(
        "work_order.{}: expected {}, found {}",
        d.path,
        show(&d.expected),
        show(&d.actual)
    );
    let target = rule_target(&d.path, actual);
    let rules: Vec<_> = mapping
        .rules
        .iter()
        .filter(|r| {
            r.target == target
                || r.target.starts_with(&format!("{target}."))
                || r.target.starts_with(&format!("{target}["))
        })
        .take(3)
        .collect();
    for rule in rules {
        let (line, column) = rule.span.line_col(source);
        let written = source.get(rule.span.range()).unwrap_or_default();
        let reads = if rule.sources.is_empty() {
            String::new()
        } else {
            format!(", reads {}", rule.sources.join(", "))
        };
        text.push_str(&format!(
            "\n      from line {line}:{column}: {written}{reads}"
        ));
    }
    text
}

/// The rule target behind a work order path: custom fields are found by their id.
fn rule_target(path: &str, actual: &Json) -> String {
    if let Some(rest) = path.strip_prefix("custom_fields.results[0].results[")
        && let Some(index) = rest.split(']').next().and_then(|i| i.parse::<usize>().ok())
        && let Some(id) = actual
            .pointer(&format!("/custom_fields/results/0/results/{index}/id"))
            .and_then(Json::as_u64)
    {
        return format!("custom_fields[{id}]");
    }
    path.to_string()
}

#[allow(clippy::too_many_arguments)]
fn event_case(
    program: &Program,
    case: &mut Case,
    dir: &Path,
    records: &RecordSet,
    ctx: &EvalContext,
    coverage: &mut Coverage,
    update: bool,
    changed: &mut bool,
) -> Result<Vec<String>, String> {
    let file = dir.join(case.event.as_deref().unwrap_or_default());
    let body = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let event: Json =
        serde_json::from_str(&body).map_err(|e| format!("{}: {e}", file.display()))?;
    let (entity, id) = case
        .event_record()
        .ok_or("an event case needs one of `ticket`, `task` or `service_call`")?;
    let ticket = records
        .get(entity, id)
        .ok_or_else(|| format!("no {entity} {id} in `records`"))?;
    let changes = program
        .on_event(&event, ticket, ctx, Some(coverage))
        .map_err(|e| e.to_string())?;
    let actual = serde_json::to_value(&changes).map_err(|e| e.to_string())?;
    let mut failures = Vec::new();
    if let Some(expected) = &case.changes {
        let differences = diff(expected, &actual, case.compare);
        let show = |v: &Option<Json>| v.as_ref().map_or("nothing".to_string(), |v| v.to_string());
        for d in &differences {
            failures.push(format!(
                "changes.{}: expected {}, found {}",
                d.path,
                show(&d.expected),
                show(&d.actual)
            ));
        }
        if update && !differences.is_empty() {
            case.changes = Some(match case.compare {
                super::spec::Match::Exact => actual.clone(),
                super::spec::Match::Subset => project(expected, &actual),
            });
            *changed = true;
        }
    }
    Ok(failures)
}
