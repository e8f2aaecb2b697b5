//! Field Nation shapes: the work order create body (stdlib/fieldnation/workorder-create.json)
//! and the webhook events with their work order payload (stdlib/fieldnation/webhooks.json).

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeType {
    String,
    Number,
    Integer,
    Boolean,
    Object,
    Array,
    Any,
}

impl NodeType {
    pub fn name(self) -> &'static str {
        match self {
            NodeType::String => "string",
            NodeType::Number => "number",
            NodeType::Integer => "integer",
            NodeType::Boolean => "boolean",
            NodeType::Object => "object",
            NodeType::Array => "array",
            NodeType::Any => "any",
        }
    }
}

/// One node of a JSON shape, with `$ref`s already resolved.
#[derive(Debug, Clone, Deserialize)]
pub struct Node {
    #[serde(rename = "type")]
    pub ty: NodeType,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, rename = "enum")]
    pub allowed: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub properties: BTreeMap<String, Node>,
    #[serde(default)]
    pub items: Option<Box<Node>>,
    #[serde(default)]
    pub nullable: bool,
}

impl Node {
    pub fn property(&self, name: &str) -> Option<&Node> {
        self.properties.get(name)
    }

    /// Allowed string values, when the node is an enum of strings.
    pub fn allowed_strings(&self) -> Option<Vec<&str>> {
        self.allowed
            .as_ref()
            .map(|values| values.iter().filter_map(|v| v.as_str()).collect())
    }

    /// Checks a JSON value against this shape; returns every problem with its JSON path.
    /// Paths are only spelled out for problems, so checking a valid value allocates nothing.
    pub fn validate(&self, value: &serde_json::Value) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut path = Vec::new();
        self.validate_at(value, &mut path, &mut problems);
        problems
    }

    pub(crate) fn validate_at<'v>(
        &self,
        value: &'v serde_json::Value,
        path: &mut Vec<Step<'v>>,
        problems: &mut Vec<Problem>,
    ) {
        use serde_json::Value as J;
        if value.is_null() {
            if !self.nullable {
                problems.push(Problem::at(path, "null is not allowed".into()));
            }
            return;
        }
        let fits = match (self.ty, value) {
            (NodeType::Any, _) => true,
            (NodeType::String, J::String(_)) | (NodeType::Boolean, J::Bool(_)) => true,
            (NodeType::Number, J::Number(_)) => true,
            (NodeType::Integer, J::Number(n)) => n.is_i64() || n.is_u64(),
            (NodeType::Object, J::Object(_)) | (NodeType::Array, J::Array(_)) => true,
            _ => false,
        };
        if !fits {
            problems.push(Problem::at(
                path,
                format!("expected {}, found {value}", self.ty.name()),
            ));
            return;
        }
        if let Some(allowed) = &self.allowed
            && !allowed.contains(value)
        {
            let allowed = serde_json::Value::from(allowed.clone());
            problems.push(Problem::at(
                path,
                format!("{value} is not one of {allowed}"),
            ));
        }
        match value {
            J::Object(map) if self.ty == NodeType::Object => {
                for name in &self.required {
                    if !map.contains_key(name) {
                        problems.push(Problem::missing(path, name));
                    }
                }
                for (key, child) in map {
                    path.push(Step::Key(key));
                    match self.properties.get(key) {
                        Some(node) => node.validate_at(child, path, problems),
                        None if self.properties.is_empty() => {}
                        None => problems.push(Problem::at(path, "no such field".into())),
                    }
                    path.pop();
                }
            }
            J::Array(items) => {
                if let Some(node) = &self.items {
                    for (i, item) in items.iter().enumerate() {
                        path.push(Step::Index(i));
                        node.validate_at(item, path, problems);
                        path.pop();
                    }
                }
            }
            _ => {}
        }
    }
}

/// One way a JSON value does not fit a shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: `$.location.mode`, `$.contacts.results[0]`.
    pub path: String,
    pub message: String,
    /// The name of a required field that is missing, for that kind of problem.
    pub missing: Option<String>,
}

impl Problem {
    fn at(path: &[Step<'_>], message: String) -> Self {
        Problem {
            path: show(path),
            message,
            missing: None,
        }
    }

    pub(crate) fn missing(path: &[Step<'_>], name: &str) -> Self {
        Problem {
            missing: Some(name.to_string()),
            ..Problem::at(path, format!("required field `{name}` is missing"))
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// One step of a JSON path.
#[derive(Clone, Copy)]
pub(crate) enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

fn show(path: &[Step<'_>]) -> String {
    let mut out = String::from("$");
    for step in path {
        match step {
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

#[derive(Debug, Clone, Deserialize)]
struct SchemaFile {
    schema: Node,
}

/// The body of `POST /workorders` (WorkOrderCreateDto).
pub fn workorder_create_from_json(text: &str) -> Result<Node, serde_json::Error> {
    Ok(serde_json::from_str::<SchemaFile>(text)?.schema)
}

#[derive(Debug, Clone, Deserialize)]
pub struct Webhooks {
    /// Every event name, e.g. `workorder.status.assigned`.
    pub events: Vec<String>,
    /// The shape of the `workorder` object in an event's payload.
    pub workorder: Node,
}

impl Webhooks {
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}
