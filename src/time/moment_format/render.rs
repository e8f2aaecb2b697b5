//! Writing a zoned value through compiled tokens. Appends to a caller's
//! buffer and never allocates on its own.

use jiff::ZonedDateTime;
use jiff::tz::Offset;

use super::super::decimal::{push_fraction, push_zero_padded};
use super::super::english::{
    month_name_long, month_name_short, ordinal_suffix, weekday_name_long, weekday_name_short,
};
use super::token::Token;

pub(super) fn render(tokens: &[Token], value: &ZonedDateTime, out: &mut String) {
    let wall = value.datetime();
    let hour = i64::from(wall.hour());
    for token in tokens {
        match token {
            Token::Literal(text) => out.push_str(text),
            Token::YearFourDigit => push_zero_padded(out, i64::from(wall.year()), 4),
            Token::YearTwoDigit => push_zero_padded(out, i64::from(wall.year()).rem_euclid(100), 2),
            Token::MonthNumber => push_zero_padded(out, i64::from(wall.month()), 1),
            Token::MonthNumberPadded => push_zero_padded(out, i64::from(wall.month()), 2),
            Token::MonthShortName => out.push_str(month_name_short(wall.month())),
            Token::MonthLongName => out.push_str(month_name_long(wall.month())),
            Token::DayOfMonth => push_zero_padded(out, i64::from(wall.day()), 1),
            Token::DayOfMonthPadded => push_zero_padded(out, i64::from(wall.day()), 2),
            Token::DayOfMonthOrdinal => {
                push_zero_padded(out, i64::from(wall.day()), 1);
                out.push_str(ordinal_suffix(i64::from(wall.day())));
            }
            Token::WeekdayShortName => out.push_str(weekday_name_short(wall.weekday())),
            Token::WeekdayLongName => out.push_str(weekday_name_long(wall.weekday())),
            Token::Hour24 => push_zero_padded(out, hour, 1),
            Token::Hour24Padded => push_zero_padded(out, hour, 2),
            Token::Hour12 => push_zero_padded(out, twelve_hour(hour), 1),
            Token::Hour12Padded => push_zero_padded(out, twelve_hour(hour), 2),
            Token::Minute => push_zero_padded(out, i64::from(wall.minute()), 1),
            Token::MinutePadded => push_zero_padded(out, i64::from(wall.minute()), 2),
            Token::Second => push_zero_padded(out, i64::from(wall.second()), 1),
            Token::SecondPadded => push_zero_padded(out, i64::from(wall.second()), 2),
            Token::Fraction { digits } => push_fraction(out, wall.subsec_nanosecond(), *digits),
            Token::MeridiemUpper => out.push_str(if hour < 12 { "AM" } else { "PM" }),
            Token::MeridiemLower => out.push_str(if hour < 12 { "am" } else { "pm" }),
            Token::OffsetWithColon => push_offset(out, value.offset(), ":"),
            Token::OffsetCompact => push_offset(out, value.offset(), ""),
            Token::ZoneAbbreviation => {
                let info = value.time_zone().to_offset_info(value.timestamp());
                out.push_str(info.abbreviation());
            }
            Token::UnixSeconds => push_zero_padded(out, unix_seconds_floor(value), 1),
            Token::UnixMilliseconds => push_zero_padded(out, unix_milliseconds_floor(value), 1),
        }
    }
}

/// 0 → 12, 13 → 1: the clock face hour that goes with AM/PM.
fn twelve_hour(hour: i64) -> i64 {
    (hour + 11) % 12 + 1
}

/// `+05:00` or `+0500`. Offsets with leftover seconds (old local mean
/// times) are shown to the minute, as moment does.
fn push_offset(out: &mut String, offset: Offset, separator: &str) {
    let seconds = offset.seconds();
    out.push(if seconds < 0 { '-' } else { '+' });
    let magnitude = i64::from(seconds.unsigned_abs());
    push_zero_padded(out, magnitude / 3600, 2);
    out.push_str(separator);
    push_zero_padded(out, magnitude % 3600 / 60, 2);
}

/// Moment rounds unix times down (toward the past), also before 1970.
fn unix_seconds_floor(value: &ZonedDateTime) -> i64 {
    let instant = value.timestamp();
    instant.as_second() - i64::from(instant.subsec_nanosecond() < 0)
}

fn unix_milliseconds_floor(value: &ZonedDateTime) -> i64 {
    let instant = value.timestamp();
    instant.as_millisecond() - i64::from(instant.subsec_nanosecond() % 1_000_000 < 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_hour_clock_face() {
        let hours: Vec<i64> = [0, 1, 11, 12, 13, 23]
            .into_iter()
            .map(twelve_hour)
            .collect();
        assert_eq!(hours, [12, 1, 11, 12, 1, 11]);
    }

    #[test]
    fn unix_times_round_toward_the_past() {
        let before_epoch = jiff::Timestamp::new(-1, -500_000_000)
            .unwrap()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC);
        assert_eq!(unix_seconds_floor(&before_epoch), -2);
        assert_eq!(unix_milliseconds_floor(&before_epoch), -1500);
        let sub_millisecond = jiff::Timestamp::new(0, -1)
            .unwrap()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC);
        assert_eq!(unix_milliseconds_floor(&sub_millisecond), -1);
        let after_epoch = jiff::Timestamp::new(1, 999_999_999)
            .unwrap()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC);
        assert_eq!(unix_seconds_floor(&after_epoch), 1);
        assert_eq!(unix_milliseconds_floor(&after_epoch), 1999);
    }

    #[test]
    fn offsets_with_and_without_colon() {
        let mut out = String::new();
        push_offset(
            &mut out,
            Offset::from_seconds(-(5 * 3600 + 30 * 60)).unwrap(),
            ":",
        );
        push_offset(
            &mut out,
            Offset::from_seconds(10 * 3600 + 30 * 60).unwrap(),
            "",
        );
        push_offset(&mut out, Offset::UTC, ":");
        assert_eq!(out, "-05:30+1030+00:00");
    }
}
