//! Values as JSON: what a work order field, an event body or `$.input` holds.

use rust_decimal::prelude::ToPrimitive;
use serde_json::Value as Json;

use super::Value;

/// A value as JSON: numbers as numbers, lists as arrays, everything else as its text.
pub fn to_json(value: &Value<'_>) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Decimal(d) => decimal_json(*d),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Json(j) => (**j).clone(),
        other => Json::String(other.to_string()),
    }
}

/// Whole decimals become JSON integers; others the shortest float text that reads back equal.
pub fn decimal_json(d: rust_decimal::Decimal) -> Json {
    if d.fract().is_zero()
        && let Some(i) = d.to_i64()
    {
        return Json::from(i);
    }
    // Through the decimal's text, which gives the double nearest to it; `to_f64` can land one
    // step off (1/3 as 0.33333333333333337).
    d.to_string()
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or_else(|| Json::String(d.to_string()), Json::Number)
}
