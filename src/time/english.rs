//! English month and weekday names and ordinal suffixes, as moment.js's
//! default `en` locale writes them.

use jiff::civil::Weekday;

const MONTHS_LONG: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const MONTHS_SHORT: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Monday first, matching jiff's `to_monday_zero_offset`.
const WEEKDAYS: [(Weekday, &str, &str); 7] = [
    (Weekday::Monday, "Monday", "Mon"),
    (Weekday::Tuesday, "Tuesday", "Tue"),
    (Weekday::Wednesday, "Wednesday", "Wed"),
    (Weekday::Thursday, "Thursday", "Thu"),
    (Weekday::Friday, "Friday", "Fri"),
    (Weekday::Saturday, "Saturday", "Sat"),
    (Weekday::Sunday, "Sunday", "Sun"),
];

/// `month` is 1-based; out-of-range months (never produced by jiff) give "".
pub(super) fn month_name_long(month: i8) -> &'static str {
    month_index(month)
        .and_then(|index| MONTHS_LONG.get(index))
        .copied()
        .unwrap_or_default()
}

pub(super) fn month_name_short(month: i8) -> &'static str {
    month_index(month)
        .and_then(|index| MONTHS_SHORT.get(index))
        .copied()
        .unwrap_or_default()
}

fn month_index(month: i8) -> Option<usize> {
    usize::try_from(month).ok()?.checked_sub(1)
}

/// Month names with their 1-based numbers, long names first so that a
/// parser trying them in order prefers "June" over "Jun".
pub(super) fn month_names_for_parsing() -> impl Iterator<Item = (&'static str, i64)> {
    let numbered = |names: [&'static str; 12]| names.into_iter().zip(1..);
    numbered(MONTHS_LONG).chain(numbered(MONTHS_SHORT))
}

pub(super) fn weekday_name_long(weekday: Weekday) -> &'static str {
    weekday_entry(weekday).1
}

pub(super) fn weekday_name_short(weekday: Weekday) -> &'static str {
    weekday_entry(weekday).2
}

fn weekday_entry(weekday: Weekday) -> (Weekday, &'static str, &'static str) {
    WEEKDAYS
        .into_iter()
        .find(|(candidate, _, _)| *candidate == weekday)
        .unwrap_or((weekday, "", ""))
}

/// Weekday names, long names first (see [`month_names_for_parsing`]).
pub(super) fn weekday_names_for_parsing() -> impl Iterator<Item = (&'static str, Weekday)> {
    let long = WEEKDAYS.into_iter().map(|(day, long, _)| (long, day));
    let short = WEEKDAYS.into_iter().map(|(day, _, short)| (short, day));
    long.chain(short)
}

/// The English ordinal suffix for a day of the month: 1st, 2nd, 3rd, 4th,
/// 11th, 12th, 13th, 21st, ...
pub(super) fn ordinal_suffix(number: i64) -> &'static str {
    match (number % 100, number % 10) {
        (11..=13, _) => "th",
        (_, 1) => "st",
        (_, 2) => "nd",
        (_, 3) => "rd",
        _ => "th",
    }
}

/// Every suffix [`ordinal_suffix`] can produce, for parsing.
pub(super) const ORDINAL_SUFFIXES: [&str; 4] = ["st", "nd", "rd", "th"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_by_number() {
        assert_eq!(month_name_long(1), "January");
        assert_eq!(month_name_short(12), "Dec");
        assert_eq!(month_name_long(0), "");
        assert_eq!(month_name_long(13), "");
        assert_eq!(weekday_name_long(Weekday::Sunday), "Sunday");
        assert_eq!(weekday_name_short(Weekday::Wednesday), "Wed");
    }

    #[test]
    fn ordinals() {
        let expected = [
            (1, "st"),
            (2, "nd"),
            (3, "rd"),
            (4, "th"),
            (11, "th"),
            (12, "th"),
            (13, "th"),
            (21, "st"),
            (22, "nd"),
            (23, "rd"),
            (30, "th"),
            (31, "st"),
        ];
        for (day, suffix) in expected {
            assert_eq!(ordinal_suffix(day), suffix, "{day}");
        }
    }

    #[test]
    fn parsing_lists_prefer_long_names() {
        let first_june = month_names_for_parsing().find(|(name, _)| name.starts_with("Jun"));
        assert_eq!(first_june, Some(("June", 6)));
        assert_eq!(month_names_for_parsing().count(), 24);
        assert_eq!(weekday_names_for_parsing().count(), 14);
    }
}
