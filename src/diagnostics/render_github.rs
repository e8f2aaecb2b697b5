//! GitHub Actions workflow commands: each diagnostic becomes an annotation on the pull request.

use super::{Diagnostic, Severity};

pub fn render_github(path: &str, source: &str, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let span = d.primary_span();
        let (line, col) = span.line_col(source);
        let (end_line, end_col) =
            crate::diagnostics::Span::new(span.end, span.end).line_col(source);
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{command} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}\n",
            property(path),
            property(d.code.as_str()),
            data(&message)
        ));
    }
    out
}

/// Escaping for the message part of a workflow command.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping for a property value (`file=…`), which also reserves `:` and `,`.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;
    use crate::diagnostics::Span;

    #[test]
    fn annotations_carry_place_and_escape_reserved_characters() {
        let source = "line one\n  title = Tilte\n";
        let d = Diagnostic::new(
            Code::UnknownField,
            Span::new(19, 24),
            "unknown field `Tilte`, 100%",
        )
        .with_help("replace it: `Title`");
        let out = render_github("maps/a,b.fmap", source, &[d]);
        assert_eq!(
            out,
            "::error file=maps/a%2Cb.fmap,line=2,col=11,endLine=2,endColumn=16,title=FM0203::unknown field `Tilte`, 100%25%0Ahelp: replace it: `Title`\n"
        );
    }
}
