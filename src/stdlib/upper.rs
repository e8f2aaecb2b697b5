use std::borrow::Cow;

use super::Example;
use super::text::TextFunction;

/// `upper(text)`: the text in upper case.
pub static UPPER: TextFunction = TextFunction {
    name: "upper",
    summary: "the text in upper case",
    examples: &[Example {
        source: r#"upper("Suite 5b")"#,
        result: r#""SUITE 5B""#,
    }],
    apply: upper,
};

fn upper(text: &str) -> Cow<'_, str> {
    Cow::Owned(text.to_uppercase())
}
