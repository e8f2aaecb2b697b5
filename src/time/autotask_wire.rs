//! Autotask SOAP date-times. On the wire they carry no offset and mean US
//! Eastern wall-clock time with daylight saving (America/New_York), e.g.
//! `2018-07-24T19:14:36.24`; fractions appear only when non-zero (.NET
//! style, up to 7 digits) and date-only fields are sent as midnight.

use jiff::ZonedDateTime;
use jiff::civil::DateTime;
use jiff::tz::Offset;

use super::civil_fields::CivilFields;
use super::cursor::Cursor;
use super::decimal::{push_trimmed_fraction, push_zero_padded};
use super::dst::{DstAdjustment, resolve_wall_clock};
use super::error::{TimeError, quote_excerpt};
use super::zone::eastern;

/// .NET `DateTime` counts 100 ns ticks, so the wire never has more than 7
/// fraction digits.
const WIRE_FRACTION_DIGITS: u8 = 7;

/// Parses an Autotask wire date-time into an instant in America/New_York.
///
/// Accepted shapes:
/// - `YYYY-MM-DDTHH:MM:SS` with an optional `.fraction` of 1 to 9 digits:
///   an Eastern wall-clock reading, resolved with the
///   [DST rule](super::dst) (a spring-forward gap is moved forward, a
///   fall-back fold takes the earlier, daylight-time instant) and the
///   adjustment returned when the rule applied;
/// - the same followed by `Z` or an offset (`+HH:MM`, `+HHMM`, `+HH`): an
///   exact instant, so no rule applies; it is still returned in
///   America/New_York so every Autotask value shares one zone;
/// - a date-only `YYYY-MM-DD`: midnight Eastern.
pub fn parse_autotask_datetime(
    input: &str,
) -> Result<(ZonedDateTime, Option<DstAdjustment>), TimeError> {
    let reading = read_wire_text(input)?;
    let wall = reading
        .fields
        .to_datetime()
        .map_err(|reason| TimeError::InvalidDateTime {
            input: quote_excerpt(input),
            reason,
        })?;
    match reading.offset {
        None => resolve_wall_clock(wall, eastern()),
        Some(offset) => {
            let instant = offset
                .to_timestamp(wall)
                .map_err(|_| TimeError::OutOfRange {
                    operation: format!("reading Autotask date-time {:?}", quote_excerpt(input)),
                })?;
            Ok((ZonedDateTime::new(instant, eastern().clone()), None))
        }
    }
}

/// Formats an instant for writing back to Autotask: its America/New_York
/// wall clock as `YYYY-MM-DDTHH:MM:SS`, plus a fraction only when it is
/// non-zero, with trailing zeros trimmed and at most 7 digits (finer
/// precision is truncated).
///
/// The wire has no offset, so during the repeated hour of a fall-back day
/// both instants are written the same way and read back as the earlier one.
pub fn format_autotask_datetime(value: &ZonedDateTime) -> String {
    format_autotask_wall_clock(eastern().to_datetime(value.timestamp()))
}

/// An Eastern wall-clock reading as the wire writes it: `YYYY-MM-DDTHH:MM:SS`, plus a fraction
/// only when it is non-zero, trailing zeros trimmed, at most 7 digits (.NET's ticks).
pub fn format_autotask_wall_clock(wall: DateTime) -> String {
    let mut out = String::with_capacity(27);
    push_zero_padded(&mut out, i64::from(wall.year()), 4);
    out.push('-');
    push_zero_padded(&mut out, i64::from(wall.month()), 2);
    out.push('-');
    push_zero_padded(&mut out, i64::from(wall.day()), 2);
    out.push('T');
    push_zero_padded(&mut out, i64::from(wall.hour()), 2);
    out.push(':');
    push_zero_padded(&mut out, i64::from(wall.minute()), 2);
    out.push(':');
    push_zero_padded(&mut out, i64::from(wall.second()), 2);
    push_trimmed_fraction(&mut out, wall.subsec_nanosecond(), WIRE_FRACTION_DIGITS);
    out
}

/// The wire text split into fields, not yet validated as a real date.
struct WireReading {
    fields: CivilFields,
    offset: Option<Offset>,
}

fn read_wire_text(input: &str) -> Result<WireReading, TimeError> {
    let mut reader = WireReader {
        input,
        cursor: Cursor::new(input),
    };
    let year = reader.number(4, "a 4-digit year")?;
    reader.expect(b'-', "'-' after the year")?;
    let month = reader.number(2, "a 2-digit month")?;
    reader.expect(b'-', "'-' after the month")?;
    let day = reader.number(2, "a 2-digit day")?;
    let mut fields = CivilFields::midnight(year, month, day);
    if reader.cursor.is_at_end() {
        return Ok(WireReading {
            fields,
            offset: None,
        });
    }

    reader.expect(b'T', "'T' before the time, or the end of a date-only value")?;
    fields.hour = reader.number(2, "a 2-digit hour")?;
    reader.expect(b':', "':' after the hour")?;
    fields.minute = reader.number(2, "2-digit minutes")?;
    reader.expect(b':', "':' after the minutes")?;
    fields.second = reader.number(2, "2-digit seconds")?;
    if reader.cursor.eat_byte(b'.') {
        fields.nanosecond = reader
            .cursor
            .fraction_as_nanoseconds(9)
            .ok_or_else(|| reader.error("1 to 9 fraction digits after '.'"))?;
        if reader.cursor.count_digits_ahead() > 0 {
            return Err(reader.error("at most 9 fraction digits"));
        }
    }

    let offset = read_offset(&mut reader.cursor).map_err(|expected| reader.error(expected))?;
    if !reader.cursor.is_at_end() {
        return Err(
            reader.error("the end of the value (or a fraction, 'Z' or an offset such as -05:00)")
        );
    }
    Ok(WireReading { fields, offset })
}

/// A cursor that knows its whole input, to build errors that quote it.
struct WireReader<'a> {
    input: &'a str,
    cursor: Cursor<'a>,
}

impl WireReader<'_> {
    fn number(&mut self, digits: usize, expected: &'static str) -> Result<i64, TimeError> {
        self.cursor
            .digits(digits, digits)
            .ok_or_else(|| self.error(expected))
    }

    fn expect(&mut self, byte: u8, expected: &'static str) -> Result<(), TimeError> {
        if self.cursor.eat_byte(byte) {
            Ok(())
        } else {
            Err(self.error(expected))
        }
    }

    fn error(&self, expected: &'static str) -> TimeError {
        TimeError::AutotaskSyntax {
            input: quote_excerpt(self.input),
            position: self.cursor.position(),
            expected,
            found: self.cursor.found(),
        }
    }
}

/// Reads an optional `Z`, `±HH:MM`, `±HHMM` or `±HH`.
fn read_offset(cursor: &mut Cursor) -> Result<Option<Offset>, &'static str> {
    if cursor.eat_byte(b'Z') || cursor.eat_byte(b'z') {
        return Ok(Some(Offset::UTC));
    }
    let sign = if cursor.eat_byte(b'+') {
        1
    } else if cursor.eat_byte(b'-') {
        -1
    } else {
        return Ok(None);
    };
    let hours = cursor.digits(2, 2).ok_or("2-digit offset hours")?;
    let minutes = if cursor.eat_byte(b':') {
        cursor.digits(2, 2).ok_or("2-digit offset minutes")?
    } else {
        cursor.digits(2, 2).unwrap_or(0)
    };
    if hours > 23 || minutes > 59 {
        return Err("an offset no larger than 23:59");
    }
    let seconds = i32::try_from(sign * (hours * 3600 + minutes * 60))
        .map_err(|_| "an offset no larger than 23:59")?;
    Offset::from_seconds(seconds)
        .map(Some)
        .map_err(|_| "an offset no larger than 23:59")
}

#[cfg(test)]
mod tests {
    use super::super::fieldnation::format_fieldnation_utc;
    use super::*;

    fn parse(input: &str) -> (ZonedDateTime, Option<DstAdjustment>) {
        parse_autotask_datetime(input).unwrap_or_else(|error| panic!("{input}: {error}"))
    }

    fn utc_of(input: &str) -> String {
        format_fieldnation_utc(&parse(input).0)
    }

    #[test]
    fn winter_and_summer_times_become_field_nation_utc() {
        assert_eq!(utc_of("2025-01-15T09:00:00"), "2025-01-15 14:00:00");
        assert_eq!(utc_of("2025-07-15T09:00:00"), "2025-07-15 13:00:00");
        assert_eq!(utc_of("2025-12-31T23:30:00"), "2026-01-01 04:30:00");
    }

    #[test]
    fn values_live_in_new_york() {
        let (value, adjustment) = parse("2018-07-24T19:14:36.24");
        assert_eq!(value.time_zone().iana_name(), Some("America/New_York"));
        assert_eq!(
            value.to_string(),
            "2018-07-24T19:14:36.24-04:00[America/New_York]"
        );
        assert_eq!(adjustment, None);
    }

    #[test]
    fn fractions_of_two_and_seven_digits() {
        assert_eq!(
            parse("2018-07-24T19:14:36.24").0.subsec_nanosecond(),
            240_000_000
        );
        assert_eq!(
            parse("2018-07-24T19:14:36.1234567").0.subsec_nanosecond(),
            123_456_700
        );
        assert_eq!(
            parse("2018-07-24T19:14:36.123456789").0.subsec_nanosecond(),
            123_456_789
        );
        assert!(parse_autotask_datetime("2018-07-24T19:14:36.1234567891").is_err());
        assert!(parse_autotask_datetime("2018-07-24T19:14:36.").is_err());
    }

    #[test]
    fn date_only_is_eastern_midnight() {
        let (value, adjustment) = parse("2024-03-10");
        assert_eq!(
            value.to_string(),
            "2024-03-10T00:00:00-05:00[America/New_York]"
        );
        assert_eq!(adjustment, None);
        assert_eq!(utc_of("2024-07-04"), "2024-07-04 04:00:00");
    }

    #[test]
    fn spring_forward_gap_moves_to_daylight_time_and_is_reported() {
        let (value, adjustment) = parse("2024-03-10T02:30:00");
        assert_eq!(
            value.to_string(),
            "2024-03-10T03:30:00-04:00[America/New_York]"
        );
        assert!(
            matches!(&adjustment, Some(DstAdjustment::Gap { wall, .. })
                if wall.to_string() == "2024-03-10T02:30:00"),
            "{adjustment:?}"
        );
        assert_eq!(format_fieldnation_utc(&value), "2024-03-10 07:30:00");
    }

    #[test]
    fn fall_back_fold_takes_daylight_time_and_is_reported() {
        let (value, adjustment) = parse("2024-11-03T01:30:00");
        assert_eq!(
            value.to_string(),
            "2024-11-03T01:30:00-04:00[America/New_York]"
        );
        assert!(
            matches!(adjustment, Some(DstAdjustment::Fold { .. })),
            "{adjustment:?}"
        );
        assert_eq!(format_fieldnation_utc(&value), "2024-11-03 05:30:00");
    }

    #[test]
    fn explicit_offsets_are_instants_without_adjustment() {
        for input in [
            "2024-03-10T07:30:00Z",
            "2024-03-10T07:30:00z",
            "2024-03-10T02:30:00-05:00",
            "2024-03-10T02:30:00-0500",
            "2024-03-10T02:30:00-05",
            "2024-03-10T08:30:00+01:00",
        ] {
            let (value, adjustment) = parse(input);
            assert_eq!(adjustment, None, "{input}");
            assert_eq!(
                format_fieldnation_utc(&value),
                "2024-03-10 07:30:00",
                "{input}"
            );
            assert_eq!(value.time_zone().iana_name(), Some("America/New_York"));
        }
    }

    #[test]
    fn formats_eastern_wall_clock_with_trimmed_fraction() {
        let cases = [
            ("2018-07-24T19:14:36.24", "2018-07-24T19:14:36.24"),
            ("2018-07-24T19:14:36.2400000", "2018-07-24T19:14:36.24"),
            ("2018-07-24T19:14:36.000", "2018-07-24T19:14:36"),
            (
                "2018-07-24T19:14:36.123456789",
                "2018-07-24T19:14:36.1234567",
            ),
            ("2024-07-01", "2024-07-01T00:00:00"),
            ("2025-01-15T14:00:00Z", "2025-01-15T09:00:00"),
            ("0001-01-01T00:00:00", "0001-01-01T00:00:00"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                format_autotask_datetime(&parse(input).0),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn wire_format_round_trips() {
        for input in [
            "2018-07-24T19:14:36.24",
            "2025-01-15T09:00:00",
            "2025-07-15T09:00:00.1234567",
            "2024-03-10T01:59:59.9999999",
            "2024-03-10T03:00:00",
            "2024-11-03T00:59:59",
            "2024-11-03T02:00:00",
            "2024-02-29T23:59:59",
            "1753-01-01T00:00:00",
            "9999-12-30T12:00:00.9999999",
        ] {
            let (value, _) = parse(input);
            assert_eq!(format_autotask_datetime(&value), input);
            assert_eq!(parse(&format_autotask_datetime(&value)).0, value, "{input}");
        }
    }

    #[test]
    fn second_occurrence_in_a_fold_reads_back_as_the_first() {
        // 06:30Z is 01:30 EST, the later of the two 01:30s on 2024-11-03.
        let (later, _) = parse("2024-11-03T06:30:00Z");
        let wire = format_autotask_datetime(&later);
        assert_eq!(wire, "2024-11-03T01:30:00");
        let (read_back, adjustment) = parse(&wire);
        assert_eq!(format_fieldnation_utc(&read_back), "2024-11-03 05:30:00");
        assert!(matches!(adjustment, Some(DstAdjustment::Fold { .. })));
    }

    #[test]
    fn syntax_errors_say_what_was_expected_where() {
        let cases = [
            ("", 0, "a 4-digit year"),
            ("24-03-10", 0, "a 4-digit year"),
            ("2024/03/10", 4, "'-' after the year"),
            ("2024-3-10", 5, "a 2-digit month"),
            (
                "2024-03-10 09:00:00",
                10,
                "'T' before the time, or the end of a date-only value",
            ),
            ("2024-03-10T9:00:00", 11, "a 2-digit hour"),
            ("2024-03-10T09:00", 16, "':' after the minutes"),
            ("2024-03-10T09:00:00+5", 20, "2-digit offset hours"),
            (
                "2024-03-10T09:00:00 ",
                19,
                "the end of the value (or a fraction, 'Z' or an offset such as -05:00)",
            ),
        ];
        for (input, position, expected) in cases {
            match parse_autotask_datetime(input) {
                Err(TimeError::AutotaskSyntax {
                    position: reported,
                    expected: said,
                    ..
                }) => {
                    assert_eq!((reported, said), (position, expected), "{input:?}");
                }
                other => panic!("{input:?}: expected a syntax error, got {other:?}"),
            }
        }
        let message = parse_autotask_datetime("2024-03-10T9:00:00")
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "invalid Autotask date-time \"2024-03-10T9:00:00\": expected a 2-digit hour at \
             byte 11, found \"9:00:00\""
        );
    }

    #[test]
    fn impossible_dates_are_explained() {
        let error = parse_autotask_datetime("2023-02-29T10:00:00").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid date-time \"2023-02-29T10:00:00\": day 29 does not exist: February 2023 \
             has 28 days"
        );
        for input in [
            "2024-13-01",
            "2024-00-10",
            "2024-01-32",
            "2024-01-01T24:00:00",
        ] {
            assert!(
                matches!(
                    parse_autotask_datetime(input),
                    Err(TimeError::InvalidDateTime { .. })
                ),
                "{input}"
            );
        }
        assert!(parse_autotask_datetime("2024-01-01T00:00:00+24:00").is_err());
    }
}
