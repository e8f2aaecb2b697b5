use super::*;

/// `truncate(text, n)`: at most `n` characters, cut at a character boundary.
pub struct Truncate;

#[derive(Debug)]
struct TruncateCall;

const PARAMS: &[Param] = &[
    Param::text("text"),
    Param::new("max_chars", ParamType::Integer),
];

impl Function for Truncate {
    fn name(&self) -> &'static str {
        "truncate"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::String
    }
    fn summary(&self) -> &'static str {
        "at most `max_chars` characters of the text"
    }
    fn examples(&self) -> &'static [Example] {
        &[
            Example {
                source: r#"truncate("Café terminal 3", 6)"#,
                result: r#""Café t""#,
            },
            Example {
                source: r#"truncate("short", 50)"#,
                result: r#""short""#,
            },
        ]
    }
    fn prepare(&self, _: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        Ok(Arc::new(TruncateCall))
    }
}

impl Call for TruncateCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        let max = match &args[1] {
            Value::Int(n) if *n >= 0 => *n as usize,
            Value::Int(n) => {
                return Err(
                    format!("truncate to {n} characters: the length must not be negative").into(),
                );
            }
            _ => return Ok(Value::Null),
        };
        Ok(match std::mem::take(&mut args[0]) {
            Value::Null => Value::Null,
            Value::Str(s) => match s.char_indices().nth(max) {
                Some((at, _)) => Value::str(s[..at].to_string()),
                None => Value::Str(s),
            },
            v => Value::str(v.to_string().chars().take(max).collect::<String>()),
        })
    }
}
