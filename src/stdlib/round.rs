use super::*;

use rust_decimal::{Decimal, RoundingStrategy};

/// `round(number, places)`: rounded half away from zero, as money is.
pub struct Round;

#[derive(Debug)]
struct RoundCall(u32);

const PARAMS: &[Param] = &[
    Param::new("value", ParamType::Number),
    Param::new("places", ParamType::Integer),
];

impl Function for Round {
    fn name(&self) -> &'static str {
        "round"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::Decimal
    }
    fn summary(&self) -> &'static str {
        "the number rounded to `places` decimals (a constant from 0 to 12), halves away from zero"
    }
    fn examples(&self) -> &'static [Example] {
        &[
            Example {
                source: "round(2.675, 2)",
                result: "2.68",
            },
            Example {
                source: "round(2.5, 0)",
                result: "3",
            },
        ]
    }
    fn prepare(&self, args: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        let places = match args[1].constant {
            Some(Value::Int(p)) if (0..=12).contains(p) => *p as u32,
            _ => {
                return Err(ArgError::at(
                    1,
                    "`round` takes a constant number of places from 0 to 12",
                ));
            }
        };
        Ok(Arc::new(RoundCall(places)))
    }
}

impl Call for RoundCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        let value = match &args[0] {
            Value::Null => return Ok(Value::Null),
            Value::Int(i) => Decimal::from(*i),
            Value::Decimal(d) => *d,
            v => return Err(format!("cannot round a {}", v.kind()).into()),
        };
        Ok(Value::Decimal(value.round_dp_with_strategy(
            self.0,
            RoundingStrategy::MidpointAwayFromZero,
        )))
    }
}
