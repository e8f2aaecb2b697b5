//! The one HTTP endpoint, `POST /atservices/1.6/atws.asmx`, and the order
//! in which Autotask's front end and API look at a request:
//!
//! 1. an injected fault, if one is queued;
//! 2. HTTP Basic auth (not for `getZoneInfo`): HTTP 401, not SOAP;
//! 3. `SOAPAction` routing and the envelope: HTTP 500 `soap:Fault`;
//! 4. the hourly threshold; 5. the `IntegrationCode`;
//! 6. the operation itself.

use std::sync::Arc;

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::basic_auth::basic_credentials;
use super::call_log::{CallRecord, action_kept};
use super::entity_input::WriteMode;
use super::fault_injection::{Fault, TIMEOUT_HOLD};
use super::http_reply::{plain, soap_answer, soap_fault, unauthorized};
use super::op_delete::answer_delete;
use super::op_entity_info::answer_entity_info;
use super::op_field_info::answer_field_info;
use super::op_query::answer_query;
use super::op_threshold::{THRESHOLD_EXCEEDED_MESSAGE, answer_threshold_and_usage};
use super::op_udf_info::answer_udf_info;
use super::op_write::answer_write;
use super::op_wsdl_version::answer_wsdl_version;
use super::op_zone_info::answer_zone_info;
use crate::autotask::wire::{ATWS_NAMESPACE, Operation, QueryXml, soap_action_text};

use super::rejection::{INVALID_INTEGRATION_CODE, reject};
use super::request_envelope::{EnvelopeError, SoapRequest, read_request};
use super::response_envelope::FaultCode;
use super::state::SimState;

/// The endpoint's path; IIS matches paths without regard to case.
pub(super) const ENDPOINT_PATH: &str = "/atservices/1.6/atws.asmx";
/// Far above 200 entities of any type.
const MAX_REQUEST_BYTES: usize = 32 * 1024 * 1024;

pub(super) async fn handle_request(
    State(state): State<Arc<SimState>>,
    request: Request,
) -> Response {
    state.calls.count_request();
    let (parts, body) = request.into_parts();
    if !parts.uri.path().eq_ignore_ascii_case(ENDPOINT_PATH) {
        return plain(StatusCode::NOT_FOUND, "404 - File or directory not found.");
    }
    if parts.method != Method::POST {
        let mut response = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "The Autotask web service takes SOAP 1.1 requests by HTTP POST.",
        );
        if let Ok(allow) = "POST".parse() {
            response.headers_mut().insert(header::ALLOW, allow);
        }
        return response;
    }
    let soap_action = parts
        .headers
        .get("SOAPAction")
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    let Ok(bytes) = to_bytes(body, MAX_REQUEST_BYTES).await else {
        return plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is too large or could not be read.",
        );
    };
    let operation = soap_action.as_deref().and_then(Operation::from_soap_action);
    let parsed = read_request(&bytes);
    let entity = parsed.as_ref().ok().and_then(entity_named_by);
    state.calls.record(CallRecord {
        action: operation.map_or_else(
            || {
                action_kept(
                    soap_action
                        .as_deref()
                        .map(soap_action_text)
                        .unwrap_or_default(),
                )
            },
            |operation| operation.element().to_owned(),
        ),
        entity: entity.clone(),
    });

    let mut force_threshold = state.threshold_forced();
    match state.faults.next() {
        None => {}
        Some(Fault::Latency(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::ServerError) => return soap_fault(&injected_server_error()),
        Some(Fault::Timeout) => return hold_without_answer(&state).await,
        Some(Fault::Threshold) => force_threshold = true,
    }

    if operation != Some(Operation::GetZoneInfo) {
        let authorized = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| basic_credentials(value.as_bytes()))
            .is_some_and(|(user, password)| state.credentials_match(&user, &password));
        if !authorized {
            return unauthorized();
        }
    }
    let Some(operation) = operation else {
        return soap_fault(&unrecognized_soap_action(soap_action.as_deref()));
    };
    let request = match parsed {
        Ok(request) => request,
        Err(error) => return soap_fault(&error),
    };
    if let Err(error) = check_body_element(operation, &request) {
        return soap_fault(&error);
    }
    soap_answer(answer(
        &state,
        operation,
        &request,
        entity.as_deref(),
        force_threshold,
    ))
}

fn answer(
    state: &SimState,
    operation: Operation,
    request: &SoapRequest,
    entity: Option<&str>,
    force_threshold: bool,
) -> Result<String, EnvelopeError> {
    match operation {
        Operation::GetZoneInfo => return Ok(answer_zone_info(state, &request.operation)),
        Operation::GetAttachment
        | Operation::CreateAttachment
        | Operation::DeleteAttachment
        | Operation::GetInvoiceMarkup => {
            return Err(EnvelopeError {
                code: FaultCode::Server,
                message: format!(
                    "Server was unable to process request. ---> {operation} is not available in the simulator."
                ),
            });
        }
        _ => {}
    }

    let now = state.clock.now();
    let usage_report = if operation == Operation::GetThresholdAndUsageInfo {
        // Always answered, even at the threshold: a client must be able to
        // see why it is refused.
        let mut usage = state.usage();
        let used = if force_threshold {
            usage.threshold()
        } else {
            usage.count(now)
        };
        Some((usage.threshold(), used))
    } else {
        let over_threshold = force_threshold || state.usage().try_count(now).is_err();
        if over_threshold {
            return reject(operation, entity, THRESHOLD_EXCEEDED_MESSAGE);
        }
        None
    };
    if request.integration_code.as_deref() != Some(state.integration_code.as_str()) {
        return reject(operation, entity, INVALID_INTEGRATION_CODE);
    }
    if let Some((threshold, used)) = usage_report {
        return Ok(answer_threshold_and_usage(threshold, used));
    }

    let body = &request.operation;
    match operation {
        Operation::Query => Ok(answer_query(state, body)),
        Operation::Create => answer_write(state, body, WriteMode::Create),
        Operation::Update => answer_write(state, body, WriteMode::Update),
        Operation::Delete => answer_delete(state, body),
        Operation::GetEntityInfo => Ok(answer_entity_info(state)),
        Operation::GetFieldInfo => answer_field_info(state, body),
        Operation::GetUdfInfo => answer_udf_info(state, body),
        Operation::GetWsdlVersion => Ok(answer_wsdl_version(state)),
        Operation::GetZoneInfo
        | Operation::GetThresholdAndUsageInfo
        | Operation::GetAttachment
        | Operation::CreateAttachment
        | Operation::DeleteAttachment
        | Operation::GetInvoiceMarkup => Err(EnvelopeError {
            code: FaultCode::Server,
            message: "Server was unable to process request.".to_owned(),
        }),
    }
}

/// The `SOAPAction` routes the request; the body must hold that operation,
/// in the ATWS namespace, or the deserializer gives up.
fn check_body_element(operation: Operation, request: &SoapRequest) -> Result<(), EnvelopeError> {
    let element = &request.operation;
    if element.local_name == operation.element()
        && element.namespace.as_deref() == Some(ATWS_NAMESPACE)
    {
        return Ok(());
    }
    Err(EnvelopeError {
        code: FaultCode::Client,
        message: format!(
            "Server was unable to read request. ---> There is an error in XML document. ---> <{} xmlns='{}'> was not expected; the SOAPAction names {}.",
            element.local_name,
            element.namespace.as_deref().unwrap_or(""),
            operation.element()
        ),
    })
}

fn unrecognized_soap_action(header: Option<&str>) -> EnvelopeError {
    EnvelopeError {
        code: FaultCode::Client,
        message: format!(
            "System.Web.Services.Protocols.SoapException: Server did not recognize the value of HTTP Header SOAPAction: {}.",
            header.map(soap_action_text).unwrap_or_default()
        ),
    }
}

fn injected_server_error() -> EnvelopeError {
    EnvelopeError {
        code: FaultCode::Server,
        message: "Server was unable to process request. ---> Object reference not set to an instance of an object.".to_owned(),
    }
}

/// A [`Fault::Timeout`]: no answer for [`TIMEOUT_HOLD`], unless the
/// simulator shuts down first.
async fn hold_without_answer(state: &SimState) -> Response {
    let mut shutdown = state.shutdown.clone();
    tokio::select! {
        () = tokio::time::sleep(TIMEOUT_HOLD) => {}
        _ = shutdown.wait_for(|stopped| *stopped) => {}
    }
    StatusCode::GATEWAY_TIMEOUT.into_response()
}

/// The entity type a request is about, for the call log and error answers.
fn entity_named_by(request: &SoapRequest) -> Option<String> {
    let body = &request.operation;
    match body.local_name.as_str() {
        "query" => QueryXml::parse(&body.child("sXML")?.text)
            .ok()
            .map(|query| query.entity),
        "create" | "update" | "delete" => body
            .child("Entities")?
            .child("Entity")?
            .xsi_type()
            .map(str::to_owned),
        "GetFieldInfo" => Some(body.child("psObjectType")?.text.trim().to_owned()),
        "getUDFInfo" => Some(body.child("psTable")?.text.trim().to_owned()),
        _ => None,
    }
}
