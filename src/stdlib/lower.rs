use super::*;

/// `lower(text)`: the text in lower case.
pub struct Lower;

#[derive(Debug)]
struct LowerCall;

impl Function for Lower {
    fn name(&self) -> &'static str {
        "lower"
    }
    fn signature(&self) -> &'static str {
        "lower(text: string) -> string"
    }
    fn summary(&self) -> &'static str {
        "the text in lower case"
    }
    fn examples(&self) -> &'static [Example] {
        &[Example {
            source: r#"lower("MN")"#,
            result: r#""mn""#,
        }]
    }
    fn compile(&self, args: &[ArgInfo]) -> Result<Compiled, ArgError> {
        expect_args(self.name(), args, &[("text", textual)])?;
        Ok(Compiled::new(LowerCall, Type::String).text_args(&[true]))
    }
}

impl Call for LowerCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, String> {
        Ok(match &args[0] {
            Value::Null => Value::Null,
            v => Value::str(v.to_string().to_lowercase()),
        })
    }
}
