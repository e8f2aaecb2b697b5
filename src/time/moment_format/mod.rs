//! Moment.js-style date formats, as Field Nation's broker uses them in
//! `date_convert`. A format is compiled once (so mistakes surface at
//! mapping compile time with an offset) and then formats or parses many
//! values.
//!
//! Supported tokens: `YYYY` `YY` `M` `MM` `MMM` `MMMM` `D` `DD` `Do` `ddd`
//! `dddd` `H` `HH` `h` `hh` `m` `mm` `s` `ss` `S`…`SSSSSSSSS` (fraction
//! digits, truncated) `A` `a` `Z` (`+05:00`) `ZZ` (`+0500`) `z` (zone
//! abbreviation) `X` (unix seconds) `x` (unix milliseconds); `[literal
//! text]`; a lone `T`; any non-letter character as itself. Names are
//! English.

mod format_error;
mod input_reader;
mod parsed_fields;
mod render;
mod token;

use jiff::ZonedDateTime;
use jiff::tz::TimeZone;

pub use self::format_error::FormatError;
use self::input_reader::read_fields;
use self::parsed_fields::ParseContext;
use self::token::{Token, tokenize};
use super::dst::DstAdjustment;
use super::error::TimeError;

/// A compiled moment-style format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MomentFormat {
    source: String,
    tokens: Vec<Token>,
}

impl MomentFormat {
    /// Compiles `format`. Fails on an unknown letter token (`Q`, `YYYYY`)
    /// or an unclosed `[`, reporting the byte offset and the token.
    pub fn compile(format: &str) -> Result<MomentFormat, FormatError> {
        Ok(MomentFormat {
            source: format.to_owned(),
            tokens: tokenize(format)?,
        })
    }

    /// The format string as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether parsing with this format yields an exact instant by itself
    /// (it has `Z`, `ZZ`, `X` or `x`), so the parse zone only sets how the
    /// result is shown and the DST rule never applies.
    pub fn reads_instant(&self) -> bool {
        self.tokens.iter().any(Token::pins_instant)
    }

    /// Formats `value` in its own zone's wall clock.
    pub fn format(&self, value: &ZonedDateTime) -> String {
        let mut out = String::with_capacity(self.source.len() + 16);
        self.format_into(value, &mut out);
        out
    }

    /// Appends the formatted `value` to `out`, allocating nothing else.
    pub fn format_into(&self, value: &ZonedDateTime, out: &mut String) {
        render::render(&self.tokens, value, out);
    }

    /// Parses `input`, a wall-clock reading meant in `zone` unless the
    /// format has `Z`/`ZZ`/`X`/`x`; the result is always shown in `zone`.
    /// When the reading falls in a gap or fold of `zone` the
    /// [DST rule](super::dst) applies and the adjustment is returned.
    ///
    /// A year is required unless the format has `X`/`x`; a missing month or
    /// day is 1, missing time fields are 0. Numbers read greedily (`YYYY`
    /// exactly 4 digits, `YY` exactly 2 with 00-68 → 20xx and 69-99 → 19xx,
    /// other numeric tokens 1 or 2 digits, `S…` 1 to 9 digits); names are
    /// English in any letter case, short or long. A weekday, AM/PM next to
    /// `H`, or zone abbreviation must agree with the rest, and a zone
    /// abbreviation picks the occurrence in a fall-back fold. Errors name
    /// the byte position and what was expected there.
    pub fn parse(
        &self,
        input: &str,
        zone: &TimeZone,
    ) -> Result<(ZonedDateTime, Option<DstAdjustment>), TimeError> {
        let context = ParseContext {
            input,
            format: &self.source,
        };
        read_fields(&self.tokens, &context)?.resolve(zone, &context)
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::super::fieldnation::format_fieldnation_utc;
    use super::super::zone::resolve_zone;
    use super::*;

    fn compile(format: &str) -> MomentFormat {
        MomentFormat::compile(format).unwrap_or_else(|error| panic!("{format}: {error}"))
    }

    fn zone(name: &str) -> TimeZone {
        resolve_zone(name).unwrap()
    }

    fn at(name: &str, wall: jiff::civil::DateTime) -> ZonedDateTime {
        wall.to_zoned_datetime(zone(name)).unwrap()
    }

    fn parse(format: &str, input: &str, zone_name: &str) -> (ZonedDateTime, Option<DstAdjustment>) {
        compile(format)
            .parse(input, &zone(zone_name))
            .unwrap_or_else(|error| panic!("{format} / {input}: {error}"))
    }

    #[test]
    fn formats_the_documented_examples() {
        let morning = at(
            "America/New_York",
            date(2025, 1, 15).at(9, 5, 7, 240_000_000),
        );
        let evening = at("America/New_York", date(2025, 7, 4).at(21, 0, 0, 0));
        let cases = [
            ("MM/DD/YYYY h:mm A", &morning, "01/15/2025 9:05 AM"),
            ("MM/DD/YYYY h:mm A", &evening, "07/04/2025 9:00 PM"),
            (
                "dddd, MMMM Do YYYY",
                &morning,
                "Wednesday, January 15th 2025",
            ),
            ("dddd, MMMM Do YYYY", &evening, "Friday, July 4th 2025"),
            (
                "YYYY-MM-DDTHH:mm:ssZ",
                &morning,
                "2025-01-15T09:05:07-05:00",
            ),
            (
                "YYYY-MM-DDTHH:mm:ssZ",
                &evening,
                "2025-07-04T21:00:00-04:00",
            ),
            ("X", &morning, "1736949907"),
            ("x", &morning, "1736949907240"),
            ("[Week of] MMM D", &morning, "Week of Jan 15"),
            (
                "ddd D/M/YY hh:mm:ss.SSS a ZZ z",
                &morning,
                "Wed 15/1/25 09:05:07.240 am -0500 EST",
            ),
            ("H:m:s HH hh", &evening, "21:0:0 21 09"),
            ("SSSSSSSSS|S", &morning, "240000000|2"),
        ];
        for (format, value, expected) in cases {
            assert_eq!(compile(format).format(value), expected, "{format}");
        }
    }

    #[test]
    fn format_into_appends_to_the_callers_buffer() {
        let value = at("UTC", date(2025, 1, 15).at(14, 0, 0, 0));
        let mut out = String::from("due ");
        compile("YYYY-MM-DD HH:mm:ss").format_into(&value, &mut out);
        assert_eq!(out, "due 2025-01-15 14:00:00");
    }

    #[test]
    fn parses_the_documented_examples() {
        let (value, adjustment) = parse(
            "MM/DD/YYYY h:mm A",
            "01/15/2025 9:05 AM",
            "America/New_York",
        );
        assert_eq!(format_fieldnation_utc(&value), "2025-01-15 14:05:00");
        assert_eq!(adjustment, None);

        let (value, _) = parse("MM/DD/YYYY h:mm A", "7/4/2025 12:30 pm", "America/Chicago");
        assert_eq!(format_fieldnation_utc(&value), "2025-07-04 17:30:00");

        let (value, _) = parse(
            "dddd, MMMM Do YYYY",
            "Wednesday, January 15th 2025",
            "Europe/Berlin",
        );
        assert_eq!(
            value.to_string(),
            "2025-01-15T00:00:00+01:00[Europe/Berlin]"
        );

        let (value, _) = parse("MMMM Do YYYY", "march 1ST 2025", "UTC");
        assert_eq!(value.date(), date(2025, 3, 1));
    }

    #[test]
    fn offset_and_unix_formats_read_instants_and_return_them_in_the_given_zone() {
        let (value, adjustment) = parse(
            "YYYY-MM-DDTHH:mm:ssZ",
            "2024-03-10T02:30:00-05:00",
            "America/New_York",
        );
        assert_eq!(
            value.to_string(),
            "2024-03-10T03:30:00-04:00[America/New_York]"
        );
        assert_eq!(
            adjustment, None,
            "an offset pins the instant; no rule applies"
        );

        let (value, _) = parse(
            "YYYY-MM-DDTHH:mm:ssZ",
            "2025-01-15T14:00:00Z",
            "Europe/Berlin",
        );
        assert_eq!(
            value.to_string(),
            "2025-01-15T15:00:00+01:00[Europe/Berlin]"
        );

        let (value, _) = parse("YYYYMMDD HHmm ZZ", "20250115 0900 -0500", "UTC");
        assert_eq!(format_fieldnation_utc(&value), "2025-01-15 14:00:00");

        let (value, _) = parse("X", "1736949600", "America/New_York");
        assert_eq!(
            value.to_string(),
            "2025-01-15T09:00:00-05:00[America/New_York]"
        );
        let (value, _) = parse("X", "-1.5", "UTC");
        assert_eq!(value.timestamp().as_millisecond(), -1500);
        let (value, _) = parse("x", "1736949600123", "UTC");
        assert_eq!(value.to_string(), "2025-01-15T14:00:00.123+00:00[UTC]");

        assert!(compile("YYYY Z").reads_instant());
        assert!(compile("x").reads_instant());
        assert!(!compile("YYYY-MM-DD z").reads_instant());
    }

    #[test]
    fn week_of_format_needs_a_year_to_parse() {
        let format = compile("[Week of] MMM D");
        let error = format.parse("Week of Jan 15", &zone("UTC")).unwrap_err();
        assert!(
            matches!(&error, TimeError::InvalidDateTime { reason, .. } if reason.contains("has no year")),
            "{error}"
        );
        let (value, _) = parse("[Week of] MMM D, YYYY", "Week of Jan 15, 2025", "UTC");
        assert_eq!(value.date(), date(2025, 1, 15));
    }

    #[test]
    fn wall_clock_parsing_applies_and_reports_the_dst_rule() {
        let (value, adjustment) = parse("YYYY-MM-DD HH:mm", "2024-03-10 02:30", "America/New_York");
        assert_eq!(
            value.to_string(),
            "2024-03-10T03:30:00-04:00[America/New_York]"
        );
        assert!(matches!(adjustment, Some(DstAdjustment::Gap { .. })));

        let (value, adjustment) = parse(
            "YYYY-MM-DD h:mm a",
            "2024-11-03 1:30 am",
            "America/New_York",
        );
        assert_eq!(
            value.to_string(),
            "2024-11-03T01:30:00-04:00[America/New_York]"
        );
        assert!(matches!(adjustment, Some(DstAdjustment::Fold { .. })));
    }

    #[test]
    fn zone_abbreviation_picks_the_fold_occurrence_or_must_match() {
        let (value, adjustment) = parse(
            "YYYY-MM-DD HH:mm z",
            "2024-11-03 01:30 EST",
            "America/New_York",
        );
        assert_eq!(
            value.to_string(),
            "2024-11-03T01:30:00-05:00[America/New_York]"
        );
        assert_eq!(adjustment, None);
        let (value, adjustment) = parse(
            "YYYY-MM-DD HH:mm z",
            "2024-11-03 01:30 edt",
            "America/New_York",
        );
        assert_eq!(
            value.to_string(),
            "2024-11-03T01:30:00-04:00[America/New_York]"
        );
        assert_eq!(adjustment, None);

        let error = compile("YYYY-MM-DD HH:mm z")
            .parse("2025-01-15 09:00 PDT", &zone("America/New_York"))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid date-time \"2025-01-15 09:00 PDT\": zone abbreviation \"PDT\" does not \
             match America/New_York at that time, which uses \"EST\""
        );
    }

    #[test]
    fn lord_howe_half_hour_offsets_format_and_parse() {
        let format = compile("YYYY-MM-DD HH:mm Z");
        let (value, adjustment) = parse(
            "YYYY-MM-DD HH:mm",
            "2024-10-06 02:15",
            "Australia/Lord_Howe",
        );
        assert!(matches!(adjustment, Some(DstAdjustment::Gap { .. })));
        assert_eq!(format.format(&value), "2024-10-06 02:45 +11:00");
        let before = at("Australia/Lord_Howe", date(2024, 10, 6).at(1, 59, 0, 0));
        assert_eq!(format.format(&before), "2024-10-06 01:59 +10:30");
        let (reread, adjustment) = format
            .parse("2024-10-06 01:59 +10:30", &zone("Australia/Lord_Howe"))
            .unwrap();
        assert_eq!(reread, before);
        assert_eq!(adjustment, None);
    }

    #[test]
    fn two_digit_years_pivot_like_moment() {
        assert_eq!(parse("YY-MM-DD", "68-01-01", "UTC").0.year(), 2068);
        assert_eq!(parse("YY-MM-DD", "69-01-01", "UTC").0.year(), 1969);
        assert_eq!(parse("YY-MM-DD", "00-01-01", "UTC").0.year(), 2000);
    }

    #[test]
    fn fractions_of_any_length_up_to_nine_digits() {
        let (value, _) = parse("YYYY-MM-DD HH:mm:ss.SSS", "2018-07-24 19:14:36.24", "UTC");
        assert_eq!(value.subsec_nanosecond(), 240_000_000);
        let (value, _) = parse(
            "YYYY-MM-DD HH:mm:ss.SSSSSSS",
            "2018-07-24 19:14:36.1234567",
            "UTC",
        );
        assert_eq!(value.subsec_nanosecond(), 123_456_700);
        assert_eq!(compile("ss.SSSSSSS").format(&value), "36.1234567");
    }

    #[test]
    fn parse_errors_say_what_was_expected_where() {
        let cases = [
            ("MM/DD/YYYY", "13/01/2025", 0, "a month number from 1 to 12"),
            ("MM/DD/YYYY", "01-15-2025", 2, "\"/\""),
            ("MM/DD/YYYY", "01/15/25", 6, "a 4-digit year"),
            ("MM/DD/YYYY h:mm A", "01/15/2025 9:05 XM", 16, "AM or PM"),
            (
                "MM/DD/YYYY h:mm A",
                "01/15/2025 0:05 AM",
                11,
                "an hour from 1 to 12",
            ),
            (
                "MMM D YYYY",
                "Foo 1 2025",
                0,
                "an English month name such as \"Jan\" or \"January\"",
            ),
            ("YYYY-MM-DD", "2025-01-15 ", 10, "the end of the input"),
            (
                "Do MMMM YYYY",
                "15 January 2025",
                0,
                "a day with an ordinal suffix such as 1st, 2nd, 3rd or 4th",
            ),
            (
                "YYYY Z",
                "2025 +5",
                5,
                "a UTC offset such as +05:00, +0500 or Z",
            ),
            ("X", "", 0, "unix seconds such as 1736949600"),
            (
                "X",
                "99999999999999999",
                0,
                "unix seconds within the years -9999 to 9999",
            ),
        ];
        for (format, input, position, expected) in cases {
            match compile(format).parse(input, &zone("UTC")) {
                Err(TimeError::MomentSyntax {
                    position: reported,
                    expected: said,
                    ..
                }) => {
                    assert_eq!(
                        (reported, said.as_str()),
                        (position, expected),
                        "{format} / {input}"
                    );
                }
                other => panic!("{format} / {input}: expected a syntax error, got {other:?}"),
            }
        }
        let message = compile("MM/DD/YYYY")
            .parse("01-15-2025", &zone("UTC"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "cannot read \"01-15-2025\" with format \"MM/DD/YYYY\": expected \"/\" at byte 2, \
             found \"-15-2025\""
        );
    }

    #[test]
    fn contradictions_and_impossible_dates_are_explained() {
        let cases = [
            (
                "dddd YYYY-MM-DD",
                "Monday 2025-01-15",
                "Monday does not match 2025-01-15, which is a Wednesday",
            ),
            (
                "YYYY-MM-DD",
                "2023-02-29",
                "day 29 does not exist: February 2023 has 28 days",
            ),
            (
                "YYYY YYYY",
                "2024 2025",
                "the year is given twice, as 2024 and 2025 (at byte 5)",
            ),
            ("YYYY HH A", "2025 09 PM", "hour 9 is not PM"),
            ("h:mm", "9:00", "has no year"),
        ];
        for (format, input, reason_part) in cases {
            match compile(format).parse(input, &zone("UTC")) {
                Err(TimeError::InvalidDateTime { reason, .. }) => {
                    assert!(reason.contains(reason_part), "{format} / {input}: {reason}");
                }
                other => panic!("{format} / {input}: expected an invalid date-time, got {other:?}"),
            }
        }
    }

    #[test]
    fn compile_errors_carry_offset_and_token() {
        let error = MomentFormat::compile("YYYY-MM-DD Q").unwrap_err();
        assert_eq!((error.offset(), error.token()), (11, "Q"));
        let error = MomentFormat::compile("YYYYY").unwrap_err();
        assert_eq!((error.offset(), error.token()), (0, "YYYYY"));
        let error = MomentFormat::compile("MMM [Week of").unwrap_err();
        assert_eq!(error.offset(), 4);
        assert!(matches!(error, FormatError::UnclosedBracket { .. }));
        let as_time_error: TimeError = error.into();
        assert!(
            as_time_error
                .to_string()
                .starts_with("unclosed '[' at byte 4")
        );
    }

    #[test]
    fn format_then_parse_round_trips_across_zones_and_formats() {
        let formats = [
            "YYYY-MM-DDTHH:mm:ss.SSSSSSSSSZ",
            "X.SSSSSSSSS",
            "x",
            "dddd, MMMM Do YYYY h:mm:ss.SSSSSSSSS a ZZ",
        ];
        let zones = [
            "America/New_York",
            "Australia/Lord_Howe",
            "Asia/Kolkata",
            "UTC",
            "Europe/Berlin",
        ];
        for zone_name in zones {
            let zone = zone(zone_name);
            // Seven instants a few months apart, including pre-1970 ones.
            for step in -3_i64..4 {
                let instant =
                    jiff::Timestamp::new(1_700_000_000 + step * 10_368_007, 123_456_789).unwrap();
                let value = instant.to_zoned_datetime(zone.clone());
                for format in formats {
                    let compiled = compile(format);
                    let text = compiled.format(&value);
                    let (parsed, adjustment) = compiled
                        .parse(&text, &zone)
                        .unwrap_or_else(|error| panic!("{format} / {text}: {error}"));
                    let expected = if format == "x" {
                        jiff::Timestamp::from_millisecond(instant.as_millisecond()).unwrap()
                    } else {
                        instant
                    };
                    assert_eq!(
                        parsed.timestamp(),
                        expected,
                        "{format} / {text} / {zone_name}"
                    );
                    assert_eq!(adjustment, None);
                }
            }
        }
    }
}
