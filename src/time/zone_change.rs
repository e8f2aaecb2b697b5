//! The two ways to move a value into another zone. They answer different
//! questions and so have different names: "what does the clock show over
//! there at this moment?" versus "this reading was really meant over there".

use jiff::ZonedDateTime;
use jiff::tz::TimeZone;

use super::dst::{DstAdjustment, resolve_wall_clock};
use super::error::TimeError;

/// Same instant, new wall clock: 09:00 in New York becomes 08:00 in Chicago.
/// Never fails and never needs the DST rule, because an instant always has
/// exactly one reading in every zone.
pub fn convert_to_zone(value: &ZonedDateTime, zone: &TimeZone) -> ZonedDateTime {
    value.with_time_zone(zone.clone())
}

/// Same wall-clock reading, now meant in `zone`: 09:00 in New York becomes
/// 09:00 in Chicago, which is a different instant (an hour later).
///
/// The reading can fall in a gap or fold of `zone`, so the
/// [DST rule](super::dst) applies and is reported. Fails only if the
/// result leaves the supported range.
pub fn reinterpret_in_zone(
    value: &ZonedDateTime,
    zone: &TimeZone,
) -> Result<(ZonedDateTime, Option<DstAdjustment>), TimeError> {
    resolve_wall_clock(value.datetime(), zone)
}

#[cfg(test)]
mod tests {
    use super::super::autotask_wire::parse_autotask_datetime;
    use super::super::fieldnation::format_fieldnation_utc;
    use super::super::zone::resolve_zone;
    use super::*;

    fn new_york(input: &str) -> ZonedDateTime {
        parse_autotask_datetime(input).unwrap().0
    }

    #[test]
    fn chicago_convert_keeps_the_instant_reinterpret_keeps_the_clock() {
        let chicago = resolve_zone("America/Chicago").unwrap();
        let value = new_york("2025-07-15T09:00:00");

        let converted = convert_to_zone(&value, &chicago);
        assert_eq!(
            converted.to_string(),
            "2025-07-15T08:00:00-05:00[America/Chicago]"
        );
        assert_eq!(converted.timestamp(), value.timestamp());

        let (reinterpreted, adjustment) = reinterpret_in_zone(&value, &chicago).unwrap();
        assert_eq!(
            reinterpreted.to_string(),
            "2025-07-15T09:00:00-05:00[America/Chicago]"
        );
        assert_eq!(adjustment, None);
        assert_eq!(format_fieldnation_utc(&converted), "2025-07-15 13:00:00");
        assert_eq!(
            format_fieldnation_utc(&reinterpreted),
            "2025-07-15 14:00:00"
        );
    }

    #[test]
    fn berlin_convert_keeps_the_instant_reinterpret_keeps_the_clock() {
        let berlin = resolve_zone("Europe/Berlin").unwrap();
        let value = new_york("2025-01-15T09:00:00");

        let converted = convert_to_zone(&value, &berlin);
        assert_eq!(
            converted.to_string(),
            "2025-01-15T15:00:00+01:00[Europe/Berlin]"
        );

        let (reinterpreted, _) = reinterpret_in_zone(&value, &berlin).unwrap();
        assert_eq!(
            reinterpreted.to_string(),
            "2025-01-15T09:00:00+01:00[Europe/Berlin]"
        );
        assert_eq!(
            format_fieldnation_utc(&reinterpreted),
            "2025-01-15 08:00:00"
        );
        assert_ne!(converted.timestamp(), reinterpreted.timestamp());
    }

    #[test]
    fn reinterpreting_into_a_gap_applies_and_reports_the_rule() {
        // 02:30 on 2025-03-30 exists in New York but is skipped in Berlin.
        let berlin = resolve_zone("Europe/Berlin").unwrap();
        let value = new_york("2025-03-30T02:30:00");
        let (reinterpreted, adjustment) = reinterpret_in_zone(&value, &berlin).unwrap();
        assert_eq!(
            reinterpreted.to_string(),
            "2025-03-30T03:30:00+02:00[Europe/Berlin]"
        );
        assert!(
            matches!(&adjustment, Some(DstAdjustment::Gap { zone, .. }) if zone == "Europe/Berlin"),
            "{adjustment:?}"
        );
    }
}
