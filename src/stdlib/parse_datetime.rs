use super::*;

use jiff::tz::TimeZone;

use crate::time::MomentFormat;

/// `parse_datetime(text, pattern, zone)`: text read as a date-time with a moment.js-style
/// pattern; readings without an offset are meant in `zone`.
pub struct ParseDatetime;

#[derive(Debug)]
struct ParseCall(MomentFormat, TimeZone);

const PARAMS: &[Param] = &[
    Param::text("text"),
    Param::new("pattern", ParamType::Pattern),
    Param::new("zone", ParamType::Zone),
];

impl Function for ParseDatetime {
    fn name(&self) -> &'static str {
        "parse_datetime"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::DateTime
    }
    fn summary(&self) -> &'static str {
        "text read as a date-time; a reading without offset is meant in `zone` (DST rule applied and reported)"
    }
    fn examples(&self) -> &'static [Example] {
        &[
            Example {
                source: r#"string(parse_datetime("03/10/2024 2:30 AM", "MM/DD/YYYY h:mm A", "America/New_York"))"#,
                result: r#""2024-03-10T03:30:00-04:00""#,
            },
            Example {
                source: r#"parse_datetime("31/12/2024", "MM/DD/YYYY", "UTC")"#,
                result: r#"error: cannot read "31/12/2024" with format "MM/DD/YYYY": expected a month number from 1 to 12 at byte 0, found "31/12/20"…"#,
            },
        ]
    }
    fn prepare(&self, args: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        let format = constant_format(args, 1)?;
        let zone = constant_zone(args, 2)?;
        Ok(Arc::new(ParseCall(format, zone)))
    }
}

impl Call for ParseCall {
    fn call<'a>(&self, args: &mut [Value<'a>], env: &mut CallEnv) -> Result<Value<'a>, Failure> {
        let text = match &args[0] {
            Value::Null => return Ok(Value::Null),
            Value::Str(s) if s.trim().is_empty() => return Ok(Value::Null),
            v => v.to_string(),
        };
        let (value, adjustment) = self
            .0
            .parse(text.trim(), &self.1)
            .map_err(|e| e.to_string())?;
        env.adjusted(adjustment);
        Ok(Value::DateTime(value))
    }
}
