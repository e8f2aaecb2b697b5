use super::*;

/// `matches(text, pattern)`: whether a regular expression matches somewhere in the text.
pub struct Matches;

#[derive(Debug)]
struct MatchesCall(regex::Regex);

const PARAMS: &[Param] = &[Param::text("text"), Param::new("pattern", ParamType::Regex)];

impl Function for Matches {
    fn name(&self) -> &'static str {
        "matches"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::Bool
    }
    fn summary(&self) -> &'static str {
        "whether the regular expression (a constant, checked when the mapping compiles; Rust `regex` syntax) matches somewhere in the text; anchor it with `^…$` to match the whole"
    }
    fn examples(&self) -> &'static [Example] {
        &[
            Example {
                source: r#"matches("Room B-12", "[A-Z]-\\d+")"#,
                result: "true",
            },
            Example {
                source: r#"matches("55401-1234", "^\\d{5}$")"#,
                result: "false",
            },
            Example {
                source: r#"matches("x", "(a|b")"#,
                result: "error: invalid regular expression: unclosed group",
            },
        ]
    }
    fn prepare(&self, args: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        Ok(Arc::new(MatchesCall(constant_regex(args, 1)?)))
    }
}

impl Call for MatchesCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        Ok(match &args[0] {
            Value::Null => Value::Null,
            Value::Str(s) => Value::Bool(self.0.is_match(s)),
            v => Value::Bool(self.0.is_match(&v.to_string())),
        })
    }
}
