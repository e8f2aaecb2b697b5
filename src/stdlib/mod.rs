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
mod text;
mod to_zone;
mod trim;
mod truncate;
mod upper;

/// A function as the checker sees it. Its parameter table is the one statement of its
/// signature: the argument count and types are checked against it, picklists are shown as
/// labels where it says so, and the signature in diagnostics and in docs/language.md is
/// rendered from it.
pub trait Function: Sync {
    fn name(&self) -> &'static str;
    /// The parameters, in order; optional ones come last.
    fn params(&self) -> &'static [Param];
    fn returns(&self) -> Type;
    fn summary(&self) -> &'static str;
    /// Each example is a fieldmap expression and the JSON text of its result.
    fn examples(&self) -> &'static [Example];
    /// Whether the result depends on the arguments alone, so constant calls fold at compile time.
    fn pure(&self) -> bool {
        true
    }
    /// Prepares the call. The arguments already match `params()` in number and type; what is
    /// left to check here is what the table cannot say (a constant zone, format or place count).
    fn prepare(&self, args: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError>;
}

impl dyn Function {
    /// Checks the arguments against the parameter table, then prepares the call.
    pub fn compile(&self, args: &[ArgInfo]) -> Result<Compiled, ArgError> {
        check_args(self.name(), self.params(), args)?;
        Ok(Compiled {
            call: self.prepare(args)?,
            returns: self.returns(),
            text_args: self
                .params()
                .iter()
                .map(|p| p.shown == Shown::AsText)
                .collect(),
        })
    }

    /// `format(value: datetime, pattern: string) -> string`
    pub fn signature(&self) -> String {
        let params: Vec<String> = self
            .params()
            .iter()
            .map(|p| {
                let mark = if p.optional { "?" } else { "" };
                format!("{}{mark}: {}", p.name, p.type_name())
            })
            .collect();
        format!(
            "{}({}) -> {}",
            self.name(),
            params.join(", "),
            self.returns()
        )
    }
}

/// One parameter: its name, what it accepts, how the argument reaches the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    pub ty: ParamType,
    pub shown: Shown,
    /// May be left out; only trailing parameters are.
    pub optional: bool,
}

/// What an argument may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// Any value.
    Any,
    /// A string, or an integer, decimal or picklist.
    Text,
    /// An integer or a decimal.
    Number,
    Integer,
    DateTime,
    /// A constant string naming an IANA zone, resolved at compile time (`constant_zone`).
    Zone,
    /// A constant moment.js-style pattern, compiled at compile time (`constant_format`).
    Pattern,
}

/// How an argument that can be a picklist reaches the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// As text: a picklist value becomes its label.
    AsText,
    /// As it is: a picklist value stays its id.
    AsValue,
}

impl Param {
    /// A parameter that takes `ty`, passed as it is.
    pub const fn new(name: &'static str, ty: ParamType) -> Self {
        Param {
            name,
            ty,
            shown: Shown::AsValue,
            optional: false,
        }
    }

    /// A text parameter: numbers and picklists are read as text, a picklist as its label.
    pub const fn text(name: &'static str) -> Self {
        Param::new(name, ParamType::Text).as_text()
    }

    pub const fn as_text(mut self) -> Self {
        self.shown = Shown::AsText;
        self
    }

    pub const fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Whether an argument of type `ty` is acceptable; null and unknown types always are.
    pub fn accepts(&self, ty: &Type) -> bool {
        matches!(ty, Type::Any | Type::Null)
            || match self.ty {
                ParamType::Any => true,
                ParamType::Text => ty.is_textual(),
                ParamType::Number => ty.is_numeric(),
                ParamType::Integer => *ty == Type::Int,
                ParamType::DateTime => *ty == Type::DateTime,
                ParamType::Zone | ParamType::Pattern => *ty == Type::String,
            }
    }

    /// The type as the signature writes it. A text parameter shown as text is a `string`
    /// (docs/language.md says that numbers and picklists are read as text); one that takes
    /// numbers and picklists as they are lists what it takes.
    pub fn type_name(&self) -> &'static str {
        match (self.ty, self.shown) {
            (ParamType::Any, _) => "any",
            (ParamType::Text, Shown::AsText) => "string",
            (ParamType::Text, Shown::AsValue) => "string | integer | decimal | picklist",
            (ParamType::Number, _) => "integer | decimal",
            (ParamType::Integer, _) => "integer",
            (ParamType::DateTime, _) => "datetime",
            (ParamType::Zone | ParamType::Pattern, _) => "string",
        }
    }

    /// What the parameter wants, as a type error says it: "`round` expects {an integer} here".
    pub fn wanted(&self) -> &'static str {
        match (self.ty, self.shown) {
            (ParamType::Any, _) => "a value",
            (ParamType::Text, Shown::AsText) => "text",
            (ParamType::Text, Shown::AsValue) => "text or a number",
            (ParamType::Number, _) => "a number",
            (ParamType::Integer, _) => "an integer",
            (ParamType::DateTime, _) => "a date-time",
            (ParamType::Zone, _) => "a zone name",
            (ParamType::Pattern, _) => "a format pattern",
        }
    }
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

/// A checked and prepared call, as the checker lowers it.
#[derive(Debug)]
pub struct Compiled {
    pub call: Arc<dyn Call>,
    pub returns: Type,
    /// Arguments to show as text (picklists become labels), by position.
    pub text_args: Vec<bool>,
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

/// Checks the number of arguments and each one's type against the parameter table.
fn check_args(name: &str, params: &[Param], args: &[ArgInfo]) -> Result<(), ArgError> {
    let max = params.len();
    let min = params.iter().filter(|p| !p.optional).count();
    if !(min..=max).contains(&args.len()) {
        let expected = match (min, max) {
            (1, 1) => "1 argument".to_string(),
            (min, max) if min == max => format!("{max} arguments"),
            (min, max) if min + 1 == max => format!("{min} or {max} arguments"),
            (min, max) => format!("{min} to {max} arguments"),
        };
        return Err(ArgError::arity(name, &expected, args.len()));
    }
    for (i, (arg, param)) in args.iter().zip(params).enumerate() {
        if !param.accepts(arg.ty) {
            let mut e = ArgError::at(
                i,
                format!("`{name}` expects {} here, found {}", param.wanted(), arg.ty),
            );
            e.label = Some(format!("this is {}", arg.ty));
            return Err(e);
        }
    }
    Ok(())
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

/// Every function, by name (the order of docs/language.md's reference).
static ALL: &[&dyn Function] = &[
    &decimal::DecimalFn,
    &date_format::DateFormat,
    &html::HTML,
    &int::Int,
    &length::Length,
    &local_in::LocalIn,
    &lower::LOWER,
    &now::Now,
    &parse_datetime::ParseDatetime,
    &replace::Replace,
    &round::Round,
    &string::StringFn,
    &to_zone::ToZone,
    &trim::TRIM,
    &truncate::Truncate,
    &upper::UPPER,
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

    /// A function with an optional parameter, as none in the library has one yet.
    struct Pad;

    #[derive(Debug)]
    struct PadCall;

    impl Call for PadCall {
        fn call<'a>(&self, _: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, String> {
            Ok(Value::Null)
        }
    }

    impl Function for Pad {
        fn name(&self) -> &'static str {
            "pad"
        }
        fn params(&self) -> &'static [Param] {
            const PARAMS: &[Param] = &[
                Param::text("text"),
                Param::new("width", ParamType::Integer),
                Param::text("fill").optional(),
            ];
            PARAMS
        }
        fn returns(&self) -> Type {
            Type::String
        }
        fn summary(&self) -> &'static str {
            "the text padded to `width` characters"
        }
        fn examples(&self) -> &'static [Example] {
            &[]
        }
        fn prepare(&self, _: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
            Ok(Arc::new(PadCall))
        }
    }

    fn infos(types: &[Type]) -> Vec<ArgInfo<'_>> {
        types
            .iter()
            .map(|ty| ArgInfo { ty, constant: None })
            .collect()
    }

    #[test]
    fn the_parameter_table_gives_arity_types_text_arguments_and_signature() {
        let pad: &dyn Function = &Pad;
        assert_eq!(
            pad.signature(),
            "pad(text: string, width: integer, fill?: string) -> string"
        );
        let two = pad.compile(&infos(&[Type::Int, Type::Int])).unwrap();
        assert_eq!(two.text_args, [true, false, true]);
        assert_eq!(two.returns, Type::String);
        assert!(
            pad.compile(&infos(&[Type::String, Type::Int, Type::String]))
                .is_ok()
        );

        let few = pad.compile(&infos(&[Type::String])).unwrap_err();
        assert!(few.arity);
        assert_eq!(few.message, "`pad` takes 2 or 3 arguments, but is given 1");
        let many = pad.compile(&infos(&vec![Type::Int; 4])).unwrap_err();
        assert_eq!(many.message, "`pad` takes 2 or 3 arguments, but is given 4");

        let wrong = pad
            .compile(&infos(&[Type::String, Type::Int, Type::Bool]))
            .unwrap_err();
        assert_eq!((wrong.arg, wrong.arity), (Some(2), false));
        assert_eq!(wrong.message, "`pad` expects text here, found boolean");
        // Null and unknown types pass every parameter.
        assert!(pad.compile(&infos(&[Type::Null, Type::Any])).is_ok());
    }

    #[test]
    fn optional_parameters_come_last_and_names_are_distinct() {
        for function in all() {
            let params = function.params();
            let first_optional = params.iter().position(|p| p.optional);
            if let Some(i) = first_optional {
                assert!(
                    params[i..].iter().all(|p| p.optional),
                    "`{}`: a required parameter follows an optional one",
                    function.name()
                );
            }
            for (i, p) in params.iter().enumerate() {
                assert!(
                    params[..i].iter().all(|q| q.name != p.name),
                    "`{}` names `{}` twice",
                    function.name(),
                    p.name
                );
            }
        }
    }

    #[test]
    fn names_are_unique_and_sorted() {
        let names: Vec<&str> = all().iter().map(|f| f.name()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }
}
