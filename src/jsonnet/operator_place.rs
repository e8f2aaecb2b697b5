//! Where in a block an operator failed.
//!
//! jrsonnet's syntax tree keeps no place for an operator and its stack trace has no frame for
//! one, so `'a' - 1` fails without a line. The block's tokens do have places, and the error
//! names its operator: every place the block writes that operator is a candidate. The error is
//! placed only when the answer is certain: all candidates lie on one line, and no code outside
//! the block could have raised the same error (the helper library's own operators, the
//! comparisons inside `std`'s sorts and sets, the additions of `+:` fields).

use jrsonnet_lexer::{Lexeme, SyntaxKind};

/// The operator an error names, as it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedOperator<'t> {
    /// `a - b`, `a < b`, `a in b`…
    Binary(&'t str),
    /// `-a`, `!a`…
    Unary(&'t str),
}

/// The byte offset in `code` of the operator that failed, when it can only be one place: the
/// first candidate, all candidates being on one line. `library` is the helper library's code,
/// which a block can call into.
pub fn operator_place(code: &str, failed: FailedOperator<'_>, library: &str) -> Option<usize> {
    let tokens = significant_tokens(code)?;
    let candidates: Vec<usize> = (0..tokens.len())
        .filter(|&i| written_as(&tokens, i, failed))
        .map(|i| tokens[i].range.0 as usize)
        .collect();
    let first = *candidates.first()?;
    if raised_elsewhere(&tokens, failed, library) {
        return None;
    }
    let line_of = |offset: usize| code[..offset].matches('\n').count();
    candidates
        .iter()
        .all(|&at| line_of(at) == line_of(first))
        .then_some(first)
}

/// The tokens without spaces and comments; none if the code does not lex cleanly.
fn significant_tokens(code: &str) -> Option<Vec<Lexeme<'_>>> {
    use SyntaxKind as K;
    let mut tokens = Vec::new();
    for token in jrsonnet_lexer::Lexer::new(code) {
        match token.kind {
            K::WHITESPACE
            | K::SINGLE_LINE_SLASH_COMMENT
            | K::SINGLE_LINE_HASH_COMMENT
            | K::MULTI_LINE_COMMENT => {}
            kind if kind == K::LEXING_ERROR || kind.error_description().is_some() => {
                return None;
            }
            _ => tokens.push(token),
        }
    }
    Some(tokens)
}

/// Whether the token before `i` ends an operand, so that an operator at `i` is binary.
fn after_operand(tokens: &[Lexeme<'_>], i: usize) -> bool {
    use SyntaxKind as K;
    let Some(before) = i.checked_sub(1).map(|b| tokens[b].kind) else {
        return false;
    };
    matches!(
        before,
        K::IDENT
            | K::FLOAT
            | K::STRING_DOUBLE
            | K::STRING_SINGLE
            | K::STRING_DOUBLE_VERBATIM
            | K::STRING_SINGLE_VERBATIM
            | K::STRING_BLOCK
            | K::R_PAREN
            | K::R_BRACK
            | K::R_BRACE
            | K::NULL_KW
            | K::TRUE_KW
            | K::FALSE_KW
            | K::SELF_KW
            | K::SUPER_KW
            | K::DOLLAR
            | K::TAILSTRICT_KW
    )
}

/// Whether token `i` may be the operator that failed. In doubt it may: an extra candidate can
/// only leave the error without a line, a missed one could give it a wrong line.
fn written_as(tokens: &[Lexeme<'_>], i: usize, failed: FailedOperator<'_>) -> bool {
    use SyntaxKind as K;
    let token = &tokens[i];
    let kind_at = |at: Option<usize>| at.and_then(|at| tokens.get(at)).map(|t| t.kind);
    match failed {
        FailedOperator::Binary(text) => {
            token.text == text
                && after_operand(tokens, i)
                // `{ a+: x }` is a field, not an addition.
                && !(token.kind == K::PLUS && kind_at(Some(i + 1)) == Some(K::COLON))
                // `for x in xs` iterates.
                && !(token.kind == K::IN_KW
                    && kind_at(i.checked_sub(2)) == Some(K::FOR_KW)
                    && kind_at(i.checked_sub(1)) == Some(K::IDENT))
        }
        // `function(x) -x` is unary after a `)`.
        FailedOperator::Unary(text) => {
            token.text == text
                && (!after_operand(tokens, i) || kind_at(i.checked_sub(1)) == Some(K::R_PAREN))
        }
    }
}

/// Whether code other than the block's own operators could have raised this error.
fn raised_elsewhere(tokens: &[Lexeme<'_>], failed: FailedOperator<'_>, library: &str) -> bool {
    let (FailedOperator::Binary(text) | FailedOperator::Unary(text)) = failed;
    let reaches_library = reaches_library(tokens);
    let reaches_std = reaches_library || tokens.iter().any(|t| t.text == "std");
    // `std.sort`, `std.set…`, `std.min/maxArray` compare with `<`.
    if text == "<" && reaches_std {
        return true;
    }
    // `{ a+: x }` adds to the inherited field.
    if text == "+"
        && tokens
            .windows(2)
            .any(|pair| pair[0].kind == SyntaxKind::PLUS && pair[1].kind == SyntaxKind::COLON)
    {
        return true;
    }
    reaches_library
        && significant_tokens(library)
            .is_none_or(|library| library.iter().any(|t| t.text == text))
}

/// Whether the block can reach the helper library: through an import, or through `$`, `self`
/// or `super` (the block lies inside the object that binds `util`) other than `$.input`.
fn reaches_library(tokens: &[Lexeme<'_>]) -> bool {
    use SyntaxKind as K;
    tokens.iter().enumerate().any(|(i, token)| match token.kind {
        K::IMPORT_KW | K::IMPORTSTR_KW | K::IMPORTBIN_KW | K::SELF_KW | K::SUPER_KW => true,
        K::DOLLAR => {
            let next: Vec<&str> = tokens[i + 1..].iter().take(3).map(|t| t.text).collect();
            !matches!(
                next.as_slice(),
                [".", "input", ..] | ["[", "'input'" | "\"input\"", "]"]
            )
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIBRARY: &str = include_str!("../../stdlib/jsonnet/util.libsonnet");

    fn line(code: &str, failed: FailedOperator<'_>) -> Option<usize> {
        operator_place(code, failed, LIBRARY).map(|at| code[..at].matches('\n').count() + 1)
    }

    #[test]
    fn the_one_operator_of_its_kind_is_placed() {
        let code = "local account = $.input.Account;\n\
                    local hours = $.input.EstimatedHours * 60;\n\
                    local label = account.City - 1;\n\
                    // minutes - hours\n\
                    { label: label, minutes: hours }";
        assert_eq!(line(code, FailedOperator::Binary("-")), Some(3));
        assert_eq!(line(code, FailedOperator::Binary("*")), Some(2));
        // Nothing written as `<`: no line rather than a guess.
        assert_eq!(line(code, FailedOperator::Binary("<")), None);
    }

    #[test]
    fn unary_and_binary_minus_are_told_apart() {
        let code = "local offset = -$.input.Offset;\nlocal f(x) = -x;\n$.input.A - f(1)";
        assert_eq!(line(code, FailedOperator::Binary("-")), Some(3));
        assert_eq!(line(code, FailedOperator::Unary("-")), None, "lines 1 and 2");
        let code = "local f = function(x) -x;\nf($.input.Name)";
        assert_eq!(line(code, FailedOperator::Unary("-")), Some(1));
    }

    #[test]
    fn candidates_on_several_lines_leave_the_error_without_a_line() {
        let code = "local a = 'Ticket ' + $.input.TicketNumber;\n{} + a";
        assert_eq!(line(code, FailedOperator::Binary("+")), None);
        let code = "local a = $.input;\n{} + a + 1";
        assert_eq!(line(code, FailedOperator::Binary("+")), Some(2));
    }

    #[test]
    fn operators_in_strings_comments_fields_and_loops_do_not_count() {
        let code = "local s = 'a - b'; /* x - y */\n# p - q\n[x - 1 for x in $.input.L]";
        assert_eq!(line(code, FailedOperator::Binary("-")), Some(3));
        let code = "local o = { a+: 1 };\n$.input.X in o";
        assert_eq!(line(code, FailedOperator::Binary("in")), Some(2));
    }

    #[test]
    fn code_outside_the_block_that_could_fail_the_same_way_leaves_no_line() {
        // `std.sort` compares with `<`.
        let code = "local xs = std.sort($.input.L);\nxs[0] < 1";
        assert_eq!(line(code, FailedOperator::Binary("<")), None);
        // The helper library adds and compares.
        let code = "local n = $.util.array_sum($.input.L);\nn + 1";
        assert_eq!(line(code, FailedOperator::Binary("+")), None);
        // …but does not multiply.
        let code = "local n = $.util.array_sum($.input.L);\nn * 60";
        assert_eq!(line(code, FailedOperator::Binary("*")), Some(2));
        // `+:` adds without a `+` operator.
        let code = "local o = { a+: [1] };\n{ a: 1 } + o";
        assert_eq!(line(code, FailedOperator::Binary("+")), None);
        // `self` at the top of a block is the object that binds `util`.
        let code = "local n = self.util.array_sum([]);\nn + 1";
        assert_eq!(line(code, FailedOperator::Binary("+")), None);
    }
}
