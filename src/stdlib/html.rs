use super::*;

/// `html(text)`: plain text as HTML, for `description.html`: special characters escaped,
/// line breaks kept as `<br>`.
pub struct Html;

#[derive(Debug)]
struct HtmlCall;

impl Function for Html {
    fn name(&self) -> &'static str {
        "html"
    }
    fn signature(&self) -> &'static str {
        "html(text: string) -> string"
    }
    fn summary(&self) -> &'static str {
        "plain text as HTML: `<`, `>`, `&` and quotes escaped, line breaks as <br>"
    }
    fn examples(&self) -> &'static [Example] {
        &[
            Example {
                source: r#"html("Printer <HP> & scanner\ndown")"#,
                result: r#""Printer &lt;HP&gt; &amp; scanner<br>down""#,
            },
            Example {
                source: r#"html("Zoë's \"café\"\r\nline two\rthree")"#,
                result: r#""Zoë&#39;s &quot;café&quot;<br>line two\rthree""#,
            },
        ]
    }
    fn compile(&self, args: &[ArgInfo]) -> Result<Compiled, ArgError> {
        expect_args(self.name(), args, &[("text", textual)])?;
        Ok(Compiled::new(HtmlCall, Type::String).text_args(&[true]))
    }
}

impl Call for HtmlCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, String> {
        let text = match &args[0] {
            Value::Null => return Ok(Value::Null),
            Value::Str(s) => std::borrow::Cow::Borrowed(s.as_ref()),
            v => std::borrow::Cow::Owned(v.to_string()),
        };
        let mut out = String::with_capacity(text.len() + 16);
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
            out.push_str(&text[plain_from..i]);
            out.push_str(replacement);
            plain_from = i + 1;
        }
        out.push_str(&text[plain_from..]);
        Ok(Value::str(out))
    }
}
