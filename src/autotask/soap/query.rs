//! Reading the answer to `query`, the hot path of every sync.

use super::atws_response::{AtwsOperation, read_atws_response};
use super::error::SoapError;
use super::outcome::QueryOutcome;
use super::sink::EntitySink;

const QUERY: AtwsOperation = AtwsOperation {
    response: "queryResponse",
    result: "queryResult",
};

/// Reads a `queryResponse` envelope, streaming each entity to `sink`.
///
/// Takes the raw HTTP body (`&[u8]`, `&str`, `Vec<u8>`…); a UTF-8 byte order
/// mark is allowed. `ReturnCode` -1 with `ATWSError`s is an `Ok` outcome: the
/// caller decides what a failed query means.
///
/// # Errors
///
/// [`SoapError::Fault`] for a SOAP fault. Anything else that is not one
/// complete, well-formed `queryResponse` envelope is [`SoapError::Xml`],
/// [`SoapError::UnexpectedElement`] or [`SoapError::Invalid`], located in
/// `xml`. Entities already delivered to `sink` then belong to a broken
/// response.
pub fn read_query_response<X, S>(xml: &X, sink: &mut S) -> Result<QueryOutcome, SoapError>
where
    X: AsRef<[u8]> + ?Sized,
    S: EntitySink + ?Sized,
{
    let result = read_atws_response(xml.as_ref(), &QUERY, sink)?;
    Ok(QueryOutcome {
        return_code: result.return_code,
        entity_result_type: result.entity_result_type,
        errors: result.errors,
        entity_count: result.entity_count,
    })
}
