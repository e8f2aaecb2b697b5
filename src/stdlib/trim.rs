use std::borrow::Cow;

use super::Example;
use super::text::TextFunction;

/// `trim(text)`: the text without leading and trailing whitespace.
pub static TRIM: TextFunction = TextFunction {
    name: "trim",
    summary: "the text without leading and trailing whitespace",
    examples: &[Example {
        source: r#"trim("  Room 4 \n")"#,
        result: r#""Room 4""#,
    }],
    apply: trim,
};

fn trim(text: &str) -> Cow<'_, str> {
    Cow::Borrowed(text.trim())
}
