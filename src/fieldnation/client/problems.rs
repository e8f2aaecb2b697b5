//! Field Nation's error bodies, read into a message and the work order paths they name.
//!
//! The spec documents `{"status", "message"}` (DefaultResponseErrorDto) and, for the token
//! endpoint, `{"status_code", "message"}` (AuthErrorDto). Validation answers add the fields
//! at fault; they are read from an `errors` list of `{field|path|property, message}` objects
//! or an `errors` object of `path: message(s)`, whichever the body has.

use serde_json::Value;

use super::error::FieldProblem;

/// The message of an error body and the problems it lists. A body that is not JSON gives no
/// message; the caller quotes it instead.
pub fn read_error_body(body: &[u8]) -> (Option<String>, Vec<FieldProblem>) {
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        return (None, Vec::new());
    };
    let message = ["message", "error_description", "error"]
        .iter()
        .find_map(|key| json.get(*key).and_then(Value::as_str))
        .map(str::to_owned);
    let mut problems = Vec::new();
    match json.get("errors") {
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::String(text) => problems.push(FieldProblem {
                        path: None,
                        message: text.clone(),
                    }),
                    Value::Object(fields) => {
                        let path = ["field", "path", "property", "name"]
                            .iter()
                            .find_map(|key| fields.get(*key).and_then(Value::as_str))
                            .map(normalise_path);
                        let text = fields
                            .get("message")
                            .and_then(Value::as_str)
                            .unwrap_or("invalid")
                            .to_owned();
                        problems.push(FieldProblem {
                            path,
                            message: text,
                        });
                    }
                    _ => {}
                }
            }
        }
        Some(Value::Object(by_path)) => {
            for (path, messages) in by_path {
                let texts: Vec<String> = match messages {
                    Value::Array(items) => items
                        .iter()
                        .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
                        .collect(),
                    Value::String(text) => vec![text.clone()],
                    other => vec![other.to_string()],
                };
                for text in texts {
                    problems.push(FieldProblem {
                        path: Some(normalise_path(path)),
                        message: text,
                    });
                }
            }
        }
        _ => {}
    }
    (message, problems)
}

/// `$.location.mode` and `/location/mode` become `location.mode`.
fn normalise_path(path: &str) -> String {
    let path = path.trim();
    let path = path
        .strip_prefix("$.")
        .or_else(|| path.strip_prefix('$'))
        .unwrap_or(path);
    if let Some(pointer) = path.strip_prefix('/') {
        let mut out = String::new();
        for part in pointer.split('/') {
            if part.parse::<usize>().is_ok() {
                out.push_str(&format!("[{part}]"));
            } else {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(part);
            }
        }
        return out;
    }
    path.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_objects_and_plain_messages() {
        let (message, problems) = read_error_body(
            br#"{"status":422,"message":"Validation failed","errors":[
                {"field":"$.location.mode","message":"\"site\" is not allowed"},
                {"path":"/contacts/results/0/role","message":"unknown role"},
                "something else"]}"#,
        );
        assert_eq!(message.as_deref(), Some("Validation failed"));
        let paths: Vec<_> = problems.iter().map(|p| p.path.clone()).collect();
        assert_eq!(
            paths,
            vec![
                Some("location.mode".to_owned()),
                Some("contacts.results[0].role".to_owned()),
                None
            ]
        );
        let (_, by_path) = read_error_body(br#"{"errors":{"title":["is required"]}}"#);
        assert_eq!(by_path[0].to_string(), "title: is required");
        assert_eq!(read_error_body(b"<html>"), (None, Vec::new()));
    }
}
