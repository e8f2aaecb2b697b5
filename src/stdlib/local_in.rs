use super::*;

use jiff::tz::TimeZone;

use crate::time;

/// `local_in(datetime, zone)`: the same wall-clock reading, now meant in another zone. For
/// values that were entered as local site time but stored as Eastern.
pub struct LocalIn;

#[derive(Debug)]
struct LocalInCall(TimeZone);

const PARAMS: &[Param] = &[
    Param::new("value", ParamType::DateTime),
    Param::new("zone", ParamType::Zone),
];

impl Function for LocalIn {
    fn name(&self) -> &'static str {
        "local_in"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::DateTime
    }
    fn summary(&self) -> &'static str {
        "the same clock reading meant in another zone (09:00 New York becomes 09:00 Chicago, an hour later); \
         a reading in a DST gap moves forward, one in the fall-back hour takes the first occurrence, and both are reported"
    }
    fn examples(&self) -> &'static [Example] {
        &[Example {
            source: r#"format(local_in(parse_datetime("2025-07-01 09:00", "YYYY-MM-DD HH:mm", "America/New_York"), "America/Chicago"), "YYYY-MM-DDTHH:mm:ssZ")"#,
            result: r#""2025-07-01T09:00:00-05:00""#,
        }]
    }
    fn prepare(&self, args: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        let zone = constant_zone(args, 1)?;
        Ok(Arc::new(LocalInCall(zone)))
    }
}

impl Call for LocalInCall {
    fn call<'a>(&self, args: &mut [Value<'a>], env: &mut CallEnv) -> Result<Value<'a>, Failure> {
        match &args[0] {
            Value::DateTime(z) => {
                let (value, adjustment) = time::reinterpret_in_zone(z, &self.0)?;
                env.adjusted(adjustment);
                Ok(Value::DateTime(value))
            }
            Value::Null => Ok(Value::Null),
            v => Err(format!("a {} has no clock reading", v.kind()).into()),
        }
    }
}
