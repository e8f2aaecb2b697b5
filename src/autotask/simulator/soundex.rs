//! American Soundex, as SQL Server's `SOUNDEX` computes it, for QueryXML's
//! `SoundsLike`.

/// The four-character code of the text's ASCII letters, or `None` when it
/// has none.
pub(super) fn soundex(text: &str) -> Option<String> {
    let mut letters = text
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase());
    let first = letters.next()?;
    let mut code = String::with_capacity(4);
    code.push(first);
    let mut previous = digit(first);
    for letter in letters {
        let current = digit(letter);
        // H and W do not separate letters of the same code; vowels do.
        if matches!(letter, 'H' | 'W') {
            continue;
        }
        if current != '0' && current != previous {
            code.push(current);
            if code.len() == 4 {
                break;
            }
        }
        previous = current;
    }
    while code.len() < 4 {
        code.push('0');
    }
    Some(code)
}

fn digit(letter: char) -> char {
    match letter {
        'B' | 'F' | 'P' | 'V' => '1',
        'C' | 'G' | 'J' | 'K' | 'Q' | 'S' | 'X' | 'Z' => '2',
        'D' | 'T' => '3',
        'L' => '4',
        'M' | 'N' => '5',
        'R' => '6',
        _ => '0',
    }
}

#[cfg(test)]
mod tests {
    use super::soundex;

    #[test]
    fn classic_examples() {
        assert_eq!(soundex("Robert").as_deref(), Some("R163"));
        assert_eq!(soundex("Rupert").as_deref(), Some("R163"));
        assert_eq!(soundex("Ashcraft").as_deref(), Some("A261"));
        assert_eq!(soundex("Tymczak").as_deref(), Some("T522"));
        assert_eq!(soundex("Pfister").as_deref(), Some("P236"));
        assert_eq!(soundex("Smith"), soundex("Smyth"));
        assert_eq!(soundex("123"), None);
    }
}
