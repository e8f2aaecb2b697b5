//! Field Nation work order date-times: UTC as `YYYY-MM-DD HH:mm:ss`, e.g.
//! `schedule.service_window.start.utc = "2025-01-15 14:00:00"`.

use jiff::Timestamp;
use jiff::tz::Offset;

use super::decimal::push_zero_padded;

/// Formats an instant (a `Timestamp`, or `&ZonedDateTime`) as Field Nation's
/// UTC `YYYY-MM-DD HH:mm:ss`. Fractions of a second are dropped (truncated,
/// never rounded up into the next second).
pub fn format_fieldnation_utc(instant: impl Into<Timestamp>) -> String {
    let mut out = String::with_capacity(19);
    write_fieldnation_utc(instant, &mut out);
    out
}

/// Like [`format_fieldnation_utc`], appending to `out` instead of allocating.
pub fn write_fieldnation_utc(instant: impl Into<Timestamp>, out: &mut String) {
    let utc = Offset::UTC.to_datetime(instant.into());
    push_zero_padded(out, i64::from(utc.year()), 4);
    out.push('-');
    push_zero_padded(out, i64::from(utc.month()), 2);
    out.push('-');
    push_zero_padded(out, i64::from(utc.day()), 2);
    out.push(' ');
    push_zero_padded(out, i64::from(utc.hour()), 2);
    out.push(':');
    push_zero_padded(out, i64::from(utc.minute()), 2);
    out.push(':');
    push_zero_padded(out, i64::from(utc.second()), 2);
}

#[cfg(test)]
mod tests {
    use jiff::ZonedDateTime;

    use super::super::zone::resolve_zone;
    use super::*;

    #[test]
    fn formats_zoned_values_and_timestamps_in_utc() {
        let zone = resolve_zone("America/Chicago").unwrap();
        let wall = jiff::civil::date(2025, 1, 15).at(8, 0, 0, 999_999_999);
        let value: ZonedDateTime = wall.to_zoned_datetime(zone).unwrap();
        assert_eq!(format_fieldnation_utc(&value), "2025-01-15 14:00:00");
        assert_eq!(
            format_fieldnation_utc(value.timestamp()),
            "2025-01-15 14:00:00"
        );
        assert_eq!(
            format_fieldnation_utc(Timestamp::UNIX_EPOCH),
            "1970-01-01 00:00:00"
        );
    }

    #[test]
    fn appends_to_an_existing_buffer() {
        let mut out = String::from("start=");
        write_fieldnation_utc(Timestamp::UNIX_EPOCH, &mut out);
        assert_eq!(out, "start=1970-01-01 00:00:00");
    }

    #[test]
    fn extreme_instants_do_not_panic() {
        assert!(format_fieldnation_utc(Timestamp::MIN).starts_with("-9999-"));
        assert!(format_fieldnation_utc(Timestamp::MAX).starts_with("9999-"));
    }
}
