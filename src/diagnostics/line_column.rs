//! Turning a byte offset into the line and column a person looks for: one rule for mapping
//! files, SOAP responses and requests alike.

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The 1-based line and column of byte `position` in `input`.
///
/// Columns count characters, not bytes; invalid UTF-8 counts one column per
/// byte that does not continue a sequence, so garbage still gets a location.
/// A byte order mark is invisible in editors, so it takes no column.
pub fn line_column(input: &[u8], position: usize) -> (usize, usize) {
    let before = &input[..position.min(input.len())];
    let line = 1 + before.iter().filter(|&&byte| byte == b'\n').count();
    let line_start = match before.iter().rposition(|&byte| byte == b'\n') {
        Some(newline) => newline + 1,
        None if before.starts_with(UTF8_BOM) => UTF8_BOM.len(),
        None => 0,
    };
    let characters = before
        .get(line_start..)
        .unwrap_or_default()
        .iter()
        .filter(|&&byte| !is_utf8_continuation(byte))
        .count();
    (line, 1 + characters)
}

fn is_utf8_continuation(byte: u8) -> bool {
    byte & 0b1100_0000 == 0b1000_0000
}

#[cfg(test)]
mod tests {
    use super::line_column;

    #[test]
    fn counts_lines_and_characters() {
        let text = "ab\ncé d".as_bytes();
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 2), (1, 3));
        assert_eq!(line_column(text, 3), (2, 1));
        // "cé " is 4 bytes but 3 characters.
        assert_eq!(line_column(text, 7), (2, 4));
    }

    #[test]
    fn ignores_the_byte_order_mark_and_clamps_past_the_end() {
        let text = b"\xEF\xBB\xBF<a>";
        assert_eq!(line_column(text, 3), (1, 1));
        assert_eq!(line_column(text, 99), (1, 4));
    }
}
