//! The tokens of a moment-style format and the tokenizer that compiles a
//! format string into them.
//!
//! Unbracketed ASCII letters must form a supported token (a run of one
//! repeated letter, plus `Do`). The single exception is a lone `T`, the
//! ISO date/time separator, which is so common in formats like
//! `YYYY-MM-DDTHH:mm:ss` that it is read as literal text, as moment does.
//! Other literal letters go in brackets (`[Week of]`); every other character
//! is literal as written.

use super::super::error::quote_excerpt;
use super::format_error::FormatError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    Literal(String),
    /// `YYYY`
    YearFourDigit,
    /// `YY`
    YearTwoDigit,
    /// `M`
    MonthNumber,
    /// `MM`
    MonthNumberPadded,
    /// `MMM`
    MonthShortName,
    /// `MMMM`
    MonthLongName,
    /// `D`
    DayOfMonth,
    /// `DD`
    DayOfMonthPadded,
    /// `Do`
    DayOfMonthOrdinal,
    /// `ddd`
    WeekdayShortName,
    /// `dddd`
    WeekdayLongName,
    /// `H`
    Hour24,
    /// `HH`
    Hour24Padded,
    /// `h`
    Hour12,
    /// `hh`
    Hour12Padded,
    /// `m`
    Minute,
    /// `mm`
    MinutePadded,
    /// `s`
    Second,
    /// `ss`
    SecondPadded,
    /// `S` to `SSSSSSSSS`: that many fraction digits.
    Fraction {
        digits: u8,
    },
    /// `A`
    MeridiemUpper,
    /// `a`
    MeridiemLower,
    /// `Z`: `+05:00`
    OffsetWithColon,
    /// `ZZ`: `+0500`
    OffsetCompact,
    /// `z`: `EST`
    ZoneAbbreviation,
    /// `X`
    UnixSeconds,
    /// `x`
    UnixMilliseconds,
}

impl Token {
    /// Whether this token fixes the instant by itself, so a parsed wall
    /// clock needs no zone rules.
    pub(super) fn pins_instant(&self) -> bool {
        matches!(
            self,
            Token::OffsetWithColon
                | Token::OffsetCompact
                | Token::UnixSeconds
                | Token::UnixMilliseconds
        )
    }
}

/// Compiles `format` into tokens, merging neighbouring literal text.
pub(super) fn tokenize(format: &str) -> Result<Vec<Token>, FormatError> {
    let mut tokens = Vec::new();
    let mut literal = String::new();
    let mut position = 0;
    while let Some(rest) = format.get(position..).filter(|rest| !rest.is_empty()) {
        let mut chars = rest.chars();
        let Some(first) = chars.next() else { break };

        if first == '[' {
            let Some(close) = rest.find(']') else {
                return Err(FormatError::UnclosedBracket {
                    offset: position,
                    token: quote_excerpt(rest),
                });
            };
            literal.push_str(rest.get(1..close).unwrap_or_default());
            position += close + 1;
            continue;
        }

        if !first.is_ascii_alphabetic() {
            literal.push(first);
            position += first.len_utf8();
            continue;
        }

        let run_length = rest.bytes().take_while(|byte| *byte == first as u8).count();
        let is_ordinal_day =
            first == 'D' && run_length == 1 && rest.as_bytes().get(1) == Some(&b'o');
        let token_length = if is_ordinal_day { 2 } else { run_length };
        let text = rest.get(..token_length).unwrap_or_default();
        match token_for(text) {
            Some(Token::Literal(letters)) => literal.push_str(&letters),
            Some(token) => {
                if !literal.is_empty() {
                    tokens.push(Token::Literal(std::mem::take(&mut literal)));
                }
                tokens.push(token);
            }
            None => {
                return Err(FormatError::UnknownToken {
                    offset: position,
                    token: quote_excerpt(text),
                });
            }
        }
        position += token_length;
    }
    if !literal.is_empty() {
        tokens.push(Token::Literal(literal));
    }
    Ok(tokens)
}

fn token_for(text: &str) -> Option<Token> {
    let token = match text {
        "YYYY" => Token::YearFourDigit,
        "YY" => Token::YearTwoDigit,
        "M" => Token::MonthNumber,
        "MM" => Token::MonthNumberPadded,
        "MMM" => Token::MonthShortName,
        "MMMM" => Token::MonthLongName,
        "D" => Token::DayOfMonth,
        "DD" => Token::DayOfMonthPadded,
        "Do" => Token::DayOfMonthOrdinal,
        "ddd" => Token::WeekdayShortName,
        "dddd" => Token::WeekdayLongName,
        "H" => Token::Hour24,
        "HH" => Token::Hour24Padded,
        "h" => Token::Hour12,
        "hh" => Token::Hour12Padded,
        "m" => Token::Minute,
        "mm" => Token::MinutePadded,
        "s" => Token::Second,
        "ss" => Token::SecondPadded,
        "A" => Token::MeridiemUpper,
        "a" => Token::MeridiemLower,
        "Z" => Token::OffsetWithColon,
        "ZZ" => Token::OffsetCompact,
        "z" => Token::ZoneAbbreviation,
        "X" => Token::UnixSeconds,
        "x" => Token::UnixMilliseconds,
        "T" => Token::Literal("T".to_owned()),
        fraction if fraction.len() <= 9 && fraction.bytes().all(|byte| byte == b'S') => {
            Token::Fraction {
                digits: u8::try_from(fraction.len()).ok()?,
            }
        }
        _ => return None,
    };
    Some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(text: &str) -> Token {
        Token::Literal(text.to_owned())
    }

    #[test]
    fn us_date_with_twelve_hour_clock() {
        assert_eq!(
            tokenize("MM/DD/YYYY h:mm A").unwrap(),
            vec![
                Token::MonthNumberPadded,
                literal("/"),
                Token::DayOfMonthPadded,
                literal("/"),
                Token::YearFourDigit,
                literal(" "),
                Token::Hour12,
                literal(":"),
                Token::MinutePadded,
                literal(" "),
                Token::MeridiemUpper,
            ]
        );
    }

    #[test]
    fn iso_separator_and_brackets_are_literal() {
        assert_eq!(
            tokenize("YYYY-MM-DDTHH").unwrap(),
            vec![
                Token::YearFourDigit,
                literal("-"),
                Token::MonthNumberPadded,
                literal("-"),
                Token::DayOfMonthPadded,
                literal("T"),
                Token::Hour24Padded,
            ]
        );
        assert_eq!(
            tokenize("[Week of] MMM D").unwrap(),
            vec![
                literal("Week of "),
                Token::MonthShortName,
                literal(" "),
                Token::DayOfMonth
            ]
        );
        assert_eq!(tokenize("[]").unwrap(), vec![]);
        assert_eq!(tokenize("[[x]").unwrap(), vec![literal("[x")]);
    }

    #[test]
    fn ordinal_day_fraction_and_non_ascii_literals() {
        assert_eq!(
            tokenize("Do SSSSSSS S é").unwrap(),
            vec![
                Token::DayOfMonthOrdinal,
                literal(" "),
                Token::Fraction { digits: 7 },
                literal(" "),
                Token::Fraction { digits: 1 },
                literal(" é"),
            ]
        );
    }

    #[test]
    fn unknown_tokens_report_offset_and_text() {
        let cases = [
            ("Q", 0, "Q"),
            ("YYYYY", 0, "YYYYY"),
            ("YYYY-MM-DD Q", 11, "Q"),
            ("MMMMM", 0, "MMMMM"),
            ("dd", 0, "dd"),
            ("Y", 0, "Y"),
            ("TT", 0, "TT"),
            ("é W", 3, "W"),
            ("SSSSSSSSSS", 0, "SSSSSSSSSS"),
            ("DDo", 2, "o"),
        ];
        for (format, offset, token) in cases {
            let error = tokenize(format).unwrap_err();
            assert_eq!(
                error,
                FormatError::UnknownToken {
                    offset,
                    token: token.to_owned()
                },
                "{format:?}"
            );
        }
    }

    #[test]
    fn unclosed_bracket_reports_its_offset() {
        let error = tokenize("YYYY [Week of").unwrap_err();
        assert_eq!(error.offset(), 5);
        assert_eq!(error.token(), "[Week of");
        assert_eq!(
            error.to_string(),
            "unclosed '[' at byte 5: literal text \"[Week of\" needs a closing ']'"
        );
    }
}
