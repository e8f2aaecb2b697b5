//! The fields read from input by a moment-style format, and how they
//! combine into one instant.
//!
//! - `X`/`x` (unix time) fix the instant; other fields are then only
//!   checked for syntax, except that in `X.SSS` the fraction adds to `X`.
//! - Otherwise a year is required; a missing month or day is 1 and missing
//!   time fields are 0.
//! - With `Z`/`ZZ` the offset fixes the instant; otherwise the wall clock is
//!   meant in the caller's zone and the [DST rule](super::super::dst)
//!   applies and is reported.
//! - `h`/`hh` with `A`/`a` give the 24-hour clock; without a meridiem the
//!   1 to 12 reading is kept as is (12 is noon).
//! - A parsed weekday, meridiem next to `H`, or zone abbreviation must agree
//!   with the date-time; a zone abbreviation also picks the occurrence in a
//!   fall-back fold (`01:30 EST` is the later one), which then needs no rule.
//! - Every result is returned in the caller's zone.

use jiff::civil::{DateTime, Weekday};
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp, ZonedDateTime};

use super::super::civil_fields::CivilFields;
use super::super::dst::{DstAdjustment, resolve_wall_clock};
use super::super::english::weekday_name_long;
use super::super::error::{TimeError, quote_excerpt};
use super::super::zone::zone_display_name;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Meridiem {
    Am,
    Pm,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct ParsedFields {
    pub(super) year: Option<i64>,
    pub(super) month: Option<i64>,
    pub(super) day: Option<i64>,
    pub(super) weekday: Option<Weekday>,
    pub(super) hour24: Option<i64>,
    pub(super) hour12: Option<i64>,
    pub(super) meridiem: Option<Meridiem>,
    pub(super) minute: Option<i64>,
    pub(super) second: Option<i64>,
    pub(super) nanosecond: Option<i32>,
    pub(super) offset: Option<Offset>,
    pub(super) abbreviation: Option<String>,
    pub(super) unix: Option<Timestamp>,
    /// `X` was followed by a separate fraction token (`X.SSS`), which then
    /// adds to it; formatting writes the same split.
    pub(super) unix_whole_seconds: bool,
}

/// Stores `value` unless the field already holds a different one, in which
/// case the input contradicts itself and `describe` explains how.
pub(super) fn set_once<T: PartialEq + Copy>(
    slot: &mut Option<T>,
    value: T,
    what: &str,
    describe: impl Fn(T) -> String,
) -> Result<(), String> {
    match *slot {
        Some(existing) if existing != value => Err(format!(
            "the {what} is given twice, as {} and {}",
            describe(existing),
            describe(value)
        )),
        _ => {
            *slot = Some(value);
            Ok(())
        }
    }
}

/// What the error messages of one parse call quote.
pub(super) struct ParseContext<'a> {
    pub(super) input: &'a str,
    pub(super) format: &'a str,
}

impl ParseContext<'_> {
    fn invalid(&self, reason: String) -> TimeError {
        TimeError::InvalidDateTime {
            input: quote_excerpt(self.input),
            reason,
        }
    }
}

impl ParsedFields {
    pub(super) fn resolve(
        self,
        zone: &TimeZone,
        context: &ParseContext,
    ) -> Result<(ZonedDateTime, Option<DstAdjustment>), TimeError> {
        if let Some(instant) = self.unix {
            let instant = match self.nanosecond {
                Some(nanosecond) if self.unix_whole_seconds => instant
                    .checked_add(SignedDuration::new(0, nanosecond))
                    .map_err(|_| TimeError::OutOfRange {
                        operation: format!("reading unix time {instant} plus {nanosecond} ns"),
                    })?,
                _ => instant,
            };
            return Ok((ZonedDateTime::new(instant, zone.clone()), None));
        }
        let wall = self.wall_clock(context)?;
        let (value, adjustment) = match self.offset {
            Some(offset) => {
                let instant = offset
                    .to_timestamp(wall)
                    .map_err(|_| TimeError::OutOfRange {
                        operation: format!("reading {wall} at offset {offset}"),
                    })?;
                (ZonedDateTime::new(instant, zone.clone()), None)
            }
            None => resolve_wall_clock(wall, zone)?,
        };
        match &self.abbreviation {
            None => Ok((value, adjustment)),
            Some(wanted) => choose_by_abbreviation(value, adjustment, wanted, context),
        }
    }

    fn wall_clock(&self, context: &ParseContext) -> Result<DateTime, TimeError> {
        let Some(year) = self.year else {
            return Err(context.invalid(format!(
                "the format {:?} has no year (YYYY or YY) and no unix time (X or x), \
                 so the input names no date",
                quote_excerpt(context.format)
            )));
        };
        let hour = self.hour().map_err(|reason| context.invalid(reason))?;
        let wall = CivilFields {
            year,
            month: self.month.unwrap_or(1),
            day: self.day.unwrap_or(1),
            hour,
            minute: self.minute.unwrap_or(0),
            second: self.second.unwrap_or(0),
            nanosecond: self.nanosecond.unwrap_or(0),
        }
        .to_datetime()
        .map_err(|reason| context.invalid(reason))?;
        match self.weekday {
            Some(weekday) if weekday != wall.weekday() => Err(context.invalid(format!(
                "{} does not match {}, which is a {}",
                weekday_name_long(weekday),
                wall.date(),
                weekday_name_long(wall.weekday())
            ))),
            _ => Ok(wall),
        }
    }

    fn hour(&self) -> Result<i64, String> {
        let from_twelve_hour = self.hour12.map(|hour| match self.meridiem {
            Some(Meridiem::Am) => hour % 12,
            Some(Meridiem::Pm) => hour % 12 + 12,
            None => hour,
        });
        match (self.hour24, from_twelve_hour) {
            (Some(hour24), Some(hour12)) if hour24 != hour12 => Err(format!(
                "the 24-hour clock says {hour24} but the 12-hour clock says {hour12}"
            )),
            (Some(hour24), _) => {
                let says_pm = hour24 >= 12;
                match self.meridiem {
                    Some(Meridiem::Am) if says_pm => Err(format!("hour {hour24} is not AM")),
                    Some(Meridiem::Pm) if !says_pm => Err(format!("hour {hour24} is not PM")),
                    _ => Ok(hour24),
                }
            }
            (None, hour12) => Ok(hour12.unwrap_or(0)),
        }
    }
}

/// Keeps `value` if its zone abbreviation is `wanted`. In a fold the
/// abbreviation names the occurrence that was meant, so the DST rule's
/// choice is replaced by the input's and no adjustment is reported.
fn choose_by_abbreviation(
    value: ZonedDateTime,
    adjustment: Option<DstAdjustment>,
    wanted: &str,
    context: &ParseContext,
) -> Result<(ZonedDateTime, Option<DstAdjustment>), TimeError> {
    if let Some(DstAdjustment::Fold {
        resolved,
        later_occurrence,
        ..
    }) = &adjustment
    {
        for occurrence in [resolved, later_occurrence] {
            if has_abbreviation(occurrence, wanted) {
                return Ok((occurrence.clone(), None));
            }
        }
    }
    if has_abbreviation(&value, wanted) {
        return Ok((value, adjustment));
    }
    let info = value.time_zone().to_offset_info(value.timestamp());
    Err(context.invalid(format!(
        "zone abbreviation {:?} does not match {} at that time, which uses {:?}",
        quote_excerpt(wanted),
        zone_display_name(value.time_zone()),
        info.abbreviation()
    )))
}

fn has_abbreviation(value: &ZonedDateTime, wanted: &str) -> bool {
    let info = value.time_zone().to_offset_info(value.timestamp());
    info.abbreviation().eq_ignore_ascii_case(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hour_of(
        hour24: Option<i64>,
        hour12: Option<i64>,
        meridiem: Option<Meridiem>,
    ) -> Result<i64, String> {
        ParsedFields {
            hour24,
            hour12,
            meridiem,
            ..ParsedFields::default()
        }
        .hour()
    }

    #[test]
    fn twelve_hour_clock_with_meridiem() {
        assert_eq!(hour_of(None, Some(12), Some(Meridiem::Am)), Ok(0));
        assert_eq!(hour_of(None, Some(1), Some(Meridiem::Am)), Ok(1));
        assert_eq!(hour_of(None, Some(12), Some(Meridiem::Pm)), Ok(12));
        assert_eq!(hour_of(None, Some(3), Some(Meridiem::Pm)), Ok(15));
        assert_eq!(hour_of(None, Some(12), None), Ok(12));
        assert_eq!(hour_of(None, None, None), Ok(0));
    }

    #[test]
    fn contradicting_hours_are_rejected() {
        assert!(hour_of(Some(15), Some(3), Some(Meridiem::Am)).is_err());
        assert_eq!(hour_of(Some(15), Some(3), Some(Meridiem::Pm)), Ok(15));
        assert_eq!(
            hour_of(Some(9), None, Some(Meridiem::Pm)),
            Err("hour 9 is not PM".into())
        );
        assert_eq!(
            hour_of(Some(21), None, Some(Meridiem::Am)),
            Err("hour 21 is not AM".into())
        );
    }

    #[test]
    fn set_once_accepts_repeats_and_rejects_contradictions() {
        let mut year = None;
        assert_eq!(set_once(&mut year, 2024, "year", |y| y.to_string()), Ok(()));
        assert_eq!(set_once(&mut year, 2024, "year", |y| y.to_string()), Ok(()));
        assert_eq!(
            set_once(&mut year, 2025, "year", |y| y.to_string()),
            Err("the year is given twice, as 2024 and 2025".into())
        );
    }
}
