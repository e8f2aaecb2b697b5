//! Why a moment-style format string failed to compile.

use thiserror::Error;

/// A compile error in a moment-style format, with the byte offset into the
/// format string and the offending token, ready for a diagnostic that
/// underlines it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FormatError {
    /// A run of letters that is not a supported token, e.g. `Q` or `YYYYY`.
    #[error(
        "unknown format token {token:?} at byte {offset}; supported tokens are \
         YYYY YY M MM MMM MMMM D DD Do ddd dddd H HH h hh m mm s ss S to SSSSSSSSS \
         A a Z ZZ z X x, and literal letters go in brackets, e.g. [{token}]"
    )]
    UnknownToken { offset: usize, token: String },

    /// A `[` that starts literal text but is never closed.
    #[error("unclosed '[' at byte {offset}: literal text {token:?} needs a closing ']'")]
    UnclosedBracket { offset: usize, token: String },
}

impl FormatError {
    /// Byte offset of the offending token in the format string.
    pub fn offset(&self) -> usize {
        match self {
            FormatError::UnknownToken { offset, .. }
            | FormatError::UnclosedBracket { offset, .. } => *offset,
        }
    }

    /// The offending token as written (the unclosed bracket and what
    /// follows it, cut short when long).
    pub fn token(&self) -> &str {
        match self {
            FormatError::UnknownToken { token, .. }
            | FormatError::UnclosedBracket { token, .. } => token,
        }
    }
}
