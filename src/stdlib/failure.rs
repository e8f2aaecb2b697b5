//! Why an expression could not be evaluated, as the evaluator and the functions report it. The
//! runtime turns a [`EvalFailure`] into a `failed` or `trigger_failed` issue on its rule; the
//! text of each reason is what that issue says.

use crate::diagnostics::Span;
use crate::time::TimeError;

/// What went wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Failure {
    /// A function refused its input, in the function's own words.
    #[error("{0}")]
    Function(String),
    /// Integer or decimal arithmetic left the representable range.
    #[error("{expr} is out of range")]
    OutOfRange {
        /// The computation, as the mapping wrote it.
        expr: String,
    },
    /// A division or remainder by zero.
    #[error("{expr}: division by zero")]
    DivisionByZero {
        /// The computation, as the mapping wrote it.
        expr: String,
    },
    /// Arithmetic on values that are not numbers.
    #[error("cannot compute {left} {op} {right}")]
    NotNumbers {
        /// The left operand's kind.
        left: &'static str,
        /// The operator.
        op: &'static str,
        /// The right operand's kind.
        right: &'static str,
    },
    /// Date arithmetic on something that is not a date-time; the kind found.
    #[error("cannot add a duration to a {0}")]
    NotADateTime(&'static str),
    /// Date arithmetic by something that is not a duration; the kind found.
    #[error("cannot add a {0} to a date-time")]
    NotADuration(&'static str),
    /// `at` on something that is not a date-time; the kind found.
    #[error("a {0} has no zone")]
    NoZone(&'static str),
    /// `at (…)` given something other than text; the kind found.
    #[error("a {0} does not name a time zone")]
    NotAZoneName(&'static str),
    /// A zone name from data that is not a zone, or a date-time leaving the supported range.
    /// Boxed: time errors are large and rare, and every evaluation step returns this type.
    #[error(transparent)]
    Time(Box<TimeError>),
    /// A range map's input is not a number: the value, as the message shows it.
    #[error("range map needs a number, found {0}")]
    RangeInput(String),
    /// A condition gave something other than a boolean; the kind found.
    #[error("a condition gave a {0}, not a boolean")]
    NotABoolean(&'static str),
    /// A Jsonnet block evaluated without the records its `$.input` is built from.
    #[error("a Jsonnet block needs the mapping's records")]
    JsonnetWithoutRecords,
    /// A Jsonnet block failed: the engine's error, as the jsonnet layer words it.
    #[error("{0}")]
    Jsonnet(String),
    /// A picklist id the tenant snapshot has no label for: the tenant changed after the
    /// snapshot was pulled. Sending the bare number would put "99" where a label belongs.
    #[error(
        "{value} is not a value of {picklist} in the tenant snapshot; the tenant has changed \
         since it was pulled (`fieldmap schema pull` updates it)"
    )]
    UnknownPicklistValue {
        /// The picklist, as `Entity.Field`.
        picklist: String,
        /// The id the record carried.
        value: String,
    },
}

impl From<TimeError> for Failure {
    fn from(error: TimeError) -> Self {
        Failure::Time(Box::new(error))
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Function(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Failure::Function(message.to_string())
    }
}

/// A [`Failure`] and the place in the mapping file of the innermost expression that failed
/// (an operator, a call, a range map), when it has one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{reason}")]
pub struct EvalFailure {
    /// What went wrong.
    pub reason: Failure,
    /// Where in the mapping file, when the failing expression has a place.
    pub span: Option<Span>,
}

impl<T: Into<Failure>> From<T> for EvalFailure {
    fn from(reason: T) -> Self {
        EvalFailure {
            reason: reason.into(),
            span: None,
        }
    }
}
