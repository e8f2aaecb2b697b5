//! Evaluating a mapping straight to the JSON bytes of the `POST /workorders` body, for a
//! broker that sends work orders on: no JSON tree is built, nothing is looked up by name,
//! and no provenance is kept. The bytes are exactly `serde_json::to_vec` of the work order
//! [`Program::evaluate`](crate::ir::Program) gives, and the issues are the same.

use serde::Serialize;

use super::context::EvalContext;
use super::emitted::Emitted;
use super::evaluate::{
    EvalError, Purpose, RuleResults, evaluate_rules, invalid_work_order, required_missing,
};
use super::issue::Issue;
use super::record::RecordSet;
use crate::ir::{BodyField, BodyNode, Program, Rule};
use crate::schema::{Problem, Step};

/// An evaluation whose work order went to a byte buffer.
#[derive(Debug, Clone, Serialize)]
pub struct BodyEvaluation {
    pub source_id: i64,
    /// Whether any trigger holds (true when the mapping has none).
    pub triggered: bool,
    pub issues: Vec<Issue>,
    /// What Jsonnet blocks printed with `std.trace`, in order.
    pub log: Vec<String>,
}

impl BodyEvaluation {
    /// Whether an issue left a field out (as opposed to warnings only).
    pub fn has_errors(&self) -> bool {
        self.issues.iter().any(|i| i.severity == "error")
    }
}

/// Appends the work order's JSON to `out`.
pub(crate) fn evaluate_body(
    program: &Program,
    index: usize,
    records: &RecordSet,
    source_id: i64,
    ctx: &EvalContext,
    out: &mut Vec<u8>,
) -> Result<BodyEvaluation, EvalError> {
    let RuleResults {
        mapping,
        triggered,
        values,
        mut issues,
        log,
    } = evaluate_rules(program, index, records, source_id, ctx, None, Purpose::Body)?;
    let mut writer = Writer {
        out,
        values: &values,
        rules: &mapping.rules,
        fixed: &mapping.body.fixed,
        // Sized once for the usual depth and width, so writing does not regrow them.
        path: Vec::with_capacity(8),
        problems: Vec::new(),
        written: Vec::with_capacity(mapping.rules.len() + 8),
    };
    let start = writer.out.len();
    let root = writer.node(&mapping.body.root);
    let Writer { out, problems, .. } = writer;
    if !root.written {
        out.truncate(start);
        out.extend_from_slice(b"{}");
    }
    // The root's missing fields are among the problems at `$`; with no root, all are missing.
    let present = |key: &str| {
        root.written
            && !problems
                .iter()
                .any(|p| p.path == "$" && p.missing.as_deref() == Some(key))
    };
    let mut required = Vec::new();
    required_missing(program, mapping, present, &mut required);
    invalid_work_order(problems, &mut issues);
    issues.extend(required);
    Ok(BodyEvaluation {
        source_id,
        triggered,
        issues,
        log,
    })
}

/// What writing part of the shape gave; the same rule as building the JSON tree: an object or
/// list is written only when something in it has a value, and one whose data rules all came
/// back empty is left out even if it holds constants.
struct Written {
    written: bool,
    /// The part holds rules that read data (not only constants).
    reads_data: bool,
    /// One of those rules produced a value.
    has_data: bool,
}

struct Writer<'a, 'o> {
    out: &'o mut Vec<u8>,
    values: &'a [Option<Emitted<'a>>],
    rules: &'a [Rule],
    /// Rules whose JSON text is known beforehand.
    fixed: &'a [Option<Box<str>>],
    /// Where the writer is, for problems.
    path: Vec<Step<'a>>,
    problems: Vec<Problem>,
    /// Which fields of the objects being written were written, innermost last.
    written: Vec<bool>,
}

impl<'a> Writer<'a, '_> {
    fn node(&mut self, node: &'a BodyNode) -> Written {
        match node {
            BodyNode::Rule { index, check } => {
                if let Some(Some(text)) = self.fixed.get(*index as usize) {
                    self.out.extend_from_slice(text.as_bytes());
                    return Written {
                        written: true,
                        reads_data: false,
                        has_data: false,
                    };
                }
                let value = self.values.get(*index as usize).and_then(Option::as_ref);
                let reads_data = self.rules.get(*index as usize).is_some_and(|r| !r.constant);
                if let Some(value) = value {
                    value.write(self.out);
                    if let Some(shape) = check {
                        match value {
                            Emitted::Json(json) => {
                                shape.validate_at(json, &mut self.path, &mut self.problems);
                            }
                            // Text has no inner places; the check needs it as JSON all the same.
                            Emitted::Text(_) => {
                                let json = value.to_json();
                                let mut path = self.path.clone();
                                shape.validate_at(&json, &mut path, &mut self.problems);
                            }
                        }
                    }
                }
                Written {
                    written: value.is_some(),
                    reads_data,
                    has_data: reads_data && value.is_some(),
                }
            }
            // A constant is written only as a field of an object that is written anyway.
            BodyNode::Const(_) => Written {
                written: false,
                reads_data: false,
                has_data: false,
            },
            BodyNode::Object { fields, required } => self.object(fields, required),
            BodyNode::Array(items) => self.array(items),
        }
    }

    fn object(&mut self, fields: &'a [BodyField], required: &'a [Box<str>]) -> Written {
        let (start, mark, base) = (self.out.len(), self.problems.len(), self.written.len());
        self.out.push(b'{');
        let (mut any, mut reads_data, mut has_data, mut first) = (false, false, false, true);
        for field in fields {
            let before = self.out.len();
            if !first {
                self.out.push(b',');
            }
            self.out.extend_from_slice(field.prefix.as_bytes());
            let written = match &field.node {
                BodyNode::Const(json) => {
                    self.out.extend_from_slice(json.as_bytes());
                    true
                }
                child => {
                    self.path.push(Step::Key(&field.key));
                    let built = self.node(child);
                    self.path.pop();
                    reads_data |= built.reads_data;
                    has_data |= built.has_data;
                    any |= built.written;
                    built.written
                }
            };
            if written {
                first = false;
            } else {
                self.out.truncate(before);
            }
            self.written.push(written);
        }
        if !(any && (!reads_data || has_data)) {
            self.out.truncate(start);
            self.problems.truncate(mark);
            self.written.truncate(base);
            return Written {
                written: false,
                reads_data,
                has_data,
            };
        }
        self.out.push(b'}');
        // Missing required fields come before the problems inside, as a validator walking the
        // finished tree reports them.
        let written = &self.written[base..];
        let missing: Vec<Problem> = required
            .iter()
            .filter(|name| {
                !fields
                    .iter()
                    .zip(written)
                    .any(|(f, w)| *w && f.key == **name)
            })
            .map(|name| Problem::missing(&self.path, name))
            .collect();
        if !missing.is_empty() {
            self.problems.splice(mark..mark, missing);
        }
        self.written.truncate(base);
        Written {
            written: true,
            reads_data,
            has_data,
        }
    }

    fn array(&mut self, items: &'a [BodyNode]) -> Written {
        let (start, mark) = (self.out.len(), self.problems.len());
        self.out.push(b'[');
        let (mut count, mut reads_data, mut has_data) = (0, false, false);
        for item in items {
            let before = self.out.len();
            if count > 0 {
                self.out.push(b',');
            }
            self.path.push(Step::Index(count));
            let built = self.node(item);
            self.path.pop();
            reads_data |= built.reads_data;
            has_data |= built.has_data;
            if built.written {
                count += 1;
            } else {
                self.out.truncate(before);
            }
        }
        if count == 0 {
            self.out.truncate(start);
            self.problems.truncate(mark);
            return Written {
                written: false,
                reads_data,
                has_data,
            };
        }
        self.out.push(b']');
        Written {
            written: true,
            reads_data,
            has_data,
        }
    }
}
