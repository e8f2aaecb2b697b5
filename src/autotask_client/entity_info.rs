//! `GetEntityInfo` answers: what each entity type allows.

use super::answer::read_answer;
use crate::autotask::soap::SoapError;
use crate::autotask::wire::Operation;

/// One `EntityInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntityInfo {
    pub name: String,
    pub can_create: bool,
    pub can_update: bool,
    pub can_query: bool,
    pub can_delete: bool,
    pub has_user_defined_fields: bool,
}

/// Reads a `GetEntityInfoResponse`.
pub fn read_entity_info_response(xml: &[u8]) -> Result<Vec<EntityInfo>, SoapError> {
    let result = read_answer(xml, Operation::GetEntityInfo)?;
    Ok(result
        .children_named("EntityInfo")
        .map(|node| EntityInfo {
            name: node.child_text("Name").unwrap_or_default().to_owned(),
            can_create: node.child_flag("CanCreate"),
            can_update: node.child_flag("CanUpdate"),
            can_query: node.child_flag("CanQuery"),
            can_delete: node.child_flag("CanDelete"),
            has_user_defined_fields: node.child_flag("HasUserDefinedFields"),
        })
        .filter(|info| !info.name.is_empty())
        .collect())
}
