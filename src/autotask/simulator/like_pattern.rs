//! SQL `LIKE` patterns: `%` is any run of characters, `_` any one
//! character, `[` … `]` escapes a wildcard (`[%]`). Matching ignores case.

/// Whether `text` matches `pattern`.
pub(super) fn like_matches(text: &str, pattern: &str) -> bool {
    let text: Vec<char> = text.to_lowercase().chars().collect();
    let pattern = compile(&pattern.to_lowercase());
    matches_from(&text, &pattern)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    AnyRun,
    AnyOne,
    Literal(char),
}

fn compile(pattern: &str) -> Vec<Token> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::with_capacity(chars.len());
    let mut index = 0;
    while let Some(&c) = chars.get(index) {
        match c {
            '%' => tokens.push(Token::AnyRun),
            '_' => tokens.push(Token::AnyOne),
            // `[x]` with a single character is that character, literally.
            '[' if chars.get(index + 2) == Some(&']') => {
                if let Some(&literal) = chars.get(index + 1) {
                    tokens.push(Token::Literal(literal));
                }
                index += 2;
            }
            other => tokens.push(Token::Literal(other)),
        }
        index += 1;
    }
    tokens
}

/// Iterative wildcard matching with backtracking to the last `%`: linear
/// memory and no recursion, whatever the pattern.
fn matches_from(text: &[char], pattern: &[Token]) -> bool {
    let (mut t, mut p) = (0, 0);
    let mut last_run: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Token::AnyRun) => {
                last_run = Some((p, t));
                p += 1;
            }
            Some(Token::AnyOne) => {
                t += 1;
                p += 1;
            }
            Some(Token::Literal(c)) if text.get(t) == Some(c) => {
                t += 1;
                p += 1;
            }
            _ => match last_run {
                Some((run, start)) => {
                    p = run + 1;
                    t = start + 1;
                    last_run = Some((run, start + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..]
        .iter()
        .all(|token| *token == Token::AnyRun)
}

#[cfg(test)]
mod tests {
    use super::like_matches;

    #[test]
    fn wildcards_and_case() {
        assert!(like_matches("Printer & scanner down", "%SCANNER%"));
        assert!(like_matches("Printer", "print_r"));
        assert!(like_matches("Printer", "%"));
        assert!(!like_matches("Printer", "%scanner"));
        assert!(like_matches("100% done", "100[%]%"));
        assert!(!like_matches("1000 done", "100[%]%"));
        assert!(like_matches("", "%"));
        assert!(!like_matches("", "_"));
        assert!(like_matches("aaab", "%a%b"));
    }
}
