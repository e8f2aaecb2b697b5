use super::*;

use rust_decimal::Decimal;

/// `decimal(value)`: text or an integer as an exact decimal.
pub struct DecimalFn;

#[derive(Debug)]
struct DecimalCall;

const PARAMS: &[Param] = &[Param::new("value", ParamType::Text)];

impl Function for DecimalFn {
    fn name(&self) -> &'static str {
        "decimal"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::Decimal
    }
    fn summary(&self) -> &'static str {
        "the value as an exact decimal; text must hold a number such as `150.25`"
    }
    fn examples(&self) -> &'static [Example] {
        &[
            Example {
                source: r#"decimal("150.25")"#,
                result: "150.25",
            },
            Example {
                source: r#"decimal("$150")"#,
                result: r#"error: "$150" is not a decimal number"#,
            },
        ]
    }
    fn prepare(&self, _: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        Ok(Arc::new(DecimalCall))
    }
}

impl Call for DecimalCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        match &args[0] {
            Value::Null => Ok(Value::Null),
            Value::Int(i) => Ok(Value::Decimal(Decimal::from(*i))),
            Value::Decimal(d) => Ok(Value::Decimal(*d)),
            Value::Str(s) => s
                .trim()
                .parse::<Decimal>()
                .map(Value::Decimal)
                .map_err(|_| format!("{s:?} is not a decimal number").into()),
            v => Err(format!("a {} cannot become a decimal", v.kind()).into()),
        }
    }
}
