use super::Example;
use super::duration_of::DurationOf;

/// `hours(amount)`: a number of hours as a duration, such as Autotask's EstimatedHours.
pub const HOURS: DurationOf = DurationOf {
    name: "hours",
    seconds: 3600,
    summary: "`amount` hours as a duration for date arithmetic (1.5 is 1h30m): `DueDateTime + hours(EstimatedHours)`; a negative amount is an error, null gives null",
    examples: &[
        Example {
            source: r#"format(parse_datetime("2025-01-15 09:00", "YYYY-MM-DD HH:mm", "America/New_York") + hours(1.5), "HH:mm")"#,
            result: r#""10:30""#,
        },
        Example {
            source: "string(hours(2.25))",
            result: r#""2h15m""#,
        },
        Example {
            source: "hours(-2)",
            result: "error: hours(-2): a length of time cannot be negative",
        },
    ],
};
