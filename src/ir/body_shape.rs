//! The work order's shape made ready for writing JSON bytes directly: keys already escaped,
//! constants already serialized, and each place matched once with its node of Field Nation's
//! WorkOrderCreateDto, so writing a work order needs no lookups by name.

use super::program::{Emit, OutNode, Rule};
use crate::schema::{Node, NodeType};

#[derive(Debug, Clone)]
pub struct BodyShape {
    pub root: BodyNode,
    /// By rule index: the JSON text of a rule whose value is a constant that fits its place.
    /// Such rules are not evaluated when writing bytes; their text is copied.
    pub fixed: Vec<Option<Box<str>>>,
}

impl BodyShape {
    /// `constant` gives a rule's JSON when its value is a constant that emits cleanly (the
    /// runtime's emitting rules decide; the IR does not know them).
    pub fn new(
        out: &OutNode,
        rules: &[Rule],
        schema: &Node,
        constant: impl Fn(&Rule) -> Option<serde_json::Value>,
    ) -> BodyShape {
        let root = BodyNode::new(out, rules, Some(schema));
        let mut fixed = vec![None; rules.len()];
        root.fix_constants(rules, &constant, &mut fixed);
        BodyShape { root, fixed }
    }
}

#[derive(Debug, Clone)]
pub enum BodyNode {
    Object {
        fields: Vec<BodyField>,
        /// The fields Field Nation requires whenever this object is sent.
        required: Vec<Box<str>>,
    },
    Array(Vec<BodyNode>),
    Rule {
        index: u32,
        /// The node to check the value against, when a value of the rule's kind can fail it
        /// (an enum, or a value typed only at run time); `None` when it always fits.
        check: Option<Box<Node>>,
    },
    /// A fixed part of the shape, as JSON text.
    Const(Box<str>),
}

#[derive(Debug, Clone)]
pub struct BodyField {
    pub key: Box<str>,
    /// `"key":`, escaped once.
    pub prefix: Box<str>,
    pub node: BodyNode,
}

impl BodyNode {
    /// Matches the shape with the schema. Places the schema does not know (which the checker
    /// has already reported) are written but not checked.
    pub fn new(out: &OutNode, rules: &[Rule], schema: Option<&Node>) -> BodyNode {
        match out {
            OutNode::Object(fields) => BodyNode::Object {
                fields: fields
                    .iter()
                    .map(|(key, child)| BodyField {
                        prefix: format!("{}:", serde_json::Value::from(&**key)).into(),
                        key: key.clone(),
                        node: BodyNode::new(child, rules, schema.and_then(|s| s.property(key))),
                    })
                    .collect(),
                required: schema.map_or_else(Vec::new, |s| {
                    s.required.iter().map(|r| r.as_str().into()).collect()
                }),
            },
            OutNode::Array(items) => {
                let item = schema.and_then(|s| s.items.as_deref());
                BodyNode::Array(
                    items
                        .iter()
                        .map(|i| BodyNode::new(i, rules, item))
                        .collect(),
                )
            }
            OutNode::Rule(index) => BodyNode::Rule {
                index: *index,
                check: schema
                    .filter(|node| {
                        rules
                            .get(*index as usize)
                            .is_none_or(|rule| !always_fits(rule.emit, node))
                    })
                    .map(|node| Box::new(node.clone())),
            },
            OutNode::Const(value) => BodyNode::Const(value.to_string().into()),
        }
    }

    /// Notes the JSON text of every constant rule that emits cleanly and fits its node.
    fn fix_constants(
        &self,
        rules: &[Rule],
        constant: &dyn Fn(&Rule) -> Option<serde_json::Value>,
        fixed: &mut [Option<Box<str>>],
    ) {
        match self {
            BodyNode::Object { fields, .. } => {
                for field in fields {
                    field.node.fix_constants(rules, constant, fixed);
                }
            }
            BodyNode::Array(items) => {
                for item in items {
                    item.fix_constants(rules, constant, fixed);
                }
            }
            BodyNode::Rule { index, check } => {
                let i = *index as usize;
                let Some(json) = rules.get(i).and_then(constant) else {
                    return;
                };
                if check
                    .as_ref()
                    .is_some_and(|node| !node.validate(&json).is_empty())
                {
                    return; // left to run time, which reports the problem
                }
                if let Some(slot) = fixed.get_mut(i) {
                    *slot = Some(json.to_string().into());
                }
            }
            BodyNode::Const(_) => {}
        }
    }
}

/// Whether every value a rule can emit fits the node: the emitted JSON type is the node's, and
/// the node allows any value of that type.
fn always_fits(emit: Emit, node: &Node) -> bool {
    if node.allowed.is_some() {
        return false;
    }
    matches!(
        (emit, node.ty),
        (Emit::String | Emit::FieldNationUtc, NodeType::String)
            | (Emit::Integer, NodeType::Integer | NodeType::Number)
            | (Emit::Number, NodeType::Number)
            | (Emit::Boolean, NodeType::Boolean)
            | (
                Emit::String
                    | Emit::FieldNationUtc
                    | Emit::Integer
                    | Emit::Number
                    | Emit::Boolean
                    | Emit::Json,
                NodeType::Any
            )
    )
}
