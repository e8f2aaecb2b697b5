//! The bounds a block runs within: a stop that unwinds it once its time is up, sizes checked
//! before jrsonnet allocates, and a result converted to JSON without recursing past a depth.
//!
//! jrsonnet offers no hook that runs on every step, so a stop reaches a running block two ways,
//! each reading the thread's stop flag:
//! - every `std` function is wrapped: the wrapper checks the flag, and wraps every function
//!   handed to `std` (the callbacks of `foldl`, `makeArray`, `map`…) so that each call back
//!   checks it too; once stopped, jrsonnet's call-depth limit drops to the current depth, so
//!   plain Jsonnet calls fail from then on;
//! - the conversion of the result checks the flag at every value.
//!
//! A loop with no `std` call in it reaches neither (`docs/jsonnet.md`, What is left).
//!
//! The same wrappers bound sizes: a string or an array past [`MAX_STRING`] or [`MAX_ARRAY`]
//! handed to or returned from `std`, or returned from a callback, is an error, and
//! `makeArray`, `repeat` and `range` are refused before they allocate.

use std::any::Any;
use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jrsonnet_evaluator::error::ErrorKind;
use jrsonnet_evaluator::function::builtin::Builtin;
use jrsonnet_evaluator::function::{CallLocation, FuncVal, NativeFn};
use jrsonnet_evaluator::val::ThunkMapper;
use jrsonnet_evaluator::{ObjValue, ObjValueBuilder, Result as JResult, Thunk, Val};
use jrsonnet_gcmodule::Trace;

use super::{MAX_ARRAY, MAX_DEPTH, MAX_RESULT, MAX_STRING};

thread_local! {
    /// The stop flag of the block running on this thread, between [`arm`] and its guard's drop.
    static STOP: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Until the guard drops, `flag` set means: stop the block running on this thread.
pub fn arm(flag: Arc<AtomicBool>) -> Armed {
    STOP.with(|s| *s.borrow_mut() = Some(flag));
    Armed(())
}

pub struct Armed(());

impl Drop for Armed {
    fn drop(&mut self) {
        STOP.with(|s| *s.borrow_mut() = None);
    }
}

pub fn stopped() -> bool {
    STOP.with(|s| {
        s.borrow()
            .as_ref()
            .is_some_and(|f| f.load(Ordering::Relaxed))
    })
}

/// How a bound's error message starts, so the pool reports it as a limit.
pub const LIMIT_MARK: &str = "limit: ";

pub fn fail(message: String) -> jrsonnet_evaluator::Error {
    ErrorKind::RuntimeError(message.into()).into()
}

/// Fails once the running block has been told to stop.
pub fn check_stop() -> JResult<()> {
    if stopped() {
        jrsonnet_evaluator::stack::set_stack_depth_limit(0);
        return Err(fail("stopped: the time limit passed".into()));
    }
    Ok(())
}

fn too_long(len: usize) -> jrsonnet_evaluator::Error {
    fail(format!(
        "{LIMIT_MARK}a string of {len} bytes is longer than {MAX_STRING}"
    ))
}

fn too_many(len: usize) -> jrsonnet_evaluator::Error {
    fail(format!(
        "{LIMIT_MARK}an array of {len} elements is longer than {MAX_ARRAY}"
    ))
}

/// A string or an array past its bound is an error; anything else passes.
fn check_size(value: &Val) -> JResult<()> {
    match value {
        Val::Str(s) if s.len() > MAX_STRING => Err(too_long(s.len())),
        Val::Arr(a) if a.len() as usize > MAX_ARRAY => Err(too_many(a.len() as usize)),
        _ => Ok(()),
    }
}

/// A value handed to `std`: sizes checked, functions wrapped so each call checks the stop.
#[derive(Trace)]
struct GuardArgument;

impl ThunkMapper<Val> for GuardArgument {
    type Output = Val;

    fn map(self, value: Val) -> JResult<Val> {
        check_size(&value)?;
        Ok(match value {
            Val::Func(f) if !is_guard(&f) => Val::Func(FuncVal::builtin(GuardedCallback {
                inner: f,
                prepared: RefCell::new(None),
            })),
            other => other,
        })
    }
}

/// Wrapping a wrapper would only add a layer.
fn is_guard(function: &FuncVal) -> bool {
    match function {
        FuncVal::Builtin(b) => {
            let any = b.as_any();
            any.is::<GuardedStd>() || any.is::<GuardedCallback>()
        }
        FuncVal::Normal(_) => false,
    }
}

/// A `std` function behind the stop and size checks.
#[derive(Trace)]
struct GuardedStd {
    #[trace(skip)]
    name: String,
    inner: FuncVal,
}

impl Builtin for GuardedStd {
    fn name(&self) -> &str {
        &self.name
    }

    fn params(&self) -> jrsonnet_evaluator::function::FunctionSignature {
        self.inner.params()
    }

    fn call(&self, loc: CallLocation<'_>, args: &[Option<Thunk<Val>>]) -> JResult<Val> {
        check_stop()?;
        precheck(&self.name, args)?;
        let args: Vec<Option<Thunk<Val>>> = args
            .iter()
            .map(|a| a.clone().map(|t| t.map(GuardArgument)))
            .collect();
        let FuncVal::Builtin(inner) = &self.inner else {
            unreachable!("std holds builtins")
        };
        let out = inner.call(loc, &args)?;
        check_size(&out)?;
        Ok(out)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The `std` functions that allocate from a count: refused before they do.
fn precheck(name: &str, args: &[Option<Thunk<Val>>]) -> JResult<()> {
    let number = |i: usize| -> JResult<Option<f64>> {
        match args.get(i).and_then(Option::as_ref) {
            Some(t) => Ok(t.evaluate()?.as_num()),
            None => Ok(None),
        }
    };
    match name {
        "makeArray" => {
            if let Some(n) = number(0)?
                && n > MAX_ARRAY as f64
            {
                return Err(too_many(n as usize));
            }
        }
        "range" => {
            if let (Some(from), Some(to)) = (number(0)?, number(1)?)
                && to - from >= MAX_ARRAY as f64
            {
                // A span past usize saturates: the count in the message must not overflow.
                return Err(too_many(((to - from) as usize).saturating_add(1)));
            }
        }
        "repeat" => {
            let what = match args.first().and_then(Option::as_ref) {
                Some(t) => t.evaluate()?,
                None => return Ok(()),
            };
            let count = number(1)?.unwrap_or(0.0).max(0.0);
            match what {
                Val::Str(s) if s.len() as f64 * count > MAX_STRING as f64 => {
                    return Err(too_long((s.len() as f64 * count) as usize));
                }
                Val::Arr(a) if f64::from(a.len()) * count > MAX_ARRAY as f64 => {
                    return Err(too_many((f64::from(a.len()) * count) as usize));
                }
                _ => {}
            }
        }
        _ => {}
    }
    Ok(())
}

/// A function `std` calls back (`foldl`'s, `makeArray`'s…): each call checks the stop, and a
/// string or array it builds past its bound is an error at once.
#[derive(Trace)]
struct GuardedCallback {
    inner: FuncVal,
    /// The call prepared for the arity `std` uses, made on first use.
    prepared: RefCell<Option<Prepared>>,
}

type Arg = Thunk<Val>;

#[derive(Trace, Clone)]
enum Prepared {
    One(NativeFn<(Arg, Val)>),
    Two(NativeFn<(Arg, Arg, Val)>),
    Three(NativeFn<(Arg, Arg, Arg, Val)>),
}

impl GuardedCallback {
    fn prepared(&self, arity: usize) -> JResult<Prepared> {
        let mut slot = self.prepared.borrow_mut();
        let fits = matches!(
            (slot.as_ref(), arity),
            (Some(Prepared::One(_)), 1)
                | (Some(Prepared::Two(_)), 2)
                | (Some(Prepared::Three(_)), 3)
        );
        if !fits {
            let f = self.inner.clone();
            *slot = Some(match arity {
                1 => Prepared::One(f.try_into()?),
                2 => Prepared::Two(f.try_into()?),
                3 => Prepared::Three(f.try_into()?),
                n => return Err(fail(format!("a function called back with {n} arguments"))),
            });
        }
        Ok(slot.clone().expect("prepared above"))
    }
}

impl Builtin for GuardedCallback {
    fn name(&self) -> &str {
        "callback"
    }

    fn params(&self) -> jrsonnet_evaluator::function::FunctionSignature {
        self.inner.params()
    }

    fn call(&self, loc: CallLocation<'_>, args: &[Option<Thunk<Val>>]) -> JResult<Val> {
        check_stop()?;
        let out = match &self.inner {
            FuncVal::Builtin(b) => b.call(loc, args)?,
            FuncVal::Normal(_) => {
                // `std` passes arguments by position; the rest keep their defaults.
                let given: Vec<Arg> = args.iter().map_while(Clone::clone).collect();
                match (self.prepared(given.len())?, given.as_slice()) {
                    (Prepared::One(f), [a]) => f.call(a.clone())?,
                    (Prepared::Two(f), [a, b]) => f.call(a.clone(), b.clone())?,
                    (Prepared::Three(f), [a, b, c]) => f.call(a.clone(), b.clone(), c.clone())?,
                    _ => unreachable!("prepared for the arity given"),
                }
            }
        };
        check_size(&out)?;
        Ok(out)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `std` with every function behind [`GuardedStd`].
pub fn guarded_std(std: &ObjValue) -> ObjValue {
    let mut builder = ObjValueBuilder::new();
    for name in std.fields_ex(true) {
        let Ok(Some(value)) = std.get(name.clone()) else {
            continue;
        };
        match value {
            Val::Func(inner @ FuncVal::Builtin(_)) => {
                builder.method(
                    name.clone(),
                    GuardedStd {
                        name: name.to_string(),
                        inner,
                    },
                );
            }
            other => builder.field(name).hide().value(other),
        }
    }
    builder.build()
}

/// A block's result as JSON, without jrsonnet's recursive serializer: nesting past
/// [`MAX_DEPTH`], a string past [`MAX_STRING`] (checked before it is flattened) or a result past
/// [`MAX_RESULT`] is an error, and the stop is checked at every value.
pub fn to_json(value: &Val) -> JResult<serde_json::Value> {
    let mut budget = MAX_RESULT;
    convert(value, 0, &mut budget)
}

fn spend(budget: &mut usize, bytes: usize) -> JResult<()> {
    *budget = budget.checked_sub(bytes).ok_or_else(|| {
        fail(format!(
            "{LIMIT_MARK}the result is larger than {MAX_RESULT} bytes of JSON"
        ))
    })?;
    Ok(())
}

fn convert(value: &Val, depth: usize, budget: &mut usize) -> JResult<serde_json::Value> {
    use serde_json::Value as J;
    check_stop()?;
    Ok(match value {
        Val::Null => {
            spend(budget, 4)?;
            J::Null
        }
        Val::Bool(b) => {
            spend(budget, 5)?;
            J::Bool(*b)
        }
        Val::Num(n) => {
            spend(budget, 8)?;
            let n = n.get();
            if n.fract() == 0.0 {
                // As jrsonnet's own serializer: integral numbers as integers.
                #[allow(clippy::cast_possible_truncation)]
                J::from(n as i64)
            } else {
                serde_json::Number::from_f64(n).map_or(J::Null, J::Number)
            }
        }
        Val::Str(s) => {
            if s.len() > MAX_STRING {
                return Err(too_long(s.len()));
            }
            spend(budget, s.len() + 2)?;
            J::String(s.clone().into_flat().to_string())
        }
        Val::Arr(items) => {
            if depth >= MAX_DEPTH {
                return Err(too_deep());
            }
            spend(budget, 2)?;
            let mut out = Vec::new();
            for item in items.iter() {
                spend(budget, 1)?;
                out.push(convert(&item?, depth + 1, budget)?);
            }
            J::Array(out)
        }
        Val::Obj(obj) => {
            if depth >= MAX_DEPTH {
                return Err(too_deep());
            }
            spend(budget, 2)?;
            let mut out = serde_json::Map::new();
            for (field, item) in obj.iter() {
                spend(budget, field.len() + 4)?;
                let item = convert(&item?, depth + 1, budget)?;
                out.insert(field.to_string(), item);
            }
            J::Object(out)
        }
        Val::Func(_) => return Err(fail("tried to manifest function".into())),
    })
}

fn too_deep() -> jrsonnet_evaluator::Error {
    fail(format!(
        "{LIMIT_MARK}the result nests deeper than {MAX_DEPTH} arrays and objects"
    ))
}
