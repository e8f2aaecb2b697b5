//! What an evaluation gets from its caller: the clock. Nothing else comes from outside, so the
//! same records and the same clock always give the same work order.

use jiff::ZonedDateTime;

use crate::time::DstAdjustment;

/// The clock an evaluation reads, the one input besides the records. Pin it with
/// [`EvalContext::at`] to make an evaluation reproducible.
#[derive(Debug, Clone)]
pub struct EvalContext {
    /// What `now()` returns.
    pub now: ZonedDateTime,
}

impl EvalContext {
    /// A context whose clock reads the current time in New York (Autotask's zone).
    pub fn current() -> Self {
        EvalContext {
            now: jiff::Timestamp::now().to_zoned_datetime(crate::time::eastern().clone()),
        }
    }

    /// A context pinned to an instant, for tests and replays.
    pub fn at(now: ZonedDateTime) -> Self {
        EvalContext { now }
    }
}

/// Passed to every function call: the context, and a place to report DST adjustments.
pub struct CallEnv<'e> {
    pub ctx: &'e EvalContext,
    pub adjustments: &'e mut Vec<DstAdjustment>,
}

impl CallEnv<'_> {
    pub fn adjusted(&mut self, adjustment: Option<DstAdjustment>) {
        if let Some(a) = adjustment {
            self.adjustments.push(a);
        }
    }
}
