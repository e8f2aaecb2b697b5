//! Evaluating a mapping straight to the JSON bytes of the `POST /workorders` body, for a
//! broker that sends work orders on: no JSON tree is built, nothing is looked up by name,
//! and no provenance is kept. The bytes are exactly `serde_json::to_vec` of the work order
//! [`Program::evaluate`](crate::Program::evaluate) gives, and the issues are the same.

use crate::diagnostics::Severity;
use serde::Serialize;

use super::emitted::Emitted;
use super::evaluate::{
    EvalError, Purpose, RuleResults, evaluate_rules, invalid_work_order, required_missing,
};
use super::issue::Issue;
use crate::ir::{BodyField, BodyNode, Program, Rule};
use crate::schema::{Problem, Step};
use crate::stdlib::context::EvalContext;
use crate::value::record::RecordSet;

/// What [`Program::evaluate_to_json`](crate::Program::evaluate_to_json) gives beside the bytes:
/// an [`Evaluation`](crate::Evaluation) without the work order tree and provenance.
#[derive(Debug, Clone, Serialize)]
pub struct BodyEvaluation {
    /// The Autotask id of the source record (the ticket, task or service call).
    pub source_id: i64,
    /// Whether any trigger holds (true when the mapping has none).
    pub triggered: bool,
    /// Every problem found, the same as [`Evaluation::issues`](crate::Evaluation::issues).
    pub issues: Vec<Issue>,
    /// What Jsonnet blocks printed with `std.trace`, in order.
    pub log: Vec<String>,
}

impl BodyEvaluation {
    /// Whether an issue left a field out (as opposed to warnings only).
    pub fn has_errors(&self) -> bool {
        self.issues.iter().any(|i| i.severity == Severity::Error)
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
        problems: Vec::new(),
    };
    let start = writer.out.len();
    let root = writer.node(&mapping.body.root, &Place::ROOT);
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
    problems: Vec<Problem>,
}

/// Where the writer is: a chain of steps up to the root, kept on the stack and spelled out as a
/// path only when a problem needs one.
struct Place<'up, 'a> {
    step: Option<Step<'a>>,
    up: Option<&'up Place<'up, 'a>>,
}

impl<'a> Place<'_, 'a> {
    const ROOT: Place<'static, 'static> = Place {
        step: None,
        up: None,
    };

    fn below<'up>(&'up self, step: Step<'a>) -> Place<'up, 'a> {
        Place {
            step: Some(step),
            up: Some(self),
        }
    }

    fn path(&self) -> Vec<Step<'a>> {
        let mut steps = Vec::new();
        let mut at = Some(self);
        while let Some(place) = at {
            steps.extend(place.step);
            at = place.up;
        }
        steps.reverse();
        steps
    }
}

impl<'a> Writer<'a, '_> {
    fn node(&mut self, node: &'a BodyNode, place: &Place<'_, 'a>) -> Written {
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
                                shape.validate_at(json, &mut place.path(), &mut self.problems);
                            }
                            // Text has no inner places; the check needs it as JSON all the same.
                            Emitted::Text(_) => {
                                let json = value.to_json();
                                shape.validate_at(&json, &mut place.path(), &mut self.problems);
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
            BodyNode::Object { fields, required } => self.object(fields, required, place),
            BodyNode::Array(items) => self.array(items, place),
        }
    }

    fn object(
        &mut self,
        fields: &'a [BodyField],
        required: &'a [Box<str>],
        place: &Place<'_, 'a>,
    ) -> Written {
        let (start, mark) = (self.out.len(), self.problems.len());
        self.out.push(b'{');
        let (mut any, mut reads_data, mut has_data, mut first) = (false, false, false, true);
        // Which fields were written: a bit each, and a list past the 64th (never in practice).
        let (mut written_bits, mut written_beyond) = (0u64, Vec::new());
        for (i, field) in fields.iter().enumerate() {
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
                    let built = self.node(child, &place.below(Step::Key(&field.key)));
                    reads_data |= built.reads_data;
                    has_data |= built.has_data;
                    any |= built.written;
                    built.written
                }
            };
            if !written {
                self.out.truncate(before);
                continue;
            }
            first = false;
            match bit(i) {
                Some(bit) => written_bits |= bit,
                None => written_beyond.push(i),
            }
        }
        // The work order itself is kept for its constants even when every data rule is empty.
        let root = place.step.is_none();
        if !(any && (root || !reads_data || has_data)) {
            return self.left_out(start, mark, reads_data, has_data);
        }
        self.out.push(b'}');
        // Missing required fields come before the problems inside, as a validator walking the
        // finished tree reports them.
        let was_written = |name: &str| {
            fields.iter().enumerate().any(|(i, f)| {
                *f.key == *name
                    && match bit(i) {
                        Some(bit) => written_bits & bit != 0,
                        None => written_beyond.contains(&i),
                    }
            })
        };
        let missing: Vec<Problem> = required
            .iter()
            .filter(|name| !was_written(name))
            .map(|name| Problem::missing(&place.path(), name))
            .collect();
        if !missing.is_empty() {
            self.problems.splice(mark..mark, missing);
        }
        Written {
            written: true,
            reads_data,
            has_data,
        }
    }

    fn array(&mut self, items: &'a [BodyNode], place: &Place<'_, 'a>) -> Written {
        let (start, mark) = (self.out.len(), self.problems.len());
        self.out.push(b'[');
        let (mut count, mut reads_data, mut has_data) = (0, false, false);
        for item in items {
            let before = self.out.len();
            if count > 0 {
                self.out.push(b',');
            }
            let built = self.node(item, &place.below(Step::Index(count)));
            reads_data |= built.reads_data;
            has_data |= built.has_data;
            if built.written {
                count += 1;
            } else {
                self.out.truncate(before);
            }
        }
        if count == 0 {
            return self.left_out(start, mark, reads_data, has_data);
        }
        self.out.push(b']');
        Written {
            written: true,
            reads_data,
            has_data,
        }
    }

    /// Takes back a part that is not sent: its bytes and the problems found inside it.
    fn left_out(&mut self, start: usize, mark: usize, reads_data: bool, has_data: bool) -> Written {
        self.out.truncate(start);
        self.problems.truncate(mark);
        Written {
            written: false,
            reads_data,
            has_data,
        }
    }
}

/// Field `i`'s bit in a 64-bit mask, for the first 64.
fn bit(i: usize) -> Option<u64> {
    u32::try_from(i).ok().and_then(|i| 1u64.checked_shl(i))
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    /// An object wider than the 64 fields a bitmask holds still knows which it wrote.
    #[test]
    fn required_fields_are_found_in_wide_objects() {
        let mut fields: Vec<BodyField> = (0..72)
            .map(|i| BodyField {
                key: format!("f{i}").into(),
                prefix: format!("\"f{i}\":").into(),
                node: BodyNode::Const(i.to_string().into()),
            })
            .collect();
        fields[0].node = BodyNode::Rule {
            index: 0,
            check: None,
        };
        fields[70].node = BodyNode::Rule {
            index: 1,
            check: None,
        };
        let object = BodyNode::Object {
            fields,
            required: vec!["f69".into(), "f70".into(), "f0".into(), "absent".into()],
        };
        let values = [Some(Emitted::Text(Cow::Borrowed("x"))), None];
        let mut out = Vec::new();
        let mut writer = Writer {
            out: &mut out,
            values: &values,
            rules: &[],
            fixed: &[],
            problems: Vec::new(),
        };
        assert!(writer.node(&object, &Place::ROOT).written);
        let missing: Vec<Option<String>> =
            writer.problems.iter().map(|p| p.missing.clone()).collect();
        assert_eq!(missing, [Some("f70".into()), Some("absent".into())]);
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(json["f0"], "x");
        assert_eq!(json["f71"], 71);
        assert!(json.get("f70").is_none());
    }
}
