use super::*;

/// `replace(text, from, to)`: every occurrence of `from` replaced by `to`.
pub struct Replace;

#[derive(Debug)]
struct ReplaceCall;

const PARAMS: &[Param] = &[Param::text("text"), Param::text("from"), Param::text("to")];

impl Function for Replace {
    fn name(&self) -> &'static str {
        "replace"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::String
    }
    fn summary(&self) -> &'static str {
        "the text with every occurrence of `from` replaced by `to`; an empty `from` changes nothing (written as a constant, it is an error)"
    }
    fn examples(&self) -> &'static [Example] {
        &[Example {
            source: r#"replace("555.010.4477", ".", "-")"#,
            result: r#""555-010-4477""#,
        }]
    }
    fn prepare(&self, args: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        if let Some(Value::Str(from)) = args[1].constant
            && from.is_empty()
        {
            return Err(ArgError::at(
                1,
                "`replace` needs a non-empty text to look for",
            ));
        }
        Ok(Arc::new(ReplaceCall))
    }
}

impl Call for ReplaceCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        if args[0].is_null() {
            return Ok(Value::Null);
        }
        let (text, from, to) = (
            args[0].to_string(),
            args[1].to_string(),
            args[2].to_string(),
        );
        if from.is_empty() {
            return Ok(Value::str(text));
        }
        Ok(Value::str(text.replace(&from, &to)))
    }
}
