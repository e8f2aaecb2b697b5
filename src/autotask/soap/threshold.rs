//! `getThresholdAndUsageInfo`: how much of the hourly request budget is used.

use super::atws_response::{AtwsOperation, read_atws_response};
use super::error::SoapError;
use super::sink::IgnoreEntities;

const THRESHOLD_AND_USAGE: AtwsOperation = AtwsOperation {
    response: "getThresholdAndUsageInfoResponse",
    result: "getThresholdAndUsageInfoResult",
};

/// The request budget of the Autotask database, shared by all integrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ThresholdAndUsage {
    /// `ThresholdOfExternalRequest`: requests allowed per timeframe.
    pub threshold: u32,
    /// `TimeframeOfLimitation`, in minutes.
    pub timeframe_minutes: u32,
    /// `numberOfExternalRequest`: requests made in the current timeframe.
    pub requests_used: u32,
}

impl ThresholdAndUsage {
    /// Parses `ThresholdOfExternalRequest: 10000; TimeframeOfLimitation: 60;
    /// numberOfExternalRequest: 37;` (keys in any order and casing, unknown
    /// keys ignored). `None` unless all three numbers are there.
    pub fn parse_message(message: &str) -> Option<ThresholdAndUsage> {
        let mut threshold = None;
        let mut timeframe_minutes = None;
        let mut requests_used = None;
        for pair in message.split(';') {
            let Some((key, value)) = pair.split_once(':') else {
                continue;
            };
            let slot = match key.trim().to_ascii_lowercase().as_str() {
                "thresholdofexternalrequest" => &mut threshold,
                "timeframeoflimitation" => &mut timeframe_minutes,
                "numberofexternalrequest" => &mut requests_used,
                _ => continue,
            };
            *slot = Some(value.trim().parse().ok()?);
        }
        Some(ThresholdAndUsage {
            threshold: threshold?,
            timeframe_minutes: timeframe_minutes?,
            requests_used: requests_used?,
        })
    }

    /// Requests still allowed in the current timeframe.
    pub fn remaining(&self) -> u32 {
        self.threshold.saturating_sub(self.requests_used)
    }
}

/// Reads a `getThresholdAndUsageInfoResponse`.
///
/// # Errors
///
/// As [`super::read_query_response`] for the envelope; in addition
/// [`SoapError::Rejected`] (with the ATWS errors) for a `ReturnCode` other
/// than 1, and [`SoapError::UnreadableUsage`] when no `EntityReturnInfo`
/// message has the three numbers.
pub fn read_threshold_and_usage_response<X>(xml: &X) -> Result<ThresholdAndUsage, SoapError>
where
    X: AsRef<[u8]> + ?Sized,
{
    let result = read_atws_response(xml.as_ref(), &THRESHOLD_AND_USAGE, &mut IgnoreEntities)?;
    if result.return_code != 1 {
        return Err(SoapError::Rejected {
            return_code: result.return_code,
            errors: result.errors,
        });
    }
    let messages = || {
        result
            .return_infos
            .iter()
            .filter_map(|info| info.message.as_deref())
    };
    messages()
        .find_map(ThresholdAndUsage::parse_message)
        .ok_or_else(|| SoapError::UnreadableUsage {
            message: messages().next().map(str::to_owned),
        })
}

#[cfg(test)]
mod tests {
    use super::ThresholdAndUsage;

    #[test]
    fn parses_the_documented_message() {
        let usage = ThresholdAndUsage::parse_message(
            "ThresholdOfExternalRequest: 10000; TimeframeOfLimitation: 60; numberOfExternalRequest: 37;",
        );
        assert_eq!(
            usage,
            Some(ThresholdAndUsage {
                threshold: 10000,
                timeframe_minutes: 60,
                requests_used: 37
            })
        );
        assert_eq!(usage.map(|usage| usage.remaining()), Some(9963));
    }

    #[test]
    fn tolerates_order_casing_spacing_and_extra_keys() {
        let usage = ThresholdAndUsage::parse_message(
            " numberOfExternalRequest:10001 ;thresholdofexternalrequest : 10000;Extra: x; TimeframeOfLimitation: 60",
        );
        assert_eq!(
            usage,
            Some(ThresholdAndUsage {
                threshold: 10000,
                timeframe_minutes: 60,
                requests_used: 10001
            })
        );
        assert_eq!(usage.map(|usage| usage.remaining()), Some(0));
    }

    #[test]
    fn rejects_missing_or_non_numeric_values() {
        assert_eq!(
            ThresholdAndUsage::parse_message(
                "ThresholdOfExternalRequest: 10000; TimeframeOfLimitation: 60;"
            ),
            None
        );
        assert_eq!(
            ThresholdAndUsage::parse_message(
                "ThresholdOfExternalRequest: lots; TimeframeOfLimitation: 60; numberOfExternalRequest: 1;"
            ),
            None
        );
        assert_eq!(ThresholdAndUsage::parse_message(""), None);
    }
}
