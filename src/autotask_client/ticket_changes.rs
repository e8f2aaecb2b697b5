//! Applying what an outbound rule decided (`Program::on_event`) to the record (a Ticket, a
//! Task, a ServiceCall): one read-modify-write update for the fields and UDFs, then the notes.

use super::client::AutotaskClient;
use super::entity_xml::WireEntity;
use super::error::ClientError;
use super::read_modify_write::{FieldEdit, prepare_update};
use crate::autotask::soap::CollectedEntity;
use crate::runtime::outbound::{AutotaskChanges, NewNote};
use crate::schema::Schemas;

/// What applying the changes did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppliedChanges {
    /// The record as saved, when fields or UDFs changed.
    pub ticket: Option<CollectedEntity>,
    /// The ids of the notes created.
    pub note_ids: Vec<i64>,
}

impl AutotaskClient {
    /// Updates the record (read, change, write back whole) and creates the notes. Nothing is
    /// sent for an empty part: no changes cost no calls.
    pub async fn apply_changes(
        &self,
        schemas: &Schemas,
        changes: &AutotaskChanges,
    ) -> Result<AppliedChanges, ClientError> {
        let mut applied = AppliedChanges::default();
        if !changes.updates.is_empty() {
            let schema = entity_schema(schemas, &changes.entity)?;
            applied.ticket = Some(
                self.read_modify_write(schema, changes.record_id, &field_edits(changes))
                    .await?,
            );
        }
        if !changes.notes.is_empty() {
            applied.note_ids = self.create_notes(schemas, &changes.notes).await?;
        }
        Ok(applied)
    }

    /// Updates the record's fields and UDFs as [`AutotaskClient::apply_changes`] does, on the
    /// record as `read` by the caller moments ago (the read that decided the changes): one
    /// call, the update, where `apply_changes` reads the record again first. The notes are
    /// left to [`AutotaskClient::create_notes`].
    pub async fn update_as_read(
        &self,
        schemas: &Schemas,
        changes: &AutotaskChanges,
        read: &CollectedEntity,
    ) -> Result<CollectedEntity, ClientError> {
        let schema = entity_schema(schemas, &changes.entity)?;
        let update = prepare_update(read, schema, &field_edits(changes))?;
        self.update(&[update])
            .await?
            .entities
            .pop()
            .ok_or_else(|| ClientError::NotFound {
                entity: schema.name.clone(),
                id: changes.record_id,
            })
    }

    /// Creates the notes (TicketNotes, TaskNotes), 200 per call; returns their ids.
    pub async fn create_notes(
        &self,
        schemas: &Schemas,
        notes: &[NewNote],
    ) -> Result<Vec<i64>, ClientError> {
        let mut entities = Vec::with_capacity(notes.len());
        for note in notes {
            let schema = entity_schema(schemas, note.entity)?;
            let mut entity = WireEntity::new(note.entity);
            entity
                .set(schema, note.parent_field, note.record_id.to_string())?
                .set(schema, "Title", note.title.clone())?
                .set(schema, "Description", note.description.clone())?
                .set(schema, "NoteType", note.note_type.to_string())?
                .set(schema, "Publish", note.publish.to_string())?;
            entities.push(entity);
        }
        Ok(self.create(&entities).await?.ids())
    }
}

fn entity_schema<'s>(
    schemas: &'s Schemas,
    name: &str,
) -> Result<&'s crate::schema::Entity, ClientError> {
    schemas.autotask.entity(name).ok_or_else(|| {
        ClientError::InvalidRequest(format!("the Autotask schema has no {name} entity"))
    })
}

/// The field and UDF changes as edits.
fn field_edits(changes: &AutotaskChanges) -> Vec<FieldEdit> {
    changes
        .updates
        .iter()
        .map(|change| FieldEdit {
            name: change.field.clone(),
            udf: change.udf,
            value: Some(change.value.clone()),
        })
        .collect()
}
