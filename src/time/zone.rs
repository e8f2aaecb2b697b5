//! Time zone lookup. Zones come only from the IANA database bundled into the
//! binary, never from the machine, so a mapping gives the same answers on
//! every host whatever tzdata it has installed.

use std::sync::OnceLock;

use jiff::tz::{Offset, TimeZone, TimeZoneDatabase};

use super::error::{TimeError, quote_excerpt};

/// The zone Autotask's SOAP API speaks in: US Eastern with daylight saving.
pub const AUTOTASK_ZONE_NAME: &str = "America/New_York";

/// Looks up an IANA time zone name (such as `America/Chicago`, or `UTC`) in
/// the bundled database.
///
/// Names must be spelled exactly as in the database; a name that is right
/// except for letter case is rejected with the correct spelling suggested,
/// so mapping files stay consistent. Links such as `US/Eastern` are IANA
/// names too and are accepted.
pub fn resolve_zone(name: &str) -> Result<TimeZone, TimeError> {
    let unknown = |suggestion| TimeError::UnknownZone {
        name: quote_excerpt(name),
        suggestion,
    };
    let zone = bundled_database().get(name).map_err(|_| unknown(None))?;
    // The database matches names without regard to case; we want exact names.
    match zone.iana_name() {
        Some(found) if found != name && found.eq_ignore_ascii_case(name) => {
            Err(unknown(Some(found.to_owned())))
        }
        _ => Ok(zone),
    }
}

/// US Eastern (America/New_York), the zone of Autotask's wire, from the bundled database,
/// looked up once. Every part of fieldmap that needs Autotask's zone takes it from here.
pub fn eastern() -> &'static TimeZone {
    static ZONE: OnceLock<TimeZone> = OnceLock::new();
    ZONE.get_or_init(|| {
        // The bundled database always holds this zone (a test checks it); the
        // fallbacks only keep this function free of panics, they are not
        // meant to be reached.
        bundled_database()
            .get(AUTOTASK_ZONE_NAME)
            .or_else(|_| TimeZone::posix("EST5EDT,M3.2.0,M11.1.0"))
            .unwrap_or_else(|_| TimeZone::fixed(Offset::constant(-5)))
    })
}

/// A name for `zone` in messages: its IANA name, else its fixed offset.
pub(super) fn zone_display_name(zone: &TimeZone) -> String {
    match zone.iana_name() {
        Some(name) => name.to_owned(),
        None => match zone.to_fixed_offset() {
            Ok(offset) => format!("fixed offset {offset}"),
            Err(_) => "an unnamed time zone".to_owned(),
        },
    }
}

/// Always the bundled copy, even if some other crate in the build turns on
/// jiff's system-database features (which would change `jiff::tz::db()`).
fn bundled_database() -> &'static TimeZoneDatabase {
    static DATABASE: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DATABASE.get_or_init(TimeZoneDatabase::bundled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_iana_names_and_utc() {
        for name in [
            "America/New_York",
            "America/Chicago",
            "Europe/Berlin",
            "Australia/Lord_Howe",
            "UTC",
        ] {
            let zone = resolve_zone(name).unwrap();
            assert_eq!(zone.iana_name(), Some(name));
        }
    }

    #[test]
    fn accepts_iana_links() {
        let zone = resolve_zone("US/Eastern").unwrap();
        let summer = jiff::civil::date(2025, 7, 1).at(12, 0, 0, 0);
        assert_eq!(zone.to_ambiguous_timestamp(summer).offset(), {
            let new_york = resolve_zone("America/New_York").unwrap();
            new_york.to_ambiguous_timestamp(summer).offset()
        });
    }

    #[test]
    fn unknown_names_are_errors_that_name_the_zone() {
        for name in [
            "",
            "Mars/Olympus_Mons",
            "EST5EDT,M3.2.0,M11.1.0",
            "+05:00",
            " America/New_York",
            "../../etc/passwd",
            "America/New_York\0",
        ] {
            let error = resolve_zone(name).unwrap_err();
            assert!(
                matches!(&error, TimeError::UnknownZone { name: quoted, .. } if quoted == name),
                "{name:?}: {error}"
            );
        }
        let message = resolve_zone("Mars/Olympus_Mons").unwrap_err().to_string();
        assert!(message.contains("\"Mars/Olympus_Mons\""), "{message}");
    }

    #[test]
    fn wrong_letter_case_is_rejected_with_a_suggestion() {
        let error = resolve_zone("america/new_york").unwrap_err();
        assert_eq!(
            error,
            TimeError::UnknownZone {
                name: "america/new_york".into(),
                suggestion: Some("America/New_York".into()),
            }
        );
    }

    #[test]
    fn eastern_comes_from_the_bundled_database() {
        assert_eq!(eastern().iana_name(), Some(AUTOTASK_ZONE_NAME));
    }

    #[test]
    fn display_name_falls_back_to_the_offset() {
        assert_eq!(zone_display_name(eastern()), AUTOTASK_ZONE_NAME);
        let fixed = TimeZone::fixed(Offset::constant(3));
        assert_eq!(zone_display_name(&fixed), "fixed offset +03");
    }
}
