//! The SOAP 1.1 documents the simulator answers with: an operation's
//! response element, the `ATWSResponse` most operations return, and
//! `soap:Fault`.

use crate::autotask::wire::{
    ATWS_NAMESPACE, SOAP_NAMESPACE, XSD_NAMESPACE, XSI_NAMESPACE, close, open, push_bool,
    push_empty, push_leaf,
};

/// A whole response document around `body` (the content of `soap:Body`).
pub(super) fn soap_document(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 300);
    out.push_str(&format!(
        concat!(
            r#"<?xml version="1.0" encoding="utf-8"?>"#,
            r#"<soap:Envelope xmlns:soap="{}" xmlns:xsi="{}" xmlns:xsd="{}"><soap:Body>"#
        ),
        SOAP_NAMESPACE, XSI_NAMESPACE, XSD_NAMESPACE
    ));
    out.push_str(body);
    out.push_str("</soap:Body></soap:Envelope>");
    out
}

/// `<{operation}Response xmlns="…">{content}</{operation}Response>` in a document.
pub(super) fn operation_document(operation: &str, content: &str) -> String {
    let mut body = String::with_capacity(content.len() + 120);
    body.push('<');
    body.push_str(operation);
    body.push_str("Response xmlns=\"");
    body.push_str(ATWS_NAMESPACE);
    body.push_str("\">");
    body.push_str(content);
    body.push_str("</");
    body.push_str(operation);
    body.push_str("Response>");
    soap_document(&body)
}

/// Who is to blame for a fault, as SOAP 1.1 names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FaultCode {
    /// The request was wrong (unknown SOAPAction, unreadable envelope).
    Client,
    /// The server failed.
    Server,
    /// The envelope is not SOAP 1.1.
    VersionMismatch,
}

/// A `soap:Fault` document.
pub(super) fn fault_document(code: FaultCode, message: &str) -> String {
    let code = match code {
        FaultCode::Client => "soap:Client",
        FaultCode::Server => "soap:Server",
        FaultCode::VersionMismatch => "soap:VersionMismatch",
    };
    let mut body = String::from("<soap:Fault>");
    push_leaf(&mut body, "faultcode", code);
    push_leaf(&mut body, "faultstring", message);
    push_empty(&mut body, "detail");
    body.push_str("</soap:Fault>");
    soap_document(&body)
}

/// An `ATWSResponse`, the answer of query, create, update, delete and
/// getThresholdAndUsageInfo.
#[derive(Debug, Clone, Default)]
pub(super) struct AtwsResult {
    pub(super) return_code: i32,
    /// Lowercase entity name; left out when `None`.
    pub(super) entity_result_type: Option<String>,
    /// Rendered `Entity` elements.
    pub(super) entities: String,
    pub(super) errors: Vec<String>,
    pub(super) return_infos: Vec<ReturnInfo>,
}

impl AtwsResult {
    /// `ReturnCode` -1 with these error messages.
    pub(super) fn failure(entity_result_type: Option<String>, errors: Vec<String>) -> Self {
        AtwsResult {
            return_code: -1,
            entity_result_type,
            errors,
            ..AtwsResult::default()
        }
    }
}

/// One `EntityReturnInfo`.
#[derive(Debug, Clone)]
pub(super) struct ReturnInfo {
    pub(super) entity_id: i64,
    /// `None`, `Created` or `Updated`.
    pub(super) database_action: &'static str,
    /// `DuplicateStatus/MatchInfo`; left out when `None`.
    pub(super) match_info: Option<String>,
    pub(super) message: String,
}

/// The document answering `operation` (`query`, `create`…) with `result`, its elements in the
/// WSDL's order (clients generated from the WSDL read them in that order only).
pub(super) fn atws_document(operation: &str, result: &AtwsResult) -> String {
    let result_element = format!("{operation}Result");
    let mut out = String::with_capacity(result.entities.len() + 400);
    open(&mut out, &result_element);
    push_leaf(&mut out, "ReturnCode", &result.return_code.to_string());
    push_leaf_raw(&mut out, "EntityResults", &result.entities);
    push_result_type(&mut out, result);
    if result.errors.is_empty() {
        push_empty(&mut out, "Errors");
    } else {
        open(&mut out, "Errors");
        for message in &result.errors {
            open(&mut out, "ATWSError");
            push_leaf(&mut out, "Message", message);
            close(&mut out, "ATWSError");
        }
        close(&mut out, "Errors");
    }
    if result.return_infos.is_empty() {
        push_empty(&mut out, "EntityReturnInfoResults");
    } else {
        open(&mut out, "EntityReturnInfoResults");
        for info in &result.return_infos {
            push_return_info(&mut out, info);
        }
        close(&mut out, "EntityReturnInfoResults");
    }
    close(&mut out, &result_element);
    operation_document(operation, &out)
}

fn push_result_type(out: &mut String, result: &AtwsResult) {
    if let Some(entity_type) = &result.entity_result_type {
        push_leaf(out, "EntityResultType", entity_type);
    }
}

/// `<name>markup</name>` for content that is already XML.
fn push_leaf_raw(out: &mut String, name: &str, markup: &str) {
    if markup.is_empty() {
        push_empty(out, name);
    } else {
        open(out, name);
        out.push_str(markup);
        close(out, name);
    }
}

fn push_return_info(out: &mut String, info: &ReturnInfo) {
    open(out, "EntityReturnInfo");
    push_leaf(out, "EntityId", &info.entity_id.to_string());
    push_leaf(out, "DatabaseAction", info.database_action);
    open(out, "DuplicateStatus");
    push_bool(out, "Found", false);
    push_bool(out, "Ignored", false);
    if let Some(match_info) = &info.match_info {
        push_leaf(out, "MatchInfo", match_info);
    }
    close(out, "DuplicateStatus");
    push_leaf(out, "Message", &info.message);
    close(out, "EntityReturnInfo");
}
