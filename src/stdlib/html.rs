use std::borrow::Cow;

use super::Example;
use super::text::TextFunction;

/// `html(text)`: plain text as HTML, for `description.html`: special characters escaped,
/// line breaks kept as `<br>`.
pub static HTML: TextFunction = TextFunction {
    name: "html",
    summary: "plain text as HTML, for `description.html`: `<`, `>`, `&` and quotes escaped, line breaks (LF or CRLF) as `<br>`",
    examples: &[
        Example {
            source: r#"html("Printer <HP> & scanner\ndown")"#,
            result: r#""Printer &lt;HP&gt; &amp; scanner<br>down""#,
        },
        Example {
            source: r#"html("Zoë's \"café\"\r\nline two\rthree")"#,
            result: r#""Zoë&#39;s &quot;café&quot;<br>line two\rthree""#,
        },
    ],
    apply: html,
};

fn html(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    // Runs of plain text are copied whole; every character replaced is ASCII, so the cuts
    // fall on character boundaries.
    let bytes = text.as_bytes();
    let mut plain_from = 0;
    for (i, byte) in bytes.iter().enumerate() {
        let replacement = match byte {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            b'\n' => "<br>",
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => "",
            _ => continue,
        };
        if out.is_empty() {
            out.reserve(text.len() + 16);
        }
        out.push_str(&text[plain_from..i]);
        out.push_str(replacement);
        plain_from = i + 1;
    }
    if plain_from == 0 {
        // Nothing to escape.
        return Cow::Borrowed(text);
    }
    out.push_str(&text[plain_from..]);
    Cow::Owned(out)
}
