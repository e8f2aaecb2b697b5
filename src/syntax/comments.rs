//! Finding the comments of a mapping file, which the AST does not keep, so the formatter can
//! put them back. Text inside strings (including `${…}` interpolations that hold strings of
//! their own) and inside `|||` blocks is never mistaken for a comment. The same scan finds what
//! is left open and how deep the code's brackets nest, which the parser checks before pest runs.

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
    /// A string opened at this byte.
    String(usize),
}

/// Something opened and never closed, which pest would report far from where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unclosed {
    /// The opening token.
    pub span: Span,
    pub what: &'static str,
}

pub fn scan(source: &str) -> Vec<Comment> {
    scan_all(source, usize::MAX).comments
}

/// The first string, block comment or `|||` block that the file opens and never closes.
pub fn unclosed(source: &str) -> Option<Unclosed> {
    scan_all(source, usize::MAX).unclosed
}

/// The innermost `{` of the code left open at the end of the file.
pub fn unclosed_block(source: &str) -> Option<Span> {
    scan_all(source, usize::MAX).open_block
}

/// The byte offsets of the lines that begin in plain code: not inside a string, a comment, a
/// `|||` block or a `${…}`. Only such a line can begin a top-level item.
pub fn code_line_starts(source: &str) -> Vec<usize> {
    scan_all(source, usize::MAX).code_line_starts
}

/// A bracket of plain code: `(`, `)`, `[`, `]`, `{` or `}` at this byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bracket {
    pub at: usize,
    pub byte: u8,
}

impl Bracket {
    pub fn opens(self) -> bool {
        matches!(self.byte, b'(' | b'[' | b'{')
    }
}

/// The lines that begin in plain code (as [`code_line_starts`]) and the brackets of plain code
/// (not those in strings, comments, `|||` blocks or `${…}`), both in file order: enough to
/// tell how deep in brackets each line begins.
pub struct CodeShape {
    pub line_starts: Vec<usize>,
    pub brackets: Vec<Bracket>,
}

pub fn code_shape(source: &str) -> CodeShape {
    let scan = scan_all(source, usize::MAX);
    CodeShape {
        line_starts: scan.code_line_starts,
        brackets: scan.brackets,
    }
}

/// Where the code's brackets (`(`, `[`, `{` and `${`) first nest deeper than `max`. Brackets in
/// strings, comments and `|||` blocks are text, and do not count.
pub fn too_deep(source: &str, max: usize) -> Option<usize> {
    scan_all(source, max).too_deep
}

struct Scan {
    comments: Vec<Comment>,
    unclosed: Option<Unclosed>,
    open_block: Option<Span>,
    too_deep: Option<usize>,
    code_line_starts: Vec<usize>,
    brackets: Vec<Bracket>,
}

fn scan_all(source: &str, max_depth: usize) -> Scan {
    let bytes = source.as_bytes();
    let mut stack = vec![Context::Code];
    let mut comments = Vec::new();
    let mut unclosed = None;
    // Where each block brace of the code (not of `${…}`) opened.
    let mut braces: Vec<usize> = Vec::new();
    // The code's bracket nesting, and where it first went past `max_depth`.
    let mut depth = 0usize;
    let mut too_deep = None;
    let mut open = |depth: &mut usize, at: usize| {
        *depth += 1;
        if *depth > max_depth && too_deep.is_none() {
            too_deep = Some(at);
        }
    };
    // The first string that ran over a line break: when a quote is missing, every later string
    // pairs the wrong quotes, and the first string to swallow a line break is the likely culprit.
    let mut first_multiline: Option<usize> = None;
    let mut code_line_starts = Vec::new();
    let mut brackets = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if (i == 0 || bytes[i - 1] == b'\n') && matches!(stack.last(), Some(Context::Code)) {
            code_line_starts.push(i);
        }
        match stack.last_mut() {
            Some(Context::String(_)) => match rest {
                [b'\\', _, ..] => i += 2,
                [b'$', b'{', ..] => {
                    open(&mut depth, i + 1);
                    stack.push(Context::Interpolation(0));
                    i += 2;
                }
                [b'"', ..] => {
                    if let Some(Context::String(start)) = stack.pop()
                        && source[start..i].contains('\n')
                    {
                        first_multiline.get_or_insert(start);
                    }
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
                    if !source[i + 2..].contains("*/") {
                        unclosed.get_or_insert(Unclosed {
                            span: Span::new(i, i + 2),
                            what: "block comment `/*`",
                        });
                    }
                    comments.push(Comment {
                        span: Span::new(i, end),
                        text: source[i..end].to_string(),
                    });
                    i = end;
                }
                [b'|', b'|', b'|', ..] => {
                    if !source[i + 3..].contains("|||") {
                        unclosed.get_or_insert(Unclosed {
                            span: Span::new(i, i + 3),
                            what: "text block `|||`",
                        });
                    }
                    i = source[i + 3..]
                        .find("|||")
                        .map_or(source.len(), |n| i + 3 + n + 3);
                }
                [b'"', ..] => {
                    stack.push(Context::String(i));
                    i += 1;
                }
                [b'(' | b'[', ..] => {
                    if matches!(context, Context::Code) {
                        brackets.push(Bracket { at: i, byte: bytes[i] });
                    }
                    open(&mut depth, i);
                    i += 1;
                }
                [b')' | b']', ..] => {
                    if matches!(context, Context::Code) {
                        brackets.push(Bracket { at: i, byte: bytes[i] });
                    }
                    depth = depth.saturating_sub(1);
                    i += 1;
                }
                [b'{', ..] => {
                    if matches!(context, Context::Code) {
                        brackets.push(Bracket { at: i, byte: bytes[i] });
                    }
                    open(&mut depth, i);
                    match context {
                        Context::Interpolation(depth) => *depth += 1,
                        _ => braces.push(i),
                    }
                    i += 1;
                }
                [b'}', ..] => {
                    if matches!(context, Context::Code) {
                        brackets.push(Bracket { at: i, byte: bytes[i] });
                    }
                    depth = depth.saturating_sub(1);
                    match context {
                        Context::Interpolation(0) => {
                            stack.pop();
                        }
                        Context::Interpolation(depth) => *depth -= 1,
                        _ => {
                            braces.pop();
                        }
                    }
                    i += 1;
                }
                _ => i += 1,
            },
            None => break,
        }
    }
    if let Some(Context::String(start)) = stack.last() {
        let start = first_multiline.unwrap_or(*start).min(*start);
        unclosed.get_or_insert(Unclosed {
            span: Span::new(start, start + 1),
            what: "string",
        });
    }
    let open_block = braces.last().map(|open| Span::new(*open, *open + 1));
    Scan {
        comments,
        unclosed,
        open_block,
        too_deep,
        code_line_starts,
        brackets,
    }
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
    fn reports_what_is_never_closed() {
        use super::unclosed;
        assert_eq!(
            unclosed("x = \"abc").map(|u| (u.span.start, u.what)),
            Some((4, "string"))
        );
        assert_eq!(
            unclosed("x = \"a ${ \"b\" }").map(|u| u.span.start),
            Some(4)
        );
        assert_eq!(
            unclosed("/* never").map(|u| u.what),
            Some("block comment `/*`")
        );
        assert_eq!(unclosed("x ||| open").map(|u| u.span.start), Some(2));
        assert_eq!(unclosed("x = \"ok\" // \" in a comment"), None);
        assert_eq!(
            super::unclosed_block("mapping \"m\" {\n  a = match x { 1 => 2 }\n").map(|s| s.start),
            Some(12)
        );
        assert_eq!(
            unclosed("mapping \"m\" {\n"),
            None,
            "an open block is left to the parser"
        );
        assert_eq!(unclosed("a = \"${ {b: 1} }\" { }"), None);
    }

    /// Found by the `jsonnet` fuzz target: 65 `{` inside a Jsonnet block's string made the
    /// whole mapping FM0102, "brackets are nested more than 64 deep".
    #[test]
    fn brackets_in_text_do_not_nest() {
        use super::too_deep;
        let deep = |open: &str, close: &str| format!("{}{}", open.repeat(5), close.repeat(5));
        assert_eq!(too_deep(&deep("(", ")"), 4), Some(4));
        assert_eq!(too_deep(&deep("[", "]"), 5), None);
        assert_eq!(too_deep("a = \"${ \"${ (1) }\" }\"", 2), Some(12));
        assert_eq!(too_deep("a = \"${ \"${ (1) }\" }\"", 3), None);
        for text in [
            "a = \"((((((\"",
            "a = jsonnet() ||| '{{{{{{' |||",
            "// [[[[[[\n",
            "/* {{{{{{ */",
        ] {
            assert_eq!(too_deep(text, 2), None, "{text}");
        }
        assert_eq!(too_deep("((()))((()))", 3), None, "closed brackets unnest");
    }

    #[test]
    fn the_code_shape_holds_only_brackets_and_lines_of_code() {
        let source = "a = f(\"( ${ [x] }\")\n// {\nb = |||\n{\n||| /* ] */ [\n]\n";
        let shape = super::code_shape(source);
        let brackets: Vec<(usize, char)> = shape
            .brackets
            .iter()
            .map(|b| (b.at, char::from(b.byte)))
            .collect();
        let close_list = source.rfind(']').unwrap();
        assert_eq!(
            brackets,
            [
                (5, '('),
                (source.find(")\n").unwrap(), ')'),
                (close_list - 2, '['),
                (close_list, ']')
            ]
        );
        let lines: Vec<&str> = shape
            .line_starts
            .iter()
            .map(|&at| source[at..].lines().next().unwrap())
            .collect();
        assert_eq!(lines, ["a = f(\"( ${ [x] }\")", "// {", "b = |||", "]"]);
    }

    #[test]
    fn unterminated_input_ends_the_scan_without_panicking() {
        for source in ["\"abc ${", "/* open", "||| open", "\"\\", "${}}}"] {
            let _ = scan(source);
        }
    }
}
