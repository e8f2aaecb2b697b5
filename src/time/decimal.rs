//! Writing numbers into an existing `String` without going through
//! `format!`, so formatters in hot paths allocate nothing per value.

/// Appends `value` in decimal, zero-padded to at least `width` digits, with a
/// leading `-` for negative values (`-0044` for year -44 at width 4).
pub(super) fn push_zero_padded(out: &mut String, value: i64, width: usize) {
    if value < 0 {
        out.push('-');
    }
    let magnitude = value.unsigned_abs();
    let mut digits = [0_u8; 20];
    let mut count = 0;
    let mut rest = magnitude;
    loop {
        if let Some(slot) = digits.get_mut(count) {
            // `rest % 10` is a single digit, so the narrowing is lossless.
            *slot = b'0' + (rest % 10) as u8;
        }
        count += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for _ in count..width {
        out.push('0');
    }
    for digit in digits.iter().take(count).rev() {
        out.push(char::from(*digit));
    }
}

/// Appends exactly `digits` (1..=9) fraction digits of `nanosecond`,
/// truncating rather than rounding so a value never rolls into the next
/// second.
pub(super) fn push_fraction(out: &mut String, nanosecond: i32, digits: u8) {
    let digits = digits.clamp(1, 9);
    let divisor = 10_i64.pow(9 - u32::from(digits));
    push_zero_padded(
        out,
        i64::from(nanosecond.unsigned_abs()) / divisor,
        usize::from(digits),
    );
}

/// Appends `.` and at most `max_digits` fraction digits with trailing zeros
/// trimmed, or nothing at all when the (truncated) fraction is zero.
pub(super) fn push_trimmed_fraction(out: &mut String, nanosecond: i32, max_digits: u8) {
    let max_digits = max_digits.clamp(1, 9);
    let mut value = i64::from(nanosecond.unsigned_abs()) / 10_i64.pow(9 - u32::from(max_digits));
    if value == 0 {
        return;
    }
    let mut width = usize::from(max_digits);
    while value % 10 == 0 {
        value /= 10;
        width -= 1;
    }
    out.push('.');
    push_zero_padded(out, value, width);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn padded(value: i64, width: usize) -> String {
        let mut out = String::new();
        push_zero_padded(&mut out, value, width);
        out
    }

    #[test]
    fn zero_padding() {
        assert_eq!(padded(7, 2), "07");
        assert_eq!(padded(2025, 4), "2025");
        assert_eq!(padded(12345, 2), "12345");
        assert_eq!(padded(0, 1), "0");
        assert_eq!(padded(-44, 4), "-0044");
        assert_eq!(padded(i64::MIN, 1), "-9223372036854775808");
    }

    #[test]
    fn fractions() {
        let mut out = String::new();
        push_fraction(&mut out, 240_000_000, 3);
        assert_eq!(out, "240");
        out.clear();
        push_fraction(&mut out, 999_999_999, 3);
        assert_eq!(out, "999", "truncates, never rounds up");
        out.clear();
        push_trimmed_fraction(&mut out, 240_000_000, 7);
        assert_eq!(out, ".24");
        out.clear();
        push_trimmed_fraction(&mut out, 123_456_789, 7);
        assert_eq!(out, ".1234567");
        out.clear();
        push_trimmed_fraction(&mut out, 50, 7);
        assert_eq!(out, "", "below the 7th digit counts as zero");
    }
}
