use super::Example;
use super::text_test::TextTest;

/// `starts_with(text, prefix)`
pub const STARTS_WITH: TextTest = TextTest {
    name: "starts_with",
    summary: "whether the text begins with `part` (exactly: case counts)",
    examples: &[Example {
        source: r#"starts_with("T20250114.0042", "T2025")"#,
        result: "true",
    }],
    test: |text, part| text.starts_with(part),
};
