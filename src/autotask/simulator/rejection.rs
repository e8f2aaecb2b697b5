//! Refusing a call that reached the API: with `ReturnCode` -1 and an
//! `ATWSError` where the operation answers an `ATWSResponse`, with a SOAP
//! fault where it has no room for errors (the metadata calls).

use super::request_envelope::EnvelopeError;
use super::response_envelope::{AtwsResult, FaultCode, atws_document};
use crate::autotask::wire::Operation;

pub(super) const INVALID_INTEGRATION_CODE: &str = "IntegrationCode is invalid.";

/// The answer refusing `operation` with `message`; `entity` becomes the
/// `EntityResultType` when known.
pub(super) fn reject(
    operation: Operation,
    entity: Option<&str>,
    message: &str,
) -> Result<String, EnvelopeError> {
    if !operation.answers_atws_response() {
        return Err(EnvelopeError {
            code: FaultCode::Server,
            message: format!("Server was unable to process request. ---> {message}"),
        });
    }
    let result = AtwsResult::failure(entity.map(str::to_lowercase), vec![message.to_owned()]);
    Ok(atws_document(operation.element(), &result))
}
