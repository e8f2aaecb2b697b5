//! jrsonnet's errors in plain words, placed on a line of the block.
//!
//! jrsonnet words its errors for Jsonnet authors ("null index type should be string, got
//! string"); a mapping author needs to know what the block tried and on which line. The error
//! kind says what failed; the innermost stack frame inside the block says where.

use jrsonnet_evaluator::error::ErrorKind;
use jrsonnet_evaluator::typed::ValType;
use jrsonnet_evaluator::{Error, Span};

use super::{JsonnetError, STACK_LIMIT};

/// The block's code as the engine sees it: wrapped, starting `prefix` bytes in.
pub struct Wrapped<'c> {
    pub code: &'c str,
    pub prefix: usize,
}

/// A run-time error of the block as a [`JsonnetError::Runtime`].
pub fn describe(error: &Error, block: &Wrapped<'_>, traces: Vec<String>) -> JsonnetError {
    let place = innermost_place(error, block);
    let snippet = place
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
        line: place.map(|(start, _)| block.code[..start].matches('\n').count() + 1),
        file_line: None,
    }
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
        E::RuntimeError(message) => format!("the block raised an error: {message}"),
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
