use super::*;

/// `string(value)`: any value as text; picklists give their label.
pub struct StringFn;

#[derive(Debug)]
struct StringCall;

const PARAMS: &[Param] = &[Param::new("value", ParamType::Any).as_text()];

impl Function for StringFn {
    fn name(&self) -> &'static str {
        "string"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::String
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
    fn prepare(&self, _: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        Ok(Arc::new(StringCall))
    }
}

impl Call for StringCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        Ok(match std::mem::take(&mut args[0]) {
            Value::Null => Value::Null,
            s @ Value::Str(_) => s,
            v => Value::str(v.to_string()),
        })
    }
}
