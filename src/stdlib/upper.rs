use super::*;

/// `upper(text)`: the text in upper case.
pub struct Upper;

#[derive(Debug)]
struct UpperCall;

impl Function for Upper {
    fn name(&self) -> &'static str {
        "upper"
    }
    fn signature(&self) -> &'static str {
        "upper(text: string) -> string"
    }
    fn summary(&self) -> &'static str {
        "the text in upper case"
    }
    fn examples(&self) -> &'static [Example] {
        &[Example {
            source: r#"upper("Suite 5b")"#,
            result: r#""SUITE 5B""#,
        }]
    }
    fn compile(&self, args: &[ArgInfo]) -> Result<Compiled, ArgError> {
        expect_args(self.name(), args, &[("text", textual)])?;
        Ok(Compiled::new(UpperCall, Type::String).text_args(&[true]))
    }
}

impl Call for UpperCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, String> {
        Ok(match &args[0] {
            Value::Null => Value::Null,
            v => Value::str(v.to_string().to_uppercase()),
        })
    }
}
