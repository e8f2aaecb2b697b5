//! The schemas a mapping is checked against: Autotask entities and fields, one tenant's
//! picklists and UDFs, and Field Nation's work order and webhook shapes.

mod autotask;
mod fieldnation;
mod fieldnation_account;
mod tenant;

use thiserror::Error;

pub use autotask::{AutotaskSchema, Entity, Field, FieldType};
pub(crate) use fieldnation::Step;
pub use fieldnation::{Node, NodeType, Problem, Webhooks};
pub use fieldnation_account::{CONTACT_ROLES, CustomField, FieldNationAccount, TypeOfWork};
pub use tenant::{PickValue, Picklist, PicklistEntry, Tenant, Udf};

const AUTOTASK_ENTITIES: &str = include_str!("../../stdlib/autotask/entities.json");
const WORKORDER_CREATE: &str = include_str!("../../stdlib/fieldnation/workorder-create.json");
const WEBHOOKS: &str = include_str!("../../stdlib/fieldnation/webhooks.json");
const DEMO_TENANT: &str = include_str!("../../stdlib/tenants/demo.json");
const DEMO_FIELDNATION_ACCOUNT: &str = include_str!("../../stdlib/fieldnation/demo-account.json");

#[derive(Debug, Error)]
pub enum SchemaError {
    #[error("bundled schema `{file}` is corrupt: {reason}")]
    Bundled { file: &'static str, reason: String },
    #[error("tenant snapshot is not valid: {0}")]
    Tenant(String),
}

/// Everything the checker needs to know about both systems.
#[derive(Debug, Clone)]
pub struct Schemas {
    pub autotask: AutotaskSchema,
    pub tenant: Tenant,
    pub workorder: Node,
    pub webhooks: Webhooks,
    /// The Field Nation account's types of work and custom fields, when the snapshot has
    /// them (its `fieldnation` section; the demo tenant comes with the demo account). Without
    /// them, ids are not checked; contact roles are checked either way.
    pub fieldnation: Option<FieldNationAccount>,
}

impl Schemas {
    /// The bundled schemas with the demo tenant.
    pub fn bundled() -> Result<Self, SchemaError> {
        let mut schemas = Self::with_tenant_json(DEMO_TENANT)?;
        schemas.fieldnation = Some(
            FieldNationAccount::from_json(DEMO_FIELDNATION_ACCOUNT).map_err(|e| {
                SchemaError::Bundled {
                    file: "fieldnation/demo-account.json",
                    reason: e.to_string(),
                }
            })?,
        );
        Ok(schemas)
    }

    /// The bundled schemas with a tenant snapshot of the user's own.
    pub fn with_tenant_json(tenant: &str) -> Result<Self, SchemaError> {
        let bundled = |file: &'static str| {
            move |e: serde_json::Error| SchemaError::Bundled {
                file,
                reason: e.to_string(),
            }
        };
        Ok(Schemas {
            autotask: AutotaskSchema::from_json(AUTOTASK_ENTITIES)
                .map_err(bundled("autotask/entities.json"))?,
            tenant: Tenant::from_json(tenant).map_err(SchemaError::Tenant)?,
            workorder: fieldnation::workorder_create_from_json(WORKORDER_CREATE)
                .map_err(bundled("fieldnation/workorder-create.json"))?,
            webhooks: Webhooks::from_json(WEBHOOKS)
                .map_err(bundled("fieldnation/webhooks.json"))?,
            fieldnation: fieldnation_section(tenant)?,
        })
    }
}

/// The `fieldnation` section of a snapshot, when it has one.
fn fieldnation_section(snapshot: &str) -> Result<Option<FieldNationAccount>, SchemaError> {
    let json: serde_json::Value =
        serde_json::from_str(snapshot).map_err(|e| SchemaError::Tenant(e.to_string()))?;
    match json.get("fieldnation") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(section) => serde_json::from_value(section.clone())
            .map(Some)
            .map_err(|e| SchemaError::Tenant(format!("fieldnation: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_schemas_load_and_hold_the_facts_mappings_rely_on() {
        let s = Schemas::bundled().unwrap();
        let ticket = s.autotask.entity("Ticket").unwrap();
        assert!(ticket.field("Status").unwrap().picklist);
        assert_eq!(
            ticket.relation("Account").unwrap().1.reference.as_deref(),
            Some("Account")
        );
        assert_eq!(
            ticket
                .relation("AssignedResource")
                .unwrap()
                .1
                .reference
                .as_deref(),
            Some("Resource")
        );
        assert!(ticket.relation("Title").is_none());
        let status = s.tenant.picklist("Ticket", "Status").unwrap();
        assert_eq!(
            status.by_label("Dispatch to Field").unwrap().value,
            PickValue::Int(29682833)
        );
        assert_eq!(
            status.by_loose_label("dispatch to  FIELD").unwrap().label,
            "Dispatch to Field"
        );
        assert!(s.tenant.udf_slot("Ticket", "Send to FN").is_some());
        assert_eq!(s.workorder.required, vec!["title".to_string()]);
        assert!(
            s.webhooks
                .events
                .iter()
                .any(|e| e == "workorder.status.assigned")
        );
    }

    #[test]
    fn work_order_validation_reports_type_enum_and_unknown_fields() {
        let s = Schemas::bundled().unwrap();
        let wo = serde_json::json!({
            "title": "T1",
            "location": {"mode": "site", "city": 5},
            "colour": "red"
        });
        let problems: Vec<String> = s
            .workorder
            .validate(&wo)
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert!(
            problems.iter().any(|p| p.contains("$.location.mode")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("$.location.city: expected string"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("$.colour: no such field"))
        );
        assert!(
            s.workorder
                .validate(&serde_json::json!({"title": "ok"}))
                .is_empty()
        );
    }
}
