//! Garbage in never panics: the parser, the checker, the evaluator and the SOAP loader return
//! `Ok` or `Err` for malformed, truncated, mutated and random input, and never overflow the
//! stack. Fixed lists, every cut of the shipped files, and proptest's strategies with a fixed
//! seed, so every run sees the same cases and a failure shrinks to a small input.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use fieldmap::EvalContext;
use fieldmap::RecordSet;
use fieldmap::Schemas;
use fieldmap::load_query_response;
use fieldmap::time::parse_autotask_datetime;

/// The stack every check runs on: the size of a test thread (and of a typical worker thread).
const STACK: usize = 2 * 1024 * 1024;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn schemas() -> Arc<Schemas> {
    static SCHEMAS: OnceLock<Arc<Schemas>> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| Arc::new(Schemas::bundled().expect("bundled schemas load")))
        .clone()
}

fn files_with_extension(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            files_with_extension(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// The example mappings and the golden mapping files.
fn example_mappings() -> Vec<(String, String)> {
    let mut paths = Vec::new();
    files_with_extension(&root().join("mappings"), "fmap", &mut paths);
    files_with_extension(&root().join("tests").join("golden"), "fmap", &mut paths);
    assert!(paths.len() >= 4, "no example mappings found");
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable mapping");
            (p.display().to_string(), text)
        })
        .collect()
}

/// The demo SOAP responses.
fn demo_fixtures() -> Vec<(String, String)> {
    let mut paths = Vec::new();
    files_with_extension(&root().join("mappings").join("fixtures"), "xml", &mut paths);
    files_with_extension(
        &root().join("tests").join("golden").join("fixtures"),
        "xml",
        &mut paths,
    );
    assert!(paths.len() >= 8, "no demo fixtures found");
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable fixture");
            (p.display().to_string(), text)
        })
        .collect()
}

fn demo_records() -> &'static RecordSet {
    static RECORDS: OnceLock<RecordSet> = OnceLock::new();
    RECORDS.get_or_init(|| {
        let mut records = RecordSet::new();
        for (name, xml) in demo_fixtures() {
            load_query_response(&xml, &schemas(), &mut records)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        records
    })
}

fn events() -> &'static [serde_json::Value] {
    static EVENTS: OnceLock<Vec<serde_json::Value>> = OnceLock::new();
    EVENTS.get_or_init(|| {
        let mut paths = Vec::new();
        files_with_extension(&root().join("mappings"), "json", &mut paths);
        paths
            .iter()
            .filter_map(|p| serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok())
            .collect()
    })
}

fn ctx() -> EvalContext {
    EvalContext::at(
        parse_autotask_datetime("2025-01-15T09:00:00")
            .expect("valid clock")
            .0,
    )
}

/// Evaluates one record both ways: the bytes `evaluate_to_json` writes must be the tree
/// `evaluate` builds, with the same issues, whatever the mapping.
fn same_both_ways(source: &str, program: &fieldmap::Program, index: usize, id: i64) {
    let (records, ctx) = (demo_records(), ctx());
    let tree = program.evaluate(records, id, &ctx, index);
    let mut body = Vec::new();
    let bytes = program.evaluate_to_json(records, id, &ctx, index, &mut body);
    match (tree, bytes) {
        (Ok(tree), Ok(bytes)) => {
            assert_eq!(
                String::from_utf8_lossy(&body),
                tree.work_order.to_string(),
                "{source}"
            );
            assert_eq!(
                serde_json::to_value(&bytes.issues).unwrap(),
                serde_json::to_value(&tree.issues).unwrap(),
                "{source}"
            );
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "{source}"),
        (tree, bytes) => panic!("{source}\nevaluate: {tree:?}\nevaluate_to_json: {bytes:?}"),
    }
}

/// Parses and compiles `source`; when it compiles, evaluates every mapping against every
/// demo record of its source entity (both ways, which must agree) and applies every demo
/// event. Whatever happens must be an `Ok` or an `Err`.
fn exercise(source: &str) -> bool {
    let _ = fieldmap::syntax::parse(source);
    let Ok(compiled) = fieldmap::compile_with_warnings(source, schemas()) else {
        return false;
    };
    let program = compiled.program;
    let records = demo_records();
    let ctx = ctx();
    for (index, mapping) in program.mappings().iter().enumerate() {
        for record in records.of_entity(mapping.source()) {
            same_both_ways(source, &program, index, record.id);
        }
        let _ = program.evaluate(records, -1, &ctx, index);
    }
    let _ = program.evaluate(records, 9137, &ctx, program.mappings().len());
    for ticket in records.of_entity("Ticket") {
        for event in events() {
            let _ = program.on_event(event, ticket, &ctx, None);
        }
        let _ = program.on_event(&serde_json::json!({"no": "name"}), ticket, &ctx, None);
    }
    if let Some(account) = records.of_entity("Account").first() {
        for event in events() {
            let _ = program.on_event(event, account, &ctx, None);
        }
    }
    true
}

/// Loads `xml` as a query response; whether it loaded.
fn load(xml: &str) -> bool {
    let mut records = RecordSet::new();
    load_query_response(xml, &schemas(), &mut records).is_ok()
}

/// Runs `check` over every input on a thread with a [`STACK`]-sized stack; collects the
/// inputs that panicked, and fails with the first few (shortened). A stack overflow aborts
/// the process, which fails the test run as well.
fn never_panics(what: &str, inputs: Vec<String>, check: fn(&str) -> bool) {
    assert!(!inputs.is_empty());
    let count = inputs.len();
    let failures = std::thread::Builder::new()
        .name(what.to_string())
        .stack_size(STACK)
        .spawn(move || {
            let mut failures = Vec::new();
            for input in &inputs {
                if catch_unwind(AssertUnwindSafe(|| check(input))).is_err() {
                    failures.push(input.clone());
                }
            }
            failures
        })
        .expect("thread starts")
        .join()
        .expect("the checking thread itself does not panic");
    if !failures.is_empty() {
        let shown: Vec<String> = failures
            .iter()
            .take(5)
            .map(|f| {
                let short: String = f.chars().take(300).collect();
                format!("{short:?}")
            })
            .collect();
        panic!(
            "{what}: {} of {count} inputs panicked, e.g.:\n{}",
            failures.len(),
            shown.join("\n")
        );
    }
}

/// Runs `check` on `cases` inputs drawn from the strategy `make` builds, with a fixed seed, on
/// a thread with a [`STACK`]-sized stack. A panic fails the test with the smallest input
/// proptest shrinks it to. Returns how many inputs `check` accepted (compiled, loaded), so
/// that a test can tell its inputs still reach the code behind the parser.
fn never_panics_on<S: Strategy<Value = String> + 'static>(
    what: &str,
    cases: u32,
    make: fn() -> S,
    check: fn(&str) -> bool,
) -> usize {
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    let outcome = std::thread::Builder::new()
        .name(what.to_string())
        .stack_size(STACK)
        .spawn(move || {
            let config = Config {
                cases,
                failure_persistence: None,
                ..Config::default()
            };
            let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
            let mut runner = TestRunner::new_with_rng(config, rng);
            runner
                .run(&make(), |input| {
                    match catch_unwind(AssertUnwindSafe(|| check(&input))) {
                        Ok(true) => {
                            counter.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(false) => {}
                        Err(_) => return Err(TestCaseError::fail("panicked")),
                    }
                    Ok(())
                })
                .map_err(|e| e.to_string())
        })
        .expect("thread starts")
        .join()
        .expect("the checking thread itself does not panic");
    if let Err(failure) = outcome {
        panic!("{what}: {failure}");
    }
    accepted.load(Ordering::Relaxed)
}

/// One change to a text, at a position given as a share of its length.
#[derive(Debug, Clone)]
enum Edit {
    Insert(Index, &'static str),
    Delete(Index, usize),
    Duplicate(Index, usize),
    Replace(Index, char),
}

/// One to four edits: tokens from `tokens` inserted, runs deleted or duplicated (up to
/// `longest_run` chars), chars replaced.
fn edits(tokens: &'static [&'static str], longest_run: usize) -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        2 => (any::<Index>(), select(tokens)).prop_map(|(at, t)| Edit::Insert(at, t)),
        1 => (any::<Index>(), 1..20usize).prop_map(|(at, n)| Edit::Delete(at, n)),
        1 => (any::<Index>(), 1..longest_run).prop_map(|(at, n)| Edit::Duplicate(at, n)),
        1 => (any::<Index>(), any::<char>()).prop_map(|(at, c)| Edit::Replace(at, c)),
    ];
    prop::collection::vec(edit, 1..=4)
}

fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for edit in edits {
        match edit {
            Edit::Insert(at, token) => {
                let at = at.index(chars.len() + 1);
                chars.splice(at..at, token.chars());
            }
            Edit::Delete(at, n) => {
                let at = at.index(chars.len() + 1);
                let end = (at + n).min(chars.len());
                chars.drain(at.min(end)..end);
            }
            Edit::Duplicate(at, n) => {
                let at = at.index(chars.len() + 1);
                let end = (at + n).min(chars.len());
                let run: Vec<char> = chars[at.min(end)..end].to_vec();
                chars.splice(at..at, run);
            }
            Edit::Replace(at, c) => {
                if !chars.is_empty() {
                    let at = at.index(chars.len());
                    chars[at] = *c;
                }
            }
        }
    }
    chars.into_iter().collect()
}

/// A text from `texts` with a few edits.
fn mutants(
    texts: Vec<String>,
    tokens: &'static [&'static str],
    longest_run: usize,
) -> impl Strategy<Value = String> {
    (select(texts), edits(tokens, longest_run)).prop_map(|(text, e)| apply_edits(&text, &e))
}

/// Random bytes read as UTF-8 (lossily), or a run of tokens, which is closer to the grammar.
fn noise(
    tokens: &'static [&'static str],
    bytes: usize,
    runs: usize,
) -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..bytes)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        prop::collection::vec(select(tokens), 0..runs).prop_map(|t| t.concat()),
    ]
}

/// Prefixes of `text`: cut at every fifth char and on both sides of every line break, which
/// reaches a cut inside every kind of token at a fifth of the cost of every cut.
fn truncations(text: &str) -> impl Iterator<Item = String> + '_ {
    let mut chars = text.char_indices().enumerate();
    std::iter::from_fn(move || {
        for (n, (at, c)) in chars.by_ref() {
            let near_break = c == '\n' || text[..at].ends_with('\n');
            if n % 5 == 0 || near_break {
                return Some(text[..at].to_string());
            }
        }
        None
    })
    .chain(std::iter::once(text.to_string()))
}

/// Pieces of the language, and of broken language, that mutations insert.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "${",
    "}\"",
    "\"",
    "\\",
    "\\u{110000}",
    "\\u{41}",
    "|||",
    "|",
    "||",
    "??",
    "=",
    "==",
    "=>",
    ":",
    "<=",
    "<",
    ">",
    ",",
    ".",
    "_",
    "-",
    "not ",
    " and ",
    " or ",
    " in ",
    " at \"UTC\"",
    " at \"Nowhere/City\"",
    " is null",
    " is not null",
    "match ",
    "ranges ",
    "jsonnet() ||| x |||",
    "udf(\"Send to FN\")",
    "udf(\"\")",
    "udf(",
    "Account.",
    "Account.ParentAccount.",
    "ticket.",
    "workorder.",
    "now()",
    "format(",
    "\"YYYY Q\"",
    "99999999999999999999",
    "1d1d",
    "4h",
    "-2d",
    "0",
    "0.0",
    "1e5",
    "null",
    "true",
    "title = ",
    "trigger when ",
    "mapping \"m\" {",
    "on workorder.status.assigned {",
    "table t: string -> int {",
    "note {",
    "custom_fields[18446744073709551616]",
    "contacts[49]",
    "/*",
    "*/",
    "//",
    "\n",
    "\t",
    "é",
    "🔧",
    "\u{0}",
    "\u{FEFF}",
];

// ---- the parser and the checker -------------------------------------------------------------

#[test]
fn truncated_mappings_never_panic() {
    let mut inputs = Vec::new();
    for (_, text) in example_mappings() {
        inputs.extend(truncations(&text));
    }
    never_panics("truncated mappings", inputs, exercise);
}

#[test]
fn mutated_mappings_never_panic() {
    let cases = 6_000;
    let compiled = never_panics_on(
        "mutated mappings",
        cases,
        || {
            // Mostly mutants of mappings that compile, so that many mutants still compile.
            let examples = example_mappings();
            let compiling: Vec<String> = examples
                .iter()
                .filter(|(_, text)| fieldmap::compile(text, schemas()).is_ok())
                .map(|(_, text)| text.clone())
                .collect();
            assert!(compiling.len() >= 10, "too few example mappings compile");
            let all: Vec<String> = examples.into_iter().map(|(_, text)| text).collect();
            prop_oneof![
                1 => mutants(all, TOKENS, 40),
                2 => mutants(compiling, TOKENS, 40),
            ]
        },
        exercise,
    );
    // Enough mutants still compile for the evaluator and the outbound rules to run on them.
    assert!(
        compiled * 10 >= cases as usize,
        "only {compiled} of {cases} mutants compile"
    );
}

#[test]
fn random_bytes_as_mappings_never_panic() {
    never_panics_on(
        "random mappings",
        4_000,
        || noise(TOKENS, 400, 60),
        exercise,
    );
}

fn in_mapping(value: &str) -> String {
    format!(
        "mapping \"m\" {{\n  source autotask.Ticket\n  target fieldnation.WorkOrder\n  \
         title = Title\n  pay.base.amount = {value}\n}}\n"
    )
}

#[test]
fn pathological_shapes_never_panic_or_overflow() {
    // 100,000 deep or long for the two classics; 20,000 (ten times every limit) for the rest,
    // which keeps the run short in debug builds.
    const HUGE: usize = 100_000;
    const LONG: usize = 20_000;
    let mut inputs = vec![
        "(".repeat(HUGE),
        format!("{}1{}", "(".repeat(HUGE), ")".repeat(HUGE)),
        in_mapping(&format!("{}1{}", "(".repeat(HUGE), ")".repeat(HUGE))),
        in_mapping(&"[".repeat(HUGE)),
        in_mapping(&"{".repeat(HUGE)),
        ")".repeat(HUGE),
        vec!["a"; HUGE].join(" + "),
        in_mapping(&vec!["EstimatedHours"; HUGE].join(" + ")),
        in_mapping(&vec!["Title"; LONG].join(" ?? ")),
        in_mapping(&vec!["true"; LONG].join(" or ")),
        in_mapping(&format!("Title{}", " | upper".repeat(LONG))),
        in_mapping(&format!("{}1", "-".repeat(LONG))),
        in_mapping(&format!("{}true", "not ".repeat(LONG))),
        in_mapping(&format!("DueDateTime{}", " at \"UTC\"".repeat(LONG))),
        in_mapping(&format!("Title{}", " is null".repeat(LONG))),
        in_mapping(&format!("Account{}", ".Account".repeat(LONG))),
        in_mapping(&format!("\"{}\"", "${".repeat(HUGE))),
        in_mapping(&format!("\"{}\"", "x".repeat(HUGE))),
        in_mapping(&"1".repeat(HUGE)),
        in_mapping(&format!("{}d", "9".repeat(HUGE))),
        in_mapping(&format!("1.{}", "0".repeat(HUGE))),
        format!(
            "mapping \"m\" {{\n source autotask.Ticket\n target fieldnation.WorkOrder\n{}}}\n",
            "  title = Title\n".repeat(LONG / 10)
        ),
        format!(
            "mapping \"m\" {{\n source autotask.Ticket\n target fieldnation.WorkOrder\n title = Title\n \
             contacts{}.name = \"x\"\n}}\n",
            "[0]".repeat(LONG)
        ),
        format!(
            "table t: string -> int {{\n{}  _ => 0\n}}\n",
            "  \"k\" => 1\n".repeat(LONG / 10)
        ),
        // Runaway Jsonnet recursion is cut off, not a crash.
        in_mapping("jsonnet() ||| local f(x) = f(x + 1); f(0) |||"),
        in_mapping("jsonnet() ||| error 'boom' |||"),
        in_mapping("jsonnet() ||| import 'other.libsonnet' |||"),
        // Unterminated strings, comments, text blocks and interpolations.
        in_mapping("\"never closed"),
        in_mapping("\"${Title"),
        in_mapping("\"${"),
        "${".to_string(),
        "\"${".to_string(),
        "${}".to_string(),
        in_mapping("\"${}\""),
        in_mapping("Title /* never closed"),
        "/*".to_string(),
        "/* */ /*".to_string(),
        in_mapping("jsonnet() ||| never closed"),
        in_mapping("jsonnet(Title) |||"),
        "|||".to_string(),
        in_mapping("\"\\u{110000}\""),
        in_mapping("\"\\u{D800}\""),
        in_mapping("\"\\u{}\""),
        in_mapping("\"\\q\""),
        String::new(),
        " \n\t".to_string(),
        "\u{FEFF}mapping".to_string(),
        "\u{0}".repeat(1000),
    ];
    // Just under the nesting limit, for every kind of bracket.
    for (open, close) in [("(", ")"), ("upper(", ")"), ("[", "]")] {
        inputs.push(in_mapping(&format!(
            "{}Title{}",
            open.repeat(120),
            close.repeat(120)
        )));
    }
    never_panics("pathological shapes", inputs, exercise);
}

/// Long chains (999 operands, past the parser's limit of 256 operators and operands) must be
/// rejected with a diagnostic, not exhaust the stack.
#[test]
fn chains_under_the_parser_limit_do_not_overflow_the_stack() {
    let inputs = vec![
        in_mapping(&vec!["EstimatedHours"; 999].join(" + ")),
        in_mapping(&vec!["Title"; 999].join(" ?? ")),
        in_mapping(&vec!["true"; 999].join(" or ")),
        in_mapping(&format!("Title{}", " | upper".repeat(999))),
        in_mapping(&format!("{}EstimatedHours", "-".repeat(1_990))),
    ];
    never_panics("chains under the limit", inputs, exercise);
}

#[test]
fn moderate_chains_compile_and_evaluate() {
    // Well inside the limits, these must compile (and they are evaluated by `exercise`).
    let sources = [
        in_mapping(&vec!["EstimatedHours"; 100].join(" + ")),
        in_mapping(&vec!["EstimatedHours"; 100].join(" ?? ")),
        in_mapping(&format!(
            "{}EstimatedHours{}",
            "(".repeat(60),
            ")".repeat(60)
        )),
    ];
    for source in &sources {
        fieldmap::compile(source, schemas()).unwrap_or_else(|f| {
            panic!(
                "{:?}",
                f.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
            )
        });
    }
    never_panics("moderate chains", sources.to_vec(), exercise);
}

// ---- expressions on their own ---------------------------------------------------------------

#[test]
fn standalone_expressions_never_panic() {
    let inputs: Vec<String> = vec![
        "9223372036854775807 + 1".into(),
        "-9223372036854775807 - 2".into(),
        "9223372036854775807 * 9223372036854775807".into(),
        "79228162514264337593543950335.0 * 10.0".into(),
        "1 / 0".into(),
        "1.0 / 0.0".into(),
        "round(1.5, 99999999999)".into(),
        "round(1.5, -1)".into(),
        "truncate(\"abc\", -1)".into(),
        "truncate(\"🔧🔧\", 9223372036854775807)".into(),
        "int(\"99999999999999999999\")".into(),
        "int(79228162514264337593543950335.0)".into(),
        "decimal(\"1e400\")".into(),
        "now() + 99999999999w".into(),
        "now() - 999999999999d".into(),
        "now() + 999999999999s".into(),
        "parse_datetime(\"9999-12-31 23:59\", \"YYYY-MM-DD HH:mm\", \"Pacific/Kiritimati\") + 1d"
            .into(),
        "parse_datetime(\"0001-01-01\", \"YYYY-MM-DD\", \"UTC\") - 1d".into(),
        "format(now(), \"x X SSSSSSSSS Do dddd MMMM zz ZZ\")".into(),
        "parse_datetime(\"\", \"\", \"UTC\")".into(),
        "parse_datetime(\"99999999999999999999\", \"X\", \"UTC\")".into(),
        "parse_datetime(\"-99999999999999\", \"x\", \"UTC\")".into(),
        "local_in(now(), \"America/New_York\") at \"Australia/Lord_Howe\"".into(),
        "replace(\"aaa\", \"\", \"b\")".into(),
        "html(\"\\u{0}<>&\\\"'\")".into(),
        "length(upper(\"ß\"))".into(),
    ];
    fn standalone(source: &str) -> bool {
        let _ = fieldmap::syntax::parse_expr(source);
        fieldmap::eval_standalone(source).is_ok()
    }
    never_panics("standalone expressions", inputs, standalone);
    let ran = never_panics_on(
        "token runs as expressions",
        3_000,
        || prop::collection::vec(select(TOKENS), 1..13).prop_map(|t| t.concat()),
        standalone,
    );
    assert!(ran > 0, "no run of tokens evaluated");
}

// ---- the SOAP loader ------------------------------------------------------------------------

#[test]
fn truncated_fixtures_never_panic() {
    let mut inputs = Vec::new();
    for (_, xml) in demo_fixtures() {
        inputs.extend(truncations(&xml));
    }
    never_panics("truncated fixtures", inputs, load);
}

/// Pieces of SOAP and XML, valid and broken, that mutations insert.
const XML_TOKENS: &[&str] = &[
    "<",
    ">",
    "</",
    "/>",
    "&",
    "&amp;",
    "&lt;",
    "&#0;",
    "&#xD800;",
    "&#x110000;",
    "&#9999999999;",
    "&nosuch;",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "<?xml version=\"1.0\"?>",
    "<!DOCTYPE x>",
    "xsi:type=\"xsd:int\"",
    "xsi:type=\"Ticket\"",
    "xsi:nil=\"true\"",
    "xmlns:q=\"urn:x\"",
    "<Entity xsi:type=\"Ticket\">",
    "</Entity>",
    "<id xsi:type=\"xsd:long\">1</id>",
    "<id>99999999999999999999</id>",
    "<id>-1</id>",
    "<UserDefinedFields>",
    "</UserDefinedFields>",
    "<UserDefinedField><Name>Send to FN</Name><Value>Yes</Value></UserDefinedField>",
    "<DueDateTime xsi:type=\"xsd:dateTime\">2024-03-10T02:30:00</DueDateTime>",
    "<DueDateTime>9999-12-31T23:59:59.9999999</DueDateTime>",
    "<EstimatedHours>1e999</EstimatedHours>",
    "<Title />",
    "<ReturnCode>-1</ReturnCode>",
    "<Errors><ATWSError><Message>x</Message></ATWSError></Errors>",
    "<soap:Fault><faultcode>x</faultcode></soap:Fault>",
    "\"",
    "'",
    "=",
    " ",
    "\n",
    "é",
    "🔧",
    "\u{0}",
];

#[test]
fn mutated_fixtures_never_panic() {
    let cases = 4_000;
    let loaded = never_panics_on(
        "mutated fixtures",
        cases,
        || {
            let fixtures: Vec<String> = demo_fixtures().into_iter().map(|(_, xml)| xml).collect();
            mutants(fixtures, XML_TOKENS, 200)
        },
        load,
    );
    assert!(loaded > 0, "no mutant of a fixture loads");
}

#[test]
fn random_bytes_as_soap_never_panic() {
    never_panics_on("random SOAP", 4_000, || noise(XML_TOKENS, 600, 40), load);
    let mut inputs = Vec::new();
    const HUGE: usize = 100_000;
    inputs.push("<a>".repeat(HUGE));
    inputs.push(format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>{}",
        "<x>".repeat(HUGE)
    ));
    inputs.push("&#x41;".repeat(HUGE));
    inputs.push(format!("<![CDATA[{}", "x".repeat(HUGE)));
    never_panics("random SOAP", inputs, load);
}

#[test]
fn edits_change_the_text() {
    let text =
        "mapping \"m\" { source autotask.Ticket target fieldnation.WorkOrder title = Title }";
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let strategy = mutants(vec![text.to_string()], TOKENS, 40);
    let changed = (0..20)
        .filter(|_| {
            let tree = strategy.new_tree(&mut runner).expect("a mutant");
            tree.current() != text
        })
        .count();
    assert!(changed > 0);
}
