//! Several syntax errors from one item. pest stops at an item's first error; when an item fails,
//! its body is cut into statements and each statement is parsed on its own, so that three
//! mistakes in one mapping give three errors. A cut is made only where a line of plain code,
//! directly inside the item's braces, begins the way only a statement can: a string, a comment,
//! a `|||` block or an expression still open in brackets (`match x {` arms, a list over several
//! lines) is never cut, and no statement continues on a line that begins like one.
//!
//! The item's own first error stays the judge: when the pieces do not explain it, the cut is
//! not trusted and that error is reported alone.

use std::ops::Range;

use super::comments::{self, Bracket};
use super::recovery::shifted;
use crate::diagnostics::Diagnostic;

/// What kind of statements an item's body holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ItemKind {
    /// `mapping "…" { … }`: `source`, `target`, `trigger when`, `let`, `lookup`, assignments.
    Mapping,
    /// `on event { … }`: `ticket.Field = …` and `note { … }`.
    OnEvent,
    /// `table name: … { … }`: arms `pattern => value`.
    Table,
}

/// Why one statement fails on its own.
#[derive(Debug)]
pub(super) enum Failure {
    /// Its text does not follow the grammar.
    Grammar(Diagnostic),
    /// It follows the grammar but holds a value that cannot be built (a number too large),
    /// which does not depend on the statements around it.
    Value(Diagnostic),
}

/// One failing statement: its index, its error, and whether it is a grammar error at the
/// statement's very end (the statement is incomplete rather than wrong inside).
struct Failed {
    index: usize,
    error: Diagnostic,
    grammar: bool,
    incomplete: bool,
}

/// The errors of one item that failed with `first`: one per broken statement, in file order,
/// or `first` alone when the item cannot be cut or the cut does not explain `first`.
/// `parse_alone` parses one statement of the kind on its own. Spans are the item's.
pub(super) fn errors_in_item(
    item: &str,
    first: Diagnostic,
    parse_alone: impl Fn(ItemKind, &str) -> Result<(), Failure>,
) -> Vec<Diagnostic> {
    let Some(body) = cut(item) else {
        return vec![first];
    };
    let at = first.primary_span().start;
    if at < body.start {
        // The head is broken: where the body begins is a guess.
        return vec![first];
    }
    // The statement pest stopped in; one past the last when it stopped after the closing `}`.
    let stopped_in = if body.closed && at >= body.end {
        body.pieces.len()
    } else {
        body.pieces.partition_point(|p| p.start <= at).saturating_sub(1)
    };
    let failed: Vec<Failed> = body
        .pieces
        .iter()
        .enumerate()
        .filter_map(|(index, piece)| {
            let text = item[piece.clone()].trim_end();
            let (error, grammar) = match parse_alone(body.kind, text).err()? {
                Failure::Grammar(error) => (error, true),
                Failure::Value(error) => (error, false),
            };
            let incomplete = grammar && error.primary_span().start >= text.len();
            let error = shifted(error, piece.start);
            Some(Failed {
                index,
                error,
                grammar,
                incomplete,
            })
        })
        .collect();
    if failed.is_empty() {
        // Every statement parses alone: the mistake is in how they fit together (a missing
        // `source`, a `}` never closed), which only the whole item shows.
        return vec![first];
    }
    // The statement pest's error stands for, which then keeps its place and its context (such
    // as a block never closed) instead of the statement's error alone.
    let mut stands_for = Some(stopped_in);
    if let Some(earliest) = failed.iter().find(|f| f.grammar) {
        if earliest.index + 1 < stopped_in {
            // pest read that statement in place but it fails alone: the cut split a statement.
            return vec![first];
        }
        if earliest.index + 1 == stopped_in {
            let boundary = body.pieces.get(stopped_in).map_or(body.end, |p| p.start);
            stands_for = if at == boundary && earliest.incomplete {
                // The statement before is only incomplete, and pest stopped right where the
                // next one (or the `}`) begins: its error is that statement's, said at the
                // next token as in any other syntax error.
                Some(earliest.index)
            } else {
                // The statement before ran on into this one (`title =` with no value reads
                // the next line's target as its value), or pest took a word of it for the
                // next statement: pest's error is a consequence, each piece alone says more.
                None
            };
        }
    }
    let mut errors: Vec<Diagnostic> = stands_for.map(|_| first).into_iter().collect();
    errors.extend(
        failed
            .into_iter()
            .filter(|f| Some(f.index) != stands_for)
            .map(|f| f.error),
    );
    // A value error before the statement pest stopped in comes before pest's error.
    errors.sort_by_key(|d| d.primary_span().start);
    errors
}

/// An item's body cut into statements.
#[derive(Debug, PartialEq, Eq)]
struct Body {
    kind: ItemKind,
    /// Just after the body's `{`.
    start: usize,
    /// The body's closing `}`, or the end of the item when it has none.
    end: usize,
    closed: bool,
    /// The statements in order, each up to the next; the text before the first statement is a
    /// piece of its own only when it holds code.
    pieces: Vec<Range<usize>>,
}

/// Cuts the item's body into statements; `None` when the item is not one with statements or
/// its brackets close more than they open.
fn cut(item: &str) -> Option<Body> {
    let kind = item_kind(item)?;
    let shape = comments::code_shape(item);
    let (open, close) = body_braces(&shape.brackets)?;
    let start = open + 1;
    let end = close.unwrap_or(item.len());
    let mut starts = Vec::new();
    // Where the current piece began, for the table rule (an arm is cut only after a whole arm).
    let mut piece_start = start;
    let mut brackets = shape.brackets.iter().peekable();
    let mut depth = 0usize;
    for &line in &shape.line_starts {
        while let Some(bracket) = brackets.next_if(|b| b.at < line) {
            depth = if bracket.opens() {
                depth + 1
            } else {
                depth.saturating_sub(1)
            };
        }
        if line <= open || depth != 1 {
            continue;
        }
        let text = &item[line..];
        let at = line + (text.len() - text.trim_start_matches([' ', '\t']).len());
        if at >= end {
            break;
        }
        let text = &item[at..end];
        let begins = match kind {
            ItemKind::Mapping => begins_mapping_statement(text),
            ItemKind::OnEvent => begins_outbound_statement(text),
            ItemKind::Table => {
                let before = &item[piece_start..at];
                begins_arm(text) && (!has_code(before) || before.contains("=>"))
            }
        };
        if begins {
            starts.push(at);
            piece_start = at;
        }
    }
    let mut pieces = Vec::with_capacity(starts.len() + 1);
    let leading_end = starts.first().copied().unwrap_or(end);
    if has_code(&item[start..leading_end]) {
        pieces.push(start..leading_end);
    }
    let ends = starts.iter().skip(1).copied().chain([end]);
    pieces.extend(starts.iter().zip(ends).map(|(&s, e)| s..e));
    Some(Body {
        kind,
        start,
        end,
        closed: close.is_some(),
        pieces,
    })
}

/// The body's `{` (the first brace opened outside brackets) and the `}` that closes it, if
/// any; `None` when there is no body, or a bracket other than `}` closes it.
fn body_braces(brackets: &[Bracket]) -> Option<(usize, Option<usize>)> {
    let mut depth = 0usize;
    let mut open = None;
    for bracket in brackets {
        if bracket.opens() {
            if depth == 0 && open.is_none() && bracket.byte == b'{' {
                open = Some(bracket.at);
            }
            depth += 1;
            continue;
        }
        depth = depth.checked_sub(1)?;
        if depth == 0
            && let Some(open) = open
        {
            return (bracket.byte == b'}').then_some((open, Some(bracket.at)));
        }
    }
    open.map(|open| (open, None))
}

/// Which item the text holds, from its first word after blanks and comments.
fn item_kind(item: &str) -> Option<ItemKind> {
    let text = skip_blanks_and_comments(item);
    if word(text, "mapping").is_some() {
        Some(ItemKind::Mapping)
    } else if word(text, "on").is_some() {
        Some(ItemKind::OnEvent)
    } else if word(text, "table").is_some() {
        Some(ItemKind::Table)
    } else {
        None
    }
}

/// `source a.B`, `target a.B`, `trigger when`, `let …`, `lookup Name =`, or `path =`.
fn begins_mapping_statement(text: &str) -> bool {
    if let Some(rest) = word(text, "source").or_else(|| word(text, "target")) {
        let name = blanks(rest);
        if name.len() < rest.len() && ident_len(name) > 0 {
            return true;
        }
    }
    if let Some(rest) = word(text, "trigger") {
        let next = blanks(rest);
        if next.len() < rest.len() && word(next, "when").is_some() {
            return true;
        }
    }
    if let Some(rest) = word(text, "let") {
        return rest.starts_with([' ', '\t']);
    }
    if let Some(rest) = word(text, "lookup") {
        let name = blanks(rest);
        let len = ident_len(name);
        if name.len() < rest.len() && len > 0 && single_equals(blanks(&name[len..])) {
            return true;
        }
    }
    begins_assignment(text)
}

/// `note {`, `note internal {`, `note external {`, or `record.Field =`.
fn begins_outbound_statement(text: &str) -> bool {
    if let Some(rest) = word(text, "note") {
        let mut rest = blanks(rest);
        if let Some(after) = word(rest, "internal").or_else(|| word(rest, "external")) {
            rest = blanks(after);
        }
        if rest.starts_with('{') {
            return true;
        }
    }
    begins_assignment(text)
}

/// A pattern (`"text"`, a number, `true`, `false`, `null`, `_`) with `=>` later on its line:
/// a `??` line that continues an arm's value begins with a literal too, but has no `=>`.
fn begins_arm(text: &str) -> bool {
    let pattern = text.starts_with(|c: char| c == '"' || c.is_ascii_digit())
        || ["_", "true", "false", "null"]
            .iter()
            .any(|w| word(text, w).is_some());
    let line = text.split('\n').next().unwrap_or_default();
    pattern && line.contains("=>")
}

/// A target path (`a.b[0].c`, `ticket.udf("X")`) followed by a single `=`, or by a name or a
/// string with the `=` forgotten: no expression goes on with a path and then a name.
fn begins_assignment(text: &str) -> bool {
    let len = ident_len(text);
    if len == 0 || is_keyword(&text[..len]) {
        return false;
    }
    let mut rest = &text[len..];
    loop {
        let next = blanks(rest);
        if let Some(after) = next.strip_prefix('.') {
            let segment = blanks(after);
            if let Some(after_udf) = udf_segment(segment) {
                rest = after_udf;
                continue;
            }
            let len = ident_len(segment);
            if len == 0 {
                return false;
            }
            rest = &segment[len..];
        } else if let Some(after) = next.strip_prefix('[') {
            let inside = blanks(after);
            let digits = inside.len() - inside.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            match blanks(&inside[digits..]).strip_prefix(']') {
                Some(after) if digits > 0 => rest = after,
                _ => return false,
            }
        } else {
            let value_len = ident_len(next);
            let forgot_equals = next.len() < rest.len()
                && !is_clause_word(&text[..len])
                && (next.starts_with('"')
                    || value_len > 0
                        && !is_keyword(&next[..value_len])
                        && !is_clause_word(&next[..value_len]));
            return single_equals(next) || forgot_equals;
        }
    }
}

/// Words that are no keywords but go on a statement: `lookup P = Contact where …`, a `trigger`
/// whose `when` is on the next line.
fn is_clause_word(name: &str) -> bool {
    matches!(name, "when" | "where" | "for")
}

/// `udf("Name")`, and the text after it.
fn udf_segment(text: &str) -> Option<&str> {
    let rest = blanks(word(text, "udf")?).strip_prefix('(')?;
    let rest = blanks(rest).strip_prefix('"')?;
    let mut chars = rest.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => return blanks(&rest[at + 1..]).strip_prefix(')'),
            '\n' => return None,
            _ => {}
        }
    }
    None
}

/// `=` that is not `==` or `=>`.
fn single_equals(text: &str) -> bool {
    text.strip_prefix('=')
        .is_some_and(|rest| !rest.starts_with(['=', '>']))
}

/// The text after `keyword` when the text begins with it as a whole word.
fn word<'a>(text: &'a str, keyword: &str) -> Option<&'a str> {
    text.strip_prefix(keyword)
        .filter(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
}

fn ident_len(text: &str) -> usize {
    if !text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return 0;
    }
    text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len())
}

/// The grammar's keywords, which no name may be.
fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "and"
            | "or"
            | "not"
            | "in"
            | "at"
            | "is"
            | "null"
            | "true"
            | "false"
            | "match"
            | "ranges"
            | "jsonnet"
            | "if"
            | "then"
            | "else"
            | "let"
    )
}

/// Spaces and tabs skipped; a statement's words stay on its first line.
fn blanks(text: &str) -> &str {
    text.trim_start_matches([' ', '\t'])
}

fn skip_blanks_and_comments(text: &str) -> &str {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |n| &after[n..]);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |n| &after[n + 2..]);
        } else {
            return rest;
        }
    }
}

fn has_code(text: &str) -> bool {
    !skip_blanks_and_comments(text).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first line of each piece the item is cut into.
    fn first_lines(item: &str) -> Vec<&str> {
        let body = cut(item).expect("the item has a body");
        body.pieces
            .iter()
            .map(|p| item[p.clone()].trim().lines().next().unwrap_or_default())
            .collect()
    }

    #[test]
    fn cuts_a_mapping_where_statements_begin() {
        let item = "mapping \"m\" {\n  source autotask.Ticket\n  target fieldnation.WorkOrder\n\
                    \n  // a comment\n  trigger when Status == 1\n    and not Priority = 2\n\
                    \x20 let zone = Account.State | state_zone\n\
                    \x20 lookup Primary = Contact where AccountID == AccountID\n\
                    \x20 title = Title\n    ?? \"none\"\n  location.address[0] . city = City\n}\n";
        assert_eq!(
            first_lines(item),
            [
                "source autotask.Ticket",
                "target fieldnation.WorkOrder",
                "trigger when Status == 1",
                "let zone = Account.State | state_zone",
                "lookup Primary = Contact where AccountID == AccountID",
                "title = Title",
                "location.address[0] . city = City",
            ]
        );
    }

    #[test]
    fn never_cuts_inside_strings_blocks_comments_or_brackets() {
        let item = "mapping \"m\" {\n  description = \"line one\ntitle = not a statement\"\n\
                    \x20 custom = jsonnet() |||\n  title = text\n  |||\n\
                    \x20 /*\n  title = commented\n  */\n\
                    \x20 kind = match Type {\n    \"a\" => 1\n    label = 2\n  }\n\
                    \x20 tags = [\n    x = 1,\n  ]\n  pay.units = 1\n}";
        assert_eq!(
            first_lines(item),
            [
                "description = \"line one",
                "custom = jsonnet() |||",
                "kind = match Type {",
                "tags = [",
                "pay.units = 1"
            ]
        );
    }

    #[test]
    fn what_begins_a_statement_and_what_goes_on_one() {
        let goes_on = [
            "Status == 1",
            "\"a\" => b",
            "not x = 1",
            "x . = 1",
            "a[] = 1",
            "== 1",
            "and Priority == 1",
            "Contact where AccountID == AccountID",
            "when Status == 1",
            "Account.City at (zone)",
            "Title is null",
            "upper (Title)",
            "a.b\n= 1",
        ];
        for line in goes_on {
            assert!(!begins_mapping_statement(line), "{line}");
        }
        let begins = [
            "a = 1",
            "a.b[2].c= 1",
            "let x = 1",
            "trigger  when x",
            "source a.B",
            "location.city Account.City",
            "title \"x\"",
        ];
        for line in begins {
            assert!(begins_mapping_statement(line), "{line}");
        }
    }

    #[test]
    fn cuts_outbound_rules_and_tables() {
        let rule = "on workorder.status.assigned when Status in [\n  1,\n  2] {\n\
                    \x20 ticket.Status = \"x\"\n  ticket.udf(\"Send \\\" FN\") = true\n\
                    \x20 note internal {\n    title = \"t\"\n    body = \"b\"\n  }\n  note{ }\n}";
        assert_eq!(
            first_lines(rule),
            [
                "ticket.Status = \"x\"",
                "ticket.udf(\"Send \\\" FN\") = true",
                "note internal {",
                "note{ }"
            ]
        );
        let table = "table t: string -> int {\n  \"a\",\n  \"b\" => 1,\n  \"c\" => x\n    ?? 2\n\
                     \x20 3 => 4\n  _ => 5\n}";
        assert_eq!(first_lines(table), ["\"a\",", "\"c\" => x", "3 => 4", "_ => 5"]);
    }

    #[test]
    fn text_on_the_line_of_the_brace_is_a_piece_of_its_own() {
        let item = "mapping \"m\" { source autotask.Ticket\n  target fieldnation.WorkOrder }";
        assert_eq!(
            first_lines(item),
            ["source autotask.Ticket", "target fieldnation.WorkOrder"]
        );
        let body = cut(item).unwrap();
        assert!(body.closed);
        assert_eq!(&item[body.end..], "}");
    }

    #[test]
    fn items_without_a_body_or_with_tangled_brackets_are_not_cut() {
        assert_eq!(cut("import \"tables.fmap\""), None);
        assert_eq!(cut("mapping \"m\" ( source a.B }"), None);
        assert_eq!(cut("mapping \"m\" {\n  a = f(x))\n  b = 1\n}"), None);
        assert_eq!(cut("// only a comment\n"), None);
        let open = cut("mapping \"m\" {\n  a = 1\n  b = 2\n").unwrap();
        assert!(!open.closed);
        assert_eq!(open.pieces.len(), 2);
    }

    /// The line and message of each error `parse_all` gives for the source.
    fn errors(source: &str) -> Vec<(usize, String)> {
        let errors = crate::syntax::parse_all(source).expect_err("the source has errors");
        errors
            .iter()
            .map(|d| {
                let at = d.primary_span().start;
                (source[..at].matches('\n').count() + 1, d.message.clone())
            })
            .collect()
    }

    const HEAD: &str = "mapping \"m\" {\n  source autotask.Ticket\n  target fieldnation.WorkOrder\n";

    #[test]
    fn every_broken_statement_of_a_mapping_is_reported_once_in_order() {
        let source = format!(
            "{HEAD}  title = Title +\n  description.html = Description\n\
             \x20 location.city = City City\n  let zone = \n  pay.base.units = 1\n}}\n"
        );
        assert_eq!(
            errors(&source),
            [
                (4, "expected an expression".to_string()),
                (6, "expected an operator".to_string()),
                (7, "expected an expression".to_string()),
            ]
        );
    }

    #[test]
    fn a_number_too_large_before_a_syntax_error_is_reported_too() {
        let source = format!(
            "{HEAD}  pay.base.units = 99999999999999999999999\n  title = Title\n  \
             description.html = Description Description\n  pay.base.amount = 1e\n}}\n"
        );
        let diagnostics = crate::syntax::parse_all(&source).expect_err("broken");
        let found: Vec<(crate::diagnostics::Code, usize)> = diagnostics
            .iter()
            .map(|d| {
                let at = d.primary_span().start;
                (d.code, source[..at].matches('\n').count() + 1)
            })
            .collect();
        use crate::diagnostics::Code::{BadNumber, Syntax};
        assert_eq!(found, [(BadNumber, 4), (Syntax, 6), (Syntax, 7)]);
    }

    #[test]
    fn what_only_the_whole_item_shows_is_kept_with_the_statements_after_it() {
        // No `target`: each statement parses alone, so pest's error comes first.
        let source = "mapping \"m\" {\n  source autotask.Ticket\n  title = Title\n  \
                      city = City City\n}\n";
        let found = errors(source);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, 3);
        assert!(found[0].1.contains("`target fieldnation.WorkOrder`"), "{found:?}");
        assert_eq!(found[1], (4, "expected an operator".to_string()));
    }

    #[test]
    fn a_block_never_closed_is_reported_once_where_it_opens() {
        let source = format!(
            "{HEAD}  city = City City\n  kind = match Type {{\n    \"a\" => 1\n\n\
             on workorder.status.assigned {{\n  ticket.Status = 1\n}}\n"
        );
        let diagnostics = crate::syntax::parse_all(&source).expect_err("broken");
        assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
        let second_city = source.find("City City").unwrap() + 5;
        assert_eq!(diagnostics[0].primary_span().start, second_city);
        let open = source.find("Type {").unwrap() + 5;
        let context: Vec<(usize, &str)> = diagnostics[1]
            .labels
            .iter()
            .map(|l| (l.span.start, l.message.as_str()))
            .collect();
        assert!(
            context.contains(&(open, "this block is never closed: it needs a `}`")),
            "{:?}",
            diagnostics[1]
        );
        assert_eq!(diagnostics[1].notes, ["the next item begins inside this block"]);
    }

    #[test]
    fn outbound_rules_and_tables_report_each_broken_statement() {
        let source = "on workorder.status.work_done {\n  ticket.Status == 1\n  \
                      note {\n    title = \n  }\n  ticket.Title = \"ok\"\n  ticket.X = Y Z\n}\n\
                      table t: string -> int {\n  \"a\" 1\n  \"b\" => 2\n  _ =>\n}\n";
        let lines: Vec<usize> = errors(source).into_iter().map(|(line, _)| line).collect();
        assert_eq!(lines, [2, 5, 7, 10, 12]);
    }

    #[test]
    fn a_long_file_with_many_broken_statements_stays_fast() {
        let mut source = HEAD.to_string();
        for i in 0..10_000 {
            if i % 10 == 0 {
                source.push_str("  title = Title +\n");
            } else {
                source.push_str("  description.html = Description ?? \"none\"\n");
            }
        }
        source.push_str("}\n");
        let started = std::time::Instant::now();
        let found = errors(&source);
        assert_eq!(found.len(), 1_000);
        assert!(found.windows(2).all(|w| w[0].0 < w[1].0), "in file order");
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_secs(20), "took {took:?}");
    }
}
