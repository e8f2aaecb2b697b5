//! Duration literals for date arithmetic (`4h`, `30m`, `2d`, `90s`, `1w`,
//! `1h30m`, `-2d`) and the rule for adding them, stated on
//! [`add_duration`].

use std::fmt;

use jiff::civil::DateTime;
use jiff::{SignedDuration, Span, ZonedDateTime};

use super::cursor::Cursor;
use super::dst::{DstAdjustment, resolve_wall_clock};
use super::error::{TimeError, quote_excerpt};

/// A parsed duration literal: whole calendar days (weeks are folded in as 7
/// days each) plus an exact elapsed duration. Both parts share one sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationLiteral {
    calendar_days: i64,
    exact: SignedDuration,
}

/// Units in the order a literal must list them, with their length in days
/// (calendar units) or seconds (exact units).
const UNITS: [(u8, UnitLength); 5] = [
    (b'w', UnitLength::CalendarDays(7)),
    (b'd', UnitLength::CalendarDays(1)),
    (b'h', UnitLength::Seconds(3600)),
    (b'm', UnitLength::Seconds(60)),
    (b's', UnitLength::Seconds(1)),
];

#[derive(Debug, Clone, Copy)]
enum UnitLength {
    CalendarDays(i64),
    Seconds(i64),
}

/// Large enough for any real schedule, small enough that no sum overflows.
const MAX_DIGITS_PER_NUMBER: usize = 12;

impl DurationLiteral {
    /// Calendar days to move the date by (a week counts as 7).
    pub fn calendar_days(&self) -> i64 {
        self.calendar_days
    }

    /// Exact elapsed time from the hour, minute and second parts.
    pub fn exact(&self) -> SignedDuration {
        self.exact
    }

    /// An exact elapsed length with no calendar days, such as `hours(1.5)` computes.
    pub fn exact_length(exact: SignedDuration) -> DurationLiteral {
        DurationLiteral {
            calendar_days: 0,
            exact,
        }
    }

    /// The same literal pointing the other way, for subtraction.
    pub fn negated(&self) -> DurationLiteral {
        DurationLiteral {
            // Parsing bounds both parts far below the overflow edge.
            calendar_days: self.calendar_days.saturating_neg(),
            exact: self.exact.checked_neg().unwrap_or(SignedDuration::MAX),
        }
    }
}

impl fmt::Display for DurationLiteral {
    /// The canonical literal, e.g. `1d1h30m`, `-14d`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.exact.as_secs();
        if self.calendar_days < 0 || seconds < 0 {
            f.write_str("-")?;
        }
        let mut parts = [
            (self.calendar_days.unsigned_abs(), 'd'),
            (seconds.unsigned_abs() / 3600, 'h'),
            (seconds.unsigned_abs() % 3600 / 60, 'm'),
            (seconds.unsigned_abs() % 60, 's'),
        ]
        .into_iter()
        .filter(|(amount, _)| *amount != 0)
        .peekable();
        if parts.peek().is_none() {
            return f.write_str("0s");
        }
        parts.try_for_each(|(amount, unit)| write!(f, "{amount}{unit}"))
    }
}

/// Parses a duration literal: an optional sign, then one or more
/// `<number><unit>` parts with units `w`, `d`, `h`, `m`, `s` in that order,
/// each at most once (`1h30m`, `2d`, `-90s`). No spaces, no fractions.
pub fn parse_duration_literal(input: &str) -> Result<DurationLiteral, TimeError> {
    let mut cursor = Cursor::new(input);
    let error = |cursor: &Cursor, expected: &str| TimeError::DurationSyntax {
        input: quote_excerpt(input),
        position: cursor.position(),
        expected: expected.to_owned(),
        found: cursor.found(),
    };
    let sign: i64 = if cursor.eat_byte(b'-') {
        -1
    } else {
        cursor.eat_byte(b'+');
        1
    };

    let mut calendar_days: i64 = 0;
    let mut seconds: i64 = 0;
    // Index into UNITS of the first unit still allowed.
    let mut next_allowed = 0;
    loop {
        if cursor.count_digits_ahead() > MAX_DIGITS_PER_NUMBER {
            return Err(error(
                &cursor,
                &format!("a number of at most {MAX_DIGITS_PER_NUMBER} digits"),
            ));
        }
        let amount = cursor
            .digits(1, MAX_DIGITS_PER_NUMBER)
            .ok_or_else(|| error(&cursor, "a whole number"))?;
        let found = cursor.peek_byte().and_then(|byte| {
            UNITS
                .iter()
                .enumerate()
                .find(|(_, (letter, _))| *letter == byte)
        });
        let (index, length) = match found {
            Some((index, (_, length))) if index >= next_allowed => (index, *length),
            Some(_) => {
                return Err(error(
                    &cursor,
                    &format!(
                        "a unit after {:?} (units go w, d, h, m, s, each once)",
                        last_unit(next_allowed)
                    ),
                ));
            }
            None => return Err(error(&cursor, "a unit: w, d, h, m or s")),
        };
        // The unit letter is ASCII, so one byte.
        cursor.skip_ascii_byte();
        next_allowed = index + 1;
        match length {
            UnitLength::CalendarDays(days) => calendar_days += amount * days,
            UnitLength::Seconds(unit_seconds) => seconds += amount * unit_seconds,
        }
        if cursor.is_at_end() {
            break;
        }
    }
    Ok(DurationLiteral {
        calendar_days: sign * calendar_days,
        exact: SignedDuration::from_secs(sign * seconds),
    })
}

fn last_unit(next_allowed: usize) -> char {
    next_allowed
        .checked_sub(1)
        .and_then(|index| UNITS.get(index))
        .map_or('?', |(letter, _)| char::from(*letter))
}

/// Adds `duration` to `value` by this rule:
///
/// - Hours, minutes and seconds are exact elapsed time: `+1h` across the
///   spring-forward jump is one real hour (01:30 EST + 1h = 03:30 EDT).
/// - Days and weeks are calendar days in the value's own zone: the date
///   moves and the wall clock stays (09:00 + 1d = 09:00 the next day, even
///   when that day is 23 or 25 hours long). If the kept wall clock lands in
///   a gap or fold, the [DST rule](super::dst) applies and the adjustment is
///   returned.
/// - In a mixed literal (`1d4h`) the calendar days are applied first, then
///   the exact time, largest units first.
///
/// A literal without days never re-reads the wall clock, so it never
/// reports an adjustment. Fails only when the result leaves the supported
/// range.
pub fn add_duration(
    value: &ZonedDateTime,
    duration: &DurationLiteral,
) -> Result<(ZonedDateTime, Option<DstAdjustment>), TimeError> {
    let out_of_range = || TimeError::OutOfRange {
        operation: format!("adding {duration} to {value}"),
    };
    let (moved, adjustment) = if duration.calendar_days == 0 {
        (value.clone(), None)
    } else {
        let days = Span::new()
            .try_days(duration.calendar_days)
            .map_err(|_| out_of_range())?;
        let date = value.date().checked_add(days).map_err(|_| out_of_range())?;
        let wall = DateTime::from_parts(date, value.time());
        resolve_wall_clock(wall, value.time_zone())?
    };
    let result = moved
        .checked_add(duration.exact)
        .map_err(|_| out_of_range())?;
    Ok((result, adjustment))
}

#[cfg(test)]
mod tests {
    use super::super::autotask_wire::parse_autotask_datetime;
    use super::super::zone::resolve_zone;
    use super::*;

    fn literal(input: &str) -> DurationLiteral {
        parse_duration_literal(input).unwrap_or_else(|error| panic!("{input}: {error}"))
    }

    fn new_york(input: &str) -> ZonedDateTime {
        parse_autotask_datetime(input).unwrap().0
    }

    #[test]
    fn literals_parse_into_days_and_exact_time() {
        let cases = [
            ("4h", 0, 4 * 3600),
            ("30m", 0, 30 * 60),
            ("2d", 2, 0),
            ("90s", 0, 90),
            ("1w", 7, 0),
            ("1h30m", 0, 5400),
            ("1w2d3h4m5s", 9, 3 * 3600 + 4 * 60 + 5),
            ("-2d", -2, 0),
            ("-1d12h", -1, -12 * 3600),
            ("+45m", 0, 2700),
            ("0s", 0, 0),
        ];
        for (input, days, seconds) in cases {
            let parsed = literal(input);
            assert_eq!(parsed.calendar_days(), days, "{input}");
            assert_eq!(
                parsed.exact(),
                SignedDuration::from_secs(seconds),
                "{input}"
            );
        }
    }

    #[test]
    fn literals_display_canonically() {
        assert_eq!(literal("1h30m").to_string(), "1h30m");
        assert_eq!(literal("90s").to_string(), "1m30s");
        assert_eq!(literal("1w").to_string(), "7d");
        assert_eq!(literal("-1d12h").to_string(), "-1d12h");
        assert_eq!(literal("0h").to_string(), "0s");
        assert_eq!(literal("2d").negated().to_string(), "-2d");
    }

    #[test]
    fn malformed_literals_say_what_was_expected() {
        let cases = [
            ("", 0, "a whole number"),
            ("h", 0, "a whole number"),
            ("4", 1, "a unit: w, d, h, m or s"),
            ("4H", 1, "a unit: w, d, h, m or s"),
            ("1.5h", 1, "a unit: w, d, h, m or s"),
            ("4h ", 2, "a whole number"),
            (
                "30m1h",
                4,
                "a unit after 'm' (units go w, d, h, m, s, each once)",
            ),
            (
                "1h1h",
                3,
                "a unit after 'h' (units go w, d, h, m, s, each once)",
            ),
            ("--1h", 1, "a whole number"),
            ("1h-30m", 2, "a whole number"),
            ("9999999999999h", 0, "a number of at most 12 digits"),
        ];
        for (input, position, expected) in cases {
            match parse_duration_literal(input) {
                Err(TimeError::DurationSyntax {
                    position: reported,
                    expected: said,
                    ..
                }) => assert_eq!((reported, said.as_str()), (position, expected), "{input:?}"),
                other => panic!("{input:?}: expected a syntax error, got {other:?}"),
            }
        }
    }

    #[test]
    fn four_hours_across_spring_forward_is_four_real_hours() {
        let start = new_york("2024-03-10T00:00:00");
        let (end, adjustment) = add_duration(&start, &literal("4h")).unwrap();
        assert_eq!(
            end.to_string(),
            "2024-03-10T05:00:00-04:00[America/New_York]"
        );
        assert_eq!(end.duration_since(&start), SignedDuration::from_hours(4));
        assert_eq!(adjustment, None);
    }

    #[test]
    fn one_day_across_spring_forward_keeps_the_wall_clock() {
        let start = new_york("2024-03-09T09:00:00");
        let (end, adjustment) = add_duration(&start, &literal("1d")).unwrap();
        assert_eq!(
            end.to_string(),
            "2024-03-10T09:00:00-04:00[America/New_York]"
        );
        assert_eq!(end.duration_since(&start), SignedDuration::from_hours(23));
        assert_eq!(adjustment, None);
        // Versus 24 exact hours, which shows a different wall clock.
        let (hours, _) = add_duration(&start, &literal("24h")).unwrap();
        assert_eq!(
            hours.to_string(),
            "2024-03-10T10:00:00-04:00[America/New_York]"
        );
    }

    #[test]
    fn one_hour_across_the_jump_is_one_real_hour() {
        let start = new_york("2024-03-10T01:30:00");
        let (end, _) = add_duration(&start, &literal("1h")).unwrap();
        assert_eq!(
            end.to_string(),
            "2024-03-10T03:30:00-04:00[America/New_York]"
        );
    }

    #[test]
    fn days_landing_in_a_gap_or_fold_apply_and_report_the_rule() {
        let (end, adjustment) =
            add_duration(&new_york("2024-03-09T02:30:00"), &literal("1d")).unwrap();
        assert_eq!(
            end.to_string(),
            "2024-03-10T03:30:00-04:00[America/New_York]"
        );
        assert!(
            matches!(adjustment, Some(DstAdjustment::Gap { .. })),
            "{adjustment:?}"
        );

        let (end, adjustment) =
            add_duration(&new_york("2024-11-10T01:30:00"), &literal("-1w")).unwrap();
        assert_eq!(
            end.to_string(),
            "2024-11-03T01:30:00-04:00[America/New_York]"
        );
        assert!(
            matches!(adjustment, Some(DstAdjustment::Fold { .. })),
            "{adjustment:?}"
        );
    }

    #[test]
    fn exact_only_addition_keeps_a_second_fold_occurrence() {
        // 01:30 EST, the later 01:30 of the fall-back day.
        let later = new_york("2024-11-03T06:30:00Z");
        let (same, adjustment) = add_duration(&later, &literal("0s")).unwrap();
        assert_eq!(same, later);
        assert_eq!(adjustment, None);
    }

    #[test]
    fn mixed_literal_applies_days_then_hours() {
        let start = new_york("2024-03-09T22:00:00");
        let (end, _) = add_duration(&start, &literal("1d4h")).unwrap();
        assert_eq!(
            end.to_string(),
            "2024-03-11T02:00:00-04:00[America/New_York]"
        );
    }

    #[test]
    fn lord_howe_day_addition_and_half_hour_gap() {
        let zone = resolve_zone("Australia/Lord_Howe").unwrap();
        let start = jiff::civil::date(2024, 10, 5)
            .at(2, 15, 0, 0)
            .to_zoned_datetime(zone)
            .unwrap();
        let (end, adjustment) = add_duration(&start, &literal("1d")).unwrap();
        assert_eq!(
            end.to_string(),
            "2024-10-06T02:45:00+11:00[Australia/Lord_Howe]"
        );
        assert!(matches!(adjustment, Some(DstAdjustment::Gap { .. })));
        let (end, _) = add_duration(&start, &literal("24h")).unwrap();
        assert_eq!(
            end.to_string(),
            "2024-10-06T02:45:00+11:00[Australia/Lord_Howe]"
        );
        let (end, _) = add_duration(&start, &literal("1d1h")).unwrap();
        assert_eq!(
            end.to_string(),
            "2024-10-06T03:45:00+11:00[Australia/Lord_Howe]"
        );
    }

    #[test]
    fn huge_durations_fail_instead_of_overflowing() {
        let start = new_york("2024-01-01T00:00:00");
        for input in [
            "999999999999w",
            "999999999999d",
            "999999999999h",
            "-999999999999w",
        ] {
            let result = add_duration(&start, &literal(input));
            assert!(
                matches!(result, Err(TimeError::OutOfRange { .. })),
                "{input}: {result:?}"
            );
        }
    }
}
