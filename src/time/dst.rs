//! # The DST rule
//!
//! Whenever a wall-clock reading (a civil date and time without an offset)
//! becomes an instant in a time zone, this one rule decides the instant:
//!
//! - **Gap.** A reading that does not exist because clocks sprang forward is
//!   moved forward by the length of the gap: 02:30 on 2024-03-10 in
//!   America/New_York becomes 03:30 EDT (-04:00); in Australia/Lord_Howe,
//!   whose gap is 30 minutes, 02:15 on 2024-10-06 becomes 02:45 (+11:00).
//! - **Fold.** A reading that happens twice because clocks fell back takes
//!   the earlier instant, the first occurrence, still on daylight time:
//!   01:30 on 2024-11-03 in America/New_York becomes 01:30 EDT (-04:00),
//!   not 01:30 EST (-05:00).
//!
//! Every conversion that applied the rule says so by returning a
//! [`DstAdjustment`] next to its value, so the caller can record an issue;
//! nothing is changed silently. A reading that is neither in a gap nor in a
//! fold comes back with no adjustment.
//!
//! [`resolve_wall_clock`] is the only implementation of the rule; every
//! other function that turns a wall clock into an instant calls it. (It
//! matches the "compatible" disambiguation of RFC 5545 and JavaScript's
//! Temporal.)

use std::fmt;

use jiff::ZonedDateTime;
use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};

use super::error::TimeError;
use super::zone::zone_display_name;

/// A wall-clock reading that the [DST rule](self) had to resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DstAdjustment {
    /// `wall` was skipped in `zone` when clocks sprang forward; `resolved`
    /// is the reading moved forward by the length of the gap.
    Gap {
        wall: DateTime,
        zone: String,
        resolved: ZonedDateTime,
    },
    /// `wall` happened twice in `zone` when clocks fell back; `resolved` is
    /// the earlier occurrence and `later_occurrence` the one not taken.
    Fold {
        wall: DateTime,
        zone: String,
        resolved: ZonedDateTime,
        later_occurrence: ZonedDateTime,
    },
}

impl DstAdjustment {
    /// The wall-clock reading as given, before the rule applied.
    pub fn wall(&self) -> DateTime {
        match self {
            DstAdjustment::Gap { wall, .. } | DstAdjustment::Fold { wall, .. } => *wall,
        }
    }

    /// The name of the zone the reading was meant in.
    pub fn zone_name(&self) -> &str {
        match self {
            DstAdjustment::Gap { zone, .. } | DstAdjustment::Fold { zone, .. } => zone,
        }
    }

    /// The instant the rule chose.
    pub fn resolved(&self) -> &ZonedDateTime {
        match self {
            DstAdjustment::Gap { resolved, .. } | DstAdjustment::Fold { resolved, .. } => resolved,
        }
    }
}

impl fmt::Display for DstAdjustment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DstAdjustment::Gap {
                wall,
                zone,
                resolved,
            } => write!(
                f,
                "{wall} does not exist in {zone} (skipped when clocks sprang forward); \
                 moved forward by the gap to {}",
                with_offset(resolved)
            ),
            DstAdjustment::Fold {
                wall,
                zone,
                resolved,
                later_occurrence,
            } => write!(
                f,
                "{wall} happens twice in {zone} (clocks fell back); \
                 took the earlier occurrence {}, not {}",
                with_offset(resolved),
                with_offset(later_occurrence)
            ),
        }
    }
}

fn with_offset(value: &ZonedDateTime) -> impl fmt::Display {
    value.timestamp().display_with_offset(value.offset())
}

/// Turns a wall-clock reading meant in `zone` into an instant, applying the
/// [DST rule](self) and reporting when it did.
///
/// Fails only when the instant would leave jiff's supported range (around
/// the years -9999 and 9999).
pub fn resolve_wall_clock(
    wall: DateTime,
    zone: &TimeZone,
) -> Result<(ZonedDateTime, Option<DstAdjustment>), TimeError> {
    match zone.to_ambiguous_timestamp(wall).offset() {
        AmbiguousOffset::Unambiguous { offset } => Ok((at_offset(wall, offset, zone)?, None)),
        AmbiguousOffset::Gap { before, .. } => {
            // Reading the wall clock with the offset in force before the gap
            // lands exactly gap-length past it once shown on the new offset.
            let resolved = at_offset(wall, before, zone)?;
            let adjustment = DstAdjustment::Gap {
                wall,
                zone: zone_display_name(zone),
                resolved: resolved.clone(),
            };
            Ok((resolved, Some(adjustment)))
        }
        AmbiguousOffset::Fold { before, after } => {
            // Clocks fall back, so the offset before the fold is the larger
            // one and gives the earlier instant.
            let resolved = at_offset(wall, before, zone)?;
            let adjustment = DstAdjustment::Fold {
                wall,
                zone: zone_display_name(zone),
                resolved: resolved.clone(),
                later_occurrence: at_offset(wall, after, zone)?,
            };
            Ok((resolved, Some(adjustment)))
        }
    }
}

fn at_offset(wall: DateTime, offset: Offset, zone: &TimeZone) -> Result<ZonedDateTime, TimeError> {
    let instant = offset
        .to_timestamp(wall)
        .map_err(|_| TimeError::OutOfRange {
            operation: format!("{wall} at offset {offset} in {}", zone_display_name(zone)),
        })?;
    Ok(ZonedDateTime::new(instant, zone.clone()))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::super::zone::resolve_zone;
    use super::*;

    fn offset_text(value: &ZonedDateTime) -> String {
        with_offset(value).to_string()
    }

    #[test]
    fn new_york_spring_forward_gap_moves_forward_and_is_reported() {
        let zone = resolve_zone("America/New_York").unwrap();
        let wall = date(2024, 3, 10).at(2, 30, 0, 0);
        let (resolved, adjustment) = resolve_wall_clock(wall, &zone).unwrap();
        assert_eq!(offset_text(&resolved), "2024-03-10T03:30:00-04:00");
        match adjustment {
            Some(DstAdjustment::Gap {
                wall: reported_wall,
                zone: zone_name,
                resolved: reported,
            }) => {
                assert_eq!(reported_wall, wall);
                assert_eq!(zone_name, "America/New_York");
                assert_eq!(reported, resolved);
            }
            other => panic!("expected a gap adjustment, got {other:?}"),
        }
    }

    #[test]
    fn new_york_fall_back_fold_takes_the_earlier_instant_and_is_reported() {
        let zone = resolve_zone("America/New_York").unwrap();
        let wall = date(2024, 11, 3).at(1, 30, 0, 0);
        let (resolved, adjustment) = resolve_wall_clock(wall, &zone).unwrap();
        assert_eq!(offset_text(&resolved), "2024-11-03T01:30:00-04:00");
        let Some(DstAdjustment::Fold {
            later_occurrence, ..
        }) = &adjustment
        else {
            panic!("expected a fold adjustment, got {adjustment:?}");
        };
        assert_eq!(offset_text(later_occurrence), "2024-11-03T01:30:00-05:00");
        assert!(resolved.timestamp() < later_occurrence.timestamp());
        let message = adjustment.unwrap().to_string();
        assert!(
            message.contains("happens twice in America/New_York"),
            "{message}"
        );
    }

    #[test]
    fn ordinary_readings_report_nothing() {
        let zone = resolve_zone("America/New_York").unwrap();
        for wall in [
            date(2024, 3, 10).at(1, 59, 59, 999_999_999),
            date(2024, 3, 10).at(3, 0, 0, 0),
            date(2024, 11, 3).at(0, 59, 59, 0),
            date(2024, 11, 3).at(2, 0, 0, 0),
        ] {
            let (resolved, adjustment) = resolve_wall_clock(wall, &zone).unwrap();
            assert_eq!(adjustment, None, "{wall}");
            assert_eq!(resolved.datetime(), wall);
        }
    }

    #[test]
    fn lord_howe_half_hour_gap_and_fold() {
        let zone = resolve_zone("Australia/Lord_Howe").unwrap();
        // Spring forward 2024-10-06: 02:00 +10:30 jumps to 02:30 +11:00.
        let (resolved, adjustment) =
            resolve_wall_clock(date(2024, 10, 6).at(2, 15, 0, 0), &zone).unwrap();
        assert_eq!(offset_text(&resolved), "2024-10-06T02:45:00+11:00");
        assert!(matches!(adjustment, Some(DstAdjustment::Gap { .. })));
        // Fall back 2024-04-07: 02:00 +11:00 returns to 01:30 +10:30.
        let (resolved, adjustment) =
            resolve_wall_clock(date(2024, 4, 7).at(1, 45, 0, 0), &zone).unwrap();
        assert_eq!(offset_text(&resolved), "2024-04-07T01:45:00+11:00");
        let Some(DstAdjustment::Fold {
            later_occurrence, ..
        }) = adjustment
        else {
            panic!("expected a fold");
        };
        assert_eq!(offset_text(&later_occurrence), "2024-04-07T01:45:00+10:30");
        // Just outside the half-hour windows nothing is adjusted.
        for wall in [
            date(2024, 10, 6).at(2, 30, 0, 0),
            date(2024, 4, 7).at(2, 0, 0, 0),
        ] {
            assert_eq!(resolve_wall_clock(wall, &zone).unwrap().1, None, "{wall}");
        }
    }

    #[test]
    fn gap_message_names_wall_zone_and_result() {
        let zone = resolve_zone("America/New_York").unwrap();
        let (_, adjustment) = resolve_wall_clock(date(2024, 3, 10).at(2, 30, 0, 0), &zone).unwrap();
        let adjustment = adjustment.unwrap();
        assert_eq!(adjustment.wall(), date(2024, 3, 10).at(2, 30, 0, 0));
        assert_eq!(adjustment.zone_name(), "America/New_York");
        assert_eq!(
            adjustment.to_string(),
            "2024-03-10T02:30:00 does not exist in America/New_York (skipped when clocks \
             sprang forward); moved forward by the gap to 2024-03-10T03:30:00-04:00"
        );
    }

    #[test]
    fn extreme_readings_fail_instead_of_panicking() {
        let zone = resolve_zone("Pacific/Kiritimati").unwrap();
        let result = resolve_wall_clock(DateTime::MIN, &zone);
        assert!(
            matches!(result, Err(TimeError::OutOfRange { .. })),
            "{result:?}"
        );
        let zone = resolve_zone("America/Adak").unwrap();
        let result = resolve_wall_clock(DateTime::MAX, &zone);
        assert!(
            matches!(result, Err(TimeError::OutOfRange { .. })),
            "{result:?}"
        );
    }
}
