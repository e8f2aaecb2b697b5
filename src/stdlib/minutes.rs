use super::Example;
use super::duration_of::DurationOf;

/// `minutes(amount)`: a number of minutes as a duration.
pub const MINUTES: DurationOf = DurationOf {
    name: "minutes",
    seconds: 60,
    summary: "`amount` minutes as a duration for date arithmetic (90 is 1h30m); a negative amount is an error, null gives null",
    examples: &[Example {
        source: "string(minutes(90))",
        result: r#""1h30m""#,
    }],
};
