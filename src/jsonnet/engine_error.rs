//! jrsonnet's errors in plain words, placed on a line of the block.
//!
//! jrsonnet words its errors for Jsonnet authors ("null index type should be string, got
//! string"); a mapping author needs to know what the block tried and on which line. The error
//! kind says what failed; the innermost stack frame inside the block says where, or for an
//! operator, which has no frame, the place the block writes it (`operator_place`).

use jrsonnet_evaluator::error::ErrorKind;
use jrsonnet_evaluator::typed::ValType;
use jrsonnet_evaluator::{Error, Span};

use super::operator_place::{FailedOperator, operator_place};
use super::{JsonnetError, STACK_LIMIT};

/// The block's code as the engine sees it: wrapped, starting `prefix` bytes in.
pub struct Wrapped<'c> {
    pub code: &'c str,
    pub prefix: usize,
}

/// A run-time error of the block as a [`JsonnetError::Runtime`].
pub fn describe(
    error: &Error,
    block: &Wrapped<'_>,
    input: &serde_json::Value,
    traces: Vec<String>,
) -> JsonnetError {
    // jrsonnet places no frame on a failed index: the `$.input` path that fails on this
    // input says where, and what was empty.
    if let Some((message, start)) = failed_read(error.error(), block.code, input) {
        return JsonnetError::Runtime {
            message,
            traces,
            line: Some(line_of(block.code, start)),
            file_line: None,
            file: None,
        };
    }
    if let ErrorKind::NoSuchField(name, _) = error.error()
        && let Some(key) = super::input_paths::index_keys(block.code)
            .into_iter()
            .find(|key| key.name == name.as_str())
    {
        return JsonnetError::Runtime {
            message: plain(error.error()),
            traces,
            line: Some(line_of(block.code, key.start)),
            file_line: None,
            file: None,
        };
    }
    if let Some(start) = operator_start(error.error(), block.code) {
        return JsonnetError::Runtime {
            message: plain(error.error()),
            traces,
            line: Some(line_of(block.code, start)),
            file_line: None,
            file: None,
        };
    }
    let place = innermost_place(error, block);
    // The place of an `error` is its keyword: no snippet worth showing.
    let snippet = place
        .filter(|_| !matches!(error.error(), ErrorKind::RuntimeError(_)))
        .as_ref()
        .map(|&(start, end)| block.code[start..end].trim())
        .filter(|text| !text.is_empty() && text.len() <= 60 && !text.contains('\n'));
    let mut message = plain(error.error());
    if let Some(snippet) = snippet {
        message = format!("`{snippet}`: {message}");
    }
    JsonnetError::Runtime {
        message,
        traces,
        line: place.map(|(start, _)| line_of(block.code, start)),
        file_line: None,
        file: None,
    }
}

/// The line of `offset` inside the block, counted from its first line of code: a block
/// written `||| ⏎ code ⏎ |||` starts with the rest of the `|||` line, which does not count.
fn line_of(code: &str, offset: usize) -> usize {
    (code[..offset].matches('\n').count() + 1)
        .saturating_sub(blank_first_line(code))
        .max(1)
}

/// 1 when the block's code starts with a line that holds nothing.
pub fn blank_first_line(code: &str) -> usize {
    usize::from(
        code.trim_start_matches([' ', '\t'])
            .starts_with(['\n', '\r']),
    )
}

/// For an index error, the first static `$.input` path in the block that fails the same way on
/// this input: what it says, and where its failing key is.
fn failed_read(
    error: &ErrorKind,
    code: &str,
    input: &serde_json::Value,
) -> Option<(String, usize)> {
    let reads_null = matches!(
        error,
        ErrorKind::ValueIndexMustBeTypeGot(ValType::Null, _, _)
            | ErrorKind::CantIndexInto(ValType::Null)
    );
    let missing = match error {
        ErrorKind::NoSuchField(name, _) => Some(name.as_str()),
        _ => None,
    };
    if !reads_null && missing.is_none() {
        return None;
    }
    for path in super::input_paths(code) {
        let mut node = input;
        let mut walked = String::from("$.input");
        for key in &path.keys {
            match node {
                serde_json::Value::Null if reads_null => {
                    return Some((
                        format!(
                            "`{walked}` is null (empty), so `{}` cannot be read from it; test it with `!= null` first",
                            key.name
                        ),
                        key.start,
                    ));
                }
                serde_json::Value::Object(fields) => match fields.get(&key.name) {
                    Some(next) => node = next,
                    None if missing == Some(key.name.as_str()) => {
                        return Some((
                            format!("`{walked}` has no field `{}`", key.name),
                            key.start,
                        ));
                    }
                    None => break,
                },
                _ => break,
            }
            walked.push('.');
            walked.push_str(&key.name);
        }
    }
    None
}

/// For an operator's error, where the block writes that operator, when only one place can be.
fn operator_start(error: &ErrorKind, code: &str) -> Option<usize> {
    let written;
    let failed = match error {
        ErrorKind::BinaryOperatorDoesNotOperateOnValues(op, _, _) => {
            written = op.to_string();
            FailedOperator::Binary(&written)
        }
        ErrorKind::UnaryOperatorDoesNotOperateOnType(op, _) => {
            written = op.to_string();
            FailedOperator::Unary(&written)
        }
        _ => return None,
    };
    operator_place(code, failed, super::sandbox::UTIL_LIBRARY)
}

/// The byte range inside the block of the innermost frame that lies in it.
fn innermost_place(error: &Error, block: &Wrapped<'_>) -> Option<(usize, usize)> {
    error
        .trace()
        .0
        .iter()
        .filter_map(|frame| frame.location.as_ref())
        .find_map(|span| inside(span, block))
}

fn inside(span: &Span, block: &Wrapped<'_>) -> Option<(usize, usize)> {
    // A frame in the helper library has offsets of its own.
    let source = span.0.code();
    if source.get(block.prefix..block.prefix + block.code.len()) != Some(block.code) {
        return None;
    }
    let start = (span.1 as usize).checked_sub(block.prefix)?;
    let end = (span.2 as usize).checked_sub(block.prefix)?.max(start);
    (end <= block.code.len()
        && block.code.is_char_boundary(start)
        && block.code.is_char_boundary(end))
    .then_some((start, end))
}

fn kind(t: ValType) -> &'static str {
    match t {
        ValType::Bool => "a boolean",
        ValType::Null => "null",
        ValType::Str => "text",
        ValType::Num => "a number",
        ValType::Arr => "an array",
        ValType::Obj => "an object",
        ValType::Func => "a function",
    }
}

/// What failed, in a mapping author's words.
fn plain(error: &ErrorKind) -> String {
    use ErrorKind as E;
    match error {
        E::ValueIndexMustBeTypeGot(ValType::Null, _, _) | E::CantIndexInto(ValType::Null) => {
            "a field or element of null was read: the value is empty (a record or field with \
             no value); test it with `!= null` first"
                .into()
        }
        E::ValueIndexMustBeTypeGot(ValType::Arr, _, got) => {
            format!(
                "an array's elements are read by number, not by {}",
                kind(*got)
            )
        }
        E::ValueIndexMustBeTypeGot(ValType::Str, _, got) => {
            format!(
                "the characters of text are read by number, not by {}",
                kind(*got)
            )
        }
        E::ValueIndexMustBeTypeGot(ValType::Obj, _, got) => {
            format!("an object's fields are read by name, not by {}", kind(*got))
        }
        E::ValueIndexMustBeTypeGot(value, _, _)
        | E::CantIndexInto(value)
        | E::ValueIsNotIndexable(value) => {
            format!("{} has no fields or elements to read", kind(*value))
        }
        E::NoSuchField(name, similar) => match similar.first() {
            Some(close) => format!("there is no field `{name}`; did you mean `{close}`?"),
            None => format!("there is no field `{name}`"),
        },
        E::AttemptedIndexAnArrayWithString(name) => {
            format!("`{name}` was read from an array, which has elements by number, not fields")
        }
        E::ArrayBoundsError(index, len) => {
            format!("element {index} was read from an array of {len} elements")
        }
        E::StringBoundsError(index, len) => {
            format!("character {index} was read from text of {len} characters")
        }
        E::FractionalIndex => "an element was read at a fractional position".into(),
        E::BinaryOperatorDoesNotOperateOnValues(op, left, right) => {
            format!("`{op}` cannot combine {} and {}", kind(*left), kind(*right))
        }
        E::UnaryOperatorDoesNotOperateOnType(op, value) => {
            format!("`{op}` cannot apply to {}", kind(*value))
        }
        E::TypeMismatch(what, expected, got) => format!(
            "{what} needs {}, and got {}",
            expected
                .iter()
                .map(|t| kind(*t))
                .collect::<Vec<_>>()
                .join(" or "),
            kind(*got)
        ),
        E::OnlyFunctionsCanBeCalledGot(value) => {
            format!("{} was called, but only functions can be", kind(*value))
        }
        E::FunctionParameterNotBoundInCall(name, _) => {
            format!("a function was called without its argument `{name}`")
        }
        E::TooManyArgsFunctionHas(count, _) => {
            format!("a function taking {count} arguments was called with more")
        }
        E::UnknownFunctionParameter(name) => {
            format!("a function was called with `{name}`, which it has no parameter for")
        }
        E::AssertionFailed(message) => format!("an assertion failed: {message}"),
        // The words of the block's own `error`, or of the sandbox's refusal.
        E::RuntimeError(message) => message.to_string(),
        E::StackOverflow => format!(
            "stack overflow: calls nested deeper than {STACK_LIMIT} (a recursion that never ends?)"
        ),
        E::InfiniteRecursionDetected => "a value is defined in terms of itself".into(),
        E::DivisionByZero => "division by zero".into(),
        E::DuplicateFieldName(name) => format!("the field `{name}` is defined twice"),
        E::FieldMustBeStringGot(value) => {
            format!("a field name must be text, not {}", kind(*value))
        }
        E::InComprehensionCanOnlyIterateOverArray => {
            "`for … in` needs an array (`std.objectFields(o)` lists an object's fields)".into()
        }
        other => other
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_from_the_first_line_of_code() {
        // `||| ⏎ code ⏎ |||`: the rest of the `|||` line is not line 1.
        let code = "\n    local a = 1;\n    a.b\n  ";
        assert_eq!(line_of(code, code.find("a.b").unwrap()), 2);
        assert_eq!(line_of(code, 0), 1);
        // `||| code |||` on one line: that line is line 1.
        let inline = " $.input.x.y ";
        assert_eq!(line_of(inline, 3), 1);
        assert_eq!(blank_first_line(inline), 0);
        assert_eq!(blank_first_line("  \r\n x"), 1);
    }
}
