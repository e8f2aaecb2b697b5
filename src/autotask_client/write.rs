//! `create` and `update`, at most 200 entities per call. Each call is one transaction on the
//! server: any error and nothing of that call is saved.

use super::client::{AutotaskClient, soap_error};
use super::entity_xml::{WireEntity, entities_body};
use super::error::{CallSite, ClientError, classify_atws_errors};
use crate::autotask::soap::{
    CollectedEntity, EntityCollector, EntityReturnInfo, WriteOperation, read_write_response,
};
use crate::autotask::wire::Operation;

/// Entities per `create` or `update` call.
pub const MAX_ENTITIES_PER_WRITE: usize = 200;

/// What Autotask saved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// The entities as saved (with their ids), in the order sent.
    pub entities: Vec<CollectedEntity>,
    /// One per entity sent.
    pub return_infos: Vec<EntityReturnInfo>,
}

impl Written {
    /// The ids of the saved entities, in order.
    pub fn ids(&self) -> Vec<i64> {
        self.entities
            .iter()
            .filter_map(|e| e.field("id").and_then(|id| id.trim().parse().ok()))
            .collect()
    }
}

impl AutotaskClient {
    /// Creates entities, 200 per call.
    ///
    /// # Errors
    ///
    /// The first call Autotask refuses; the error says which entities were saved before it.
    pub async fn create(&self, entities: &[WireEntity]) -> Result<Written, ClientError> {
        self.write(Operation::Create, entities).await
    }

    /// Updates entities, 200 per call. Autotask clears every writable field an update leaves
    /// out, so each entity must carry all of its fields: use
    /// [`AutotaskClient::read_modify_write`] unless the entity was just read whole.
    pub async fn update(&self, entities: &[WireEntity]) -> Result<Written, ClientError> {
        self.write(Operation::Update, entities).await
    }

    async fn write(
        &self,
        operation: Operation,
        entities: &[WireEntity],
    ) -> Result<Written, ClientError> {
        let mut written = Written::default();
        let total = entities.len();
        for (batch_index, batch) in entities.chunks(MAX_ENTITIES_PER_WRITE).enumerate() {
            let first = batch_index * MAX_ENTITIES_PER_WRITE;
            let entity = batch.first().map(|e| e.entity.as_str());
            let interpret = |body: &[u8], at: &CallSite| read_write(body, at, operation);
            match self
                .call(operation, entity, entities_body(batch), &interpret)
                .await
            {
                Ok(saved) => {
                    written.entities.extend(saved.entities);
                    written.return_infos.extend(saved.return_infos);
                }
                Err(ClientError::Api { at, mut messages }) if total > batch.len() => {
                    messages.push(batch_note(first, batch.len(), total));
                    return Err(ClientError::Api { at, messages });
                }
                Err(error) => return Err(error),
            }
        }
        Ok(written)
    }
}

fn read_write(body: &[u8], at: &CallSite, operation: Operation) -> Result<Written, ClientError> {
    let reader_operation = match operation {
        Operation::Create => WriteOperation::Create,
        _ => WriteOperation::Update,
    };
    let mut collector = EntityCollector::default();
    let outcome = read_write_response(body, reader_operation, &mut collector)
        .map_err(|e| soap_error(at, e))?;
    if !outcome.succeeded() {
        let mut messages = outcome.errors;
        if messages.is_empty() {
            messages.push(format!(
                "ReturnCode {} without an error message",
                outcome.return_code
            ));
        }
        return Err(classify_atws_errors(at.clone(), messages));
    }
    Ok(Written {
        entities: collector.into_entities(),
        return_infos: outcome.return_infos,
    })
}

/// Which entities of a long write were saved and which were rolled back.
fn batch_note(first: usize, count: usize, total: usize) -> String {
    let saved = if first == 0 {
        "none was saved".to_owned()
    } else {
        format!("entities 1–{first} were saved by earlier calls")
    };
    format!(
        "entities {}–{} of {total} were rolled back; {saved}",
        first + 1,
        first + count
    )
}
