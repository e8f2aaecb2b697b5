//! Reading input text token by token into [`ParsedFields`]. Each token
//! checks its own range where it stands, so an error points at the exact
//! byte that is wrong.
//!
//! Numeric tokens read greedily: `YYYY` exactly 4 digits, `YY` exactly 2
//! (00-68 → 2000s, 69-99 → 1900s, as moment), the one- and two-letter
//! numeric tokens 1 or 2 digits (so `MM/DD` also reads `1/5`), `S…` 1 to 9
//! fraction digits. A two-letter token run together with another number
//! (`YYYYMMDD`) reads exactly 2 digits, as moment's strict parsing: without a
//! separator the widths are all that say where one number ends. Names are English and read without regard to case; a
//! month or weekday token accepts both the short and the long name.

use jiff::Timestamp;
use jiff::tz::Offset;

use super::super::cursor::Cursor;
use super::super::english::{
    ORDINAL_SUFFIXES, month_names_for_parsing, weekday_name_long, weekday_names_for_parsing,
};
use super::super::error::{TimeError, describe_found, quote_excerpt};
use super::parsed_fields::{Meridiem, ParseContext, ParsedFields, set_once};
use super::token::Token;

/// Unix times longer than this cannot be in jiff's range anyway, and the
/// limit keeps the number inside an `i64`.
const MAX_UNIX_DIGITS: usize = 18;

pub(super) fn read_fields(
    tokens: &[Token],
    context: &ParseContext,
) -> Result<ParsedFields, TimeError> {
    let mut reader = InputReader {
        cursor: Cursor::new(context.input),
        context,
        fields: ParsedFields::default(),
        run_together: false,
    };
    let mut previous: Option<&Token> = None;
    let mut tokens = tokens.iter().peekable();
    while let Some(token) = tokens.next() {
        let next = tokens.peek().copied();
        let run_together = previous.is_some_and(is_numeric) || next.is_some_and(is_numeric);
        reader.run_together = run_together;
        reader.read(token, next)?;
        previous = Some(token);
    }
    if !reader.cursor.is_at_end() {
        return Err(reader.syntax_error("the end of the input"));
    }
    Ok(reader.fields)
}

struct InputReader<'a> {
    cursor: Cursor<'a>,
    context: &'a ParseContext<'a>,
    fields: ParsedFields,
    /// The token being read touches another number with no separator.
    run_together: bool,
}

/// Tokens that read digits at their start.
fn is_numeric(token: &Token) -> bool {
    !matches!(
        token,
        Token::Literal(_)
            | Token::MonthShortName
            | Token::MonthLongName
            | Token::WeekdayShortName
            | Token::WeekdayLongName
            | Token::MeridiemUpper
            | Token::MeridiemLower
            | Token::OffsetWithColon
            | Token::OffsetCompact
            | Token::ZoneAbbreviation
    )
}

impl InputReader<'_> {
    /// Reads one token; `next` is the token after it, which decides
    /// whether `X` may take a fraction (not when a literal `.` follows, as in
    /// `X.SSS`).
    fn read(&mut self, token: &Token, next: Option<&Token>) -> Result<(), TimeError> {
        let start = self.cursor.position();
        self.read_token(token, next)
            .map_err(|failure| match failure {
                ReadFailure::Expected(expected) => self.syntax_error_at(start, expected),
                ReadFailure::Contradiction(reason) => TimeError::InvalidDateTime {
                    input: quote_excerpt(self.context.input),
                    reason: format!("{reason} (at byte {start})"),
                },
            })
    }

    fn read_token(&mut self, token: &Token, next: Option<&Token>) -> Result<(), ReadFailure> {
        // A padded token beside another number has its full width (moment's strict `\d\d`).
        let padded_min = if self.run_together { 2 } else { 1 };
        let fields = &mut self.fields;
        match token {
            Token::Literal(text) => {
                if !self.cursor.eat_str(text) {
                    return Err(ReadFailure::Expected(format!("{text:?}")));
                }
            }
            Token::YearFourDigit => {
                let year = number(&mut self.cursor, 4, 4, 0..=9999, "a 4-digit year")?;
                set_once(&mut fields.year, year, "year", show)?;
            }
            Token::YearTwoDigit => {
                let short = number(&mut self.cursor, 2, 2, 0..=99, "a 2-digit year")?;
                let year = if short <= 68 {
                    2000 + short
                } else {
                    1900 + short
                };
                set_once(&mut fields.year, year, "year", show)?;
            }
            Token::MonthNumber | Token::MonthNumberPadded => {
                let min = min_width(token, padded_min);
                let month = number(
                    &mut self.cursor,
                    min,
                    2,
                    1..=12,
                    "a month number from 1 to 12",
                )?;
                set_once(&mut fields.month, month, "month", show)?;
            }
            Token::MonthShortName | Token::MonthLongName => {
                let month = month_names_for_parsing()
                    .find(|(name, _)| self.cursor.eat_str_ignoring_case(name))
                    .map(|(_, number)| number)
                    .ok_or_else(|| {
                        expected("an English month name such as \"Jan\" or \"January\"")
                    })?;
                set_once(&mut fields.month, month, "month", show)?;
            }
            Token::DayOfMonth | Token::DayOfMonthPadded => {
                let min = min_width(token, padded_min);
                let day = number(
                    &mut self.cursor,
                    min,
                    2,
                    1..=31,
                    "a day of the month from 1 to 31",
                )?;
                set_once(&mut fields.day, day, "day", show)?;
            }
            Token::DayOfMonthOrdinal => {
                let day = number(
                    &mut self.cursor,
                    1,
                    2,
                    1..=31,
                    "a day of the month from 1 to 31",
                )?;
                if !ORDINAL_SUFFIXES
                    .iter()
                    .any(|suffix| self.cursor.eat_str_ignoring_case(suffix))
                {
                    return Err(expected(
                        "a day with an ordinal suffix such as 1st, 2nd, 3rd or 4th",
                    ));
                }
                set_once(&mut fields.day, day, "day", show)?;
            }
            Token::WeekdayShortName | Token::WeekdayLongName => {
                let weekday = weekday_names_for_parsing()
                    .find(|(name, _)| self.cursor.eat_str_ignoring_case(name))
                    .map(|(_, weekday)| weekday)
                    .ok_or_else(|| {
                        expected("an English weekday name such as \"Mon\" or \"Monday\"")
                    })?;
                set_once(&mut fields.weekday, weekday, "weekday", |day| {
                    weekday_name_long(day).to_owned()
                })?;
            }
            Token::Hour24 | Token::Hour24Padded => {
                let min = min_width(token, padded_min);
                let hour = number(&mut self.cursor, min, 2, 0..=23, "an hour from 0 to 23")?;
                set_once(&mut fields.hour24, hour, "hour", show)?;
            }
            Token::Hour12 | Token::Hour12Padded => {
                let min = min_width(token, padded_min);
                let hour = number(&mut self.cursor, min, 2, 1..=12, "an hour from 1 to 12")?;
                set_once(&mut fields.hour12, hour, "hour", show)?;
            }
            Token::Minute | Token::MinutePadded => {
                let min = min_width(token, padded_min);
                let minute = number(&mut self.cursor, min, 2, 0..=59, "minutes from 0 to 59")?;
                set_once(&mut fields.minute, minute, "minute", show)?;
            }
            Token::Second | Token::SecondPadded => {
                let min = min_width(token, padded_min);
                let second = number(&mut self.cursor, min, 2, 0..=59, "seconds from 0 to 59")?;
                set_once(&mut fields.second, second, "second", show)?;
            }
            Token::Fraction { .. } => {
                let nanosecond = read_fraction(&mut self.cursor)?;
                set_once(
                    &mut fields.nanosecond,
                    nanosecond,
                    "fraction of a second",
                    |n| format!("{n} ns"),
                )?;
            }
            Token::MeridiemUpper | Token::MeridiemLower => {
                let meridiem = if self.cursor.eat_str_ignoring_case("AM") {
                    Meridiem::Am
                } else if self.cursor.eat_str_ignoring_case("PM") {
                    Meridiem::Pm
                } else {
                    return Err(expected("AM or PM"));
                };
                set_once(&mut fields.meridiem, meridiem, "AM/PM marker", |m| {
                    format!("{m:?}").to_uppercase()
                })?;
            }
            Token::OffsetWithColon | Token::OffsetCompact => {
                let offset = read_offset(&mut self.cursor)?;
                set_once(&mut fields.offset, offset, "UTC offset", |o| o.to_string())?;
            }
            Token::ZoneAbbreviation => {
                let abbreviation = self.cursor.take_ascii_while(|byte| {
                    byte.is_ascii_alphanumeric() || byte == b'+' || byte == b'-'
                });
                if abbreviation.is_empty() {
                    return Err(expected("a time zone abbreviation such as EST"));
                }
                match &fields.abbreviation {
                    Some(earlier) if !earlier.eq_ignore_ascii_case(abbreviation) => {
                        return Err(ReadFailure::Contradiction(format!(
                            "the zone abbreviation is given twice, as {earlier} and {abbreviation}"
                        )));
                    }
                    _ => fields.abbreviation = Some(abbreviation.to_owned()),
                }
            }
            Token::UnixSeconds => {
                let fraction_is_separate =
                    matches!(next, Some(Token::Literal(text)) if text.starts_with('.'));
                let instant = read_unix_seconds(&mut self.cursor, !fraction_is_separate)?;
                set_once(&mut fields.unix, instant, "unix time", |t| t.to_string())?;
                fields.unix_whole_seconds = fraction_is_separate;
            }
            Token::UnixMilliseconds => {
                let instant = read_unix_milliseconds(&mut self.cursor)?;
                set_once(&mut fields.unix, instant, "unix time", |t| t.to_string())?;
            }
        }
        Ok(())
    }

    fn syntax_error(&self, expected: &str) -> TimeError {
        self.syntax_error_at(self.cursor.position(), expected.to_owned())
    }

    fn syntax_error_at(&self, position: usize, expected: String) -> TimeError {
        TimeError::MomentSyntax {
            input: quote_excerpt(self.context.input),
            format: quote_excerpt(self.context.format),
            position,
            expected,
            found: describe_found(self.context.input, position),
        }
    }
}

/// Why one token could not be read.
enum ReadFailure {
    /// The text does not fit the token; holds what was expected.
    Expected(String),
    /// The text fits but contradicts an earlier field.
    Contradiction(String),
}

impl From<String> for ReadFailure {
    fn from(reason: String) -> Self {
        ReadFailure::Contradiction(reason)
    }
}

fn expected(what: &str) -> ReadFailure {
    ReadFailure::Expected(what.to_owned())
}

/// The fewest digits a one- or two-letter numeric token reads: 1, or `padded_min` for the
/// padded (two-letter) form.
fn min_width(token: &Token, padded_min: usize) -> usize {
    match token {
        Token::MonthNumberPadded
        | Token::DayOfMonthPadded
        | Token::Hour24Padded
        | Token::Hour12Padded
        | Token::MinutePadded
        | Token::SecondPadded => padded_min,
        _ => 1,
    }
}

fn show(value: i64) -> String {
    value.to_string()
}

/// Reads `min..=max` digits as a number within `range`; nothing is consumed
/// on failure.
fn number(
    cursor: &mut Cursor,
    min_digits: usize,
    max_digits: usize,
    range: std::ops::RangeInclusive<i64>,
    what: &str,
) -> Result<i64, ReadFailure> {
    let start = cursor.clone();
    match cursor.digits(min_digits, max_digits) {
        Some(value) if range.contains(&value) => Ok(value),
        _ => {
            *cursor = start;
            Err(expected(what))
        }
    }
}

fn read_fraction(cursor: &mut Cursor) -> Result<i32, ReadFailure> {
    let nanosecond = cursor
        .fraction_as_nanoseconds(9)
        .ok_or_else(|| expected("1 to 9 fraction digits"))?;
    if cursor.count_digits_ahead() > 0 {
        return Err(expected("at most 9 fraction digits"));
    }
    Ok(nanosecond)
}

/// `Z`, `+05:00`, `+0500` or `+05` (any form for either token, as moment).
fn read_offset(cursor: &mut Cursor) -> Result<Offset, ReadFailure> {
    const WHAT: &str = "a UTC offset such as +05:00, +0500 or Z";
    if cursor.eat_byte(b'Z') {
        return Ok(Offset::UTC);
    }
    let start = cursor.clone();
    let sign = if cursor.eat_byte(b'+') {
        1
    } else if cursor.eat_byte(b'-') {
        -1
    } else {
        return Err(expected(WHAT));
    };
    let hours = cursor.digits(2, 2);
    // Minutes are optional (`+05`), as moment reads offsets.
    let minutes = if cursor.eat_byte(b':') || cursor.count_digits_ahead() >= 2 {
        cursor.digits(2, 2)
    } else {
        Some(0)
    };
    let seconds = match (hours, minutes) {
        (Some(hours @ 0..=23), Some(minutes @ 0..=59)) => sign * (hours * 3600 + minutes * 60),
        _ => {
            *cursor = start;
            return Err(expected(WHAT));
        }
    };
    i32::try_from(seconds)
        .ok()
        .and_then(|seconds| Offset::from_seconds(seconds).ok())
        .ok_or_else(|| expected(WHAT))
}

/// Optional sign, whole seconds, and (when `with_fraction`) an optional
/// fraction: `1700000000.5`.
fn read_unix_seconds(cursor: &mut Cursor, with_fraction: bool) -> Result<Timestamp, ReadFailure> {
    const WHAT: &str = "unix seconds such as 1736949600";
    let negative = cursor.eat_byte(b'-');
    if !negative {
        cursor.eat_byte(b'+'); // moment reads a signed number
    }
    let seconds = read_unix_digits(cursor, WHAT)?;
    let nanosecond = if with_fraction && cursor.eat_byte(b'.') {
        read_fraction(cursor)?
    } else {
        0
    };
    let sign = if negative { -1 } else { 1 };
    Timestamp::new(sign * seconds, sign_i32(negative) * nanosecond)
        .map_err(|_| expected("unix seconds within the years -9999 to 9999"))
}

/// Optional sign and whole milliseconds: `1736949600000`.
fn read_unix_milliseconds(cursor: &mut Cursor) -> Result<Timestamp, ReadFailure> {
    let negative = cursor.eat_byte(b'-');
    if !negative {
        cursor.eat_byte(b'+'); // moment reads a signed number
    }
    let milliseconds = read_unix_digits(cursor, "unix milliseconds such as 1736949600000")?;
    let sign = if negative { -1 } else { 1 };
    Timestamp::from_millisecond(sign * milliseconds)
        .map_err(|_| expected("unix milliseconds within the years -9999 to 9999"))
}

fn read_unix_digits(cursor: &mut Cursor, what: &str) -> Result<i64, ReadFailure> {
    if cursor.count_digits_ahead() > MAX_UNIX_DIGITS {
        return Err(expected("a unix time within the years -9999 to 9999"));
    }
    cursor
        .digits(1, MAX_UNIX_DIGITS)
        .ok_or_else(|| expected(what))
}

fn sign_i32(negative: bool) -> i32 {
    if negative { -1 } else { 1 }
}
