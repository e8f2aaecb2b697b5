//! Finding the comments of a mapping file, which the AST does not keep, so the formatter can
//! put them back. Text inside strings (including `${…}` interpolations that hold strings of
//! their own) and inside `|||` blocks is never mistaken for a comment.

use super::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
    /// The comment as written, `// …` or `/* … */`.
    pub text: String,
}

enum Context {
    Code,
    /// Code inside `${ … }`; the count tracks nested braces.
    Interpolation(usize),
    String,
}

pub fn scan(source: &str) -> Vec<Comment> {
    let bytes = source.as_bytes();
    let mut stack = vec![Context::Code];
    let mut comments = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        match stack.last_mut() {
            Some(Context::String) => match rest {
                [b'\\', _, ..] => i += 2,
                [b'$', b'{', ..] => {
                    stack.push(Context::Interpolation(0));
                    i += 2;
                }
                [b'"', ..] => {
                    stack.pop();
                    i += 1;
                }
                _ => i += 1,
            },
            Some(context) => match rest {
                [b'/', b'/', ..] => {
                    let end = source[i..].find('\n').map_or(source.len(), |n| i + n);
                    comments.push(Comment {
                        span: Span::new(i, end),
                        text: source[i..end].trim_end().to_string(),
                    });
                    i = end;
                }
                [b'/', b'*', ..] => {
                    let end = source[i + 2..]
                        .find("*/")
                        .map_or(source.len(), |n| i + 2 + n + 2);
                    comments.push(Comment {
                        span: Span::new(i, end),
                        text: source[i..end].to_string(),
                    });
                    i = end;
                }
                [b'|', b'|', b'|', ..] => {
                    i = source[i + 3..]
                        .find("|||")
                        .map_or(source.len(), |n| i + 3 + n + 3);
                }
                [b'"', ..] => {
                    stack.push(Context::String);
                    i += 1;
                }
                [b'{', ..] => {
                    if let Context::Interpolation(depth) = context {
                        *depth += 1;
                    }
                    i += 1;
                }
                [b'}', ..] => {
                    match context {
                        Context::Interpolation(0) => {
                            stack.pop();
                        }
                        Context::Interpolation(depth) => *depth -= 1,
                        _ => {}
                    }
                    i += 1;
                }
                _ => i += 1,
            },
            None => break,
        }
    }
    comments
}

#[cfg(test)]
mod tests {
    use super::scan;

    #[test]
    fn finds_comments_but_not_lookalikes_in_strings_and_blocks() {
        let source = r#"
// one
x = "a // not ${ "b /* no */" } c" // two
y = jsonnet() ||| // not a comment ||| /* three */
"#;
        let texts: Vec<String> = scan(source).into_iter().map(|c| c.text).collect();
        assert_eq!(texts, ["// one", "// two", "/* three */"]);
    }

    #[test]
    fn unterminated_input_ends_the_scan_without_panicking() {
        for source in ["\"abc ${", "/* open", "||| open", "\"\\", "${}}}"] {
            let _ = scan(source);
        }
    }
}
