//! Assembles parsed numeric fields into a civil date-time, explaining in
//! plain words which field is impossible (better than a generic range
//! error from the date library).

use jiff::civil::{Date, DateTime};

use super::english::month_name_long;

/// Date and time fields as read from text, before validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CivilFields {
    pub(super) year: i64,
    pub(super) month: i64,
    pub(super) day: i64,
    pub(super) hour: i64,
    pub(super) minute: i64,
    pub(super) second: i64,
    pub(super) nanosecond: i32,
}

impl CivilFields {
    pub(super) fn midnight(year: i64, month: i64, day: i64) -> Self {
        CivilFields {
            year,
            month,
            day,
            hour: 0,
            minute: 0,
            second: 0,
            nanosecond: 0,
        }
    }

    /// Validates every field and builds the date-time, or says what is wrong.
    pub(super) fn to_datetime(self) -> Result<DateTime, String> {
        let year = narrow::<i16>(self.year, -9999, 9999)
            .ok_or_else(|| format!("year {} is outside -9999..=9999", self.year))?;
        let month = narrow::<i8>(self.month, 1, 12)
            .ok_or_else(|| format!("month {} is not between 1 and 12", self.month))?;
        let first_of_month =
            Date::new(year, month, 1).map_err(|error| format!("invalid date: {error}"))?;
        let days_in_month = first_of_month.days_in_month();
        let day = narrow::<i8>(self.day, 1, i64::from(days_in_month)).ok_or_else(|| {
            format!(
                "day {} does not exist: {} {year} has {days_in_month} days",
                self.day,
                month_name_long(month)
            )
        })?;
        let hour = narrow::<i8>(self.hour, 0, 23)
            .ok_or_else(|| format!("hour {} is not between 0 and 23", self.hour))?;
        let minute = narrow::<i8>(self.minute, 0, 59)
            .ok_or_else(|| format!("minute {} is not between 0 and 59", self.minute))?;
        let second = narrow::<i8>(self.second, 0, 59).ok_or_else(|| {
            format!(
                "second {} is not between 0 and 59 (leap seconds are not supported)",
                self.second
            )
        })?;
        DateTime::new(year, month, day, hour, minute, second, self.nanosecond)
            .map_err(|error| format!("invalid date-time: {error}"))
    }
}

fn narrow<T: TryFrom<i64>>(value: i64, min: i64, max: i64) -> Option<T> {
    if (min..=max).contains(&value) {
        T::try_from(value).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_fields_build_a_datetime() {
        let fields = CivilFields {
            hour: 19,
            minute: 14,
            second: 36,
            nanosecond: 240_000_000,
            ..CivilFields::midnight(2018, 7, 24)
        };
        assert_eq!(
            fields.to_datetime().unwrap().to_string(),
            "2018-07-24T19:14:36.24"
        );
    }

    #[test]
    fn impossible_fields_are_explained() {
        let cases = [
            (
                CivilFields::midnight(2023, 2, 29),
                "day 29 does not exist: February 2023 has 28 days",
            ),
            (
                CivilFields::midnight(2024, 13, 1),
                "month 13 is not between 1 and 12",
            ),
            (
                CivilFields::midnight(2024, 0, 1),
                "month 0 is not between 1 and 12",
            ),
            (
                CivilFields::midnight(10000, 1, 1),
                "year 10000 is outside -9999..=9999",
            ),
            (
                CivilFields {
                    hour: 24,
                    ..CivilFields::midnight(2024, 1, 1)
                },
                "hour 24 is not between 0 and 23",
            ),
            (
                CivilFields {
                    second: 60,
                    ..CivilFields::midnight(2024, 1, 1)
                },
                "second 60 is not between 0 and 59 (leap seconds are not supported)",
            ),
        ];
        for (fields, reason) in cases {
            assert_eq!(fields.to_datetime().unwrap_err(), reason);
        }
        assert!(CivilFields::midnight(2024, 2, 29).to_datetime().is_ok());
    }
}
