//! A forward-only reader over user text shared by every parser in the time
//! module. It only ever advances over ASCII bytes or over whole matched
//! strings, so its position always sits on a character boundary and slicing
//! never panics.

use super::error::describe_found;

#[derive(Debug, Clone)]
pub(super) struct Cursor<'a> {
    text: &'a str,
    position: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Cursor { text, position: 0 }
    }

    pub(super) fn position(&self) -> usize {
        self.position
    }

    pub(super) fn is_at_end(&self) -> bool {
        self.position >= self.text.len()
    }

    pub(super) fn rest(&self) -> &'a str {
        self.text.get(self.position..).unwrap_or_default()
    }

    pub(super) fn peek_byte(&self) -> Option<u8> {
        self.text.as_bytes().get(self.position).copied()
    }

    /// Consumes `byte` (which must be ASCII) if it is next.
    pub(super) fn eat_byte(&mut self, byte: u8) -> bool {
        if byte.is_ascii() && self.peek_byte() == Some(byte) {
            self.position += 1;
            true
        } else {
            false
        }
    }

    /// Steps over the next byte if it is ASCII (used after `peek_byte`).
    pub(super) fn skip_ascii_byte(&mut self) {
        if self.peek_byte().is_some_and(|byte| byte.is_ascii()) {
            self.position += 1;
        }
    }

    /// Consumes `expected` if the text continues with exactly it.
    pub(super) fn eat_str(&mut self, expected: &str) -> bool {
        if self.rest().starts_with(expected) {
            self.position += expected.len();
            true
        } else {
            false
        }
    }

    /// Consumes `expected` if the text continues with it, ignoring ASCII case.
    pub(super) fn eat_str_ignoring_case(&mut self, expected: &str) -> bool {
        let matches = self
            .rest()
            .as_bytes()
            .get(..expected.len())
            .is_some_and(|candidate| candidate.eq_ignore_ascii_case(expected.as_bytes()));
        if matches {
            self.position += expected.len();
        }
        matches
    }

    /// Reads between `min` and `max` ASCII digits (greedily) as a number.
    /// On failure nothing is consumed. `max` must stay at or below 18 so the
    /// value fits an `i64`.
    pub(super) fn digits(&mut self, min: usize, max: usize) -> Option<i64> {
        let mut value: i64 = 0;
        let mut count = 0;
        while count < max {
            match self.text.as_bytes().get(self.position + count) {
                Some(byte) if byte.is_ascii_digit() => {
                    value = value.checked_mul(10)?.checked_add(i64::from(byte - b'0'))?;
                    count += 1;
                }
                _ => break,
            }
        }
        if count < min {
            return None;
        }
        self.position += count;
        Some(value)
    }

    /// Reads a run of 1 to `max_digits` digits after a decimal point as
    /// nanoseconds (digits past the ninth are rejected by the caller's limit).
    pub(super) fn fraction_as_nanoseconds(&mut self, max_digits: usize) -> Option<i32> {
        let start = self.position;
        let value = self.digits(1, max_digits.min(9))?;
        let count = self.position - start;
        let scale = 10_i64.checked_pow(u32::try_from(9 - count).ok()?)?;
        i32::try_from(value.checked_mul(scale)?).ok()
    }

    /// Counts the ASCII digits that follow, without consuming them.
    pub(super) fn count_digits_ahead(&self) -> usize {
        self.rest().bytes().take_while(u8::is_ascii_digit).count()
    }

    /// Consumes bytes while `keep` accepts them (ASCII only) and returns them.
    pub(super) fn take_ascii_while(&mut self, keep: impl Fn(u8) -> bool) -> &'a str {
        let length = self
            .rest()
            .bytes()
            .take_while(|byte| byte.is_ascii() && keep(*byte))
            .count();
        let taken = self
            .text
            .get(self.position..self.position + length)
            .unwrap_or_default();
        self.position += taken.len();
        taken
    }

    /// The "found ..." clause for an error at the current position.
    pub(super) fn found(&self) -> String {
        describe_found(self.text, self.position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_greedy_within_bounds_and_atomic_on_failure() {
        let mut cursor = Cursor::new("20250115");
        assert_eq!(cursor.digits(4, 4), Some(2025));
        assert_eq!(cursor.digits(1, 2), Some(1));
        assert_eq!(cursor.position(), 6);
        assert_eq!(cursor.digits(3, 3), None);
        assert_eq!(cursor.position(), 6, "failed read must not consume");
        assert_eq!(cursor.digits(1, 2), Some(15));
        assert!(cursor.is_at_end());
    }

    #[test]
    fn fraction_scales_to_nanoseconds() {
        assert_eq!(
            Cursor::new("24").fraction_as_nanoseconds(9),
            Some(240_000_000)
        );
        assert_eq!(
            Cursor::new("1234567").fraction_as_nanoseconds(9),
            Some(123_456_700)
        );
        assert_eq!(Cursor::new("x").fraction_as_nanoseconds(9), None);
    }

    #[test]
    fn case_insensitive_match_does_not_split_characters() {
        let mut cursor = Cursor::new("éJan");
        assert!(!cursor.eat_str_ignoring_case("jan"));
        assert!(!cursor.eat_str_ignoring_case("e"));
        let mut cursor = Cursor::new("JANUARY");
        assert!(cursor.eat_str_ignoring_case("january"));
        assert!(cursor.is_at_end());
    }
}
