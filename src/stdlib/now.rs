use super::*;

/// `now()`: the evaluation's clock, which the caller sets (so runs are reproducible).
pub struct Now;

#[derive(Debug)]
struct NowCall;

const PARAMS: &[Param] = &[];

impl Function for Now {
    fn name(&self) -> &'static str {
        "now"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::DateTime
    }
    fn summary(&self) -> &'static str {
        "the evaluation's clock in its default zone, fixed per evaluation (the caller sets it; `--now` on the command line)"
    }
    fn examples(&self) -> &'static [Example] {
        &[Example {
            source: r#"format(now(), "YYYY-MM-DD HH:mm z")"#,
            result: r#""2025-01-15 09:00 EST""#,
        }]
    }
    fn pure(&self) -> bool {
        false
    }
    fn prepare(&self, _: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        Ok(Arc::new(NowCall))
    }
}

impl Call for NowCall {
    fn call<'a>(&self, _: &mut [Value<'a>], env: &mut CallEnv) -> Result<Value<'a>, Failure> {
        Ok(Value::DateTime(env.ctx.now.clone()))
    }
}
