//! How much of Autotask's request threshold is left, as a cheap read for a metrics gauge.

use crate::autotask::soap::ThresholdAndUsage;

/// The client's view of the request budget right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Headroom {
    /// Requests allowed per window: the client's budget, or Autotask's threshold when lower.
    pub limit: u32,
    /// Requests counted in the current window (ours, plus what Autotask last reported).
    pub used: u32,
    /// `limit - used`: requests left before calls wait.
    pub remaining: u32,
    /// Whether calls are paused because Autotask refused one for its threshold.
    pub paused: bool,
    /// How often calls were paused for the threshold since the client started.
    pub pauses: u64,
    /// Autotask's own figures from the last `getThresholdAndUsageInfo`, when one was asked.
    pub reported: Option<ThresholdAndUsage>,
}
