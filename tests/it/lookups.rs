//! Lookups end to end: the fetcher asks the Autotask simulator for a whole batch's lookup in
//! one query, and the runtime picks each ticket's record from what came back.

use std::sync::Arc;
use std::time::Duration;

use fieldmap::EvalContext;
use fieldmap::Schemas;
use fieldmap::autotask::simulator::{
    DEMO_INTEGRATION_CODE, DEMO_PASSWORD, DEMO_USER, SimConfig, SimHandle, serve,
};
use fieldmap::autotask_client::{AutotaskClient, ClientConfig, Credentials, Fetcher, WireEntity};

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Demo accounts (mappings/fixtures): Müller Hospitality Group has no contact, Café Müller's
/// primary contact is Zoë Schmidt, Northwind Dental's Raj Patel.
const HEAD_OFFICE: i64 = 29683500;
const CAFE: i64 = 29683552;
const NORTHWIND: i64 = 29683560;

const MAPPING: &str = r#"
mapping "Site contact" {
  source autotask.Ticket
  target fieldnation.WorkOrder
  lookup PrimaryContact = Contact where AccountID == AccountID and PrimaryContact == true
  title            = Title
  contacts[0].role = "Location Contact"
  contacts[0].name = "${PrimaryContact.FirstName} ${PrimaryContact.LastName}"
}
"#;

fn config(sim: &SimHandle) -> ClientConfig {
    ClientConfig {
        discovery_url: sim.zone_url(),
        request_timeout: Duration::from_secs(5),
        max_retries: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        ..ClientConfig::default()
    }
}

fn entity(
    schemas: &Schemas,
    name: &str,
    fields: &[(&str, String)],
) -> Result<WireEntity, Box<dyn std::error::Error + Send + Sync>> {
    let schema = schemas.autotask.entity(name).ok_or("no such entity")?;
    let mut entity = WireEntity::new(name);
    for (field, value) in fields {
        entity.set(schema, field, value.clone())?;
    }
    Ok(entity)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_of_tickets_costs_one_lookup_query_and_each_finds_its_own_record() -> TestResult {
    tokio::time::timeout(Duration::from_secs(60), async {
        let sim = serve(SimConfig::default(), "127.0.0.1:0".parse()?).await?;
        let credentials = Credentials::new(DEMO_USER, DEMO_PASSWORD, DEMO_INTEGRATION_CODE);
        let client = AutotaskClient::new(credentials, config(&sim))?;
        let schemas = Arc::new(Schemas::bundled()?);

        // The head office gets a contact who is not primary, then two primary ones: the
        // lookup takes the one created first (the lower id).
        let contact = |first: &str, primary: bool| {
            entity(
                &schemas,
                "Contact",
                &[
                    ("FirstName", first.to_string()),
                    ("LastName", "Head Office".to_string()),
                    ("AccountID", HEAD_OFFICE.to_string()),
                    ("Active", "1".to_string()),
                    ("PrimaryContact", primary.to_string()),
                ],
            )
        };
        let contacts = vec![
            contact("Not", false)?,
            contact("First", true)?,
            contact("Second", true)?,
        ];
        let contact_ids = client.create(&contacts).await?.ids();
        assert_eq!(contact_ids.len(), 3);

        let accounts = [HEAD_OFFICE, CAFE, NORTHWIND];
        let tickets = (0..30)
            .map(|n| {
                entity(
                    &schemas,
                    "Ticket",
                    &[
                        ("Title", format!("Ticket {n}")),
                        ("AccountID", accounts[n % 3].to_string()),
                        ("Priority", "2".to_string()),
                        ("Status", "1".to_string()),
                    ],
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let ids = client.create(&tickets).await?.ids();
        assert_eq!(ids.len(), 30);

        let program = fieldmap::compile(MAPPING, schemas.clone())?;
        let plan = program.mappings()[0].plan();
        assert_eq!(plan.api_calls(), 2);
        let fetcher = Fetcher::new(client, program.schemas().clone());
        sim.reset_counters();
        let fetched = fetcher.fetch_many(plan, &ids).await?;
        let seen: Vec<String> = sim
            .calls()
            .iter()
            .map(|c| format!("{} {}", c.action, c.entity.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(seen, ["query Ticket", "query Contact"]);
        assert_eq!(fetched.stats.api_calls, 2);
        // Zoë, Raj and the head office's two primary contacts; not the one who is not primary.
        assert_eq!(fetched.records.of_entity("Contact").len(), 4);

        let ctx = EvalContext::current();
        for (n, id) in ids.iter().enumerate() {
            let evaluation = program.evaluate(&fetched.records, *id, &ctx, 0)?;
            let expected = ["First Head Office", "Zoë Schmidt", "Raj Patel"][n % 3];
            assert_eq!(
                evaluation.work_order["contacts"]["results"][0]["name"], expected,
                "ticket {n}"
            );
        }

        // Warm: the answers are cached per account, so only the tickets are asked for.
        sim.reset_counters();
        let warm = fetcher.fetch_many(plan, &ids).await?;
        assert_eq!(warm.stats.api_calls, 1);
        assert_eq!(warm.stats.cached, 4);
        let again = program.evaluate(&warm.records, ids[0], &ctx, 0)?;
        assert_eq!(
            again.work_order["contacts"]["results"][0]["name"],
            "First Head Office"
        );
        sim.shutdown().await;
        Ok(())
    })
    .await
    .map_err(|_| "the test did not finish within a minute")?
}

#[test]
fn explain_shows_the_lookup_and_its_query() -> TestResult {
    let program = fieldmap::compile(MAPPING, Arc::new(Schemas::bundled()?))?;
    let explained = fieldmap::ir::explain(&program);
    assert!(
        explained.contains(
            "PrimaryContact           Contact where AccountID == Ticket.AccountID and PrimaryContact == true (lookup: the lowest id that matches)"
        ),
        "{explained}"
    );
    assert!(
        explained.contains("fetch plan: 2 Autotask API call(s) per Ticket"),
        "{explained}"
    );
    assert!(
        explained.contains(
            "2. query Contact where AccountID Equals any Ticket.AccountID of the batch and PrimaryContact Equals \"true\""
        ),
        "{explained}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_jsonnet_block_reads_a_record_through_a_lookup() -> TestResult {
    tokio::time::timeout(Duration::from_secs(60), async {
        let sim = serve(SimConfig::default(), "127.0.0.1:0".parse()?).await?;
        let credentials = Credentials::new(DEMO_USER, DEMO_PASSWORD, DEMO_INTEGRATION_CODE);
        let client = AutotaskClient::new(credentials, config(&sim))?;
        let source = r#"
mapping "Contact's account" {
  source autotask.Ticket
  target fieldnation.WorkOrder
  lookup PrimaryContact = Contact where AccountID == AccountID and PrimaryContact == true
  title = jsonnet(PrimaryContact.Account) |||
    local contact = $.input.PrimaryContact;
    if contact == null then 'none' else contact.LastName + ' at ' + contact.Account.AccountName
  |||
}
"#;
        let program = fieldmap::compile(source, Arc::new(Schemas::bundled()?))?;
        let plan = program.mappings()[0].plan();
        let fetcher = Fetcher::new(client, program.schemas().clone());
        sim.reset_counters();
        let fetched = fetcher.fetch(plan, 9138).await?;
        let seen: Vec<String> = sim
            .calls()
            .iter()
            .filter(|c| c.action != "getZoneInfo")
            .map(|c| format!("{} {}", c.action, c.entity.as_deref().unwrap_or("")))
            .collect();
        // The account is asked for once the lookup has found the contact that names it.
        assert_eq!(seen, ["query Ticket", "query Contact", "query Account"]);
        let evaluation = program.evaluate(&fetched.records, 9138, &EvalContext::current(), 0)?;
        assert_eq!(evaluation.work_order["title"], "Patel at Northwind Dental");
        assert!(evaluation.issues.is_empty(), "{:?}", evaluation.issues);
        sim.shutdown().await;
        Ok(())
    })
    .await
    .map_err(|_| "the test did not finish within a minute")?
}

#[test]
fn the_formatter_lays_out_lookups_and_imports() -> TestResult {
    let messy = "import   \"us-sites.fmap\"\n// shared\nmapping \"M\" {\n source autotask.Ticket\n \
                 target fieldnation.WorkOrder\n lookup   PrimaryContact=Contact   where \
                 AccountID==AccountID and (PrimaryContact==true)\n title = PrimaryContact.LastName\n}\n";
    let expected = "import \"us-sites.fmap\"\n\n// shared\nmapping \"M\" {\n  source autotask.Ticket\n  \
                    target fieldnation.WorkOrder\n\n  lookup PrimaryContact = Contact where \
                    AccountID == AccountID and PrimaryContact == true\n  title                 = \
                    PrimaryContact.LastName\n}\n";
    let formatted = fieldmap::syntax::format(messy).map_err(|d| d.message)?;
    assert_eq!(formatted, expected);
    let again = fieldmap::syntax::format(&formatted).map_err(|d| d.message)?;
    assert_eq!(again, formatted);
    Ok(())
}
