//! `getThresholdAndUsageInfo`: the hourly request budget and its use.

use super::response_envelope::{AtwsResult, ReturnInfo, atws_document};
use super::usage_window::TIMEFRAME_MINUTES;

/// What a call gets while the hourly budget is used up.
pub const THRESHOLD_EXCEEDED_MESSAGE: &str = "The request was rejected because this database has exceeded its threshold of external requests for the timeframe. Retry when usage drops (see getThresholdAndUsageInfo).";

/// The usage report, counting the request that asks.
pub(super) fn answer_threshold_and_usage(threshold: u32, used: u32) -> String {
    let result = AtwsResult {
        return_code: 1,
        return_infos: vec![ReturnInfo {
            entity_id: 0,
            database_action: "None",
            match_info: None,
            message: format!(
                "ThresholdOfExternalRequest: {threshold}; TimeframeOfLimitation: {TIMEFRAME_MINUTES}; numberOfExternalRequest: {used};"
            ),
        }],
        ..AtwsResult::default()
    };
    atws_document("getThresholdAndUsageInfo", &result)
}
