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
        &[Example {
            source: r#"html("Printer <HP> & scanner\ndown")"#,
            result: r#""Printer &lt;HP&gt; &amp; scanner<br>down""#,
        }]
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
            v => v.to_string(),
        };
        let mut out = String::with_capacity(text.len() + 16);
        for c in text.replace("\r\n", "\n").chars() {
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                '\n' => out.push_str("<br>"),
                c => out.push(c),
            }
        }
        Ok(Value::str(out))
    }
}
