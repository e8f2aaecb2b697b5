//! Updating some fields of an entity. Autotask's `update` clears every writable field the
//! request leaves out, so the entity is read whole first, changed, and sent back with all its
//! writable fields. UDFs are the exception: one left out keeps its value, so only the UDFs
//! being changed are sent (sending the others back could only overwrite a concurrent edit).

use std::collections::HashMap;

use super::client::AutotaskClient;
use super::entity_xml::WireEntity;
use super::error::ClientError;
use crate::autotask::soap::CollectedEntity;
use crate::schema::Entity;

/// One change to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldEdit {
    pub name: String,
    pub udf: bool,
    /// The new value as the wire carries it; `None` clears the field.
    pub value: Option<String>,
}

impl FieldEdit {
    pub fn field(name: impl Into<String>, value: impl Into<String>) -> Self {
        FieldEdit {
            name: name.into(),
            udf: false,
            value: Some(value.into()),
        }
    }

    pub fn udf(name: impl Into<String>, value: impl Into<String>) -> Self {
        FieldEdit {
            name: name.into(),
            udf: true,
            value: Some(value.into()),
        }
    }

    pub fn clear(name: impl Into<String>) -> Self {
        FieldEdit {
            name: name.into(),
            udf: false,
            value: None,
        }
    }
}

impl AutotaskClient {
    /// Reads entity `id`, applies `edits` and updates it: two calls. Returns the entity as
    /// Autotask saved it.
    pub async fn read_modify_write(
        &self,
        schema: &Entity,
        id: i64,
        edits: &[FieldEdit],
    ) -> Result<CollectedEntity, ClientError> {
        let mut saved = self
            .read_modify_write_many(schema, &[(id, edits.to_vec())])
            .await?;
        saved.pop().ok_or_else(|| ClientError::NotFound {
            entity: schema.name.clone(),
            id,
        })
    }

    /// As [`AutotaskClient::read_modify_write`] for many entities of one type: one query per
    /// 500 ids, one update per 200 entities.
    pub async fn read_modify_write_many(
        &self,
        schema: &Entity,
        edits: &[(i64, Vec<FieldEdit>)],
    ) -> Result<Vec<CollectedEntity>, ClientError> {
        let ids: Vec<i64> = edits.iter().map(|(id, _)| *id).collect();
        let current: HashMap<i64, CollectedEntity> = self
            .query_entities_by_ids(&schema.name, &ids)
            .await?
            .into_iter()
            .filter(|e| e.entity_type.eq_ignore_ascii_case(&schema.name))
            .filter_map(|e| Some((e.field("id")?.trim().parse().ok()?, e)))
            .collect();
        let mut updates = Vec::with_capacity(edits.len());
        for (id, changes) in edits {
            let read = current.get(id).ok_or_else(|| ClientError::NotFound {
                entity: schema.name.clone(),
                id: *id,
            })?;
            updates.push(prepare_update(read, schema, changes)?);
        }
        Ok(self.update(&updates).await?.entities)
    }
}

/// The update for an entity as read: every writable field it has, typed by the schema, with
/// the edits applied; read-only fields left out (Autotask ignores or refuses them).
///
/// # Errors
///
/// An edit names a field the schema does not have, or one that is read-only.
pub fn prepare_update(
    read: &CollectedEntity,
    schema: &Entity,
    edits: &[FieldEdit],
) -> Result<WireEntity, ClientError> {
    let mut entity = WireEntity::from_collected(read, Some(schema));
    if entity.id.is_none() {
        return Err(ClientError::InvalidRequest(format!(
            "the {} read back has no id; it cannot be updated",
            schema.name
        )));
    }
    // Fields unknown to the schema are kept: dropping them would clear them.
    entity
        .fields
        .retain(|f| schema.field(&f.name).is_none_or(|s| !s.read_only));
    for edit in edits {
        if edit.udf {
            entity.set_udf(&edit.name, edit.value.clone());
            continue;
        }
        let field = schema.field(&edit.name).ok_or_else(|| {
            ClientError::InvalidRequest(format!("{} has no field `{}`", schema.name, edit.name))
        })?;
        if field.read_only || field.name == "id" {
            return Err(ClientError::InvalidRequest(format!(
                "{}.{} is read-only",
                schema.name, field.name
            )));
        }
        match &edit.value {
            Some(value) => {
                entity.set(schema, &edit.name, value.clone())?;
            }
            None => {
                entity.remove(&edit.name);
            }
        }
    }
    Ok(entity)
}
