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
        sandbox::prepare(&self.state, code).map(LocalProgram)
    }

    pub fn call(
        &self,
        program: &LocalProgram,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        let input: Val = serde_json::from_value(input).map_err(|e| e.to_string())?;
        let value = program.0.call(input).map_err(|e| e.to_string())?;
        serde_json::to_value(&value).map_err(|e| e.to_string())
    }
}

impl Default for LocalJsonnet {
    fn default() -> Self {
        Self::new()
    }
}
