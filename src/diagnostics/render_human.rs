//! Human-readable rendering through miette: the source line, a marker under the exact word,
//! the label, and the help.

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::{Diagnostic, Severity};

/// Renders diagnostics of one file. `color` is for terminals; tests and pipes get plain text.
pub fn render_human(
    diagnostics: &[Diagnostic],
    file_name: &str,
    source: &str,
    color: bool,
) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let source = CharColumns {
        name: file_name,
        text: source,
        line_starts: std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
    };
    let mut out = String::new();
    for diagnostic in diagnostics {
        let report = Report {
            diagnostic,
            source: &source,
        };
        if handler.render_report(&mut out, &report).is_err() {
            // Rendering into a String cannot fail, but never lose the message if it does.
            out.push_str(&format!(
                "{}: {}\n",
                diagnostic.code.as_str(),
                diagnostic.message
            ));
        }
    }
    out
}

struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: &'a CharColumns<'a>,
}

/// The source with columns counted in characters, as editors count them (miette counts bytes,
/// which puts the column of anything after `é` or `–` too far right). miette finds a span's
/// lines by scanning from the start of the text, which makes many diagnostics in a long file
/// quadratic; here it scans only the lines around the span, found in `line_starts`.
struct CharColumns<'a> {
    name: &'a str,
    text: &'a str,
    /// The byte offset where each line starts.
    line_starts: Vec<usize>,
}

impl CharColumns<'_> {
    /// The 0-based line that holds byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }
}

impl SourceCode for CharColumns<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let offset = span.offset().min(self.text.len());
        let end = (offset + span.len()).min(self.text.len());
        // A few lines more than asked on each side: miette decides which to show, and the
        // window must hold every line it could want.
        let first = self
            .line_of(offset)
            .saturating_sub(context_lines_before + 2);
        let last = self.line_of(end) + context_lines_after + 3;
        let window_start = self.line_starts[first];
        let window_end = self
            .line_starts
            .get(last)
            .copied()
            .unwrap_or(self.text.len());
        let window = self.text.get(window_start..window_end).unwrap_or("");
        let local = SourceSpan::new((offset - window_start).into(), end - offset);
        let inner = window.read_span(&local, context_lines_before, context_lines_after)?;
        let start = window_start + inner.span().offset();
        let line_start = self
            .text
            .get(..start)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1);
        let column = self
            .text
            .get(line_start..start)
            .map_or(inner.column(), |t| t.chars().count());
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            SourceSpan::new(start.into(), inner.span().len()),
            first + inner.line(),
            column,
            inner.line_count(),
        )))
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let d = self.diagnostic;
        if d.help.is_none() && d.notes.is_empty() {
            return None;
        }
        let mut text = d.help.clone().unwrap_or_default();
        for note in &d.notes {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str("note: ");
            text.push_str(note);
        }
        Some(Box::new(text))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let labels = self.diagnostic.labels.iter().map(|label| {
            let text = (!label.message.is_empty()).then(|| label.message.clone());
            if label.primary {
                LabeledSpan::new_primary_with_span(text, label.span)
            } else {
                LabeledSpan::new_with_span(text, label.span)
            }
        });
        Some(Box::new(labels))
    }
}
