//! The reference tables in docs/ are generated from the code, so that each fact is written
//! once: the function reference in docs/language.md from the stdlib's registry (signatures
//! rendered from each function's parameter table, summaries, examples), the rules table in
//! docs/lint-rules.md from the lint rules' documentation (which SARIF's help also uses).
//!
//! Each test renders its section and compares it with the text between the file's markers;
//! `UPDATE_DOCS=1 cargo test --test it docs` rewrites the sections instead.

use std::fmt::Write as _;
use std::path::Path;

use fieldmap::diagnostics::Code;
use fieldmap::stdlib::ParamType;

#[test]
fn the_function_reference_is_the_registry() {
    let mut out = String::new();
    out.push_str("| function | does |\n|---|---|\n");
    for f in fieldmap::stdlib::all() {
        let _ = writeln!(
            out,
            "| `{}` | {} |",
            cell(&f.signature()),
            cell(f.summary())
        );
    }
    // The note below holds while constant strings are named for what they are.
    for f in fieldmap::stdlib::all() {
        for p in f.params() {
            match p.ty {
                ParamType::Zone => assert_eq!(p.name, "zone", "in `{}`", f.name()),
                ParamType::Pattern => assert_eq!(p.name, "pattern", "in `{}`", f.name()),
                _ => {}
            }
        }
    }
    out.push_str(
        "\nA `string` parameter also takes an integer or a decimal, written as text, and a picklist\n\
         value as its label; a `zone` or a `pattern` must be a constant string, checked when the\n\
         mapping compiles. Each function's examples, which run as tests:\n\n```\n",
    );
    for (i, f) in fieldmap::stdlib::all().iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "// {}", f.name());
        for example in f.examples() {
            let _ = writeln!(out, "{}\n    => {}", example.source, example.result);
        }
    }
    out.push_str("```\n");
    check_section("docs/language.md", "functions", &out);
}

#[test]
fn the_lint_rules_table_is_the_rules_documentation() {
    let mut out = String::new();
    out.push_str("| code | default | rule | rationale |\n|---|---|---|---|\n");
    let lints: Vec<Code> = Code::ALL.iter().copied().filter(|c| c.is_lint()).collect();
    for code in lints {
        let doc = fieldmap::lint::rule_doc(code)
            .unwrap_or_else(|| panic!("{} has no documentation", code.as_str()));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            code.as_str(),
            code.default_severity().as_str(),
            cell(doc.reports),
            cell(doc.rationale)
        );
    }
    check_section("docs/lint-rules.md", "rules", &out);
}

/// Text for a Markdown table cell: a `|`, even inside a code span, must be escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// Compares the text between `<!-- name -->` and `<!-- /name -->` in `file` with `expected`,
/// or, with `UPDATE_DOCS` set, writes `expected` there.
fn check_section(file: &str, name: &str, expected: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let (open, close) = (format!("<!-- {name} -->\n"), format!("<!-- /{name} -->"));
    let start = text
        .find(&open)
        .unwrap_or_else(|| panic!("{file} has no {open:?} marker"))
        + open.len();
    let end = start
        + text[start..]
            .find(&close)
            .unwrap_or_else(|| panic!("{file} has no {close:?} marker"));
    let found = &text[start..end];
    if found == expected {
        return;
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let updated = format!("{}{expected}{}", &text[..start], &text[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    panic!(
        "{file}'s {name} section is not what the code says; run `UPDATE_DOCS=1 cargo test --test it docs` \
         and review the diff.\n--- in {file}:\n{found}\n--- from the code:\n{expected}"
    );
}
