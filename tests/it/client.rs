//! The Autotask client and fetcher against the simulator, over loopback. Each test starts its
//! own simulator on a free port and shuts it down; every test has a time limit.
//!
//! Call counts are the simulator's own request counter. Zone discovery happens once per client
//! and is counted separately: tests discover first, then reset the counter.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fieldmap::EvalContext;
use fieldmap::RecordSet;
use fieldmap::Schemas;
use fieldmap::autotask::simulator::{
    DEMO_INTEGRATION_CODE, DEMO_PASSWORD, DEMO_USER, Fault, SimConfig, SimHandle, serve,
};
use fieldmap::autotask::soap::CollectedEntity;
use fieldmap::autotask::wire::{Operation, Operator, QueryItem, QueryXml};
use fieldmap::autotask_client::{
    AutotaskClient, ClientConfig, ClientError, Credentials, Fetcher, FieldEdit, WireEntity,
    poll_mapping, pull_tenant_snapshot,
};
use fieldmap::load_query_response;

const TEST_LIMIT: Duration = Duration::from_secs(60);
const DISPATCH_TICKET: &str = include_str!("../../mappings/dispatch-service-ticket.fmap");
const STATUS_SYNC: &str = include_str!("../../mappings/status-sync.fmap");
const APPROVED_EVENT: &str = include_str!("../../mappings/fixtures/events/approved.json");
const DEMO_TENANT: &str = include_str!("../../stdlib/tenants/demo.json");

// Demo records (mappings/fixtures).
const ACCOUNTS: [i64; 3] = [29683500, 29683552, 29683560];
const CONTACTS: [i64; 2] = [30684411, 30684502];
const RESOURCES: [i64; 2] = [29682885, 29682901];
const TICKET: i64 = 9137;

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Runs a test body with a time limit, so a hung connection fails the test instead of the run.
async fn limited(body: impl Future<Output = TestResult>) -> TestResult {
    tokio::time::timeout(TEST_LIMIT, body)
        .await
        .map_err(|_| format!("the test did not finish within {TEST_LIMIT:?}"))?
}

async fn start(config: SimConfig) -> Result<SimHandle, Box<dyn std::error::Error + Send + Sync>> {
    Ok(serve(config, "127.0.0.1:0".parse()?).await?)
}

/// Fast retries and a short timeout, discovering the zone at the simulator.
fn fast_config(sim: &SimHandle) -> ClientConfig {
    ClientConfig {
        discovery_url: sim.zone_url(),
        request_timeout: Duration::from_secs(5),
        max_retries: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        ..ClientConfig::default()
    }
}

fn demo_credentials() -> Credentials {
    Credentials::new(DEMO_USER, DEMO_PASSWORD, DEMO_INTEGRATION_CODE)
}

/// A client whose zone is already discovered, with the simulator's counters then reset.
async fn connected(
    sim: &SimHandle,
    config: ClientConfig,
) -> Result<AutotaskClient, Box<dyn std::error::Error + Send + Sync>> {
    let client = AutotaskClient::new(demo_credentials(), config)?;
    assert_eq!(client.zone_url().await?, sim.zone_url());
    sim.reset_counters();
    Ok(client)
}

/// Read once: building a thousand tickets must not parse the bundled schemas a thousand times.
fn schemas() -> Arc<Schemas> {
    static SCHEMAS: std::sync::LazyLock<Arc<Schemas>> = std::sync::LazyLock::new(|| {
        Arc::new(Schemas::bundled().unwrap_or_else(|e| panic!("bundled schemas: {e}")))
    });
    SCHEMAS.clone()
}

fn compile(source: &str) -> fieldmap::Program {
    fieldmap::compile(source, schemas()).unwrap_or_else(|f| panic!("{:?}", f.diagnostics))
}

/// Operations the simulator saw, in order (`query Ticket`, `update Ticket`…).
fn seen(sim: &SimHandle) -> Vec<String> {
    sim.calls()
        .iter()
        .map(|c| match &c.entity {
            Some(entity) => format!("{} {entity}", c.action),
            None => c.action.clone(),
        })
        .collect()
}

/// A new ticket that passes the simulator's validation.
fn new_ticket(title: &str, n: usize) -> WireEntity {
    let schemas = schemas();
    let schema = schemas
        .autotask
        .entity("Ticket")
        .unwrap_or_else(|| panic!("no Ticket"));
    let mut ticket = WireEntity::new("Ticket");
    let set = |ticket: &mut WireEntity, field: &str, value: String| {
        ticket
            .set(schema, field, value)
            .unwrap_or_else(|e| panic!("{e}"));
    };
    set(&mut ticket, "Title", title.to_owned());
    set(&mut ticket, "AccountID", ACCOUNTS[n % 3].to_string());
    set(&mut ticket, "ContactID", CONTACTS[n % 2].to_string());
    set(
        &mut ticket,
        "AssignedResourceID",
        RESOURCES[n % 2].to_string(),
    );
    set(&mut ticket, "Priority", "2".to_owned());
    set(&mut ticket, "Status", "1".to_owned());
    set(&mut ticket, "Description", String::new());
    ticket
}

async fn create_tickets(client: &AutotaskClient, count: usize) -> Result<Vec<i64>, ClientError> {
    let tickets: Vec<WireEntity> = (0..count)
        .map(|n| new_ticket(&format!("Bulk ticket {n}"), n))
        .collect();
    let ids = client.create(&tickets).await?.ids();
    assert_eq!(ids.len(), count);
    Ok(ids)
}

async fn read_ticket(
    client: &AutotaskClient,
    id: i64,
) -> Result<CollectedEntity, Box<dyn std::error::Error + Send + Sync>> {
    let mut found = client
        .query_entities(&QueryXml::by_ids("Ticket", &[id]))
        .await?;
    Ok(found.pop().ok_or("the ticket is gone")?)
}

#[tokio::test(flavor = "multi_thread")]
async fn zone_discovery_is_cached_and_unknown_users_are_refused() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = AutotaskClient::new(demo_credentials(), fast_config(&sim))?;
        assert_eq!(client.zone_url().await?, sim.zone_url());
        assert_eq!(client.zone_url().await?, sim.zone_url());
        assert_eq!(seen(&sim), ["getZoneInfo"], "discovery is asked once");

        let stranger = AutotaskClient::new(
            Credentials::new("nobody@example.com", "x", DEMO_INTEGRATION_CODE),
            fast_config(&sim),
        )?;
        let refused = stranger.zone_url().await;
        assert!(
            matches!(refused, Err(ClientError::ZoneDiscovery { .. })),
            "{refused:?}"
        );

        // A known zone URL skips discovery altogether.
        sim.reset_counters();
        let direct = AutotaskClient::new(
            demo_credentials(),
            ClientConfig {
                zone_url: Some(sim.zone_url()),
                discovery_url: "http://127.0.0.1:9/unused".into(),
                ..fast_config(&sim)
            },
        )?;
        direct.threshold_and_usage().await?;
        assert_eq!(seen(&sim), ["getThresholdAndUsageInfo"]);
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_operation_round_trips() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = connected(&sim, fast_config(&sim)).await?;

        let usage = client.connect().await?;
        assert_eq!(usage.threshold, 10_000);

        let entities = client.entity_info().await?;
        let ticket_info = entities
            .iter()
            .find(|e| e.name == "Ticket")
            .ok_or("no Ticket in GetEntityInfo")?;
        assert!(
            ticket_info.can_query && ticket_info.can_update && ticket_info.has_user_defined_fields
        );

        let fields = client.field_info("Ticket").await?;
        let status = fields
            .iter()
            .find(|f| f.name == "Status")
            .ok_or("no Ticket.Status")?;
        assert!(status.is_picklist);
        assert!(
            status
                .picklist_values
                .iter()
                .any(|v| v.label == "Dispatch to Field" && v.value == "29682833")
        );
        // Cached: asking again sends nothing.
        client.field_info("Ticket").await?;

        let udfs = client.udf_info("Ticket").await?;
        assert!(udfs.iter().any(|u| u.name == "Send to FN" && u.is_picklist));

        let page = client
            .query_page(&QueryXml::by_ids("Ticket", &[TICKET]))
            .await?;
        assert_eq!((page.entity_count, page.max_id), (1, Some(TICKET)));

        // QueryXML travels as CDATA; a `]]>` in a value must survive it.
        let odd_title = "Fuser ]]> toner & <drum>";
        let created = client.create(&[new_ticket(odd_title, 0)]).await?;
        let odd_id = *created.ids().first().ok_or("nothing created")?;
        let by_title = QueryXml::new(
            "Ticket",
            vec![QueryItem::field("Title", Operator::Equals, odd_title)],
        );
        assert_eq!(client.list_ids(&by_title).await?, [odd_id]);
        let read = read_ticket(&client, odd_id).await?;
        assert_eq!(read.field("Title"), Some(odd_title));
        assert_eq!(
            read.field("Description"),
            Some(""),
            "a typed empty string is kept"
        );

        let saved = client
            .read_modify_write(
                schemas().autotask.entity("Ticket").ok_or("no Ticket")?,
                odd_id,
                &[FieldEdit::field("Title", "Renamed")],
            )
            .await?;
        assert_eq!(saved.field("Title"), Some("Renamed"));

        assert_eq!(
            seen(&sim),
            [
                "getThresholdAndUsageInfo",
                "GetEntityInfo",
                "GetFieldInfo Ticket",
                "getUDFInfo Ticket",
                "query Ticket",
                "create Ticket",
                "query Ticket",
                "query Ticket",
                "query Ticket",
                "update Ticket",
            ]
        );
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn paging_reads_1200_tickets_in_pages_of_500() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = connected(&sim, fast_config(&sim)).await?;
        let created = create_tickets(&client, 1200).await?;
        assert_eq!(
            seen(&sim),
            vec!["create Ticket"; 6],
            "1,200 entities go in calls of 200"
        );

        sim.reset_counters();
        let pages = client.query_pages(&QueryXml::all("Ticket")).await?;
        let total: usize = pages.iter().map(|p| p.entity_count).sum();
        assert_eq!(
            total,
            1200 + 3,
            "the demo's 3 tickets and the 1,200 new ones"
        );
        assert_eq!(
            pages.iter().map(|p| p.entity_count).collect::<Vec<_>>(),
            [500, 500, 203]
        );
        assert_eq!(sim.request_count(), 3);

        let ids = client.list_ids(&QueryXml::all("Ticket")).await?;
        assert_eq!(ids.len(), 1203);
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(created.iter().all(|id| ids.binary_search(id).is_ok()));
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_1100_id_fetch_is_split_into_three_or_queries() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = connected(&sim, fast_config(&sim)).await?;
        let created = create_tickets(&client, 1100).await?;

        sim.reset_counters();
        let entities = client.query_entities_by_ids("Ticket", &created).await?;
        assert_eq!(entities.len(), 1100);
        assert_eq!(seen(&sim), vec!["query Ticket"; 3]);
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_threshold_is_waited_out_and_recovered_from() -> TestResult {
    limited(async {
        // Injected: Autotask refuses a query for its threshold; the client pauses, asks
        // getThresholdAndUsageInfo (refused too: it reports the budget used up) until there is
        // room, and only then sends the query again.
        let sim = start(SimConfig::default()).await?;
        let client = connected(&sim, fast_config(&sim)).await?;
        sim.inject_times(Fault::Threshold, 2);
        let page = client.query_page(&QueryXml::by_ids("Ticket", &[TICKET])).await?;
        assert_eq!(page.entity_count, 1);
        assert_eq!(
            seen(&sim),
            [
                "query Ticket",
                "getThresholdAndUsageInfo",
                "getThresholdAndUsageInfo",
                "query Ticket"
            ],
            "one refusal, two probes, then the answer"
        );
        let outcomes: Vec<String> = client
            .call_log()
            .calls()
            .iter()
            .filter(|c| c.operation == Operation::Query)
            .map(|c| c.outcome.clone())
            .collect();
        assert_eq!(outcomes, ["threshold reached", "ok"]);
        assert!(!client.headroom().paused);
        assert_eq!(client.headroom().pauses, 1);

        // Refused for longer than the client may wait: a typed error, and the calls stay paused.
        let impatient = connected(
            &sim,
            ClientConfig {
                max_budget_wait: Duration::from_millis(100),
                ..fast_config(&sim)
            },
        )
        .await?;
        sim.exceed_threshold_for(Duration::from_secs(30));
        let refused = impatient
            .query_page(&QueryXml::by_ids("Ticket", &[TICKET]))
            .await;
        assert!(matches!(refused, Err(ClientError::Threshold { .. })), "{refused:?}");
        assert!(impatient.headroom().paused);
        sim.shutdown().await;

        // The real thing: a database with a budget of 3 requests an hour, the client unaware.
        let sim = start(SimConfig {
            threshold: 3,
            ..SimConfig::default()
        })
        .await?;
        let client = connected(
            &sim,
            ClientConfig {
                max_retries: 1,
                max_budget_wait: Duration::from_millis(200),
                ..fast_config(&sim)
            },
        )
        .await?;
        for _ in 0..3 {
            client.query_page(&QueryXml::by_ids("Ticket", &[TICKET])).await?;
        }
        let refused = client.query_page(&QueryXml::by_ids("Ticket", &[TICKET])).await;
        assert!(
            matches!(&refused, Err(ClientError::Threshold { message, .. }) if message.contains("exceeded its threshold")),
            "{refused:?}"
        );
        let queries = seen(&sim).iter().filter(|c| *c == "query Ticket").count();
        assert_eq!(queries, 4, "refused once; the retry waited for room that never came");
        sim.advance_clock(Duration::from_secs(3601));
        assert_eq!(
            client
                .query_page(&QueryXml::by_ids("Ticket", &[TICKET]))
                .await?
                .entity_count,
            1,
            "recovered once the hour passed"
        );
        sim.shutdown().await;

        // Seeded from getThresholdAndUsageInfo, the client stops at the threshold by itself.
        let sim = start(SimConfig {
            threshold: 5,
            ..SimConfig::default()
        })
        .await?;
        let client = connected(
            &sim,
            ClientConfig {
                max_budget_wait: Duration::ZERO,
                ..fast_config(&sim)
            },
        )
        .await?;
        let usage = client.threshold_and_usage().await?;
        assert_eq!((usage.threshold, usage.requests_used), (5, 1), "the report counts itself");
        for _ in 0..4 {
            client.query_page(&QueryXml::by_ids("Ticket", &[TICKET])).await?;
        }
        let refused = client.query_page(&QueryXml::by_ids("Ticket", &[TICKET])).await;
        assert!(
            matches!(&refused, Err(ClientError::Threshold { message, .. }) if message.contains("client's own limit")),
            "{refused:?}"
        );
        assert_eq!(sim.request_count(), 5, "the refused call never left the client");
        sim.advance_clock(Duration::from_secs(3601));
        let usage = client.threshold_and_usage().await?;
        assert_eq!(usage.requests_used, 1);
        client.query_page(&QueryXml::by_ids("Ticket", &[TICKET])).await?;
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_keeps_its_own_budget_and_three_calls_per_endpoint() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = connected(
            &sim,
            ClientConfig {
                hourly_budget: 3,
                max_budget_wait: Duration::ZERO,
                ..fast_config(&sim)
            },
        )
        .await?;
        for _ in 0..3 {
            client
                .query_page(&QueryXml::by_ids("Ticket", &[TICKET]))
                .await?;
        }
        let refused = client
            .query_page(&QueryXml::by_ids("Ticket", &[TICKET]))
            .await;
        assert!(
            matches!(refused, Err(ClientError::Threshold { .. })),
            "{refused:?}"
        );
        assert_eq!(
            sim.request_count(),
            3,
            "the fourth call never left the client"
        );

        // Seeding: the limiter takes over Autotask's own count.
        let seeded = connected(
            &sim,
            ClientConfig {
                max_budget_wait: Duration::ZERO,
                ..fast_config(&sim)
            },
        )
        .await?;
        sim.reset_counters();
        let usage = seeded.threshold_and_usage().await?;
        assert_eq!(seeded.budget_usage().used, usage.requests_used);

        // Six slow calls to one endpoint run three at a time.
        let client = connected(&sim, fast_config(&sim)).await?;
        sim.inject_times(Fault::Latency(Duration::from_millis(300)), 6);
        let started = Instant::now();
        let mut calls = tokio::task::JoinSet::new();
        for _ in 0..6 {
            let client = client.clone();
            calls.spawn(async move {
                client
                    .query_page(&QueryXml::by_ids("Ticket", &[TICKET]))
                    .await
                    .map(|p| p.entity_count)
            });
        }
        while let Some(done) = calls.join_next().await {
            assert_eq!(done??, 1);
        }
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_millis(600),
            "6 calls of 300 ms, 3 at a time, took only {elapsed:?}"
        );
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_and_timeouts_are_retried() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = connected(
            &sim,
            ClientConfig {
                request_timeout: Duration::from_millis(400),
                ..fast_config(&sim)
            },
        )
        .await?;

        sim.inject_times(Fault::ServerError, 2);
        assert_eq!(
            client
                .query_page(&QueryXml::by_ids("Ticket", &[TICKET]))
                .await?
                .entity_count,
            1
        );
        assert_eq!(sim.request_count(), 3);

        sim.reset_counters();
        sim.inject(Fault::Timeout);
        let started = Instant::now();
        assert!(!client.field_info("Account").await?.is_empty());
        assert_eq!(sim.request_count(), 2, "the timed-out call, then its retry");
        assert!(started.elapsed() >= Duration::from_millis(400));

        sim.reset_counters();
        sim.inject_times(Fault::ServerError, 4);
        let failed = client
            .query_page(&QueryXml::by_ids("Ticket", &[TICKET]))
            .await;
        assert!(
            matches!(&failed, Err(ClientError::Fault { status: 500, .. })),
            "{failed:?}"
        );
        assert_eq!(sim.request_count(), 4, "one try and three retries");

        // A create is not resent after a server error: it may have been saved.
        sim.reset_counters();
        sim.inject(Fault::ServerError);
        let failed = client.create(&[new_ticket("Once only", 1)]).await;
        assert!(
            matches!(failed, Err(ClientError::Fault { .. })),
            "{failed:?}"
        );
        assert_eq!(sim.request_count(), 1);
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_credentials_and_validation_errors_are_not_retried() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;

        let wrong_password = AutotaskClient::new(
            Credentials::new(DEMO_USER, "not-the-password", DEMO_INTEGRATION_CODE),
            fast_config(&sim),
        )?;
        wrong_password.zone_url().await?;
        sim.reset_counters();
        let refused = wrong_password
            .query_page(&QueryXml::by_ids("Ticket", &[TICKET]))
            .await;
        assert!(matches!(refused, Err(ClientError::Unauthorized { .. })), "{refused:?}");
        assert_eq!(sim.request_count(), 1);

        let wrong_code = AutotaskClient::new(
            Credentials::new(DEMO_USER, DEMO_PASSWORD, "NOT-OUR-CODE"),
            fast_config(&sim),
        )?;
        wrong_code.zone_url().await?;
        sim.reset_counters();
        let refused = wrong_code.query_page(&QueryXml::by_ids("Ticket", &[TICKET])).await;
        assert!(
            matches!(&refused, Err(ClientError::IntegrationCode { message, .. }) if message.contains("IntegrationCode is invalid")),
            "{refused:?}"
        );
        let refused = wrong_code.field_info("Ticket").await;
        assert!(matches!(refused, Err(ClientError::IntegrationCode { .. })), "{refused:?}");
        assert_eq!(sim.request_count(), 2);

        let client = connected(&sim, fast_config(&sim)).await?;
        let ticket_schema = schemas();
        let ticket_schema = ticket_schema.autotask.entity("Ticket").ok_or("no Ticket")?;
        let refused = client
            .read_modify_write(ticket_schema, TICKET, &[FieldEdit::field("Status", "424242")])
            .await;
        match &refused {
            Err(ClientError::Api { messages, at }) => {
                assert!(messages.iter().any(|m| m.contains("picklist")), "{messages:?}");
                assert_eq!(at.operation, "update");
            }
            other => return Err(format!("expected a validation error, got {other:?}").into()),
        }
        assert_eq!(seen(&sim), ["query Ticket", "update Ticket"], "no retry");

        // An entity type Autotask does not have: a fault that is not worth retrying.
        sim.reset_counters();
        let refused = client.field_info("Tikket").await;
        assert!(matches!(refused, Err(ClientError::Api { .. })), "{refused:?}");
        assert_eq!(sim.request_count(), 1);
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn read_modify_write_keeps_every_other_field_and_udf() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = connected(&sim, fast_config(&sim)).await?;
        let schemas = schemas();
        let ticket_schema = schemas.autotask.entity("Ticket").ok_or("no Ticket")?;

        let before = read_ticket(&client, TICKET).await?;
        assert!(
            before.fields.len() > 10 && before.udfs.iter().filter(|u| u.1.is_some()).count() >= 3
        );
        client
            .read_modify_write(
                ticket_schema,
                TICKET,
                &[
                    FieldEdit::field("Status", "29682834"),
                    FieldEdit::udf("FN Work Order ID", "1234567"),
                ],
            )
            .await?;
        let after = read_ticket(&client, TICKET).await?;

        assert_eq!(after.field("Status"), Some("29682834"));
        assert_eq!(after.udf("FN Work Order ID"), Some(Some("1234567")));
        let stamps = ["LastActivityDate", "Status"];
        for (name, _, value) in &before.fields {
            if !stamps.contains(&name.as_str()) {
                assert_eq!(
                    after.field(name),
                    Some(value.as_str()),
                    "field {name} changed"
                );
            }
        }
        assert_eq!(
            after
                .fields
                .iter()
                .filter(|f| !stamps.contains(&f.0.as_str()))
                .count(),
            before
                .fields
                .iter()
                .filter(|f| !stamps.contains(&f.0.as_str()))
                .count(),
            "no field appeared"
        );
        for (name, value) in &before.udfs {
            if name != "FN Work Order ID" {
                assert_eq!(
                    after.udf(name),
                    Some(value.as_deref()),
                    "UDF {name} changed"
                );
            }
        }

        // What the test guards against: an update of the changed field alone loses the rest.
        let mut naive = WireEntity::new("Ticket");
        naive.id = Some(9138);
        naive.set(ticket_schema, "Status", "29682834")?;
        let before_naive = read_ticket(&client, 9138).await?;
        let naive_result = client.update(&[naive]).await;
        let after_naive = read_ticket(&client, 9138).await?;
        assert!(
            naive_result.is_err() || after_naive.fields.len() < before_naive.fields.len(),
            "the simulator must punish an update that leaves fields out"
        );
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn outbound_changes_are_one_update_and_the_notes() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = connected(&sim, fast_config(&sim)).await?;
        let program = compile(STATUS_SYNC);

        let mut records = RecordSet::new();
        let page = client
            .query_page(&QueryXml::by_ids("Ticket", &[TICKET]))
            .await?;
        load_query_response(&page.xml, program.schemas(), &mut records)?;
        let ticket = records.get("Ticket", TICKET).ok_or("no ticket")?;
        let event: serde_json::Value = serde_json::from_str(APPROVED_EVENT)?;
        let changes = program.on_event(&event, ticket, &EvalContext::current(), None)?;
        assert_eq!((changes.updates.len(), changes.notes.len()), (1, 1));

        let before = read_ticket(&client, TICKET).await?;
        sim.reset_counters();
        let applied = client.apply_changes(program.schemas(), &changes).await?;
        assert_eq!(
            seen(&sim),
            ["query Ticket", "update Ticket", "create TicketNote"]
        );
        assert_eq!(applied.note_ids.len(), 1);

        let after = read_ticket(&client, TICKET).await?;
        assert_eq!(after.field("Status"), Some("29682836"));
        assert_eq!(after.field("Title"), before.field("Title"));
        assert_eq!(
            after.udf("Site Access Notes"),
            before.udf("Site Access Notes")
        );
        let notes = client
            .query_entities(&QueryXml::by_ids("TicketNote", &applied.note_ids))
            .await?;
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].field("TicketID"), Some("9137"));
        assert!(
            notes[0]
                .field("Title")
                .is_some_and(|t| t.contains("approved"))
        );
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn one_ticket_costs_five_calls_cold_and_one_warm() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = connected(&sim, fast_config(&sim)).await?;
        let program = compile(DISPATCH_TICKET);
        let plan = program.mappings()[0].plan();
        let fetcher = Fetcher::new(client, program.schemas().clone());

        // The ticket, its account, contact and resource by id, the account's primary contact
        // by the lookup.
        let cold = fetcher.fetch(plan, TICKET).await?;
        assert_eq!(sim.request_count(), 5);
        assert_eq!(cold.stats.api_calls, 5);
        assert_eq!(cold.stats.cached, 0);
        assert_eq!(cold.stats.discovery_calls, 0);
        let mut cold_seen = seen(&sim);
        cold_seen.sort();
        assert_eq!(
            cold_seen,
            [
                "query Account",
                "query Contact",
                "query Contact",
                "query Resource",
                "query Ticket"
            ]
        );
        let evaluation = program.evaluate(&cold.records, TICKET, &EvalContext::current(), 0)?;
        assert!(evaluation.triggered);
        assert_eq!(evaluation.work_order["location"]["city"], "Minneapolis");

        sim.reset_counters();
        let warm = fetcher.fetch(plan, TICKET).await?;
        assert_eq!(sim.request_count(), 1);
        assert_eq!(seen(&sim), ["query Ticket"]);
        assert_eq!((warm.stats.api_calls, warm.stats.cached), (1, 4));
        let again = program.evaluate(&warm.records, TICKET, &EvalContext::current(), 0)?;
        assert_eq!(again.work_order, evaluation.work_order);

        let missing = fetcher.fetch(plan, 1).await;
        assert!(
            matches!(missing, Err(ClientError::NotFound { id: 1, .. })),
            "{missing:?}"
        );
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_100_tickets_costs_one_query_per_entity_type_and_lookup() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = connected(&sim, fast_config(&sim)).await?;
        let ids = create_tickets(&client, 100).await?;
        let program = compile(DISPATCH_TICKET);
        let fetcher = Fetcher::new(client, program.schemas().clone());

        sim.reset_counters();
        let fetched = fetcher
            .fetch_many(program.mappings()[0].plan(), &ids)
            .await?;
        assert_eq!(sim.request_count(), 5, "{:?}", seen(&sim));
        assert_eq!(fetched.stats.api_calls, 5);
        assert!(fetched.missing.is_empty(), "{:?}", fetched.missing);
        assert_eq!(fetched.records.of_entity("Ticket").len(), 100);
        assert_eq!(fetched.records.of_entity("Account").len(), 3);
        assert_eq!(fetched.records.of_entity("Contact").len(), 2);
        assert_eq!(fetched.records.of_entity("Resource").len(), 2);
        for id in &ids {
            program.evaluate(&fetched.records, *id, &EvalContext::current(), 0)?;
        }
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn polling_lists_matches_and_rechecks_them_exactly() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = connected(&sim, fast_config(&sim)).await?;

        let dispatch = compile(DISPATCH_TICKET);
        let poll = poll_mapping(&client, &dispatch, 0, &EvalContext::current()).await?;
        assert!(poll.confirmed().contains(&TICKET), "{:?}", poll.confirmed());
        assert_eq!(poll.stats.api_calls, 1);
        for id in &poll.triggers[0].matched {
            let verdict = dispatch.evaluate(&poll.records, *id, &EvalContext::current(), 0)?;
            assert_eq!(verdict.triggered, poll.confirmed().contains(id), "ticket {id}");
        }

        // Autotask matches text without regard to case; the trigger does not.
        let exact = client
            .create(&[new_ticket("Printer down", 0), new_ticket("PRINTER DOWN", 1)])
            .await?
            .ids();
        let by_title = compile(
            "mapping \"By title\" {\n  source autotask.Ticket\n  target fieldnation.WorkOrder\n  trigger when Title == \"Printer down\"\n  title = Title\n}\n",
        );
        let poll = poll_mapping(&client, &by_title, 0, &EvalContext::current()).await?;
        assert_eq!(poll.triggers[0].matched, exact, "both match in Autotask");
        assert_eq!(poll.confirmed(), [exact[0]], "only the exact one triggers");
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_pull_gives_the_demo_tenant_back() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = connected(&sim, fast_config(&sim)).await?;
        let demo: serde_json::Value = serde_json::from_str(DEMO_TENANT)?;
        let entities: Vec<String> = demo["picklists"]
            .as_object()
            .ok_or("no picklists")?
            .keys()
            .cloned()
            .collect();

        let snapshot = pull_tenant_snapshot(&client, &schemas(), &entities, None).await?;
        assert!(snapshot.warnings.is_empty(), "{:?}", snapshot.warnings);
        let text = snapshot.to_text();
        let loaded = Schemas::with_tenant_json(&text)?;
        assert!(!loaded.tenant.name.is_empty());

        let pulled: serde_json::Value = serde_json::from_str(&text)?;
        assert_eq!(pulled["picklists"], demo["picklists"]);
        let udf_names = |tenant: &serde_json::Value, entity: &str| -> Vec<(String, String)> {
            tenant["udfs"][entity]
                .as_array()
                .map(|udfs| {
                    udfs.iter()
                        .map(|u| (u["name"].to_string(), u["type"].to_string()))
                        .collect()
                })
                .unwrap_or_default()
        };
        for entity in ["Ticket", "Account"] {
            assert_eq!(udf_names(&pulled, entity), udf_names(&demo, entity));
        }
        assert_eq!(
            pulled["udfs"]["Ticket"][0]["picklist"],
            demo["udfs"]["Ticket"][0]["picklist"]
        );
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_secret_never_shows() -> TestResult {
    limited(async {
        const SECRET: &str = "Zq9-unguessable-Secret-7w";
        let credentials = Credentials::new(DEMO_USER, SECRET, DEMO_INTEGRATION_CODE);
        for text in [
            format!("{credentials:?}"),
            format!("{credentials}"),
            format!("{:?}", credentials.secret),
            format!("{}", credentials.secret),
        ] {
            assert!(!text.contains(SECRET), "{text}");
            assert!(text.contains("redacted"), "{text}");
        }

        let sim = start(SimConfig::default()).await?;
        let client = AutotaskClient::new(credentials.clone(), fast_config(&sim))?;
        assert!(!format!("{client:?}").contains(SECRET));
        let mut errors = Vec::new();
        if let Err(e) = client
            .query_page(&QueryXml::by_ids("Ticket", &[TICKET]))
            .await
        {
            errors.push(e);
        }
        let unknown = AutotaskClient::new(
            Credentials::new("nobody@example.com", SECRET, DEMO_INTEGRATION_CODE),
            fast_config(&sim),
        )?;
        if let Err(e) = unknown.zone_url().await {
            errors.push(e);
        }
        sim.shutdown().await;
        // Nothing listens any more: a connection error.
        let gone = AutotaskClient::new(
            credentials,
            ClientConfig {
                zone_url: Some("http://127.0.0.1:9/atservices/1.6/atws.asmx".into()),
                max_retries: 0,
                ..ClientConfig::default()
            },
        )?;
        if let Err(e) = gone
            .query_page(&QueryXml::by_ids("Ticket", &[TICKET]))
            .await
        {
            errors.push(e);
        }
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(matches!(errors[0], ClientError::Unauthorized { .. }));
        for error in &errors {
            for text in [error.to_string(), format!("{error:?}")] {
                assert!(!text.contains(SECRET), "{text}");
            }
        }
        Ok(())
    })
    .await
}

/// A server that answers 200 with ATWS errors, a fault or no XML at all, or 400 with a long
/// body, each echoing the secret raw, XML-escaped, percent-encoded, in Base64 and as the Basic
/// header it received: no error text and no call-log line shows it in any form.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_echoing_the_secret_every_way_never_gets_it_shown() -> TestResult {
    use crate::echo_server::{EVERY_ECHO, Echo, EchoServer, SECRET, USER, assert_clean};
    limited(async {
        for echo in EVERY_ECHO {
            let server = EchoServer::start(echo);
            let client = AutotaskClient::new(
                Credentials::new(USER, SECRET, DEMO_INTEGRATION_CODE),
                ClientConfig {
                    zone_url: Some(server.url.clone()),
                    request_timeout: Duration::from_secs(5),
                    max_retries: 0,
                    ..ClientConfig::default()
                },
            )?;
            let errors = [
                client
                    .query_page(&QueryXml::by_ids("Ticket", &[TICKET]))
                    .await
                    .err(),
                client.field_info("Ticket").await.err(),
                client.threshold_and_usage().await.err(),
                client.entity_info().await.err(),
                client.create(&[new_ticket("echo", 1)]).await.err(),
            ];
            // A metadata answer whose result element holds no fields reads as empty; the
            // query always fails.
            assert!(errors[0].is_some(), "{echo:?}: the query succeeded");
            for error in errors.iter().flatten() {
                assert_clean(&format!("{echo:?}"), &error.to_string());
                assert_clean(&format!("{echo:?} (Debug)"), &format!("{error:?}"));
            }
            if matches!(echo, Echo::AtwsErrors | Echo::FaultIn200) {
                let text = errors[0]
                    .as_ref()
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                assert!(text.contains("[redacted]"), "{echo:?}: {text}");
            }
            let calls = client.call_log().calls();
            assert_eq!(calls.len(), errors.len(), "{echo:?}: {calls:?}");
            for call in calls {
                assert_clean(&format!("{echo:?} call log"), &call.to_string());
                assert_clean(&format!("{echo:?} call log"), &format!("{call:?}"));
            }
        }
        Ok(())
    })
    .await
}

/// A body larger than the client reads fails the call instead of filling memory.
#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_the_cap_fails_the_call() -> TestResult {
    use crate::echo_server::{Echo, EchoServer};
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = connected(
            &sim,
            ClientConfig {
                max_response_bytes: 4 * 1024,
                max_retries: 0,
                ..fast_config(&sim)
            },
        )
        .await?;
        let error = client
            .field_info("Ticket")
            .await
            .err()
            .ok_or("a 4 KiB cap holds no Ticket field info")?;
        assert!(
            matches!(error, ClientError::ResponseTooLarge { limit: 4096, .. }),
            "{error:?}"
        );
        assert!(!error.is_retryable());
        assert!(
            error.to_string().contains("larger than 4096 bytes"),
            "{error}"
        );
        let last = client.call_log().calls().pop().ok_or("no call logged")?;
        assert_eq!(last.outcome, "response too large");

        // A 1.5 GB answer, announced or streamed without a length, is cut off at the cap.
        for echo in [Echo::HugeDeclared, Echo::HugeStreamed] {
            let server = EchoServer::start(echo);
            let client = AutotaskClient::new(
                demo_credentials(),
                ClientConfig {
                    zone_url: Some(server.url.clone()),
                    max_response_bytes: 1024 * 1024,
                    max_retries: 0,
                    ..ClientConfig::default()
                },
            )?;
            let started = Instant::now();
            let error = client
                .query_page(&QueryXml::all("Ticket"))
                .await
                .err()
                .ok_or("a huge answer was read")?;
            assert!(
                matches!(error, ClientError::ResponseTooLarge { limit, .. } if limit == 1024 * 1024),
                "{echo:?}: {error:?}"
            );
            assert!(started.elapsed() < Duration::from_secs(10), "{echo:?}");
        }

        // The default holds a 500-ticket page with room to spare.
        let client = connected(&sim, fast_config(&sim)).await?;
        create_tickets(&client, 500).await?;
        let page = client.query_page(&QueryXml::all("Ticket")).await?;
        assert_eq!(page.entity_count, 500);
        assert!(page.xml.len() * 8 < ClientConfig::default().max_response_bytes);
        sim.shutdown().await;
        Ok(())
    })
    .await
}

/// A broker shares one client and one fetcher between tasks, and spawns their futures.
#[tokio::test(flavor = "multi_thread")]
async fn client_and_fetcher_work_from_spawned_tasks() -> TestResult {
    fn shareable<T: Send + Sync + 'static>(_: &T) {}
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = connected(&sim, fast_config(&sim)).await?;
        let program = Arc::new(compile(DISPATCH_TICKET));
        let fetcher = Arc::new(Fetcher::new(client.clone(), program.schemas().clone()));
        shareable(&client);
        shareable(&fetcher);
        let mut tasks = tokio::task::JoinSet::new();
        for id in [9137, 9138, 9139] {
            let (fetcher, program) = (fetcher.clone(), program.clone());
            tasks.spawn(async move {
                fetcher
                    .fetch(program.mappings()[0].plan(), id)
                    .await
                    .map(|f| f.records.len())
            });
        }
        while let Some(done) = tasks.join_next().await {
            assert!(done?? >= 2);
        }
        sim.shutdown().await;
        Ok(())
    })
    .await
}
