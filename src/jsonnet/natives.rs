//! Native helpers the Jsonnet helper library calls through `std.native`: date conversion with
//! moment.js-style formats and IANA zones, done by fieldmap's own time module so that Jsonnet
//! blocks and mapping rules agree on every date (and on the DST rule).

use jrsonnet_evaluator::error::ErrorKind;
use jrsonnet_evaluator::function::FuncVal;
use jrsonnet_evaluator::function::builtin;
use jrsonnet_evaluator::{IStr, Result};

use crate::time::{self, MomentFormat};

/// The natives by name, for `std.native`.
pub fn natives() -> [(&'static str, FuncVal); 2] {
    [
        ("date_convert", builtin_date_convert {}.into()),
        ("date_add_days", builtin_date_add_days {}.into()),
    ]
}

fn fail(message: String) -> jrsonnet_evaluator::Error {
    ErrorKind::RuntimeError(message.into()).into()
}

fn format(pattern: &str) -> Result<MomentFormat> {
    MomentFormat::compile(pattern).map_err(|e| fail(format!("date format {pattern:?}: {e}")))
}

fn zone(name: &str) -> Result<jiff::tz::TimeZone> {
    time::resolve_zone(name).map_err(|e| fail(e.to_string()))
}

/// `date_convert(value, format_in, format_out, zone_in, zone_out)`: reads `value` with
/// `format_in` as a reading in `zone_in` and writes it with `format_out` in `zone_out`.
#[builtin]
fn builtin_date_convert(
    value: IStr,
    format_in: IStr,
    format_out: IStr,
    zone_in: IStr,
    zone_out: IStr,
) -> Result<IStr> {
    let (read, _) = format(&format_in)?
        .parse(value.trim(), &zone(&zone_in)?)
        .map_err(|e| fail(e.to_string()))?;
    let shown = time::convert_to_zone(&read, &zone(&zone_out)?);
    Ok(format(&format_out)?.format(&shown).into())
}

/// `date_add_days(value, format, days)`: the same wall-clock time `days` calendar days later.
#[builtin]
fn builtin_date_add_days(value: IStr, format_in: IStr, days: i32) -> Result<IStr> {
    let utc = zone("UTC")?;
    let pattern = format(&format_in)?;
    let (read, _) = pattern
        .parse(value.trim(), &utc)
        .map_err(|e| fail(e.to_string()))?;
    let step = time::parse_duration_literal(&format!("{}d", days.unsigned_abs()))
        .map_err(|e| fail(e.to_string()))?;
    let step = if days < 0 { step.negated() } else { step };
    let (moved, _) = time::add_duration(&read, &step).map_err(|e| fail(e.to_string()))?;
    Ok(pattern.format(&moved).into())
}
