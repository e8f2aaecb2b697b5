//! The standard library: one function per file, each with its signature, its docs and examples
//! that run as tests (`all_examples_hold` below).

use std::fmt;
use std::sync::Arc;

use crate::diagnostics::Code;
use crate::value::{Type, Value};
use context::CallEnv;

pub mod context;

mod date_format;
mod decimal;
mod html;
mod int;
mod length;
mod local_in;
mod lower;
mod now;
mod parse_datetime;
mod replace;
mod round;
mod string;
mod to_zone;
mod trim;
mod truncate;
mod upper;

/// A function as the checker sees it.
pub trait Function: Sync {
    fn name(&self) -> &'static str;
    /// `format(value: datetime, pattern: string) -> string`
    fn signature(&self) -> &'static str;
    fn summary(&self) -> &'static str;
    /// Each example is a fieldmap expression and the JSON text of its result.
    fn examples(&self) -> &'static [Example];
    /// Whether the result depends on the arguments alone, so constant calls fold at compile time.
    fn pure(&self) -> bool {
        true
    }
    /// Checks the arguments' types (and constant arguments) and prepares the call.
    fn compile(&self, args: &[ArgInfo]) -> Result<Compiled, ArgError>;
}

/// A prepared call: whatever could be worked out at compile time already is.
pub trait Call: Send + Sync + fmt::Debug {
    fn call<'a>(&self, args: &mut [Value<'a>], env: &mut CallEnv) -> Result<Value<'a>, String>;
}

pub struct Example {
    pub source: &'static str,
    pub result: &'static str,
}

pub struct ArgInfo<'a> {
    pub ty: &'a Type,
    pub constant: Option<&'a Value<'static>>,
}

pub struct Compiled {
    pub call: Arc<dyn Call>,
    pub returns: Type,
    /// Arguments to show as text (picklists become labels), by position.
    pub text_args: Vec<bool>,
}

impl Compiled {
    pub fn new(call: impl Call + 'static, returns: Type) -> Self {
        Compiled {
            call: Arc::new(call),
            returns,
            text_args: Vec::new(),
        }
    }

    pub fn text_args(mut self, text: &[bool]) -> Self {
        self.text_args = text.to_vec();
        self
    }
}

#[derive(Debug)]
pub struct ArgError {
    /// The argument at fault, if one is.
    pub arg: Option<usize>,
    pub message: String,
    pub label: Option<String>,
    pub arity: bool,
    pub code: Option<Code>,
}

impl ArgError {
    pub fn arity(name: &str, expected: &str, found: usize) -> Self {
        ArgError {
            arg: None,
            message: format!("`{name}` takes {expected}, but is given {found}"),
            label: Some("wrong number of arguments".into()),
            arity: true,
            code: None,
        }
    }

    pub fn at(arg: usize, message: impl Into<String>) -> Self {
        ArgError {
            arg: Some(arg),
            message: message.into(),
            label: None,
            arity: false,
            code: None,
        }
    }

    pub fn with_code(mut self, code: Code) -> Self {
        self.code = Some(code);
        self
    }
}

/// Whether a type is acceptable for an argument.
pub type TypeTest = fn(&Type) -> bool;

/// Checks the count and that every argument is textual, numeric… as `accept` says.
pub fn expect_args(
    name: &str,
    args: &[ArgInfo],
    kinds: &[(&str, TypeTest)],
) -> Result<(), ArgError> {
    if args.len() != kinds.len() {
        let expected = match kinds.len() {
            1 => "1 argument".to_string(),
            n => format!("{n} arguments"),
        };
        return Err(ArgError::arity(name, &expected, args.len()));
    }
    for (i, (arg, (what, accept))) in args.iter().zip(kinds).enumerate() {
        if !accept(arg.ty) && !matches!(arg.ty, Type::Any | Type::Null) {
            let mut e = ArgError::at(i, format!("`{name}` expects {what} here, found {}", arg.ty));
            e.label = Some(format!("this is {}", arg.ty));
            return Err(e);
        }
    }
    Ok(())
}

pub fn textual(t: &Type) -> bool {
    t.is_textual()
}

pub fn numeric(t: &Type) -> bool {
    t.is_numeric()
}

pub fn datetime(t: &Type) -> bool {
    *t == Type::DateTime
}

pub fn string(t: &Type) -> bool {
    *t == Type::String
}

pub fn integer(t: &Type) -> bool {
    *t == Type::Int
}

/// A constant string argument (zones, formats), required at compile time.
pub fn constant_str<'a>(args: &'a [ArgInfo], i: usize, what: &str) -> Result<&'a str, ArgError> {
    match args.get(i).and_then(|a| a.constant) {
        Some(Value::Str(s)) => Ok(s),
        _ => Err(ArgError::at(i, format!("{what} must be a constant string"))),
    }
}

/// A constant IANA zone argument, resolved once at compile time.
pub fn constant_zone(args: &[ArgInfo], i: usize) -> Result<jiff::tz::TimeZone, ArgError> {
    let name = constant_str(args, i, "the zone")?;
    crate::time::resolve_zone(name)
        .map_err(|e| ArgError::at(i, e.to_string()).with_code(Code::UnknownZone))
}

/// A constant moment.js-style format argument, compiled once at compile time.
pub fn constant_format(args: &[ArgInfo], i: usize) -> Result<crate::time::MomentFormat, ArgError> {
    let pattern = constant_str(args, i, "the format pattern")?;
    crate::time::MomentFormat::compile(pattern).map_err(|e| {
        ArgError::at(i, format!("invalid date format {pattern:?}: {e}")).with_code(Code::BadFormat)
    })
}

static ALL: &[&dyn Function] = &[
    &date_format::DateFormat,
    &decimal::DecimalFn,
    &html::Html,
    &int::Int,
    &length::Length,
    &local_in::LocalIn,
    &lower::Lower,
    &now::Now,
    &parse_datetime::ParseDatetime,
    &replace::Replace,
    &round::Round,
    &string::StringFn,
    &to_zone::ToZone,
    &trim::Trim,
    &truncate::Truncate,
    &upper::Upper,
];

pub fn all() -> &'static [&'static dyn Function] {
    ALL
}

pub fn lookup(name: &str) -> Option<&'static dyn Function> {
    ALL.iter().copied().find(|f| f.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_examples_hold() {
        let mut count = 0;
        for function in all() {
            assert!(
                !function.examples().is_empty(),
                "`{}` has no example",
                function.name()
            );
            for example in function.examples() {
                let got = crate::check::eval_standalone(example.source)
                    .unwrap_or_else(|e| format!("error: {e}"));
                assert_eq!(
                    got,
                    example.result,
                    "example `{}` of `{}`",
                    example.source,
                    function.name()
                );
                count += 1;
            }
        }
        assert!(count >= all().len());
    }

    #[test]
    fn names_are_unique_and_sorted() {
        let names: Vec<&str> = all().iter().map(|f| f.name()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names.len(), sorted.len());
    }
}
