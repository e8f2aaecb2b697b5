//! `getZoneInfo(UserName)`: where a user's database lives. No auth and no
//! header; an unknown user gets a negative `ErrorCode` and no URL.

use super::response_envelope::operation_document;
use super::state::SimState;
use crate::autotask::wire::{XmlElement, close, open, push_leaf};

/// `ErrorCode` for a user name Autotask does not know.
const UNKNOWN_USER: i32 = -1;

pub(super) fn answer_zone_info(state: &SimState, operation: &XmlElement) -> String {
    let user = operation
        .child("UserName")
        .map(|name| name.text.trim())
        .unwrap_or_default();
    let mut out = String::new();
    open(&mut out, "getZoneInfoResult");
    if state.knows_user(user) {
        push_leaf(&mut out, "URL", &state.zone_url);
        push_leaf(&mut out, "ErrorCode", "0");
        push_leaf(&mut out, "DataBaseType", "Production");
        push_leaf(&mut out, "CI", "1");
        push_leaf(&mut out, "WebUrl", &state.web_url);
    } else {
        push_leaf(&mut out, "ErrorCode", &UNKNOWN_USER.to_string());
        push_leaf(&mut out, "CI", "0");
    }
    close(&mut out, "getZoneInfoResult");
    operation_document("getZoneInfo", &out)
}
