use super::*;

/// `trim(text)`: the text without leading and trailing whitespace.
pub struct Trim;

#[derive(Debug)]
struct TrimCall;

impl Function for Trim {
    fn name(&self) -> &'static str {
        "trim"
    }
    fn signature(&self) -> &'static str {
        "trim(text: string) -> string"
    }
    fn summary(&self) -> &'static str {
        "the text without leading and trailing whitespace"
    }
    fn examples(&self) -> &'static [Example] {
        &[Example {
            source: r#"trim("  Room 4 \n")"#,
            result: r#""Room 4""#,
        }]
    }
    fn compile(&self, args: &[ArgInfo]) -> Result<Compiled, ArgError> {
        expect_args(self.name(), args, &[("text", textual)])?;
        Ok(Compiled::new(TrimCall, Type::String).text_args(&[true]))
    }
}

impl Call for TrimCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, String> {
        Ok(match std::mem::take(&mut args[0]) {
            Value::Str(std::borrow::Cow::Borrowed(s)) => Value::str(s.trim()),
            Value::Str(s) => Value::str(s.trim().to_string()),
            Value::Null => Value::Null,
            v => Value::str(v.to_string().trim().to_string()),
        })
    }
}
