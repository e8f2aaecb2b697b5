//! The account's types of work and custom fields, as `GET /types-of-work` and
//! `GET /custom-fields` list them: what `schema pull` records so that `check` can check the
//! ids a mapping writes.

use serde_json::Value;

use super::work_order::number_as_id;
use crate::schema::{CONTACT_ROLES, CustomField, FieldNationAccount, TypeOfWork};

/// The entries of one page of `results`; entries without an id or name are skipped.
pub(super) fn types_of_work_page(page: &Value) -> Vec<TypeOfWork> {
    results(page)
        .filter_map(|entry| {
            Some(TypeOfWork {
                id: entry.get("id").and_then(number_as_id)?,
                name: entry.get("name")?.as_str()?.to_owned(),
                industry_id: entry.get("industry_id").and_then(number_as_id),
                industry: entry
                    .get("industry")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            })
        })
        .collect()
}

pub(super) fn custom_fields_page(page: &Value) -> Vec<CustomField> {
    results(page)
        .filter_map(|entry| {
            Some(CustomField {
                id: entry.get("id").and_then(number_as_id)?,
                name: entry.get("name")?.as_str()?.to_owned(),
                field_type: entry.get("type").and_then(Value::as_str).map(str::to_owned),
                flags: entry
                    .get("flags")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f.as_str().map(str::to_owned))
                    .collect(),
            })
        })
        .collect()
}

/// The account as a snapshot records it; the contact roles are Field Nation's own.
pub(super) fn account(
    name: &str,
    types_of_work: Vec<TypeOfWork>,
    custom_fields: Vec<CustomField>,
) -> FieldNationAccount {
    FieldNationAccount {
        name: name.to_owned(),
        types_of_work,
        custom_fields,
        contact_roles: CONTACT_ROLES.iter().map(|r| (*r).to_owned()).collect(),
    }
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
