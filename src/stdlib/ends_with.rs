use super::Example;
use super::text_test::TextTest;

/// `ends_with(text, suffix)`
pub const ENDS_WITH: TextTest = TextTest {
    name: "ends_with",
    summary: "whether the text ends with `part` (exactly: case counts)",
    examples: &[Example {
        source: r#"ends_with("dana.whitfield@msp.example", "@msp.example")"#,
        result: "true",
    }],
    test: |text, part| text.ends_with(part),
};
