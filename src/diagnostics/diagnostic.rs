//! The one diagnostic type that every stage produces and every renderer reads.

use serde::Serialize;

use super::Code;
use crate::diagnostics::Span;

/// How serious a diagnostic or an evaluation issue is, least to most (the order compares so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Information only; lint rules can be lowered to it.
    Note,
    /// Worth a look; the file still compiles, and at run time nothing failed.
    Warning,
    /// The file does not compile, or a value or check failed at run time.
    Error,
}

impl Severity {
    /// The lowercase name: `note`, `warning`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A span of the mapping file that a diagnostic points at, with a short text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Where the label points.
    pub span: Span,
    /// What to say there; may be empty.
    pub message: String,
    /// The primary label marks the spot the diagnostic is about; others give context.
    pub primary: bool,
}

/// A problem the compiler found in a mapping file, with a stable code and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The stable code, serialized as printed: `FM0203`.
    pub code: Code,
    /// Errors stop compilation; warnings and notes do not.
    pub severity: Severity,
    /// One line that says what is wrong.
    pub message: String,
    /// The spans concerned; exactly one is primary.
    pub labels: Vec<Label>,
    /// How to fix it, when there is a suggestion.
    pub help: Option<String>,
    /// Further facts that explain the problem, each printed after `note:`.
    pub notes: Vec<String>,
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Diagnostic {
    /// A diagnostic with the code's default severity and a primary label at `span`.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            labels: vec![Label {
                span,
                message: String::new(),
                primary: true,
            }],
            help: None,
            notes: Vec::new(),
        }
    }

    /// Sets the text of the primary label.
    pub fn with_label(mut self, text: impl Into<String>) -> Self {
        if let Some(label) = self.labels.iter_mut().find(|l| l.primary) {
            label.message = text.into();
        }
        self
    }

    /// Adds a secondary label at `span`.
    pub fn with_context(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: text.into(),
            primary: false,
        });
        self
    }

    /// Sets the help text.
    pub fn with_help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(text.into());
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, text: impl Into<String>) -> Self {
        self.notes.push(text.into());
        self
    }

    /// The span of the primary label: where the diagnostic is about.
    pub fn primary_span(&self) -> Span {
        self.labels
            .iter()
            .find(|l| l.primary)
            .map(|l| l.span)
            .unwrap_or_default()
    }

    /// Whether the severity is [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
