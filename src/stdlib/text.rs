//! The shape the trivial text functions share (`upper`, `lower`, `trim`, `html`): one argument
//! read as text, text back, null for null. Each function's file gives its name, summary,
//! examples and the text operation itself.

use std::borrow::Cow;

use super::*;

/// A function from text to text.
pub struct TextFunction {
    pub name: &'static str,
    pub summary: &'static str,
    pub examples: &'static [Example],
    /// The operation; it may return its input, or a slice of it, unchanged.
    pub apply: fn(&str) -> Cow<'_, str>,
}

const PARAMS: &[Param] = &[Param::text("text")];

impl Function for TextFunction {
    fn name(&self) -> &'static str {
        self.name
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::String
    }
    fn summary(&self) -> &'static str {
        self.summary
    }
    fn examples(&self) -> &'static [Example] {
        self.examples
    }
    fn prepare(&self, _: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        Ok(Arc::new(TextCall(self.apply)))
    }
}

#[derive(Debug)]
struct TextCall(fn(&str) -> Cow<'_, str>);

impl Call for TextCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        Ok(match std::mem::take(&mut args[0]) {
            Value::Null => Value::Null,
            // Borrowed text stays borrowed where the operation gives back a slice of it.
            Value::Str(Cow::Borrowed(s)) => Value::Str((self.0)(s)),
            Value::Str(s) => Value::str((self.0)(&s).into_owned()),
            v => Value::str((self.0)(&v.to_string()).into_owned()),
        })
    }
}
