//! Evaluating Jsonnet on the current thread, without the pool: for tools and benchmarks that
//! measure Jsonnet itself (the way the broker runs custom actions). Not `Send`; no time bound.

use jrsonnet_evaluator::function::NativeFn;
use jrsonnet_evaluator::{State, StateEnterGuard, Val};

use super::sandbox;

pub struct LocalJsonnet {
    state: State,
    _entered: Option<StateEnterGuard>,
}

/// A program prepared once, to call many times.
pub struct LocalProgram(NativeFn<(Val, Val)>);

impl LocalJsonnet {
    pub fn new() -> Self {
        let state = sandbox::new_state();
        let entered = state.try_enter();
        LocalJsonnet {
            state,
            _entered: entered,
        }
    }

    /// Prepares `code` as a block: `$.input`, `$.util` and `std` in scope.
    pub fn prepare(&self, code: &str) -> Result<LocalProgram, String> {
        sandbox::prepare(&self.state, code)
            .map(LocalProgram)
            .map_err(|e| e.to_string())
    }

    pub fn call(
        &self,
        program: &LocalProgram,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        sandbox::call(&program.0, &input, super::bounds::to_json).map_err(|e| e.to_string())
    }

    /// As [`LocalJsonnet::call`], with the result appended to `out` as JSON text.
    pub fn call_to_json(
        &self,
        program: &LocalProgram,
        input: serde_json::Value,
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        sandbox::call(&program.0, &input, |v| {
            serde_json::to_writer(out, v).map_err(|e| super::bounds::fail(e.to_string()))
        })
        .map_err(|e| e.to_string())
    }
}

impl Default for LocalJsonnet {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn calls_leave_no_garbage_behind() {
        let jsonnet = LocalJsonnet::new();
        let program = jsonnet
            .prepare("{ id: $.input.id, band: $.util.range_map([{ cmp: 10, val: 'low' }], self.id, 'high') }")
            .unwrap();
        let call = |id: i64| jsonnet.call(&program, json!({ "id": id })).unwrap();
        assert_eq!(call(42), json!({ "id": 42, "band": "high" }));
        let after_one = jrsonnet_gcmodule::count_thread_tracked();
        for id in 0..50 {
            call(id);
        }
        assert_eq!(jrsonnet_gcmodule::count_thread_tracked(), after_one);
    }

    #[test]
    fn json_text_is_the_value_written_out() {
        let jsonnet = LocalJsonnet::new();
        let program = jsonnet
            .prepare("{ b: [1.5, 'x\"y'], a: $.input.id }")
            .unwrap();
        let mut out = b"[".to_vec();
        jsonnet
            .call_to_json(&program, json!({ "id": 7 }), &mut out)
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"[{"a":7,"b":[1.5,"x\"y"]}"#
        );
    }
}
