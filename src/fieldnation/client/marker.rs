//! The marker that finds a work order whose create may have succeeded before a crash or a
//! lost answer: a custom field that holds the source record, `Ticket:9137`, written in the
//! same request that creates the work order. See docs/fieldnation.md for why it is reliable.

use serde_json::{Map, Value};

use super::error::FnError;
use super::work_order::number_as_id;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// The Field Nation custom field that holds the marker.
    pub custom_field_id: u64,
    /// `<entity>:<id>`, e.g. `Ticket:9137`.
    pub value: String,
}

impl Marker {
    /// The marker of an Autotask record: `Ticket:9137` in custom field `custom_field_id`.
    pub fn for_record(custom_field_id: u64, entity: &str, id: i64) -> Marker {
        Marker {
            custom_field_id,
            value: format!("{entity}:{id}"),
        }
    }

    /// Puts the marker into a create body: in the first custom field group, replacing any
    /// value the mapping gave the same field.
    pub fn insert_into(&self, body: &mut Value) -> Result<(), FnError> {
        let not_object =
            || FnError::InvalidRequest("the work order body is not a JSON object".into());
        let root = body.as_object_mut().ok_or_else(not_object)?;
        let custom_fields = object_entry(root, "custom_fields")?;
        let groups = array_entry(custom_fields, "results")?;
        if groups.is_empty() {
            groups.push(Value::Object(Map::new()));
        }
        let group = groups[0].as_object_mut().ok_or_else(|| {
            FnError::InvalidRequest("custom_fields.results[0] is not an object".into())
        })?;
        let fields = array_entry(group, "results")?;
        fields.retain(|field| field.get("id").and_then(number_as_id) != Some(self.custom_field_id));
        let mut entry = Map::new();
        entry.insert("id".into(), self.custom_field_id.into());
        entry.insert("value".into(), self.value.clone().into());
        fields.push(Value::Object(entry));
        // Every other group keeps its fields, but none may hold the marker field twice.
        for group in groups.iter_mut().skip(1) {
            if let Some(fields) = group.get_mut("results").and_then(Value::as_array_mut) {
                fields.retain(|field| {
                    field.get("id").and_then(number_as_id) != Some(self.custom_field_id)
                });
            }
        }
        Ok(())
    }

    /// Whether a work order (as Field Nation answers it) carries this marker: the custom
    /// field with exactly this value, in any group.
    pub fn is_on(&self, work_order: &Value) -> bool {
        work_order
            .pointer("/custom_fields/results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|group| group.get("results").and_then(Value::as_array))
            .flatten()
            .any(|field| {
                field.get("id").and_then(number_as_id) == Some(self.custom_field_id)
                    && field.get("value").and_then(Value::as_str) == Some(self.value.as_str())
            })
    }

    /// Whether a list row says nothing about custom fields, so that only the work order
    /// itself can tell.
    pub(super) fn row_lacks_custom_fields(row: &Value) -> bool {
        row.pointer("/custom_fields/results").is_none()
    }
}

fn object_entry<'m>(
    map: &'m mut Map<String, Value>,
    key: &str,
) -> Result<&'m mut Map<String, Value>, FnError> {
    map.entry(key)
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| FnError::InvalidRequest(format!("{key} is not an object")))
}

fn array_entry<'m>(
    map: &'m mut Map<String, Value>,
    key: &str,
) -> Result<&'m mut Vec<Value>, FnError> {
    map.entry(key)
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
        .ok_or_else(|| FnError::InvalidRequest(format!("{key} is not an array")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserted_once_and_found_again() {
        let marker = Marker::for_record(140, "Ticket", 9137);
        let mut body = serde_json::json!({
            "title": "x",
            "custom_fields": {"results": [{"results": [{"id": 129, "value": "T1"}, {"id": 140, "value": "old"}]}]}
        });
        marker.insert_into(&mut body).unwrap_or_default();
        marker.insert_into(&mut body).unwrap_or_default();
        assert_eq!(
            body["custom_fields"]["results"][0]["results"],
            serde_json::json!([{"id": 129, "value": "T1"}, {"id": 140, "value": "Ticket:9137"}])
        );
        assert!(marker.is_on(&body));
        assert!(!Marker::for_record(140, "Ticket", 91).is_on(&body));
        let mut bare = serde_json::json!({"title": "y"});
        marker.insert_into(&mut bare).unwrap_or_default();
        assert!(marker.is_on(&bare));
        assert!(marker.insert_into(&mut serde_json::json!([1])).is_err());
    }
}
