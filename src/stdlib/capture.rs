use super::*;

/// `capture(text, pattern, group?)`: the text a group of a regular expression matched.
pub struct Capture;

#[derive(Debug)]
struct CaptureCall {
    regex: regex::Regex,
    group: usize,
}

const PARAMS: &[Param] = &[
    Param::text("text"),
    Param::new("pattern", ParamType::Regex),
    Param::new("group", ParamType::Integer).optional(),
];

impl Function for Capture {
    fn name(&self) -> &'static str {
        "capture"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::String
    }
    fn summary(&self) -> &'static str {
        "the text that group `group` (a constant; default 1, or the whole match when the pattern has no group) of the first match captured; null when nothing matches"
    }
    fn examples(&self) -> &'static [Example] {
        &[
            Example {
                source: r#"capture("Site code: MN-0042 (rear door)", "([A-Z]{2})-(\\d+)", 2)"#,
                result: r#""0042""#,
            },
            Example {
                source: r#"capture("Room B-12", "[A-Z]-\\d+")"#,
                result: r#""B-12""#,
            },
            Example {
                source: r#"capture("no code here", "([A-Z]{2})-\\d+")"#,
                result: "null",
            },
        ]
    }
    fn prepare(&self, args: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        let regex = constant_regex(args, 1)?;
        let groups = regex.captures_len() - 1;
        let group = match args.get(2) {
            None => usize::from(groups > 0),
            Some(arg) => match arg.constant {
                Some(Value::Int(n)) if usize::try_from(*n).is_ok_and(|n| n <= groups) => {
                    *n as usize
                }
                Some(Value::Int(n)) => {
                    return Err(ArgError::at(
                        2,
                        format!("the pattern has {groups} group(s); there is no group {n}"),
                    ));
                }
                _ => return Err(ArgError::at(2, "the group must be a constant number")),
            },
        };
        Ok(Arc::new(CaptureCall { regex, group }))
    }
}

impl Call for CaptureCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        if args[0].is_null() {
            return Ok(Value::Null);
        }
        let text = args[0].to_string();
        Ok(self
            .regex
            .captures(&text)
            .and_then(|c| c.get(self.group))
            .map_or(Value::Null, |m| Value::str(m.as_str().to_string())))
    }
}
