use super::Example;
use super::text_test::TextTest;

/// `contains(text, part)`
pub const CONTAINS: TextTest = TextTest {
    name: "contains",
    summary: "whether `part` occurs in the text (exactly: case counts)",
    examples: &[
        Example {
            source: r#"contains("Printer jam, tray 2", "jam")"#,
            result: "true",
        },
        Example {
            source: r#"contains("Printer jam", "JAM")"#,
            result: "false",
        },
    ],
    test: |text, part| text.contains(part),
};
