//! Autotask's webhooks, both ways: the callback JSON Autotask posts when a subscribed entity
//! changes, the minimal `{"ticketId", "entityType", "action"}` form Field Nation's docs post to
//! a trigger URL, and the `X-Hook-Signature` header: `sha1=` and the base64 HMAC-SHA1 of the
//! raw body under the webhook's secret key. The simulator sends with this module and the
//! broker's intake reads with it, so the two cannot drift apart.
//!
//! A hook only names a record: whatever `Fields` it carries, the broker fetches fresh data.

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use sha1::Sha1;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Hook-Signature";

/// The signature's scheme prefix.
pub const PREFIX: &str = "sha1=";

/// What happened to the entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HookAction {
    Create,
    Update,
    Delete,
    Deactivated,
}

impl HookAction {
    /// The action named by `text`, in any case (`"update"`, `"Update"`).
    pub fn parse(text: &str) -> Option<HookAction> {
        [
            HookAction::Create,
            HookAction::Update,
            HookAction::Delete,
            HookAction::Deactivated,
        ]
        .into_iter()
        .find(|action| action.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// Autotask's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            HookAction::Create => "Create",
            HookAction::Update => "Update",
            HookAction::Delete => "Delete",
            HookAction::Deactivated => "Deactivated",
        }
    }
}

/// The body Autotask posts for a webhook callback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HookCallback {
    pub action: HookAction,
    /// The webhook's own id.
    pub guid: String,
    pub entity_type: String,
    pub id: i64,
    /// The subscribed fields that changed, and the always-sent ones, by name.
    #[serde(default)]
    pub fields: Map<String, Json>,
    /// When the change happened, as Autotask writes it (UTC, ISO 8601).
    pub event_time: String,
    /// Increases per webhook; a receiver can spot an old delivery with it.
    pub sequence_number: i64,
    /// The resource who made the change.
    #[serde(rename = "PersonID", default)]
    pub person_id: Option<i64>,
}

/// What a hook names, whichever form it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookNotice {
    pub entity_type: String,
    pub id: i64,
    pub action: HookAction,
    /// The callback's sequence number; the minimal form has none.
    pub sequence_number: Option<i64>,
}

/// Why a body is not a webhook.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error(
        "the body is neither Autotask's webhook callback (`Id`, `EntityType`, `Action`) nor the minimal form (`ticketId`, `entityType`, `action`)"
    )]
    UnknownShape,
    #[error("the webhook callback is malformed: {0}")]
    BadCallback(String),
    #[error("`{field}` {reason}")]
    BadField { field: &'static str, reason: String },
}

/// Reads a webhook body of either form.
pub fn parse(body: &[u8]) -> Result<HookNotice, HookError> {
    let json: Json = serde_json::from_slice(body).map_err(|e| HookError::NotJson(e.to_string()))?;
    let Json::Object(object) = json else {
        return Err(HookError::UnknownShape);
    };
    if object.contains_key("Id") || object.contains_key("Guid") {
        let callback: HookCallback = serde_json::from_value(Json::Object(object))
            .map_err(|e| HookError::BadCallback(e.to_string()))?;
        let id = positive_id("Id", &Json::from(callback.id))?;
        return Ok(HookNotice {
            entity_type: callback.entity_type,
            id,
            action: callback.action,
            sequence_number: Some(callback.sequence_number),
        });
    }
    let Some(id) = object.get("ticketId") else {
        return Err(HookError::UnknownShape);
    };
    let id = positive_id("ticketId", id)?;
    let entity_type = match object.get("entityType") {
        None | Some(Json::Null) => "Ticket".to_owned(),
        Some(Json::String(name)) if !name.trim().is_empty() => name.trim().to_owned(),
        Some(_) => {
            return Err(HookError::BadField {
                field: "entityType",
                reason: "must be an entity name such as \"Ticket\"".into(),
            });
        }
    };
    let action = match object.get("action") {
        None | Some(Json::Null) => HookAction::Update,
        Some(Json::String(text)) => HookAction::parse(text).ok_or_else(|| HookError::BadField {
            field: "action",
            reason: format!("is {text:?}; expected Create, Update, Delete or Deactivated"),
        })?,
        Some(_) => {
            return Err(HookError::BadField {
                field: "action",
                reason: "must be a string".into(),
            });
        }
    };
    Ok(HookNotice {
        entity_type,
        id,
        action,
        sequence_number: None,
    })
}

/// Record ids are positive integers; the minimal form often sends them as text.
fn positive_id(field: &'static str, value: &Json) -> Result<i64, HookError> {
    let id = match value {
        Json::Number(n) => n.as_i64(),
        Json::String(text) => text.trim().parse::<i64>().ok(),
        _ => None,
    };
    match id {
        Some(id) if id > 0 => Ok(id),
        _ => Err(HookError::BadField {
            field,
            reason: format!("must be a positive record id, not {value}"),
        }),
    }
}

/// `sha1=<base64>` for `body` under `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let digest = mac(secret, body).finalize().into_bytes();
    let mut out = String::from(PREFIX);
    base64::engine::general_purpose::STANDARD.encode_string(digest, &mut out);
    out
}

/// Whether `header` is the signature of `body` under `secret`. Malformed headers are simply
/// not valid; the comparison does not stop at the first differing byte.
pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(encoded) = header.trim().strip_prefix(PREFIX) else {
        return false;
    };
    let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
        return false;
    };
    mac(secret, body).verify_slice(&expected).is_ok()
}

fn mac(secret: &[u8], body: &[u8]) -> Hmac<Sha1> {
    // HMAC takes keys of any length: a long key is hashed, a short one padded.
    let mut mac = match <Hmac<Sha1> as KeyInit>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => <Hmac<Sha1> as KeyInit>::new(&Default::default()),
    };
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_2202_case_2() {
        // RFC 2202, HMAC-SHA1 test case 2, in Autotask's base64 form.
        let signed = sign(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(signed, "sha1=7/zfauXrL6LSdBbV8YTfnCWafHk=");
        assert!(verify(b"Jefe", b"what do ya want for nothing?", &signed));
        assert!(!verify(b"Jefe", b"what do ya want for nothing!", &signed));
        assert!(!verify(b"Jefe", b"x", "sha1=***"));
        assert!(!verify(
            b"Jefe",
            b"x",
            "sha256=7/zfauXrL6LSdBbV8YTfnCWafHk="
        ));
    }

    #[test]
    fn reads_autotask_callback() {
        let body = br#"{"Action":"Update","Guid":"6a1c0e8e-1b9b-4b5e-9d0e-3c3a1f0c2b11",
            "EntityType":"Ticket","Id":9137,"Fields":{"Status":"12"},
            "EventTime":"2026-11-30T14:02:11.223Z","SequenceNumber":42,"PersonID":29682885}"#;
        let notice = parse(body).unwrap();
        assert_eq!(notice.entity_type, "Ticket");
        assert_eq!(notice.id, 9137);
        assert_eq!(notice.action, HookAction::Update);
        assert_eq!(notice.sequence_number, Some(42));
    }

    #[test]
    fn reads_minimal_form_with_text_id() {
        let notice =
            parse(br#"{"ticketId":"9137","entityType":"Ticket","action":"create"}"#).unwrap();
        assert_eq!((notice.id, notice.action), (9137, HookAction::Create));
        assert_eq!(notice.sequence_number, None);
    }

    #[test]
    fn refuses_what_names_no_record() {
        assert!(matches!(parse(b"not json"), Err(HookError::NotJson(_))));
        assert_eq!(parse(b"[1]"), Err(HookError::UnknownShape));
        assert_eq!(parse(br#"{"id":1}"#), Err(HookError::UnknownShape));
        assert!(matches!(
            parse(br#"{"ticketId":"-3"}"#),
            Err(HookError::BadField {
                field: "ticketId",
                ..
            })
        ));
        assert!(matches!(
            parse(br#"{"ticketId":1,"action":"Explode"}"#),
            Err(HookError::BadField {
                field: "action",
                ..
            })
        ));
    }
}
