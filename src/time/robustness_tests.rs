//! Garbage in, error out: every parser in the module is fed malformed text,
//! mutated valid text, arbitrary bytes and arbitrary Unicode, and must
//! return (an error where the input is known bad) without panicking.
//! Formatters and arithmetic are driven to the edges of the supported range.
//! A fixed-seed generator keeps every run identical.

use std::panic::{AssertUnwindSafe, catch_unwind};

use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};

use super::{
    MomentFormat, add_duration, convert_to_zone, format_autotask_datetime, format_fieldnation_utc,
    parse_autotask_datetime, parse_duration_literal, reinterpret_in_zone, resolve_zone,
};

/// xorshift64*: tiny, deterministic, good enough to scatter test inputs.
struct Scrambler(u64);

impl Scrambler {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: usize) -> usize {
        usize::try_from(self.next() % bound.max(1) as u64).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn random_bytes(&mut self) -> String {
        let length = self.below(40);
        let bytes: Vec<u8> = (0..length).map(|_| (self.next() >> 24) as u8).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn random_unicode(&mut self) -> String {
        let length = self.below(24);
        (0..length)
            .filter_map(|_| char::from_u32((self.next() % 0x11_0000) as u32))
            .collect()
    }

    /// Strings from characters that date parsers care about, so random
    /// inputs get deep into the parsers instead of failing at byte 0.
    fn text_from_alphabet(&mut self, alphabet: &[&str], max_pieces: usize) -> String {
        let pieces = self.below(max_pieces + 1);
        (0..pieces).map(|_| *self.pick(alphabet)).collect()
    }

    /// A well-formed duration literal with random units and amounts.
    fn duration_literal(&mut self) -> String {
        let mut literal = self.pick(&["", "-", "+"]).to_string();
        for unit in ["w", "d", "h", "m", "s"] {
            if self.below(2) == 0 {
                let amount = self.pick(&["0", "1", "4", "30", "90", "100000", "999999999999"]);
                literal.push_str(amount);
                literal.push_str(unit);
            }
        }
        if literal.trim_start_matches(['-', '+']).is_empty() {
            literal.push_str("1h");
        }
        literal
    }

    /// A copy of `text` with one character deleted, replaced or inserted.
    fn mutate(&mut self, text: &str, alphabet: &[&str]) -> String {
        let chars: Vec<char> = text.chars().collect();
        let at = self.below(chars.len() + 1);
        let (before, after) = chars.split_at(at.min(chars.len()));
        let before: String = before.iter().collect();
        let after: String = after.iter().collect();
        let insert = *self.pick(alphabet);
        match self.below(3) {
            0 => format!("{before}{}", after.chars().skip(1).collect::<String>()),
            1 => format!(
                "{before}{insert}{}",
                after.chars().skip(1).collect::<String>()
            ),
            _ => format!("{before}{insert}{after}"),
        }
    }
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

#[test]
fn mutated_valid_inputs_never_panic() {
    let mut scrambler = Scrambler(0x5EED_0001);
    let formats = sample_formats();
    let zone = resolve_zone("America/New_York").unwrap();
    let seeds = [
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
    for seed in seeds {
        // Every prefix, on character boundaries.
        for (end, _) in seed.char_indices() {
            exercise_every_parser(seed.get(..end).unwrap(), &formats, &zone);
        }
        for _ in 0..150 {
            let mutated = scrambler.mutate(seed, DATE_ALPHABET);
            exercise_every_parser(&mutated, &formats, &zone);
        }
    }
}

#[test]
fn arbitrary_bytes_and_unicode_never_panic() {
    let mut scrambler = Scrambler(0x5EED_0002);
    let formats = sample_formats();
    let zone = resolve_zone("Australia/Lord_Howe").unwrap();
    for _ in 0..400 {
        let bytes = scrambler.random_bytes();
        exercise_every_parser(&bytes, &formats, &zone);
        let unicode = scrambler.random_unicode();
        exercise_every_parser(&unicode, &formats, &zone);
        let date_like = scrambler.text_from_alphabet(DATE_ALPHABET, 12);
        exercise_every_parser(&date_like, &formats, &zone);
    }
}

#[test]
fn random_formats_compile_format_and_parse_without_panicking() {
    let mut scrambler = Scrambler(0x5EED_0003);
    let values = extreme_values();
    let zones = zones();
    let mut compiled = 0;
    for _ in 0..400 {
        let source = scrambler.text_from_alphabet(FORMAT_ALPHABET, 10);
        let Ok(format) = MomentFormat::compile(&source) else {
            continue;
        };
        compiled += 1;
        for value in &values {
            let mut text = String::new();
            must_not_panic(&source, "(formatting an extreme value)", || {
                format.format_into(value, &mut text);
            });
            let zone = scrambler.pick(&zones);
            must_not_panic(&source, &text, || {
                let _ = format.parse(&text, zone);
            });
        }
        let random_input = scrambler.text_from_alphabet(DATE_ALPHABET, 12);
        must_not_panic(&source, &random_input, || {
            let _ = format.parse(&random_input, scrambler.pick(&zones));
        });
    }
    assert!(
        compiled > 50,
        "too few random formats compiled ({compiled}) to mean anything"
    );
}

#[test]
fn random_durations_and_extreme_arithmetic_never_panic() {
    let mut scrambler = Scrambler(0x5EED_0004);
    let values = extreme_values();
    let zones = zones();
    let mut parsed = 0;
    for _ in 0..600 {
        let input = if scrambler.below(4) == 0 {
            scrambler.text_from_alphabet(DURATION_ALPHABET, 6)
        } else {
            scrambler.duration_literal()
        };
        let Ok(duration) = parse_duration_literal(&input) else {
            continue;
        };
        parsed += 1;
        let value = scrambler.pick(&values);
        must_not_panic("add_duration", &input, || {
            let _ = add_duration(value, &duration);
            let _ = add_duration(value, &duration.negated());
            let _ = duration.to_string();
        });
    }
    assert!(
        parsed > 50,
        "too few random durations parsed ({parsed}) to mean anything"
    );
    for value in &values {
        for zone in &zones {
            must_not_panic("zone change", &value.to_string(), || {
                let _ = convert_to_zone(value, zone);
                let _ = reinterpret_in_zone(value, zone);
                let _ = format_autotask_datetime(value);
                let _ = format_fieldnation_utc(value);
            });
        }
    }
}

#[test]
fn autotask_wire_round_trips_for_scattered_instants() {
    let mut scrambler = Scrambler(0x5EED_0005);
    for _ in 0..2_000 {
        // Instants between 1900 and 2100 at 100 ns (.NET tick) precision.
        let seconds = -2_208_988_800 + (scrambler.next() % 6_311_390_400) as i64;
        let ticks = (scrambler.next() % 10_000_000) as i32;
        let instant = Timestamp::new(seconds, ticks * 100).unwrap();
        let value = instant.to_zoned_datetime(resolve_zone("America/New_York").unwrap());
        let wire = format_autotask_datetime(&value);
        let (parsed, adjustment) = parse_autotask_datetime(&wire).unwrap();
        assert_eq!(format_autotask_datetime(&parsed), wire);
        if adjustment.is_none() {
            assert_eq!(parsed.timestamp(), instant, "{wire}");
        } else {
            // Only the repeated hour of a fall-back day is lossy on the wire.
            assert!(
                matches!(adjustment, Some(super::DstAdjustment::Fold { .. })),
                "{wire}: {adjustment:?}"
            );
            assert!(parsed.timestamp() <= instant);
        }
    }
}
