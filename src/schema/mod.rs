//! The schemas a mapping is checked against: Autotask entities and fields, one tenant's
//! picklists and UDFs, and Field Nation's work order and webhook shapes.

mod autotask;
mod fieldnation;
mod fieldnation_account;
mod notes;
mod tenant;

use thiserror::Error;

pub use autotask::{AutotaskSchema, Entity, Field, FieldType};
pub(crate) use fieldnation::Step;
pub use fieldnation::{Node, NodeType, Problem, Webhooks};
pub use fieldnation_account::{CONTACT_ROLES, CustomField, FieldNationAccount, TypeOfWork};
pub use notes::{NoteEntity, entities_with_notes, note_entity};
pub use tenant::{PickValue, Picklist, PicklistEntry, Tenant, Udf};

const AUTOTASK_ENTITIES: &str = include_str!("../../stdlib/autotask/entities.json");
const WORKORDER_CREATE: &str = include_str!("../../stdlib/fieldnation/workorder-create.json");
const WEBHOOKS: &str = include_str!("../../stdlib/fieldnation/webhooks.json");
const DEMO_TENANT: &str = include_str!("../../stdlib/tenants/demo.json");
const DEMO_FIELDNATION_ACCOUNT: &str = include_str!("../../stdlib/fieldnation/demo-account.json");

/// Why [`Schemas`] could not be built.
#[derive(Debug, Error)]
pub enum SchemaError {
    /// A schema compiled into the crate does not parse: a build defect, not bad input.
    #[error("bundled schema `{file}` is corrupt: {reason}")]
    Bundled {
        /// The bundled file, e.g. `autotask/entities.json`.
        file: &'static str,
        /// The JSON parser's message.
        reason: String,
    },
    /// The tenant snapshot given to [`Schemas::with_tenant_json`] is not valid; why.
    #[error("tenant snapshot is not valid: {0}")]
    Tenant(String),
}

/// Everything the checker needs to know about both systems. Load records with the schemas the
/// program was compiled with ([`Program::schemas`](crate::Program::schemas)): records hold their
/// values by position in them.
#[derive(Debug, Clone)]
pub struct Schemas {
    /// Autotask's entities and their fields (SOAP API v1.6), bundled with the crate.
    pub autotask: AutotaskSchema,
    /// One Autotask database's picklists and user-defined fields.
    pub tenant: Tenant,
    /// The shape of Field Nation's `POST /workorders` body (WorkOrderCreateDto).
    pub workorder: Node,
    /// Field Nation's webhook event names and the `workorder` shape in their payloads.
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

    /// The bundled schemas with a tenant snapshot of the user's own (JSON, the format of
    /// docs/tenant-snapshot.md).
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
