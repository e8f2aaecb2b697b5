//! `GetEntityInfo`: every entity type and what the API may do with it.

use super::response_envelope::operation_document;
use super::state::SimState;
use crate::autotask::wire::{close, open, push_bool, push_leaf};

pub(super) fn answer_entity_info(state: &SimState) -> String {
    let mut entities: Vec<_> = state.metadata.schema.entities.values().collect();
    entities.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = String::new();
    open(&mut out, "GetEntityInfoResult");
    for entity in entities {
        open(&mut out, "EntityInfo");
        push_leaf(&mut out, "Name", &entity.name);
        push_bool(&mut out, "CanUpdate", entity.can_update);
        push_bool(&mut out, "CanDelete", entity.can_delete);
        push_bool(&mut out, "CanCreate", entity.can_create);
        push_bool(&mut out, "CanQuery", entity.can_query);
        push_bool(&mut out, "HasUserDefinedFields", entity.has_udfs);
        close(&mut out, "EntityInfo");
    }
    close(&mut out, "GetEntityInfoResult");
    operation_document("GetEntityInfo", &out)
}
