use super::*;

use jiff::tz::TimeZone;

use crate::time;

/// `to_zone(datetime, zone)`: the same instant, seen in another zone; `value at "Zone"` is the
/// same operation.
pub struct ToZone;

#[derive(Debug)]
struct ToZoneCall(TimeZone);

const PARAMS: &[Param] = &[
    Param::new("value", ParamType::DateTime),
    Param::new("zone", ParamType::Zone),
];

impl Function for ToZone {
    fn name(&self) -> &'static str {
        "to_zone"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::DateTime
    }
    fn summary(&self) -> &'static str {
        "the same instant on another zone's clock (09:00 New York is 08:00 Chicago); same as `value at zone`"
    }
    fn examples(&self) -> &'static [Example] {
        &[Example {
            source: r#"format(to_zone(parse_datetime("2025-07-01 09:00", "YYYY-MM-DD HH:mm", "America/New_York"), "Europe/Berlin"), "HH:mm")"#,
            result: r#""15:00""#,
        }]
    }
    fn prepare(&self, args: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        let zone = constant_zone(args, 1)?;
        Ok(Arc::new(ToZoneCall(zone)))
    }
}

impl Call for ToZoneCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        match &args[0] {
            Value::DateTime(z) => Ok(Value::DateTime(time::convert_to_zone(z, &self.0))),
            Value::Null => Ok(Value::Null),
            v => Err(format!("a {} has no zone", v.kind()).into()),
        }
    }
}
