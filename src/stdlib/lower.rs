use std::borrow::Cow;

use super::Example;
use super::text::TextFunction;

/// `lower(text)`: the text in lower case.
pub static LOWER: TextFunction = TextFunction {
    name: "lower",
    summary: "the text in lower case",
    examples: &[Example {
        source: r#"lower("MN")"#,
        result: r#""mn""#,
    }],
    apply: lower,
};

fn lower(text: &str) -> Cow<'_, str> {
    Cow::Owned(text.to_lowercase())
}
