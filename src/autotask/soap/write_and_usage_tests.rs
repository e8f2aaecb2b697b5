//! The small readers: `create`/`update` answers and `getThresholdAndUsageInfo`.

use super::test_fixtures::*;
use super::*;

#[test]
fn create_response_returns_the_saved_entity_and_its_return_info() {
    let mut collector = EntityCollector::default();
    let outcome =
        read_write_response(CREATE_TICKET, WriteOperation::Create, &mut collector).unwrap();
    assert_eq!(
        outcome,
        WriteOutcome {
            return_code: 1,
            entity_result_type: Some("ticket".to_owned()),
            errors: vec![],
            entity_count: 1,
            return_infos: vec![EntityReturnInfo {
                entity_id: Some(9151),
                database_action: Some("Created".to_owned()),
                duplicate_found: Some(false),
                message: None,
            }],
        }
    );
    assert!(outcome.succeeded());
    let saved = collector.into_entities();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].field("id"), Some("9151"));
    assert_eq!(saved[0].field("TicketNumber"), Some("T20240311.0004"));
    assert_eq!(saved[0].udf("FN Work Order ID"), Some(Some("18501")));
}

#[test]
fn rejected_update_is_an_outcome_with_every_error() {
    let outcome = read_write_response(
        UPDATE_TICKET_REJECTED,
        WriteOperation::Update,
        &mut IgnoreEntities,
    )
    .unwrap();
    assert!(!outcome.succeeded());
    assert_eq!(outcome.return_code, -1);
    assert_eq!(outcome.entity_count, 0);
    assert_eq!(
        outcome.errors,
        [
            "Error updating entity for record number [1].",
            "Value does not exist for the required field Status.",
        ]
    );
}

#[test]
fn write_readers_insist_on_their_own_answer() {
    let error = read_write_response(CREATE_TICKET, WriteOperation::Update, &mut IgnoreEntities)
        .unwrap_err();
    assert!(
        matches!(&error, SoapError::UnexpectedElement { expected, found, .. }
            if expected == "<updateResponse> in the SOAP Body" && found == "<createResponse>"),
        "{error:?}"
    );
    let error =
        read_write_response(TICKETS_WIRE, WriteOperation::Create, &mut IgnoreEntities).unwrap_err();
    assert!(
        error.to_string().contains("found <queryResponse>"),
        "{error}"
    );
}

#[test]
fn delete_response_is_read_like_the_others() {
    let xml = envelope(concat!(
        r#"<deleteResponse xmlns="http://autotask.net/ATWS/v1_6/"><deleteResult><ReturnCode>1</ReturnCode>"#,
        "<EntityResults /><Errors /><EntityReturnInfoResults><EntityReturnInfo><EntityId>30684530</EntityId>",
        "<DatabaseAction>None</DatabaseAction></EntityReturnInfo></EntityReturnInfoResults>",
        "</deleteResult></deleteResponse>"
    ));
    let outcome = read_write_response(&xml, WriteOperation::Delete, &mut IgnoreEntities).unwrap();
    assert_eq!(outcome.return_infos[0].entity_id, Some(30684530));
    assert_eq!(outcome.return_infos[0].duplicate_found, None);
}

#[test]
fn faults_reach_every_reader() {
    assert!(matches!(
        read_write_response(
            FAULT_UNKNOWN_SOAP_ACTION,
            WriteOperation::Create,
            &mut IgnoreEntities
        ),
        Err(SoapError::Fault { .. })
    ));
    assert!(matches!(
        read_threshold_and_usage_response(FAULT_SERVER_ERROR),
        Err(SoapError::Fault { .. })
    ));
}

#[test]
fn threshold_and_usage_is_parsed_from_the_return_info_message() {
    assert_eq!(
        read_threshold_and_usage_response(THRESHOLD_AND_USAGE).unwrap(),
        ThresholdAndUsage {
            threshold: 10000,
            timeframe_minutes: 60,
            requests_used: 37,
        }
    );
}

fn threshold_response(result: &str) -> String {
    envelope(&format!(
        concat!(
            r#"<getThresholdAndUsageInfoResponse xmlns="http://autotask.net/ATWS/v1_6/">"#,
            "<getThresholdAndUsageInfoResult>{}</getThresholdAndUsageInfoResult>",
            "</getThresholdAndUsageInfoResponse>"
        ),
        result
    ))
}

#[test]
fn threshold_reader_reports_refusals_and_unreadable_messages() {
    let refused = threshold_response(concat!(
        "<ReturnCode>-1</ReturnCode><Errors><ATWSError><Message>IntegrationCode is invalid.</Message>",
        "</ATWSError></Errors>"
    ));
    assert_eq!(
        read_threshold_and_usage_response(&refused).unwrap_err(),
        SoapError::Rejected {
            return_code: -1,
            errors: vec!["IntegrationCode is invalid.".to_owned()],
        }
    );

    let garbled = threshold_response(concat!(
        "<ReturnCode>1</ReturnCode><EntityReturnInfoResults><EntityReturnInfo>",
        "<Message>Threshold: unknown</Message></EntityReturnInfo></EntityReturnInfoResults>"
    ));
    assert_eq!(
        read_threshold_and_usage_response(&garbled).unwrap_err(),
        SoapError::UnreadableUsage {
            message: Some("Threshold: unknown".to_owned()),
        }
    );

    let missing = threshold_response("<ReturnCode>1</ReturnCode>");
    assert_eq!(
        read_threshold_and_usage_response(&missing).unwrap_err(),
        SoapError::UnreadableUsage { message: None }
    );
}
