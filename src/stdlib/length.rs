use super::*;

/// `length(text)`: the number of characters.
pub struct Length;

#[derive(Debug)]
struct LengthCall;

const PARAMS: &[Param] = &[Param::text("text")];

impl Function for Length {
    fn name(&self) -> &'static str {
        "length"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::Int
    }
    fn summary(&self) -> &'static str {
        "the number of characters in the text (0 for null)"
    }
    fn examples(&self) -> &'static [Example] {
        &[Example {
            source: r#"length("Zürich")"#,
            result: "6",
        }]
    }
    fn prepare(&self, _: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        Ok(Arc::new(LengthCall))
    }
}

impl Call for LengthCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        Ok(Value::Int(match &args[0] {
            Value::Null => 0,
            Value::Str(s) => s.chars().count() as i64,
            v => v.to_string().chars().count() as i64,
        }))
    }
}
