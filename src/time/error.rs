//! The one error type for everything in the time module that can fail on
//! user input: zone names, wire date-times, moment-style input, durations
//! and arithmetic that leaves the supported range.

use thiserror::Error;

use super::moment_format::FormatError;

/// Inputs are arbitrary text; quoting at most this many characters keeps a
/// diagnostic readable when someone feeds in a whole document.
const MAX_QUOTED_CHARS: usize = 64;

/// Why a time operation failed. Every message names the offending input and,
/// for syntax errors, the byte position and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TimeError {
    /// The name is not an IANA time zone name in the bundled database.
    #[error(
        "unknown time zone {name:?}: not an IANA time zone name in the bundled time zone database{}",
        did_you_mean(.suggestion)
    )]
    UnknownZone {
        name: String,
        /// The correctly spelled name when only letter case was wrong.
        suggestion: Option<String>,
    },

    /// An Autotask wire date-time did not have the expected shape.
    #[error(
        "invalid Autotask date-time {input:?}: expected {expected} at byte {position}, found {found}"
    )]
    AutotaskSyntax {
        input: String,
        position: usize,
        expected: &'static str,
        found: String,
    },

    /// Input did not match a compiled moment-style format.
    #[error(
        "cannot read {input:?} with format {format:?}: expected {expected} at byte {position}, found {found}"
    )]
    MomentSyntax {
        input: String,
        format: String,
        position: usize,
        expected: String,
        found: String,
    },

    /// The text was well-formed but names no real date-time (February 30,
    /// a weekday that contradicts the date, a format without a year, ...).
    #[error("invalid date-time {input:?}: {reason}")]
    InvalidDateTime { input: String, reason: String },

    /// A duration literal such as `1h30m` was malformed.
    #[error("invalid duration {input:?}: expected {expected} at byte {position}, found {found}")]
    DurationSyntax {
        input: String,
        position: usize,
        expected: String,
        found: String,
    },

    /// The result would fall outside the supported range (years -9999..=9999).
    #[error("date-time out of range: {operation}")]
    OutOfRange { operation: String },

    /// A moment-style format string failed to compile.
    #[error(transparent)]
    Format(#[from] FormatError),
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(name) => format!(" (did you mean {name:?}?)"),
        None => String::new(),
    }
}

/// Copies at most [`MAX_QUOTED_CHARS`] characters of `text` for an error
/// message, marking the cut with an ellipsis.
pub(super) fn quote_excerpt(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((cut, _)) => {
            let mut excerpt = text.get(..cut).unwrap_or_default().to_owned();
            excerpt.push('…');
            excerpt
        }
        None => text.to_owned(),
    }
}

/// Describes what sits at `position` in `text` for a "found ..." clause:
/// `end of input`, or the next few characters in quotes.
pub(super) fn describe_found(text: &str, position: usize) -> String {
    const SHOWN_CHARS: usize = 8;
    match text.get(position..) {
        None => "an invalid position".to_owned(),
        Some("") => "end of input".to_owned(),
        Some(rest) => {
            let shown: String = rest.chars().take(SHOWN_CHARS).collect();
            if rest.chars().nth(SHOWN_CHARS).is_some() {
                format!("{shown:?}…")
            } else {
                format!("{shown:?}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_inputs_are_cut_on_a_char_boundary() {
        let long = "é".repeat(200);
        let excerpt = quote_excerpt(&long);
        assert_eq!(excerpt.chars().count(), MAX_QUOTED_CHARS + 1);
        assert!(excerpt.ends_with('…'));
        assert_eq!(quote_excerpt("short"), "short");
    }

    #[test]
    fn found_clause_names_end_of_input_or_next_characters() {
        assert_eq!(describe_found("abc", 3), "end of input");
        assert_eq!(describe_found("abc", 1), "\"bc\"");
        assert_eq!(describe_found("0123456789", 0), "\"01234567\"…");
        // A position inside a multi-byte character must not panic.
        assert_eq!(describe_found("é", 1), "an invalid position");
    }

    #[test]
    fn unknown_zone_message_names_the_zone_and_suggestion() {
        let error = TimeError::UnknownZone {
            name: "america/new_york".into(),
            suggestion: Some("America/New_York".into()),
        };
        let message = error.to_string();
        assert!(message.contains("\"america/new_york\""), "{message}");
        assert!(
            message.contains("did you mean \"America/New_York\""),
            "{message}"
        );
    }

    #[test]
    fn error_stays_small_enough_to_return_by_value() {
        // clippy's result_large_err limit; a boxed payload would be needed past it.
        assert!(std::mem::size_of::<TimeError>() <= 128);
    }
}
