//! The account's types of work and custom fields, as `GET /types-of-work` and
//! `GET /custom-fields` list them: what a snapshot records so that `check` can check the ids a
//! mapping writes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::work_order::number_as_id;

/// One type of work (V3TypesOfWork).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeOfWorkInfo {
    pub id: u64,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
}

/// One work order custom field (WorkorderCustomFieldDto).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomFieldInfo {
    pub id: u64,
    pub name: String,
    /// `text`, `numeric`, `date`, `date_time`, `time`, `predefined`, `phone`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub field_type: Option<String>,
}

/// The entries of one page of `results`; entries without an id or name are skipped.
pub(super) fn types_of_work_page(page: &Value) -> Vec<TypeOfWorkInfo> {
    results(page)
        .filter_map(|entry| {
            Some(TypeOfWorkInfo {
                id: entry.get("id").and_then(number_as_id)?,
                name: entry.get("name")?.as_str()?.to_owned(),
                industry: entry
                    .get("industry")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            })
        })
        .collect()
}

pub(super) fn custom_fields_page(page: &Value) -> Vec<CustomFieldInfo> {
    results(page)
        .filter_map(|entry| {
            Some(CustomFieldInfo {
                id: entry.get("id").and_then(number_as_id)?,
                name: entry.get("name")?.as_str()?.to_owned(),
                field_type: entry.get("type").and_then(Value::as_str).map(str::to_owned),
            })
        })
        .collect()
}

/// `metadata.pages` of a list answer (1 when absent).
pub(super) fn page_count(page: &Value) -> u64 {
    page.pointer("/metadata/pages")
        .and_then(number_as_id)
        .unwrap_or(1)
}

fn results(page: &Value) -> impl Iterator<Item = &Value> {
    page.get("results")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}
