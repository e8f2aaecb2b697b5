//! What the simulator knows about entities: the bundled Autotask schema and
//! one tenant's picklists and UDFs.

use std::collections::HashSet;
use std::path::Path;

use crate::schema::{AutotaskSchema, Entity, Field, Schemas, Tenant, Udf};

use super::error::SimError;

const DEMO_TENANT: &str = include_str!("../../../stdlib/tenants/demo.json");

/// The schema and tenant a simulator serves.
#[derive(Debug)]
pub(super) struct Metadata {
    pub(super) schema: AutotaskSchema,
    pub(super) tenant: Tenant,
    /// `(entity, field, value)` of picklist values Autotask marks as system
    /// values (`IsSystem`), which the tenant model does not keep.
    system_values: HashSet<(String, String, String)>,
}

impl Metadata {
    /// The bundled schema with a tenant snapshot file, or the demo tenant.
    pub(super) fn load(tenant_file: Option<&Path>) -> Result<Self, SimError> {
        let (name, text) = match tenant_file {
            Some(path) => (
                path.display().to_string(),
                std::fs::read_to_string(path).map_err(|source| SimError::Read {
                    path: path.to_owned(),
                    source,
                })?,
            ),
            None => ("demo".to_owned(), DEMO_TENANT.to_owned()),
        };
        let invalid = |message: String| SimError::Tenant {
            name: name.clone(),
            message,
        };
        let schemas = Schemas::with_tenant_json(&text).map_err(|e| invalid(e.to_string()))?;
        let raw: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        Ok(Metadata {
            schema: schemas.autotask,
            tenant: schemas.tenant,
            system_values: system_values(&raw),
        })
    }

    /// An entity by its exact name, as `xsi:type` names it.
    pub(super) fn entity(&self, name: &str) -> Option<&Entity> {
        self.schema.entity(name)
    }

    /// An entity named in QueryXML or a metadata call, where Autotask
    /// ignores case.
    pub(super) fn entity_ignoring_case(&self, name: &str) -> Option<&Entity> {
        let name = name.trim();
        self.schema.entity(name).or_else(|| {
            self.schema
                .entities
                .values()
                .find(|entity| entity.name.eq_ignore_ascii_case(name))
        })
    }

    /// The tenant's UDFs of an entity, in slot order.
    pub(super) fn udfs(&self, entity: &str) -> &[Udf] {
        self.tenant.udfs(entity)
    }

    /// Whether records of this entity carry a `UserDefinedFields` element.
    pub(super) fn lists_udfs(&self, entity: &Entity) -> bool {
        entity.has_udfs || !self.udfs(&entity.name).is_empty()
    }

    pub(super) fn is_system_value(&self, entity: &str, field: &str, value: &str) -> bool {
        self.system_values
            .contains(&(entity.to_owned(), field.to_owned(), value.to_owned()))
    }
}

/// A field by name: exactly, else ignoring case (QueryXML is forgiving).
pub(super) fn field_slot_ignoring_case<'e>(
    entity: &'e Entity,
    name: &str,
) -> Option<(usize, &'e Field)> {
    let name = name.trim();
    let slot = entity.field_slot(name).or_else(|| {
        entity
            .fields
            .iter()
            .position(|field| field.name.eq_ignore_ascii_case(name))
    })?;
    entity.fields.get(slot).map(|field| (slot, field))
}

/// A UDF slot by name: exactly, else ignoring case.
pub(super) fn udf_slot_ignoring_case(udfs: &[Udf], name: &str) -> Option<usize> {
    let name = name.trim();
    udfs.iter().position(|udf| udf.name == name).or_else(|| {
        udfs.iter()
            .position(|udf| udf.name.eq_ignore_ascii_case(name))
    })
}

fn system_values(raw: &serde_json::Value) -> HashSet<(String, String, String)> {
    let mut found = HashSet::new();
    let Some(entities) = raw.get("picklists").and_then(|p| p.as_object()) else {
        return found;
    };
    for (entity, fields) in entities {
        let Some(fields) = fields.as_object() else {
            continue;
        };
        for (field, values) in fields {
            for value in values.as_array().into_iter().flatten() {
                if value.get("system").and_then(|s| s.as_bool()) != Some(true) {
                    continue;
                }
                let text = match value.get("value") {
                    Some(serde_json::Value::String(text)) => text.clone(),
                    Some(serde_json::Value::Number(number)) => number.to_string(),
                    _ => continue,
                };
                found.insert((entity.clone(), field.clone(), text));
            }
        }
    }
    found
}
