use super::*;

/// `int(value)`: text or a whole decimal as an integer; anything else fails the rule.
pub struct Int;

#[derive(Debug)]
struct IntCall;

const PARAMS: &[Param] = &[Param::new("value", ParamType::Text)];

impl Function for Int {
    fn name(&self) -> &'static str {
        "int"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::Int
    }
    fn summary(&self) -> &'static str {
        "the value as an integer; text must hold a whole number, a decimal must have no fraction"
    }
    fn examples(&self) -> &'static [Example] {
        &[
            Example {
                source: r#"int(" 42 ")"#,
                result: "42",
            },
            Example {
                source: "int(62.0000)",
                result: "62",
            },
            Example {
                source: r#"int("4 hours")"#,
                result: r#"error: "4 hours" is not a whole number"#,
            },
        ]
    }
    fn prepare(&self, _: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        Ok(Arc::new(IntCall))
    }
}

impl Call for IntCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        match &args[0] {
            Value::Null => Ok(Value::Null),
            Value::Int(i) => Ok(Value::Int(*i)),
            Value::Decimal(d) if d.fract().is_zero() => i64::try_from(*d)
                .map(Value::Int)
                .map_err(|_| format!("{d} does not fit in an integer").into()),
            Value::Decimal(d) => Err(format!("{d} has a fraction; round it first").into()),
            Value::Str(s) => s
                .trim()
                .parse::<i64>()
                .map(Value::Int)
                .map_err(|_| format!("{s:?} is not a whole number").into()),
            v => Err(format!("a {} cannot become an integer", v.kind()).into()),
        }
    }
}
