//! `getZoneInfo` answers: the zone URL that serves a user's Autotask database.

use super::answer::read_answer;
use crate::autotask::soap::SoapError;
use crate::autotask::wire::Operation;

/// `ATWSZoneInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ZoneInfo {
    /// The zone's API URL; absent for an unknown user.
    pub url: Option<String>,
    /// Negative for an unknown user.
    pub error_code: i32,
    pub database_type: Option<String>,
    pub ci: i32,
    /// The zone's web UI.
    pub web_url: Option<String>,
}

/// Reads a `getZoneInfoResponse`.
pub fn read_zone_info_response(xml: &[u8]) -> Result<ZoneInfo, SoapError> {
    let result = read_answer(xml, Operation::GetZoneInfo)?;
    let number = |name: &str| {
        result
            .child_text(name)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    Ok(ZoneInfo {
        url: result.child_text("URL").map(str::to_owned),
        error_code: number("ErrorCode"),
        database_type: result.child_text("DataBaseType").map(str::to_owned),
        ci: number("CI"),
        web_url: result.child_text("WebUrl").map(str::to_owned),
    })
}
