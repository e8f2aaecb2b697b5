use super::*;

/// `substring(text, start, length?)`: characters from `start` (0 is the first).
pub struct Substring;

#[derive(Debug)]
struct SubstringCall;

const PARAMS: &[Param] = &[
    Param::text("text"),
    Param::new("start", ParamType::Integer),
    Param::new("length", ParamType::Integer).optional(),
];

impl Function for Substring {
    fn name(&self) -> &'static str {
        "substring"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::String
    }
    fn summary(&self) -> &'static str {
        "`length` characters of the text from character `start` (0 is the first), or all the rest without `length`; past the end gives empty text"
    }
    fn examples(&self) -> &'static [Example] {
        &[
            Example {
                source: r#"substring("T20250114.0042", 1, 8)"#,
                result: r#""20250114""#,
            },
            Example {
                source: r#"substring("Zoë Schmidt", 4)"#,
                result: r#""Schmidt""#,
            },
        ]
    }
    fn prepare(&self, args: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        for i in 1..args.len() {
            if let Some(Value::Int(n)) = args[i].constant
                && *n < 0
            {
                return Err(ArgError::at(
                    i,
                    format!("`substring` counts characters from 0; {n} is negative"),
                ));
            }
        }
        Ok(Arc::new(SubstringCall))
    }
}

impl Call for SubstringCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        let count = |v: Option<&Value<'_>>| -> Result<Option<usize>, Failure> {
            match v {
                Some(Value::Int(n)) => usize::try_from(*n).map(Some).map_err(|_| {
                    format!("`substring` counts characters from 0; {n} is negative").into()
                }),
                _ => Ok(None),
            }
        };
        let (Some(start), length) = (count(args.get(1))?, count(args.get(2))?) else {
            return Ok(Value::Null);
        };
        if args[0].is_null() {
            return Ok(Value::Null);
        }
        let text = args[0].to_string();
        let rest = text.chars().skip(start);
        Ok(Value::str(match length {
            Some(length) => rest.take(length).collect::<String>(),
            None => rest.collect::<String>(),
        }))
    }
}
