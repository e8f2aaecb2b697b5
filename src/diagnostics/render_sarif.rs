//! SARIF 2.1.0 output, for code scanning and review tools. Columns are Unicode code points
//! (`columnKind`), matching the human and JSON renderers.

use serde_json::{Value as Json, json};

use super::{Code, Diagnostic, Severity};

/// One file's diagnostics with its source, for rendering.
pub struct FileDiagnostics<'a> {
    pub path: &'a str,
    pub source: &'a str,
    pub diagnostics: &'a [Diagnostic],
}

pub fn render_sarif(
    files: &[FileDiagnostics<'_>],
    rationale: fn(Code) -> Option<&'static str>,
) -> Json {
    let rules: Vec<Json> = Code::ALL
        .iter()
        .map(|code| {
            let mut rule = json!({
                "id": code.as_str(),
                "name": code.name(),
                "shortDescription": {"text": code.summary()},
                "defaultConfiguration": {"level": level(code.default_severity())},
            });
            if let Some(text) = rationale(*code) {
                rule["fullDescription"] = json!({"text": text});
                rule["help"] = json!({"text": text});
            }
            rule
        })
        .collect();
    let mut results = Vec::new();
    for file in files {
        for d in file.diagnostics {
            let primary = d.primary_span();
            let mut result = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": Code::ALL.iter().position(|c| *c == d.code).unwrap_or(0),
                "level": level(d.severity),
                "message": {"text": message(d)},
                "locations": [location(file, primary.start, primary.end, None)],
            });
            let related: Vec<Json> = d
                .labels
                .iter()
                .filter(|l| !l.primary)
                .enumerate()
                .map(|(i, l)| {
                    let mut loc = location(file, l.span.start, l.span.end, Some(&l.message));
                    loc["id"] = json!(i + 1);
                    loc
                })
                .collect();
            if !related.is_empty() {
                result["relatedLocations"] = Json::Array(related);
            }
            results.push(result);
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "fieldmap",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// The message with the primary label and help, which SARIF viewers show in one place.
fn message(d: &Diagnostic) -> String {
    let mut text = d.message.clone();
    if let Some(label) = d.labels.iter().find(|l| l.primary && !l.message.is_empty()) {
        text.push_str(&format!(" ({})", label.message));
    }
    if let Some(help) = &d.help {
        text.push_str(&format!(". Help: {help}"));
    }
    text
}

fn location(file: &FileDiagnostics<'_>, start: usize, end: usize, text: Option<&str>) -> Json {
    let (start_line, start_column) =
        crate::diagnostics::Span::new(start, start).line_col(file.source);
    let (end_line, end_column) = crate::diagnostics::Span::new(end, end).line_col(file.source);
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": {"uri": uri(file.path)},
            "region": {
                "startLine": start_line,
                "startColumn": start_column,
                "endLine": end_line,
                "endColumn": end_column.max(if end_line == start_line { start_column + 1 } else { 1 }),
            },
        },
    });
    if let Some(text) = text.filter(|t| !t.is_empty()) {
        loc["message"] = json!({"text": text});
    }
    loc
}

/// A relative path as a URI reference: forward slashes, spaces and other reserved bytes escaped.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b':' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
