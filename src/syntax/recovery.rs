//! Where a file can be cut into top-level items, so that a syntax error in one item does not
//! hide the errors of the others. pest stops at the first error; the parser then parses each
//! item on its own and reports each item's errors (a failing item statement by statement, in
//! `statement_recovery`). A cut is only made where a line of plain code begins with an item's
//! keyword, so the text of one item is never split.

use super::Span;
use super::comments;
use crate::diagnostics::Diagnostic;

/// The byte offsets where a top-level item may begin, ascending, always starting with 0 (the
/// text before the first item, usually comments, is a piece of its own).
pub(super) fn item_starts(source: &str) -> Vec<usize> {
    let mut starts = vec![0];
    for line in comments::code_line_starts(source) {
        let text = &source[line..];
        let indent = text.len() - text.trim_start_matches([' ', '\t']).len();
        if line + indent > 0 && begins_item(&text[indent..]) {
            starts.push(line + indent);
        }
    }
    starts.dedup();
    starts
}

/// Whether the text begins like an item: `mapping "`, `table name:`, `on event.name`,
/// `import "`, `let name for`. Each keyword must be followed by what only an item has after it, so a
/// statement or a continued expression is never taken for one.
fn begins_item(text: &str) -> bool {
    let after = |keyword: &str| {
        text.strip_prefix(keyword)
            .filter(|rest| rest.starts_with([' ', '\t']))
            .map(str::trim_start)
    };
    if let Some(rest) = after("mapping").or_else(|| after("import")) {
        return rest.starts_with('"');
    }
    if let Some(rest) = after("table") {
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        return name_end > 0 && rest[name_end..].trim_start().starts_with(':');
    }
    // A helper; a mapping's own `let name =` has no `for`.
    if let Some(rest) = after("let") {
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        return name_end > 0
            && rest[name_end..]
                .trim_start()
                .strip_prefix("for")
                .is_some_and(|after| after.starts_with([' ', '\t']));
    }
    if let Some(rest) = after("on") {
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        let next = rest[name_end..].trim_start();
        return name_end > 0
            && rest.starts_with(|c: char| c.is_ascii_alphabetic())
            && (next.starts_with('{') || next.starts_with("for ") || next.starts_with("when "));
    }
    false
}

/// The diagnostic of a piece parsed on its own, moved to the piece's place in the file.
pub(super) fn shifted(mut diagnostic: Diagnostic, by: usize) -> Diagnostic {
    for label in &mut diagnostic.labels {
        label.span = Span::new(label.span.start + by, label.span.end + by);
    }
    diagnostic
}

#[cfg(test)]
mod tests {
    use super::item_starts;

    #[test]
    fn cuts_only_where_a_line_of_code_begins_an_item() {
        let source = "// header\nmapping \"a\" {\n  title = \"x\n on workorder.created {\"\n}\n\
                      table t: string -> int {\n  _ => 1\n}\n  on workorder.status.assigned when x {\n}\n\
                      /*\nmapping \"hidden\" {\n*/\nontology = 1\nlet zone for Ticket = 1\n\
                      mapping \"b\" {\n  let zone = 1\n  let format = 2\n}\n";
        let starts = item_starts(source);
        let words: Vec<&str> = starts.iter().map(|s| &source[*s..*s + 5]).collect();
        assert_eq!(
            words,
            ["// he", "mappi", "table", "on wo", "let z", "mappi"]
        );
    }
}
