use super::*;

/// `split(text, separator)`: the pieces between separators, as a list for `join`.
pub struct Split;

#[derive(Debug)]
struct SplitCall;

const PARAMS: &[Param] = &[Param::text("text"), Param::text("separator")];

impl Function for Split {
    fn name(&self) -> &'static str {
        "split"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::List(Box::new(Type::String))
    }
    fn summary(&self) -> &'static str {
        "the pieces of the text between separators, trimmed of surrounding whitespace, empty pieces dropped; a list for `join`"
    }
    fn examples(&self) -> &'static [Example] {
        &[Example {
            source: r#"split("Badge at reception;  ask for Zoë; ", ";")"#,
            result: r#"["Badge at reception","ask for Zoë"]"#,
        }]
    }
    fn prepare(&self, args: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        if let Some(Value::Str(separator)) = args[1].constant
            && separator.is_empty()
        {
            return Err(ArgError::at(1, "`split` needs a non-empty separator"));
        }
        Ok(Arc::new(SplitCall))
    }
}

impl Call for SplitCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        if args[0].is_null() {
            return Ok(Value::Null);
        }
        let (text, separator) = (args[0].to_string(), args[1].to_string());
        if separator.is_empty() {
            return Err("`split` needs a non-empty separator".into());
        }
        Ok(Value::List(
            text.split(separator.as_str())
                .map(str::trim)
                .filter(|piece| !piece.is_empty())
                .map(|piece| Value::str(piece.to_string()))
                .collect(),
        ))
    }
}
