//! The shape `contains`, `starts_with` and `ends_with` share: a test of the text against a
//! part, exact (case and spacing count, as in Autotask's labels). Null text gives null, which a
//! condition reads as false.

use super::*;

/// A test of text against a part.
pub struct TextTest {
    pub name: &'static str,
    pub summary: &'static str,
    pub examples: &'static [Example],
    pub test: fn(&str, &str) -> bool,
}

const PARAMS: &[Param] = &[Param::text("text"), Param::text("part")];

impl Function for TextTest {
    fn name(&self) -> &'static str {
        self.name
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::Bool
    }
    fn summary(&self) -> &'static str {
        self.summary
    }
    fn examples(&self) -> &'static [Example] {
        self.examples
    }
    fn prepare(&self, _: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        Ok(Arc::new(TestCall(self.test)))
    }
}

#[derive(Debug)]
struct TestCall(fn(&str, &str) -> bool);

impl Call for TestCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        if args[0].is_null() || args[1].is_null() {
            return Ok(Value::Null);
        }
        let (text, part) = (args[0].to_string(), args[1].to_string());
        Ok(Value::Bool((self.0)(&text, &part)))
    }
}
