//! The issues of an evaluation, each at its rule's place in the mapping file: `run` and `event`
//! print them on stderr and add the place to their JSON.

use fieldmap::Issue;
use fieldmap::diagnostics::Span;

/// The mapping file the issues' spans point into, as the user named it.
pub struct MappingText<'a> {
    path: String,
    source: &'a str,
}

impl<'a> MappingText<'a> {
    pub fn new(path: &std::path::Path, source: &'a str) -> Self {
        MappingText {
            path: path.display().to_string(),
            source,
        }
    }

    /// The 1-based line and column of a span's start; none for a span outside the file.
    fn line_col(&self, span: Span) -> Option<(usize, usize)> {
        (span.end <= self.source.len()).then(|| span.line_col(self.source))
    }
}

/// One line each on stderr: `error: mappings/x.fmap:23:3: message`, or without a place for an
/// issue with the whole work order.
pub fn print(issues: &[Issue], file: &MappingText<'_>) {
    for issue in issues {
        match issue.span.and_then(|span| file.line_col(span)) {
            Some((line, column)) => errln!(
                "{}: {}:{line}:{column}: {}",
                issue.severity,
                file.path,
                issue.message
            ),
            None => errln!("{}: {}", issue.severity, issue.message),
        }
    }
}

/// `file`, `line` and `column` beside the `span` of each issue in `issues` of `json` (the
/// serialized evaluation or changes).
pub fn locate(json: &mut serde_json::Value, issues: &[Issue], file: &MappingText<'_>) {
    let Some(written) = json
        .get_mut("issues")
        .and_then(serde_json::Value::as_array_mut)
    else {
        return;
    };
    for (issue, entry) in issues.iter().zip(written) {
        let (Some((line, column)), Some(entry)) = (
            issue.span.and_then(|span| file.line_col(span)),
            entry.as_object_mut(),
        ) else {
            continue;
        };
        entry.insert("file".into(), file.path.as_str().into());
        entry.insert("line".into(), line.into());
        entry.insert("column".into(), column.into());
    }
}
