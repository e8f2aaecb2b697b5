//! Garbage in, error out: every parser in the module is fed malformed text,
//! mutated valid text, arbitrary bytes and arbitrary Unicode, and must
//! return (an error where the input is known bad) without panicking.
//! Formatters and arithmetic are driven to the edges of the supported range.
//! Inputs come from proptest strategies with a fixed seed: every run tries the
//! same cases, and a failure shrinks to a small input.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::RngSeed;

use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};

use super::{
    MomentFormat, add_duration, convert_to_zone, format_autotask_datetime, format_fieldnation_utc,
    parse_autotask_datetime, parse_duration_literal, reinterpret_in_zone, resolve_zone,
};

/// A fixed seed and `cases` cases; failures are not written to files.
fn config(cases: u32, seed: u64) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text made of pieces that date parsers care about, so random inputs get deep
/// into the parsers instead of failing at byte 0.
fn text_from(
    alphabet: &'static [&'static str],
    max_pieces: usize,
) -> impl Strategy<Value = String> {
    prop::collection::vec(select(alphabet), 0..=max_pieces).prop_map(|pieces| pieces.concat())
}

/// A copy of `text` with one character deleted, replaced or inserted.
fn mutate(text: &str, at: Index, insert: &str, how: u8) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = at.index(chars.len() + 1);
    let before: String = chars[..at].iter().collect();
    let after: String = chars[at..].iter().collect();
    let rest: String = after.chars().skip(1).collect();
    match how {
        0 => format!("{before}{rest}"),
        1 => format!("{before}{insert}{rest}"),
        _ => format!("{before}{insert}{after}"),
    }
}

/// A well-formed duration literal with random units and amounts.
fn duration_literal() -> impl Strategy<Value = String> {
    let amount = select(&["0", "1", "4", "30", "90", "100000", "999999999999"][..]);
    (
        select(&["", "-", "+"][..]),
        prop::collection::vec(prop::option::of(amount), 5),
    )
        .prop_map(|(sign, amounts)| {
            let mut literal = sign.to_string();
            for (unit, amount) in ["w", "d", "h", "m", "s"].iter().zip(amounts) {
                if let Some(amount) = amount {
                    literal.push_str(amount);
                    literal.push_str(unit);
                }
            }
            if literal.trim_start_matches(['-', '+']).is_empty() {
                literal.push_str("1h");
            }
            literal
        })
}

const DATE_ALPHABET: &[&str] = &[
    "0", "1", "2", "3", "9", "00", "12", "24", "59", "60", "99", "2024", "9999", "-", ":", "T",
    "t", ".", "Z", "z", "+", " ", "/", "AM", "pm", "Jan", "December", "Mon", "th", "st", "EST",
    "é", "🕒", "\u{0}", "\u{200b}", "\n", "[", "]", "٣",
];

const FORMAT_ALPHABET: &[&str] = &[
    "YYYY",
    "YY",
    "M",
    "MM",
    "MMM",
    "MMMM",
    "D",
    "DD",
    "Do",
    "ddd",
    "dddd",
    "H",
    "HH",
    "h",
    "hh",
    "m",
    "mm",
    "s",
    "ss",
    "S",
    "SSS",
    "SSSSSSSSS",
    "A",
    "a",
    "Z",
    "ZZ",
    "z",
    "X",
    "x",
    "T",
    "-",
    ":",
    " ",
    "/",
    ".",
    "[at]",
    "[",
    "]",
    "Q",
    "é",
    "o",
    "W",
];

const DURATION_ALPHABET: &[&str] = &[
    "0",
    "1",
    "4",
    "30",
    "90",
    "999999999999",
    "9999999999999",
    "w",
    "d",
    "h",
    "m",
    "s",
    "-",
    "+",
    ".",
    " ",
    "H",
    "ms",
    "é",
];

/// Runs `check`, turning a panic into a failure that names the input.
fn must_not_panic(label: &str, input: &str, check: impl FnOnce()) {
    if catch_unwind(AssertUnwindSafe(check)).is_err() {
        panic!("{label} panicked on {input:?}");
    }
}

fn zones() -> Vec<TimeZone> {
    [
        "America/New_York",
        "Australia/Lord_Howe",
        "Pacific/Kiritimati",
        "America/Adak",
        "UTC",
    ]
    .into_iter()
    .map(|name| resolve_zone(name).unwrap())
    .collect()
}

/// Values at and near the ends of the representable range, in many zones.
fn extreme_values() -> Vec<ZonedDateTime> {
    let instants = [
        Timestamp::MIN,
        Timestamp::MAX,
        Timestamp::UNIX_EPOCH,
        Timestamp::new(-1, -1).unwrap(),
        Timestamp::new(253_402_207_200, 999_999_999).unwrap_or(Timestamp::MAX),
    ];
    let mut values = Vec::new();
    for zone in zones() {
        for instant in instants {
            values.push(instant.to_zoned_datetime(zone.clone()));
        }
    }
    values
}

fn exercise_every_parser(input: &str, formats: &[MomentFormat], zone: &TimeZone) {
    must_not_panic("parse_autotask_datetime", input, || {
        let _ = parse_autotask_datetime(input);
    });
    must_not_panic("parse_duration_literal", input, || {
        let _ = parse_duration_literal(input);
    });
    must_not_panic("resolve_zone", input, || {
        let _ = resolve_zone(input);
    });
    must_not_panic("MomentFormat::compile", input, || {
        let _ = MomentFormat::compile(input);
    });
    for format in formats {
        must_not_panic(format.source(), input, || {
            let _ = format.parse(input, zone);
        });
    }
}

fn sample_formats() -> Vec<MomentFormat> {
    [
        "MM/DD/YYYY h:mm A",
        "dddd, MMMM Do YYYY",
        "YYYY-MM-DDTHH:mm:ssZ",
        "X",
        "x",
        "[Week of] MMM D",
        "YYYY-MM-DD HH:mm:ss.SSSSSSS ZZ z",
        "YY M D H m s a",
        "X.SSS",
    ]
    .into_iter()
    .map(|format| MomentFormat::compile(format).unwrap())
    .collect()
}

#[test]
fn known_garbage_is_rejected_by_every_parser() {
    let garbage = [
        "",
        " ",
        "garbage",
        "2024-",
        "2024-03",
        "2024-03-1",
        "2024-03-10T",
        "2024-03-10T02",
        "2024-03-10T02:30",
        "2024-03-10T02:30:",
        "2024-03-10T02:30:00.",
        "2024-03-10T02:30:00+",
        "2024-03-10T02:30:00+05:",
        "2024-03-10T02:30:00ZZ",
        "2024-03-10T02:30:00 EST",
        "2024-02-30T00:00:00",
        "2024-03-10T25:00:00",
        "2024-03-10T23:60:00",
        "2024-03-10T23:59:60",
        "+2024-03-10",
        "-2024-03-10",
        "２０２４-03-10",
        "2024-03-10T02:30:00.1234567890",
        "2024\u{0}03-10",
        "🕒",
        "99999-01-01",
        "NaN",
        "null",
    ];
    let formats = sample_formats();
    let new_york = resolve_zone("America/New_York").unwrap();
    for input in garbage {
        assert!(
            parse_autotask_datetime(input).is_err(),
            "Autotask accepted {input:?}"
        );
        assert!(
            parse_duration_literal(input).is_err(),
            "duration accepted {input:?}"
        );
        assert!(resolve_zone(input).is_err(), "zone accepted {input:?}");
        for format in &formats {
            assert!(
                format.parse(input, &new_york).is_err(),
                "{} accepted {input:?}",
                format.source()
            );
        }
    }
    for format in [
        "Q",
        "YYYYY",
        "[unclosed",
        "MMMMM",
        "dd",
        "LT",
        "kk",
        "Www",
        "E",
        "SSSSSSSSSS",
    ] {
        assert!(
            MomentFormat::compile(format).is_err(),
            "compiled {format:?}"
        );
    }
}

const SEEDS: &[&str] = &[
    "2018-07-24T19:14:36.24",
    "2024-03-10T02:30:00",
    "2024-11-03T01:30:00.1234567-05:00",
    "2024-03-10",
    "01/15/2025 9:05 AM",
    "Wednesday, January 15th 2025",
    "2025-01-15T09:00:00Z",
    "1736949600.123",
    "Week of Jan 15",
    "1w2d3h4m5s",
    "America/New_York",
    "YYYY-MM-DD [at] h:mm A Z",
];

#[test]
fn every_prefix_of_valid_inputs_is_handled() {
    let formats = sample_formats();
    let zone = resolve_zone("America/New_York").unwrap();
    for seed in SEEDS {
        for (end, _) in seed.char_indices() {
            exercise_every_parser(seed.get(..end).unwrap(), &formats, &zone);
        }
    }
}

proptest! {
    #![proptest_config(config(1_800, 0x5EED_0001))]
    #[test]
    fn mutated_valid_inputs_never_panic(
        seed in select(SEEDS),
        at in any::<Index>(),
        insert in select(DATE_ALPHABET),
        how in 0u8..3,
    ) {
        let zone = resolve_zone("America/New_York").unwrap();
        exercise_every_parser(&mutate(seed, at, insert, how), &sample_formats(), &zone);
    }
}

proptest! {
    #![proptest_config(config(1_200, 0x5EED_0002))]
    #[test]
    fn arbitrary_bytes_and_unicode_never_panic(
        input in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..40)
                .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
            prop::collection::vec(any::<char>(), 0..24).prop_map(|c| c.into_iter().collect()),
            text_from(DATE_ALPHABET, 12),
        ],
    ) {
        let zone = resolve_zone("Australia/Lord_Howe").unwrap();
        exercise_every_parser(&input, &sample_formats(), &zone);
    }
}

/// Random formats: those that compile format every extreme value and parse what
/// they wrote and random text, in a random zone. Returns whether it compiled.
fn exercise_format(source: &str, zone: usize, input: &str) -> bool {
    let Ok(format) = MomentFormat::compile(source) else {
        return false;
    };
    let zones = zones();
    let zone = &zones[zone % zones.len()];
    for value in &extreme_values() {
        let mut text = String::new();
        must_not_panic(source, "(formatting an extreme value)", || {
            format.format_into(value, &mut text);
        });
        must_not_panic(source, &text, || {
            let _ = format.parse(&text, zone);
        });
    }
    must_not_panic(source, input, || {
        let _ = format.parse(input, zone);
    });
    true
}

#[test]
fn random_formats_compile_format_and_parse_without_panicking() {
    let mut runner = proptest::test_runner::TestRunner::new(config(400, 0x5EED_0003));
    let compiled = std::cell::Cell::new(0);
    runner
        .run(
            &(
                text_from(FORMAT_ALPHABET, 10),
                any::<usize>(),
                text_from(DATE_ALPHABET, 12),
            ),
            |(source, zone, input)| {
                if exercise_format(&source, zone, &input) {
                    compiled.set(compiled.get() + 1);
                }
                Ok(())
            },
        )
        .unwrap();
    assert!(
        compiled.get() > 50,
        "too few random formats compiled ({}) to mean anything",
        compiled.get()
    );
}

#[test]
fn random_durations_and_extreme_arithmetic_never_panic() {
    let mut runner = proptest::test_runner::TestRunner::new(config(600, 0x5EED_0004));
    let values = extreme_values();
    let parsed = std::cell::Cell::new(0);
    let input = prop_oneof![1 => text_from(DURATION_ALPHABET, 6), 3 => duration_literal()];
    runner
        .run(&(input, any::<Index>()), |(input, value)| {
            if let Ok(duration) = parse_duration_literal(&input) {
                parsed.set(parsed.get() + 1);
                let value = value.get(&values);
                must_not_panic("add_duration", &input, || {
                    let _ = add_duration(value, &duration);
                    let _ = add_duration(value, &duration.negated());
                    let _ = duration.to_string();
                });
            }
            Ok(())
        })
        .unwrap();
    assert!(
        parsed.get() > 50,
        "too few random durations parsed ({}) to mean anything",
        parsed.get()
    );
    for value in &values {
        for zone in &zones() {
            must_not_panic("zone change", &value.to_string(), || {
                let _ = convert_to_zone(value, zone);
                let _ = reinterpret_in_zone(value, zone);
                let _ = format_autotask_datetime(value);
                let _ = format_fieldnation_utc(value);
            });
        }
    }
}

proptest! {
    #![proptest_config(config(2_000, 0x5EED_0005))]
    #[test]
    fn autotask_wire_round_trips_for_scattered_instants(
        // Instants between 1900 and 2100 at 100 ns (.NET tick) precision.
        seconds in -2_208_988_800i64..4_102_401_600,
        ticks in 0i32..10_000_000,
    ) {
        let instant = Timestamp::new(seconds, ticks * 100).unwrap();
        let value = instant.to_zoned_datetime(resolve_zone("America/New_York").unwrap());
        let wire = format_autotask_datetime(&value);
        let (parsed, adjustment) = parse_autotask_datetime(&wire).unwrap();
        prop_assert_eq!(format_autotask_datetime(&parsed), wire.clone());
        if adjustment.is_none() {
            prop_assert_eq!(parsed.timestamp(), instant, "{}", wire);
        } else {
            // Only the repeated hour of a fall-back day is lossy on the wire.
            prop_assert!(
                matches!(adjustment, Some(super::DstAdjustment::Fold { .. })),
                "{}: {:?}", wire, adjustment
            );
            prop_assert!(parsed.timestamp() <= instant);
        }
    }
}
