//! Pulling a tenant snapshot (docs/tenant-snapshot.md) from a live database: the values of
//! every picklist field (`GetFieldInfo`) and the UDF definitions (`getUDFInfo`) of the
//! entities asked for, in the file format `fieldmap check --schema FILE` reads.

use serde_json::{Map, Value as Json, json};

use super::client::AutotaskClient;
use super::error::ClientError;
use super::field_info::{FieldInfo, PicklistValueInfo};
use crate::autotask::wire::QueryXml;
use crate::schema::{FieldType, Schemas};

/// The entities a snapshot covers unless told otherwise: those mappings start from and those
/// they reach one reference away.
pub const DEFAULT_SNAPSHOT_ENTITIES: &[&str] = &[
    "Ticket",
    "TicketNote",
    "Task",
    "TaskNote",
    "ServiceCall",
    "Account",
    "Contact",
    "Resource",
    "Project",
    "AccountPhysicalLocation",
];

/// A pulled snapshot and what did not fit the format.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantSnapshot {
    pub json: Json,
    pub warnings: Vec<String>,
}

impl TenantSnapshot {
    /// The snapshot as a file: one picklist value per line, in `sort` order.
    pub fn to_text(&self) -> String {
        render(&self.json)
    }
}

/// Asks Autotask for the picklists and UDFs of `entities`. The tenant's name is `name`, or the
/// name of the database owner's account (Account 0).
///
/// # Errors
///
/// [`ClientError::InvalidRequest`] for an entity the schema does not know; any call that fails.
pub async fn pull_tenant_snapshot(
    client: &AutotaskClient,
    schemas: &Schemas,
    entities: &[String],
    name: Option<&str>,
) -> Result<TenantSnapshot, ClientError> {
    let mut fields = Vec::new();
    let mut udfs = Vec::new();
    for entity in entities {
        let schema = schemas.autotask.entity(entity).ok_or_else(|| {
            ClientError::InvalidRequest(format!("`{entity}` is not an Autotask entity"))
        })?;
        fields.push((entity.clone(), client.field_info(entity).await?.to_vec()));
        if schema.has_udfs {
            udfs.push((entity.clone(), client.udf_info(entity).await?.to_vec()));
        }
    }
    let name = match name {
        Some(name) => name.to_owned(),
        None => owner_name(client).await?,
    };
    Ok(build_snapshot(&name, &fields, &udfs))
}

/// The snapshot for field and UDF lists already pulled.
pub fn build_snapshot(
    name: &str,
    fields: &[(String, Vec<FieldInfo>)],
    udfs: &[(String, Vec<FieldInfo>)],
) -> TenantSnapshot {
    let mut warnings = Vec::new();
    let mut picklists = Map::new();
    for (entity, list) in fields {
        let mut entity_lists = Map::new();
        for field in list.iter().filter(|f| f.is_picklist) {
            if field.picklist_values.is_empty() {
                continue;
            }
            let parent = field
                .picklist_parent_value_field
                .as_deref()
                .and_then(|parent| list.iter().find(|f| f.name == parent));
            let parent_type = parent.map(|parent| parent.field_type.as_str());
            let has_parent = field.picklist_parent_value_field.is_some();
            let values = sorted(&field.picklist_values, parent)
                .into_iter()
                .map(|v| {
                    picklist_entry(
                        v,
                        typed(&v.value, &field.field_type),
                        has_parent.then(|| {
                            v.parent_value
                                .as_deref()
                                .map(|p| typed(p, parent_type.unwrap_or("integer")))
                        }),
                    )
                })
                .collect();
            entity_lists.insert(field.name.clone(), Json::Array(values));
        }
        if !entity_lists.is_empty() {
            picklists.insert(entity.clone(), Json::Object(entity_lists));
        }
    }
    let mut udf_lists = Map::new();
    for (entity, list) in udfs {
        let definitions: Vec<Json> = list
            .iter()
            .filter(|udf| !udf.name.is_empty())
            .map(|udf| udf_definition(entity, udf, &mut warnings))
            .collect();
        if !definitions.is_empty() {
            udf_lists.insert(entity.clone(), Json::Array(definitions));
        }
    }
    TenantSnapshot {
        json: json!({
            "_about": "Pulled from Autotask with `fieldmap schema pull`: picklists from GetFieldInfo, UDFs from getUDFInfo.",
            "name": name,
            "picklists": picklists,
            "udfs": udf_lists,
        }),
        warnings,
    }
}

/// The name of the database owner: Autotask keeps the tenant's own company as Account 0.
async fn owner_name(client: &AutotaskClient) -> Result<String, ClientError> {
    let owner = client
        .query_entities(&QueryXml::by_ids("Account", &[0]))
        .await?
        .into_iter()
        .find_map(|account| account.field("AccountName").map(str::to_owned))
        .filter(|name| !name.trim().is_empty());
    Ok(owner.unwrap_or_else(|| format!("Autotask tenant of {}", client.user())))
}

/// Values in `sort` order; a child picklist's values grouped under their parents, in the
/// parents' order (sort orders restart for each parent). Ties keep the server's order.
fn sorted<'v>(
    values: &'v [PicklistValueInfo],
    parent: Option<&FieldInfo>,
) -> Vec<&'v PicklistValueInfo> {
    let parent_sort = |value: &PicklistValueInfo| {
        let parent_value = value.parent_value.as_deref()?;
        parent?
            .picklist_values
            .iter()
            .find(|p| p.value == parent_value)
            .map(|p| p.sort_order)
    };
    let mut sorted: Vec<&PicklistValueInfo> = values.iter().collect();
    sorted.sort_by_key(|v| (parent_sort(v).unwrap_or(i64::MAX), v.sort_order));
    sorted
}

fn picklist_entry(
    value: &PicklistValueInfo,
    typed_value: Json,
    parent: Option<Option<Json>>,
) -> Json {
    let mut entry = Map::new();
    entry.insert("value".into(), typed_value);
    entry.insert("label".into(), Json::String(value.label.clone()));
    entry.insert("active".into(), Json::Bool(value.is_active));
    if value.is_default {
        entry.insert("default".into(), Json::Bool(true));
    }
    entry.insert("sort".into(), Json::from(value.sort_order));
    if value.is_system {
        entry.insert("system".into(), Json::Bool(true));
    }
    if let Some(Some(parent)) = parent {
        entry.insert("parent".into(), parent);
    }
    Json::Object(entry)
}

fn udf_definition(entity: &str, udf: &FieldInfo, warnings: &mut Vec<String>) -> Json {
    let known = FieldType::from_name(&udf.field_type).or(match udf.field_type.as_str() {
        "int" => Some(FieldType::Integer),
        "date" => Some(FieldType::Datetime),
        "bool" => Some(FieldType::Boolean),
        _ => None,
    });
    let ty = known.map_or_else(
        || {
            warnings.push(format!(
                "{entity} UDF {:?}: type {:?} is not one fieldmap knows; written as string",
                udf.name, udf.field_type
            ));
            "string"
        },
        FieldType::name,
    );
    let mut definition = Map::new();
    definition.insert("name".into(), Json::String(udf.name.clone()));
    definition.insert("type".into(), Json::String(ty.to_owned()));
    if ty == "string"
        && let Some(length) = udf.length
    {
        definition.insert("length".into(), Json::from(length));
    }
    if udf.is_picklist && !udf.picklist_values.is_empty() {
        let values = sorted(&udf.picklist_values, None)
            .into_iter()
            // UDF picklist values are strings on the wire and in the snapshot.
            .map(|v| picklist_entry(v, Json::String(v.value.clone()), None))
            .collect();
        definition.insert("picklist".into(), Json::Array(values));
    }
    if udf.is_read_only {
        definition.insert("read_only".into(), Json::Bool(true));
    }
    if udf.is_required {
        definition.insert("required".into(), Json::Bool(true));
    }
    Json::Object(definition)
}

/// A value typed as its field: integers for integer fields, text otherwise.
fn typed(value: &str, field_type: &str) -> Json {
    match field_type {
        "integer" | "short" | "long" => value
            .trim()
            .parse::<i64>()
            .map(Json::from)
            .unwrap_or_else(|_| Json::String(value.to_owned())),
        _ => Json::String(value.to_owned()),
    }
}

/// The layout of the bundled snapshots: nested objects indented by one space per level, and
/// each picklist value or UDF definition on one line.
fn render(snapshot: &Json) -> String {
    let mut out = String::new();
    render_node(snapshot, 0, &mut out);
    out.push('\n');
    out
}

fn render_node(node: &Json, depth: usize, out: &mut String) {
    let pad = " ".repeat(depth + 1);
    match node {
        Json::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            for (index, (key, value)) in map.iter().enumerate() {
                out.push_str(&pad);
                out.push_str(&Json::String(key.clone()).to_string());
                out.push_str(": ");
                render_node(value, depth + 1, out);
                if index + 1 < map.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&" ".repeat(depth));
            out.push('}');
        }
        Json::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (index, item) in items.iter().enumerate() {
                out.push_str(&pad);
                out.push_str(&compact(item));
                if index + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&" ".repeat(depth));
            out.push(']');
        }
        other => out.push_str(&compact(other)),
    }
}

/// One line, with a space after `:` and `,` as the bundled files have it.
fn compact(node: &Json) -> String {
    match node {
        Json::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", Json::String(k.clone()), compact(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Json::Array(items) => {
            let parts: Vec<String> = items.iter().map(compact).collect();
            format!("[{}]", parts.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(value: &str, label: &str, sort: i64) -> PicklistValueInfo {
        PicklistValueInfo {
            value: value.into(),
            label: label.into(),
            sort_order: sort,
            is_active: true,
            ..PicklistValueInfo::default()
        }
    }

    #[test]
    fn udf_types_are_read_by_name_with_autotask_aliases() {
        let mut warnings = Vec::new();
        for (sent, kept) in [
            ("datetime", "datetime"),
            ("int", "integer"),
            ("date", "datetime"),
            ("bool", "boolean"),
            ("decimal", "decimal"),
            ("money", "string"),
        ] {
            let udf = FieldInfo {
                name: "U".into(),
                field_type: sent.into(),
                ..FieldInfo::default()
            };
            assert_eq!(udf_definition("Ticket", &udf, &mut warnings)["type"], kept);
        }
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }

    #[test]
    fn picklists_are_typed_sorted_and_load_as_a_tenant() {
        let status = FieldInfo {
            name: "Status".into(),
            field_type: "integer".into(),
            is_picklist: true,
            picklist_values: vec![value("5", "Complete", 2), value("1", "New", 1)],
            ..FieldInfo::default()
        };
        let send = FieldInfo {
            name: "Send to FN".into(),
            field_type: "string".into(),
            is_picklist: true,
            picklist_values: vec![value("Yes", "Yes", 1)],
            ..FieldInfo::default()
        };
        let snapshot = build_snapshot(
            "Contoso",
            &[("Ticket".into(), vec![status])],
            &[("Ticket".into(), vec![send])],
        );
        let text = snapshot.to_text();
        assert!(
            text.contains(
                "    {\"value\": 1, \"label\": \"New\", \"active\": true, \"sort\": 1},\n"
            )
        );
        let tenant = crate::schema::Tenant::from_json(&text);
        assert!(tenant.is_ok(), "{tenant:?}\n{text}");
        let reparsed: Json = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(reparsed, snapshot.json);
    }
}
