//! Typed field values, read from and written to the wire as Autotask does.
//!
//! Date-times are kept as America/New_York wall-clock readings, which is
//! what the wire carries and what Autotask compares; a reading inside the
//! spring-forward gap does not exist and is refused.

use std::cmp::Ordering;
use std::str::FromStr;

use jiff::civil::DateTime;
use rust_decimal::Decimal;

use crate::schema::FieldType;
use crate::time::{DstAdjustment, format_autotask_wall_clock, parse_autotask_datetime};

/// A non-null field value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum FieldValue {
    /// `integer`, `short` and `long` fields.
    Integer(i64),
    Text(String),
    /// New York wall clock.
    DateTime(DateTime),
    Boolean(bool),
    Decimal(Decimal),
    /// `double` and `float` fields.
    Double(f64),
}

/// Why a text is not a value of a field's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ValueError {
    NotOfType {
        expected: &'static str,
    },
    OutOfRange {
        expected: &'static str,
    },
    /// The wall-clock time does not exist in New York (clocks sprang forward).
    InSpringForwardGap,
    BadDateTime(String),
}

impl ValueError {
    /// The complete sentence for a field, as the simulator reports it.
    pub(super) fn describe(&self, text: &str, field: &str) -> String {
        let shown = excerpt(text);
        match self {
            ValueError::NotOfType { expected } => {
                format!("Value '{shown}' is not a valid {expected} for field {field}.")
            }
            ValueError::OutOfRange { expected } => {
                format!("Value '{shown}' is out of range for field {field} ({expected}).")
            }
            ValueError::InSpringForwardGap => format!(
                "Value '{shown}' for field {field} is not a valid date and time: it falls in the hour \
                 skipped when Eastern Time springs forward."
            ),
            ValueError::BadDateTime(reason) => {
                format!("Value '{shown}' is not a valid date and time for field {field}: {reason}")
            }
        }
    }
}

/// Reads a wire text as a value of `ty`, as a write does. Surrounding
/// whitespace is allowed around everything but text.
pub(super) fn parse_value(ty: FieldType, text: &str) -> Result<FieldValue, ValueError> {
    parse_typed(ty, text, Gap::Refuse)
}

/// Reads a QueryXML value: as [`parse_value`], except that a wall-clock
/// time in the spring-forward gap is a fine bound to compare with.
pub(super) fn parse_query_value(ty: FieldType, text: &str) -> Result<FieldValue, ValueError> {
    parse_typed(ty, text, Gap::Allow)
}

/// Whether a wall-clock reading skipped by daylight saving is acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Gap {
    Refuse,
    Allow,
}

fn parse_typed(ty: FieldType, text: &str, gap: Gap) -> Result<FieldValue, ValueError> {
    let trimmed = text.trim();
    match ty {
        FieldType::String => Ok(FieldValue::Text(text.to_owned())),
        FieldType::Integer => parse_integer(trimmed, i64::from(i32::MIN), i64::from(i32::MAX)),
        FieldType::Short => parse_integer(trimmed, i64::from(i16::MIN), i64::from(i16::MAX)),
        FieldType::Long => parse_integer(trimmed, i64::MIN, i64::MAX),
        FieldType::Double | FieldType::Float => match trimmed.parse::<f64>() {
            Ok(number) if number.is_finite() => Ok(FieldValue::Double(number)),
            _ => Err(ValueError::NotOfType { expected: "number" }),
        },
        FieldType::Decimal => Decimal::from_str(trimmed)
            .or_else(|_| Decimal::from_scientific(trimmed))
            .map(FieldValue::Decimal)
            .map_err(|_| ValueError::NotOfType {
                expected: "decimal",
            }),
        FieldType::Boolean => match trimmed.to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(FieldValue::Boolean(true)),
            "false" | "0" => Ok(FieldValue::Boolean(false)),
            _ => Err(ValueError::NotOfType {
                expected: "boolean",
            }),
        },
        FieldType::Datetime => parse_wall_clock(trimmed, gap).map(FieldValue::DateTime),
    }
}

fn parse_integer(text: &str, min: i64, max: i64) -> Result<FieldValue, ValueError> {
    let expected = if max == i64::from(i16::MAX) {
        "short"
    } else if max == i64::from(i32::MAX) {
        "integer"
    } else {
        "long"
    };
    let number: i128 = text
        .strip_prefix('+')
        .unwrap_or(text)
        .parse()
        .map_err(|_| ValueError::NotOfType { expected })?;
    if number < i128::from(min) || number > i128::from(max) {
        return Err(ValueError::OutOfRange { expected });
    }
    i64::try_from(number)
        .map(FieldValue::Integer)
        .map_err(|_| ValueError::OutOfRange { expected })
}

/// A wire date-time as its New York wall clock. Values with an offset are
/// converted; readings in the spring-forward gap are refused or kept as written.
pub(super) fn parse_wall_clock(text: &str, gap: Gap) -> Result<DateTime, ValueError> {
    match parse_autotask_datetime(text.trim()) {
        Ok((_, Some(DstAdjustment::Gap { wall, .. }))) => match gap {
            Gap::Refuse => Err(ValueError::InSpringForwardGap),
            Gap::Allow => Ok(wall),
        },
        Ok((zoned, _)) => Ok(zoned.datetime()),
        Err(error) => Err(ValueError::BadDateTime(error.to_string())),
    }
}

/// The wire text of a value: decimals with four places, date-times without
/// offset and with a fraction only when it is not zero.
pub(super) fn format_value(value: &FieldValue) -> String {
    match value {
        FieldValue::Integer(number) => number.to_string(),
        FieldValue::Text(text) => text.clone(),
        FieldValue::DateTime(wall) => format_autotask_wall_clock(*wall),
        FieldValue::Boolean(flag) => flag.to_string(),
        FieldValue::Decimal(number) => format!("{:.4}", number.round_dp(4)),
        FieldValue::Double(number) => number.to_string(),
    }
}

/// Orders two values of one field; text ignores case, as Autotask's
/// database collation does. `None` for values of different kinds.
pub(super) fn compare_values(left: &FieldValue, right: &FieldValue) -> Option<Ordering> {
    match (left, right) {
        (FieldValue::Integer(a), FieldValue::Integer(b)) => Some(a.cmp(b)),
        (FieldValue::Text(a), FieldValue::Text(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        (FieldValue::DateTime(a), FieldValue::DateTime(b)) => Some(a.cmp(b)),
        (FieldValue::Boolean(a), FieldValue::Boolean(b)) => Some(a.cmp(b)),
        (FieldValue::Decimal(a), FieldValue::Decimal(b)) => Some(a.cmp(b)),
        (FieldValue::Double(a), FieldValue::Double(b)) => a.partial_cmp(b),
        _ => None,
    }
}

fn excerpt(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(ty: FieldType, text: &str) -> String {
        format_value(&parse_value(ty, text).unwrap())
    }

    #[test]
    fn values_keep_their_wire_form() {
        assert_eq!(wire(FieldType::Double, "2.5"), "2.5");
        assert_eq!(wire(FieldType::Double, "6"), "6");
        assert_eq!(wire(FieldType::Decimal, "2.5"), "2.5000");
        assert_eq!(wire(FieldType::Decimal, "1.23456"), "1.2346");
        assert_eq!(
            wire(FieldType::Datetime, "2025-01-14T16:22:05.27"),
            "2025-01-14T16:22:05.27"
        );
        assert_eq!(
            wire(FieldType::Datetime, "2025-01-14T16:22:05"),
            "2025-01-14T16:22:05"
        );
        assert_eq!(
            wire(FieldType::Datetime, "2025-01-14"),
            "2025-01-14T00:00:00"
        );
        assert_eq!(
            wire(FieldType::Datetime, "2025-07-14T16:00:00Z"),
            "2025-07-14T12:00:00"
        );
        assert_eq!(wire(FieldType::Boolean, "1"), "true");
        assert_eq!(wire(FieldType::Integer, " 42 "), "42");
    }

    #[test]
    fn out_of_range_and_gap_readings_are_refused() {
        assert_eq!(
            parse_value(FieldType::Integer, "2147483648"),
            Err(ValueError::OutOfRange {
                expected: "integer"
            })
        );
        assert_eq!(
            parse_value(FieldType::Short, "40000"),
            Err(ValueError::OutOfRange { expected: "short" })
        );
        assert_eq!(
            parse_value(FieldType::Datetime, "2025-03-09T02:30:00"),
            Err(ValueError::InSpringForwardGap)
        );
        assert!(parse_value(FieldType::Datetime, "2024-11-03T01:30:00").is_ok());
        assert_eq!(
            parse_query_value(FieldType::Datetime, "2025-03-09T02:30:00").map(|v| format_value(&v)),
            Ok("2025-03-09T02:30:00".to_owned())
        );
        assert!(parse_value(FieldType::Double, "NaN").is_err());
        assert!(parse_value(FieldType::Boolean, "yes").is_err());
    }

    #[test]
    fn text_compares_without_case() {
        let a = FieldValue::Text("Café".into());
        let b = FieldValue::Text("CAFÉ".into());
        assert_eq!(compare_values(&a, &b), Some(Ordering::Equal));
        assert_eq!(compare_values(&a, &FieldValue::Integer(1)), None);
    }
}
