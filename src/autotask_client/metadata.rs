//! Entity metadata and the request budget: `GetFieldInfo`, `getUDFInfo`, `GetEntityInfo` and
//! `getThresholdAndUsageInfo`. Field and UDF lists change rarely and are cached.

use std::sync::Arc;

use super::client::{AutotaskClient, soap_error};
use super::entity_info::{EntityInfo, read_entity_info_response};
use super::error::{CallSite, ClientError};
use super::field_info::{FieldInfo, read_field_info_response};
use super::request_envelope::{field_info_body, udf_info_body};
use crate::autotask::soap::{ThresholdAndUsage, read_threshold_and_usage_response};
use crate::autotask::wire::Operation;

impl AutotaskClient {
    /// `GetFieldInfo`: every field of an entity, picklist values included. Cached.
    pub async fn field_info(&self, entity: &str) -> Result<Arc<Vec<FieldInfo>>, ClientError> {
        self.cached_fields(Operation::GetFieldInfo, entity, field_info_body(entity))
            .await
    }

    /// `getUDFInfo`: the user-defined fields of an entity. Cached.
    pub async fn udf_info(&self, entity: &str) -> Result<Arc<Vec<FieldInfo>>, ClientError> {
        self.cached_fields(Operation::GetUdfInfo, entity, udf_info_body(entity))
            .await
    }

    /// Forgets cached field and UDF lists, e.g. after a picklist was edited.
    pub fn clear_metadata_cache(&self) {
        self.metadata_cache().clear();
    }

    /// `GetEntityInfo`: what each entity type allows.
    pub async fn entity_info(&self) -> Result<Vec<EntityInfo>, ClientError> {
        let interpret = |body: &[u8], at: &CallSite| {
            read_entity_info_response(body).map_err(|e| soap_error(at, e))
        };
        self.call(Operation::GetEntityInfo, None, String::new(), &interpret)
            .await
    }

    /// `getThresholdAndUsageInfo`: Autotask's count of requests in the current window. The
    /// limiter takes it over, so the client counts the other integrations' requests too.
    pub async fn threshold_and_usage(&self) -> Result<ThresholdAndUsage, ClientError> {
        let usage = self.usage_report().await?;
        self.limiter().seed(&usage);
        Ok(usage)
    }

    /// `getThresholdAndUsageInfo`, without seeding the limiter.
    pub(super) async fn usage_report(&self) -> Result<ThresholdAndUsage, ClientError> {
        let interpret = |body: &[u8], at: &CallSite| {
            read_threshold_and_usage_response(body).map_err(|e| soap_error(at, e))
        };
        self.call(
            Operation::GetThresholdAndUsageInfo,
            None,
            String::new(),
            &interpret,
        )
        .await
    }

    async fn cached_fields(
        &self,
        operation: Operation,
        entity: &str,
        body: String,
    ) -> Result<Arc<Vec<FieldInfo>>, ClientError> {
        let key = format!("{operation} {entity}");
        if let Some(fields) = self.metadata_cache().get(&key) {
            return Ok(fields.clone());
        }
        let interpret = move |body: &[u8], at: &CallSite| {
            read_field_info_response(body, operation).map_err(|e| soap_error(at, e))
        };
        let fields = Arc::new(self.call(operation, Some(entity), body, &interpret).await?);
        self.metadata_cache().insert(key, fields.clone());
        Ok(fields)
    }
}
