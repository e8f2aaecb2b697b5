//! The Jsonnet state a block runs in: the standard library, the broker's helper library as the
//! only importable file, `std.trace` captured instead of printed, and the stack bound.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use jrsonnet_evaluator::error::ErrorKind;
use jrsonnet_evaluator::function::{CallLocation, NativeFn};
use jrsonnet_evaluator::trace::PathResolver;
use jrsonnet_evaluator::{
    AsPathLike, IStr, ImportResolver, InitialContextBuilder, ObjValue, ObjValueBuilder,
    Result as JResult, Source, SourcePath, SourceVirtual, State, Thunk, Val,
};
use jrsonnet_gcmodule::Cc;
use jrsonnet_stdlib::{Settings, TracePrinter, stdlib_uncached};

use super::SyntaxProblem;

/// The helper library, importable as `util.libsonnet` and bound as `$.util`.
pub(super) const UTIL_LIBRARY: &str = include_str!("../../stdlib/jsonnet/util.libsonnet");
const UTIL_NAME: &str = "util.libsonnet";

/// The code before a block's text: `$` is the object holding `input` and `util`, as in the
/// broker's custom actions, and the block's value is its `result`.
const PREFIX: &str = "function(input) { input: input, util: import 'util.libsonnet', result: (\n";
const SUFFIX: &str = "\n) }.result";

thread_local! {
    static TRACES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// `std.trace` writes into the evaluating thread's trace list.
#[derive(jrsonnet_gcmodule::Acyclic)]
struct CaptureTraces;

impl TracePrinter for CaptureTraces {
    fn print_trace(&self, _loc: CallLocation, value: IStr) {
        TRACES.with(|t| t.borrow_mut().push(value.to_string()));
    }
}

pub fn take_traces() -> Vec<String> {
    TRACES.with(|t| std::mem::take(&mut *t.borrow_mut()))
}

/// Imports resolve to the shipped helper library and nothing else: no files, no network.
#[derive(jrsonnet_gcmodule::Acyclic)]
struct LibraryOnly;

impl ImportResolver for LibraryOnly {
    fn resolve_from(&self, _from: &SourcePath, path: &dyn AsPathLike) -> JResult<SourcePath> {
        let wanted = path.as_path().to_owned().to_string();
        if wanted == UTIL_NAME {
            return Ok(SourcePath::new(SourceVirtual(UTIL_NAME.into())));
        }
        Err(ErrorKind::RuntimeError(
            format!("import {wanted:?}: only {UTIL_NAME:?} can be imported in a mapping").into(),
        )
        .into())
    }

    fn load_file_contents(&self, resolved: &SourcePath) -> JResult<Vec<u8>> {
        if resolved.to_string().ends_with(UTIL_NAME) {
            Ok(UTIL_LIBRARY.as_bytes().to_vec())
        } else {
            Err(
                ErrorKind::RuntimeError("nothing but the helper library can be loaded".into())
                    .into(),
            )
        }
    }
}

/// Binds `std`: jrsonnet's standard library with each function behind the bounds' checks
/// (`bounds::guarded_std`), and the natives the helper library calls.
#[derive(jrsonnet_gcmodule::Trace)]
struct GuardedStdlib {
    std: ObjValue,
}

impl jrsonnet_evaluator::ContextInitializer for GuardedStdlib {
    fn populate(&self, _source: Source, builder: &mut InitialContextBuilder) {
        let mut std = ObjValueBuilder::new();
        std.with_super(self.std.clone());
        std.field("thisFile")
            .hide()
            .value(Val::string("mapping block"));
        builder.bind("std", Thunk::evaluated(Val::Obj(std.build())));
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A fresh sandboxed state for the current thread.
pub fn new_state() -> State {
    let mut settings = Settings {
        ext_vars: HashMap::new(),
        ext_natives: HashMap::new(),
        trace_printer: Rc::new(CaptureTraces),
        path_resolver: PathResolver::FileName,
    };
    for (name, native) in super::natives::natives() {
        settings.ext_natives.insert(name.into(), native);
    }
    let std = stdlib_uncached(Cc::new(RefCell::new(settings)));
    let mut builder = State::builder();
    builder
        .context_initializer(GuardedStdlib {
            std: super::bounds::guarded_std(&std),
        })
        .import_resolver(LibraryOnly);
    reset_depth_limit();
    builder.build()
}

/// jrsonnet's call-depth limit back at [`super::STACK_LIMIT`], after a stop lowered it.
pub fn reset_depth_limit() {
    jrsonnet_evaluator::stack::set_stack_depth_limit(super::STACK_LIMIT);
}

/// The block's code as the engine sees it, for placing its errors.
pub fn wrapped(code: &str) -> super::engine_error::Wrapped<'_> {
    super::engine_error::Wrapped {
        code,
        prefix: PREFIX.len(),
    }
}

/// The block as a Jsonnet function of its input.
pub fn prepare(state: &State, code: &str) -> JResult<NativeFn<(Val, Val)>> {
    let wrapped = format!("{PREFIX}{code}{SUFFIX}");
    let prepared = state.prepare_snippet("mapping block", wrapped)?;
    match state.evaluate_prepared_snippet(&prepared)? {
        Val::Func(f) => NativeFn::<(Val, Val)>::try_from(f),
        _ => Err(ErrorKind::RuntimeError("the block did not compile to a function".into()).into()),
    }
}

/// Calls a prepared block with its input and hands the result to `finish`, then frees what
/// the call left behind. jrsonnet's values refer to each other in cycles (an object and its
/// `self`), which reference counting never frees; without a collection after each call, a
/// long-lived thread grows by some kilobytes per call, and every allocation after slows down
/// in the bloated heap.
pub fn call<T>(
    function: &NativeFn<(Val, Val)>,
    input: &serde_json::Value,
    finish: impl FnOnce(&Val) -> JResult<T>,
) -> JResult<T> {
    reset_depth_limit();
    let result = <Val as serde::Deserialize>::deserialize(input)
        .map_err(|e| ErrorKind::RuntimeError(format!("the input is not JSON: {e}").into()).into())
        .and_then(|input| function.call(input))
        .and_then(|value| finish(&value));
    jrsonnet_gcmodule::collect_thread_cycles();
    reset_depth_limit();
    result
}

/// Parses and analyses a block on the calling thread, reporting where inside it a problem is.
pub fn check_syntax(code: &str) -> Result<(), SyntaxProblem> {
    let state = new_state();
    let _entered = state.try_enter();
    let wrapped = format!("{PREFIX}{code}{SUFFIX}");
    let Err(error) = state.prepare_snippet("mapping block", wrapped) else {
        return Ok(());
    };
    let (start, end, message) = match error.error() {
        ErrorKind::ImportSyntaxError { error, .. } => (
            (error.location.1 as usize).saturating_sub(PREFIX.len()),
            (error.location.2 as usize).saturating_sub(PREFIX.len()),
            error.message.clone(),
        ),
        other => (0, 0, other.to_string()),
    };
    // Past the block's end the parser met the wrapper's closing parenthesis: the block ended
    // in the middle of an expression. Point at its last word.
    let written = code.trim_end().len();
    if start >= written {
        let last = code[..written]
            .rfind(char::is_whitespace)
            .map_or(0, |i| i + 1);
        return Err(SyntaxProblem {
            start: last,
            end: written,
            message: "the block ends in the middle of an expression".into(),
        });
    }
    Err(SyntaxProblem {
        start,
        end: end.clamp(start, code.len()),
        message,
    })
}
