//! A rule's value in the form its work order field takes. Text stays borrowed from the records
//! until it is written out, so writing a work order straight to bytes copies each text once.

use std::borrow::Cow;

use serde_json::Value as Json;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Emitted<'r> {
    /// A JSON string.
    Text(Cow<'r, str>),
    /// Anything else: numbers, booleans, and what `any`-typed fields take.
    Json(Json),
}

impl Emitted<'_> {
    pub(crate) fn into_json(self) -> Json {
        match self {
            Emitted::Text(text) => Json::String(text.into_owned()),
            Emitted::Json(json) => json,
        }
    }

    pub(crate) fn to_json(&self) -> Json {
        match self {
            Emitted::Text(text) => Json::String(text.to_string()),
            Emitted::Json(json) => json.clone(),
        }
    }

    /// The value when it is a JSON string.
    pub(crate) fn as_text(&self) -> Option<&str> {
        match self {
            Emitted::Text(text) => Some(text),
            Emitted::Json(Json::String(text)) => Some(text),
            Emitted::Json(_) => None,
        }
    }

    /// Appends the value as JSON text.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        // Serializing a string or a JSON value into a Vec cannot fail.
        let _ = match self {
            Emitted::Text(text) => serde_json::to_writer(out, text.as_ref()),
            Emitted::Json(json) => serde_json::to_writer(out, json),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_written_as_an_escaped_json_string() {
        let text = Emitted::Text(Cow::Borrowed("Zoë says \"hi\"\n"));
        let mut out = Vec::new();
        text.write(&mut out);
        assert_eq!(String::from_utf8(out).unwrap(), r#""Zoë says \"hi\"\n""#);
        assert_eq!(text.as_text(), Some("Zoë says \"hi\"\n"));
        assert_eq!(text.into_json(), json!("Zoë says \"hi\"\n"));
    }

    #[test]
    fn json_is_written_as_it_is() {
        let value = Emitted::Json(json!({"id": 62, "isPrimary": true}));
        let mut out = b"[".to_vec();
        value.write(&mut out);
        assert_eq!(out, br#"[{"id":62,"isPrimary":true}"#);
        assert_eq!(value.as_text(), None);
        assert_eq!(value.to_json(), json!({"id": 62, "isPrimary": true}));
    }
}
