//! Reading the answers to `create`, `update` and `delete`.

use super::atws_response::{AtwsOperation, read_atws_response};
use super::error::SoapError;
use super::outcome::WriteOutcome;
use super::sink::EntitySink;

/// The ATWS operations that change data; they all answer with an `ATWSResponse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteOperation {
    /// `create`, answered by `createResponse`.
    Create,
    /// `update`, answered by `updateResponse`.
    Update,
    /// `delete`, answered by `deleteResponse`.
    Delete,
}

impl WriteOperation {
    fn elements(self) -> AtwsOperation {
        match self {
            WriteOperation::Create => AtwsOperation {
                response: "createResponse",
                result: "createResult",
            },
            WriteOperation::Update => AtwsOperation {
                response: "updateResponse",
                result: "updateResult",
            },
            WriteOperation::Delete => AtwsOperation {
                response: "deleteResponse",
                result: "deleteResult",
            },
        }
    }
}

/// Reads the answer to a write, streaming the saved entities (with their new
/// ids) to `sink`; use [`super::IgnoreEntities`] when only the outcome matters.
///
/// As for queries, `ReturnCode` -1 with errors is an `Ok` outcome (the whole
/// call was rolled back).
///
/// # Errors
///
/// As [`super::read_query_response`], with the answer element of `operation`
/// (`createResponse`, `updateResponse`, `deleteResponse`) in place of
/// `queryResponse`.
pub fn read_write_response<X, S>(
    xml: &X,
    operation: WriteOperation,
    sink: &mut S,
) -> Result<WriteOutcome, SoapError>
where
    X: AsRef<[u8]> + ?Sized,
    S: EntitySink + ?Sized,
{
    let result = read_atws_response(xml.as_ref(), &operation.elements(), sink)?;
    Ok(WriteOutcome {
        return_code: result.return_code,
        entity_result_type: result.entity_result_type,
        errors: result.errors,
        entity_count: result.entity_count,
        return_infos: result.return_infos,
    })
}
