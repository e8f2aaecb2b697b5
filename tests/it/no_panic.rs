//! Garbage in never panics: the parser, the checker, the evaluator and the SOAP loader return
//! `Ok` or `Err` for malformed, truncated, mutated and random input, and never overflow the
//! stack. Inputs come from a small fixed-seed generator, so every run sees the same cases.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use fieldmap::autotask::load_query_response;
use fieldmap::schema::Schemas;
use fieldmap::stdlib::context::EvalContext;
use fieldmap::time::parse_autotask_datetime;
use fieldmap::value::record::RecordSet;

/// The stack every check runs on: the size of a test thread (and of a typical worker thread).
const STACK: usize = 2 * 1024 * 1024;

/// SplitMix64: small, fast, and the same sequence on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

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
    let tree = program.evaluate(index, records, id, &ctx);
    let mut body = Vec::new();
    let bytes = program.evaluate_to_json(index, records, id, &ctx, &mut body);
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
fn exercise(source: &str) {
    let _ = fieldmap::syntax::parse(source);
    let Ok(compiled) = fieldmap::compile_with_warnings(source, schemas()) else {
        return;
    };
    let program = compiled.program;
    let records = demo_records();
    let ctx = ctx();
    for (index, mapping) in program.mappings.iter().enumerate() {
        for record in records.of_entity(&mapping.source) {
            same_both_ways(source, &program, index, record.id);
        }
        let _ = program.evaluate(index, records, -1, &ctx);
    }
    let _ = program.evaluate(program.mappings.len(), records, 9137, &ctx);
    for ticket in records.of_entity("Ticket") {
        for event in events() {
            let _ = program.on_event(event, ticket, &ctx);
        }
        let _ = program.on_event(&serde_json::json!({"no": "name"}), ticket, &ctx);
    }
    if let Some(account) = records.of_entity("Account").first() {
        for event in events() {
            let _ = program.on_event(event, account, &ctx);
        }
    }
}

fn load(xml: &str) {
    let mut records = RecordSet::new();
    let _ = load_query_response(xml, &schemas(), &mut records);
}

/// Runs `check` over every input on a thread with a [`STACK`]-sized stack; collects the
/// inputs that panicked, and fails with the first few (shortened). A stack overflow aborts
/// the process, which fails the test run as well.
fn never_panics(what: &str, inputs: Vec<String>, check: fn(&str)) {
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

/// Every prefix of `text` that ends on a char boundary.
fn truncations(text: &str) -> impl Iterator<Item = String> + '_ {
    text.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .map(|i| text[..i].to_string())
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

fn mutate(rng: &mut Rng, text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<char> = chars.clone();
    for _ in 0..=rng.below(3) {
        let at = rng.below(out.len() + 1);
        match rng.below(5) {
            // Insert a token.
            0 | 1 => {
                let token: Vec<char> = rng.pick(TOKENS).chars().collect();
                out.splice(at..at, token);
            }
            // Delete a run.
            2 => {
                let end = (at + 1 + rng.below(20)).min(out.len());
                if at < end {
                    out.drain(at..end);
                }
            }
            // Duplicate a run.
            3 => {
                let end = (at + 1 + rng.below(40)).min(out.len());
                let run: Vec<char> = out[at..end].to_vec();
                out.splice(at..at, run);
            }
            // Replace a char by a random one.
            _ => {
                if at < out.len() {
                    out[at] = char::from_u32(rng.below(0x2_0000) as u32).unwrap_or('?');
                }
            }
        }
    }
    out.into_iter().collect()
}

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
    let mut rng = Rng(0x5EED_F1E1_D3A9);
    let examples = example_mappings();
    // Mostly mutants of mappings that compile, so that many mutants still compile.
    let compiling: Vec<(String, String)> = examples
        .iter()
        .filter(|(_, text)| fieldmap::compile(text, schemas()).is_ok())
        .cloned()
        .collect();
    assert!(compiling.len() >= 10, "too few example mappings compile");
    let mut inputs = Vec::new();
    for i in 0..6_000 {
        let (_, text) = if i % 3 == 0 {
            rng.pick(&examples)
        } else {
            rng.pick(&compiling)
        };
        inputs.push(mutate(&mut rng, text));
    }
    // Enough mutants still compile for the evaluator and the outbound rules to run on them.
    let compiled = inputs
        .iter()
        .filter(|s| fieldmap::compile(s, schemas()).is_ok())
        .count();
    assert!(
        compiled * 10 >= inputs.len(),
        "only {compiled} of {} mutants compile",
        inputs.len()
    );
    never_panics("mutated mappings", inputs, exercise);
}

#[test]
fn random_bytes_as_mappings_never_panic() {
    let mut rng = Rng(42);
    let mut inputs = Vec::new();
    for _ in 0..2_000 {
        let len = rng.below(400);
        inputs.push(String::from_utf8_lossy(&rng.bytes(len)).into_owned());
    }
    // Random sequences of tokens are closer to the grammar than random bytes.
    for _ in 0..2_000 {
        let n = rng.below(60);
        let text: String = (0..n).map(|_| *rng.pick(TOKENS)).collect();
        inputs.push(text);
    }
    never_panics("random mappings", inputs, exercise);
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
    let mut rng = Rng(7);
    let mut inputs: Vec<String> = vec![
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
    for _ in 0..3_000 {
        let n = 1 + rng.below(12);
        let text: String = (0..n).map(|_| *rng.pick(TOKENS)).collect();
        inputs.push(text);
    }
    never_panics("standalone expressions", inputs, |source| {
        let _ = fieldmap::syntax::parse_expr(source);
        let _ = fieldmap::eval_standalone(source);
    });
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
    let mut rng = Rng(0xA7A5);
    let fixtures = demo_fixtures();
    let mut inputs = Vec::new();
    for _ in 0..4_000 {
        let (_, xml) = rng.pick(&fixtures);
        let mut chars: Vec<char> = xml.chars().collect();
        for _ in 0..=rng.below(3) {
            let at = rng.below(chars.len() + 1);
            match rng.below(3) {
                0 => {
                    let token: Vec<char> = rng.pick(XML_TOKENS).chars().collect();
                    chars.splice(at..at, token);
                }
                1 => {
                    let end = (at + 1 + rng.below(30)).min(chars.len());
                    if at < end {
                        chars.drain(at..end);
                    }
                }
                _ => {
                    let end = (at + 1 + rng.below(200)).min(chars.len());
                    let run: Vec<char> = chars[at..end].to_vec();
                    chars.splice(at..at, run);
                }
            }
        }
        inputs.push(chars.into_iter().collect());
    }
    never_panics("mutated fixtures", inputs, load);
}

#[test]
fn random_bytes_as_soap_never_panic() {
    let mut rng = Rng(0xB17E5);
    let mut inputs = Vec::new();
    for _ in 0..2_000 {
        let len = rng.below(600);
        inputs.push(String::from_utf8_lossy(&rng.bytes(len)).into_owned());
    }
    for _ in 0..2_000 {
        let n = rng.below(40);
        let text: String = (0..n).map(|_| *rng.pick(XML_TOKENS)).collect();
        inputs.push(text);
    }
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
fn the_generator_is_deterministic() {
    let (mut a, mut b) = (Rng(1), Rng(1));
    let xs: Vec<u64> = (0..5).map(|_| a.next()).collect();
    let ys: Vec<u64> = (0..5).map(|_| b.next()).collect();
    assert_eq!(xs, ys);
    assert_ne!(xs[0], xs[1]);
    // The mutations change the text.
    let mut rng = Rng(3);
    let text =
        "mapping \"m\" { source autotask.Ticket target fieldnation.WorkOrder title = Title }";
    assert!((0..20).any(|_| mutate(&mut rng, text) != text));
}
