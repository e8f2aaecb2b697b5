use super::*;

/// `string(value)`: any value as text; picklists give their label.
pub struct StringFn;

#[derive(Debug)]
struct StringCall;

impl Function for StringFn {
    fn name(&self) -> &'static str {
        "string"
    }
    fn signature(&self) -> &'static str {
        "string(value: any) -> string"
    }
    fn summary(&self) -> &'static str {
        "the value as text (numbers in plain notation, picklists as labels, date-times in ISO 8601 with offset)"
    }
    fn examples(&self) -> &'static [Example] {
        &[
            Example {
                source: "string(2.5000)",
                result: r#""2.5""#,
            },
            Example {
                source: "string(42)",
                result: r#""42""#,
            },
        ]
    }
    fn compile(&self, args: &[ArgInfo]) -> Result<Compiled, ArgError> {
        expect_args(self.name(), args, &[("a value", |_| true)])?;
        Ok(Compiled::new(StringCall, Type::String).text_args(&[true]))
    }
}

impl Call for StringCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, String> {
        Ok(match std::mem::take(&mut args[0]) {
            Value::Null => Value::Null,
            s @ Value::Str(_) => s,
            v => Value::str(v.to_string()),
        })
    }
}
