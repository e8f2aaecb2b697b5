//! The shape `hours` and `minutes` share: a number of units as a duration for date arithmetic
//! (`DueDateTime + hours(EstimatedHours)`). Fractions are kept to the nanosecond (1.5 hours is
//! 1h30m); a negative or absurdly long amount is an error, a null amount gives null.

use jiff::SignedDuration;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::*;
use crate::time::DurationLiteral;

/// A function from a number of units to a duration.
pub struct DurationOf {
    pub name: &'static str,
    /// The unit's length in seconds.
    pub seconds: i64,
    pub summary: &'static str,
    pub examples: &'static [Example],
}

const PARAMS: &[Param] = &[Param::new("amount", ParamType::Number)];

/// Ten years: longer than any service window, far below where the arithmetic could overflow.
const MAX_SECONDS: i64 = 10 * 366 * 24 * 3600;

impl Function for DurationOf {
    fn name(&self) -> &'static str {
        self.name
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::Duration
    }
    fn summary(&self) -> &'static str {
        self.summary
    }
    fn examples(&self) -> &'static [Example] {
        self.examples
    }
    fn prepare(&self, args: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        let call = DurationCall {
            name: self.name,
            seconds: self.seconds,
        };
        // A constant amount is checked now rather than on every record.
        if let Some(constant) = args[0].constant
            && let Err(failure) = call.length(constant)
        {
            return Err(ArgError::at(0, failure.to_string()));
        }
        Ok(Arc::new(call))
    }
}

#[derive(Debug)]
struct DurationCall {
    name: &'static str,
    seconds: i64,
}

impl DurationCall {
    fn length(&self, amount: &Value<'_>) -> Result<Option<DurationLiteral>, Failure> {
        let Some(number) = amount.as_decimal() else {
            return match amount {
                Value::Null => Ok(None),
                v => Err(format!("`{}` needs a number, found a {}", self.name, v.kind()).into()),
            };
        };
        if number.is_sign_negative() && !number.is_zero() {
            return Err(format!(
                "{}({number}): a length of time cannot be negative",
                self.name
            )
            .into());
        }
        let too_long = || {
            Failure::from(format!(
                "{}({number}) is longer than ten years; is the field in another unit?",
                self.name
            ))
        };
        let seconds = number
            .checked_mul(Decimal::from(self.seconds))
            .filter(|s| *s <= Decimal::from(MAX_SECONDS))
            .ok_or_else(too_long)?;
        let whole = seconds.trunc();
        let nanos = ((seconds - whole) * Decimal::from(1_000_000_000))
            .trunc()
            .to_i32()
            .unwrap_or(0);
        let whole = whole.to_i64().ok_or_else(too_long)?;
        Ok(Some(DurationLiteral::exact_length(SignedDuration::new(
            whole, nanos,
        ))))
    }
}

impl Call for DurationCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        Ok(self.length(&args[0])?.map_or(Value::Null, Value::Duration))
    }
}
