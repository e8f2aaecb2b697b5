use super::*;

use crate::time::MomentFormat;

/// `format(datetime, pattern)`: a date-time as text, with moment.js-style tokens (the ones
/// Field Nation's date_convert uses), in the zone the value is in.
pub struct DateFormat;

#[derive(Debug)]
struct FormatCall(MomentFormat);

const PARAMS: &[Param] = &[
    Param::new("value", ParamType::DateTime),
    Param::new("pattern", ParamType::Pattern),
];

impl Function for DateFormat {
    fn name(&self) -> &'static str {
        "format"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::String
    }
    fn summary(&self) -> &'static str {
        "the date-time as text in its zone; tokens YYYY MM DD HH hh mm ss A Z X x [literal] …"
    }
    fn examples(&self) -> &'static [Example] {
        &[
            Example {
                source: r#"format(parse_datetime("2025-01-15 09:00", "YYYY-MM-DD HH:mm", "America/New_York") at "America/Chicago", "MM/DD/YYYY h:mm A")"#,
                result: r#""01/15/2025 8:00 AM""#,
            },
            Example {
                source: r#"format(parse_datetime("2024-03-10 12:00", "YYYY-MM-DD HH:mm", "America/New_York"), "dddd, MMMM Do YYYY [at] HH:mm z")"#,
                result: r#""Sunday, March 10th 2024 at 12:00 EDT""#,
            },
        ]
    }
    fn prepare(&self, args: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        let format = constant_format(args, 1)?;
        Ok(Arc::new(FormatCall(format)))
    }
}

impl Call for FormatCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        match &args[0] {
            Value::DateTime(z) => Ok(Value::str(self.0.format(z))),
            Value::Null => Ok(Value::Null),
            v => Err(format!("cannot format a {} as a date-time", v.kind()).into()),
        }
    }
}
