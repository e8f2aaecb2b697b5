use super::*;

/// `join(list, separator)`: the items as one text.
pub struct Join;

#[derive(Debug)]
struct JoinCall;

const PARAMS: &[Param] = &[
    Param::new("list", ParamType::List),
    Param::text("separator"),
];

impl Function for Join {
    fn name(&self) -> &'static str {
        "join"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::String
    }
    fn summary(&self) -> &'static str {
        "the list's items as text, with `separator` between them; null and empty items are left out"
    }
    fn examples(&self) -> &'static [Example] {
        &[Example {
            source: r#"split("B-12, B-14,,B-15", ",") | join(" / ")"#,
            result: r#""B-12 / B-14 / B-15""#,
        }]
    }
    fn prepare(&self, _: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        Ok(Arc::new(JoinCall))
    }
}

impl Call for JoinCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        let separator = args[1].to_string();
        match &args[0] {
            Value::Null => Ok(Value::Null),
            Value::List(items) => {
                let texts: Vec<String> = items
                    .iter()
                    .filter(|item| !item.is_absent())
                    .map(Value::to_string)
                    .collect();
                Ok(Value::str(texts.join(&separator)))
            }
            v => Err(format!("`join` needs a list, found a {}", v.kind()).into()),
        }
    }
}
