//! The Autotask simulator sends Autotask's webhook callbacks itself: a real HTTP receiver on
//! loopback gets the signed callback when a ticket's subscribed field changes (through a SOAP
//! `update`, or a dispatcher's change in the UI), none for a change to a field nobody
//! subscribed to, and the same callback again after it answered 500.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fieldmap::Schemas;
use fieldmap::autotask::simulator::{self as at_sim, HookConfig, HookSubscription};
use fieldmap::autotask::webhook::{self, HookAction, HookCallback, SIGNATURE_HEADER};
use fieldmap::autotask_client::{self, AutotaskClient, FieldEdit};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type TestResult = Result<(), BoxError>;

const SECRET: &str = "at-hook-secret";
/// A demo ticket in status New.
const TICKET: i64 = 9139;
/// The demo tenant's "Dispatch to Field" status.
const DISPATCH_TO_FIELD: &str = "29682833";

async fn limited(body: impl Future<Output = TestResult>) -> TestResult {
    tokio::time::timeout(Duration::from_secs(60), body)
        .await
        .map_err(|_| "the test did not finish within a minute")?
}

#[derive(Debug, Clone)]
struct Received {
    signature: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// A webhook receiver on 127.0.0.1 that answers 500 to its first `failures` requests and 200
/// after; it stops when dropped.
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<Received>>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Receiver {
    async fn start(failures: usize) -> Result<Receiver, BoxError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hooks/autotask/token", listener.local_addr()?);
        let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
        let by_handler = Arc::clone(&seen);
        let handler = move |request: axum::extract::Request| {
            let seen = Arc::clone(&by_handler);
            async move {
                let (parts, body) = request.into_parts();
                let body = axum::body::to_bytes(body, 1024 * 1024)
                    .await
                    .unwrap_or_default();
                let header = |name: &str| {
                    parts
                        .headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                let n = {
                    let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
                    seen.push(Received {
                        signature: header(SIGNATURE_HEADER),
                        content_type: header("content-type"),
                        body: body.to_vec(),
                    });
                    seen.len()
                };
                if n <= failures {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::OK
                }
            }
        };
        let router = axum::Router::new().fallback(handler);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Receiver {
            url,
            seen,
            _stop: stop,
        })
    }

    fn seen(&self) -> Vec<Received> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits until `count` requests arrived (or five seconds passed): what arrived.
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..500 {
            if self.seen().len() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.seen()
    }
}

/// A ticket webhook on `Status` and `AssignedResourceID`, `TicketNumber` always sent, retries
/// 20 ms apart.
fn hook(url: &str) -> HookConfig {
    let mut config = HookConfig::tickets(url, SECRET, &["Status", "AssignedResourceID"]);
    config.subscriptions[0].always = vec!["TicketNumber".into()];
    config.person_id = Some(29_682_885);
    config.retry_delays = vec![Duration::from_millis(20); 5];
    config
}

async fn simulator(hook: HookConfig) -> Result<at_sim::SimHandle, BoxError> {
    let config = at_sim::SimConfig {
        webhook: Some(hook),
        ..at_sim::SimConfig::default()
    };
    Ok(at_sim::serve(config, "127.0.0.1:0".parse()?).await?)
}

fn client(sim: &at_sim::SimHandle) -> Result<AutotaskClient, BoxError> {
    Ok(AutotaskClient::new(
        autotask_client::Credentials::new(
            at_sim::DEMO_USER,
            at_sim::DEMO_PASSWORD,
            at_sim::DEMO_INTEGRATION_CODE,
        ),
        autotask_client::ClientConfig {
            discovery_url: sim.zone_url(),
            ..autotask_client::ClientConfig::default()
        },
    )?)
}

/// Sets ticket fields through the SOAP API, as a client would.
async fn update_over_soap(sim: &at_sim::SimHandle, edits: &[FieldEdit]) -> TestResult {
    let schemas = Schemas::bundled()?;
    let ticket = schemas.autotask.entity("Ticket").ok_or("no Ticket")?;
    client(sim)?
        .read_modify_write(ticket, TICKET, edits)
        .await?;
    Ok(())
}

/// The callback a request carried, after checking its signature and content type.
fn verified(received: &Received) -> Result<HookCallback, BoxError> {
    let signature = received.signature.as_deref().ok_or("no X-Hook-Signature")?;
    assert!(
        webhook::verify(SECRET.as_bytes(), &received.body, signature),
        "bad signature {signature}"
    );
    assert_eq!(received.content_type.as_deref(), Some("application/json"));
    Ok(serde_json::from_slice(&received.body)?)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_status_change_over_soap_posts_the_signed_callback() -> TestResult {
    limited(async {
        let receiver = Receiver::start(0).await?;
        let sim = simulator(hook(&receiver.url)).await?;
        update_over_soap(&sim, &[FieldEdit::field("Status", DISPATCH_TO_FIELD)]).await?;
        let seen = receiver.wait_for(1).await;
        assert_eq!(seen.len(), 1, "{seen:?}");
        let callback = verified(&seen[0])?;
        assert_eq!(callback.action, HookAction::Update);
        assert_eq!(callback.entity_type, "Ticket");
        assert_eq!(callback.id, TICKET);
        assert_eq!(callback.guid, at_sim::DEMO_HOOK_GUID);
        assert_eq!(callback.person_id, Some(29_682_885));
        assert_eq!(callback.sequence_number, 1);
        // The changed subscribed field, and the always-sent one; nothing else.
        let fields: Vec<&str> = callback.fields.keys().map(String::as_str).collect();
        assert_eq!(fields, ["Status", "TicketNumber"]);
        assert_eq!(callback.fields["Status"], DISPATCH_TO_FIELD);
        assert!(
            callback.fields["TicketNumber"]
                .as_str()
                .is_some_and(|n| n.starts_with('T'))
        );
        // UTC, with milliseconds, and now.
        let at: jiff::Timestamp = callback.event_time.parse()?;
        assert!(
            callback.event_time.ends_with('Z'),
            "{}",
            callback.event_time
        );
        assert!((jiff::Timestamp::now() - at).as_secs().abs() < 30);
        // The broker's intake reads it as a notice about the ticket.
        let notice = webhook::parse(&seen[0].body)?;
        assert_eq!((notice.id, notice.sequence_number), (TICKET, Some(1)));
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_to_an_unsubscribed_field_posts_nothing() -> TestResult {
    limited(async {
        let receiver = Receiver::start(0).await?;
        let sim = simulator(hook(&receiver.url)).await?;
        update_over_soap(&sim, &[FieldEdit::field("Title", "Printer jams on tray 2")]).await?;
        // An update that sets the status it already has changes nothing either.
        sim.update_record(
            "Ticket",
            TICKET,
            &[("Status", "1"), ("Title", "Jams again")],
        )?;
        // A later subscribed change is the next callback: nothing was queued before it.
        sim.update_record("Ticket", TICKET, &[("AssignedResourceID", "29682885")])?;
        let seen = receiver.wait_for(1).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let seen_later = receiver.seen();
        assert_eq!(seen_later.len(), 1, "{seen_later:?}");
        let callback = verified(&seen[0])?;
        assert_eq!(callback.sequence_number, 1);
        assert_eq!(
            callback.fields.keys().collect::<Vec<_>>(),
            ["AssignedResourceID", "TicketNumber"]
        );
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_delivery_is_retried_until_taken() -> TestResult {
    limited(async {
        let receiver = Receiver::start(2).await?;
        let sim = simulator(hook(&receiver.url)).await?;
        sim.update_record("Ticket", TICKET, &[("Status", DISPATCH_TO_FIELD)])?;
        let seen = receiver.wait_for(3).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(receiver.seen().len(), 3, "two 500s, then taken: no more");
        // The same callback each time, byte for byte, signed each time.
        for received in &seen {
            assert_eq!(received.body, seen[0].body);
            verified(received)?;
        }
        let attempts: Vec<(u32, Option<u16>)> = sim
            .hook_deliveries()
            .iter()
            .map(|d| (d.attempt, d.status))
            .collect();
        assert_eq!(attempts, [(1, Some(500)), (2, Some(500)), (3, Some(200))]);
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn callbacks_count_up_and_cover_creates_and_other_entities() -> TestResult {
    limited(async {
        let receiver = Receiver::start(0).await?;
        let mut config = hook(&receiver.url);
        config
            .subscriptions
            .push(HookSubscription::new("TicketNote", &["Title"]));
        let sim = simulator(config).await?;
        sim.update_record("Ticket", TICKET, &[("Status", DISPATCH_TO_FIELD)])?;
        sim.update_record("Ticket", TICKET, &[("Status", "1")])?;
        // A note created over SOAP: a create fires with its subscribed fields.
        let schemas = Schemas::bundled()?;
        client(&sim)?
            .create_notes(
                &schemas,
                &[fieldmap::runtime::outbound::NewNote {
                    entity: "TicketNote",
                    parent_field: "TicketID",
                    record_id: TICKET,
                    title: "Work order created".into(),
                    description: "Field Nation work order 1234567".into(),
                    note_type: 3,
                    publish: 1,
                }],
            )
            .await?;
        let seen = receiver.wait_for(3).await;
        let callbacks: Vec<HookCallback> = seen.iter().map(verified).collect::<Result<_, _>>()?;
        let order: Vec<(i64, HookAction, &str)> = callbacks
            .iter()
            .map(|c| (c.sequence_number, c.action, c.entity_type.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                (1, HookAction::Update, "Ticket"),
                (2, HookAction::Update, "Ticket"),
                (3, HookAction::Create, "TicketNote")
            ]
        );
        assert_eq!(callbacks[2].fields["Title"], "Work order created");
        // A bad change is refused with the reason, and fires nothing.
        let refused = sim.update_record("Ticket", TICKET, &[("Status", "999")]);
        assert!(refused.is_err(), "{refused:?}");
        assert!(
            sim.update_record("Ticket", TICKET, &[("NoSuchField", "1")])
                .is_err()
        );
        sim.shutdown().await;
        Ok(())
    })
    .await
}

/// Kills the simulator process it holds when dropped, so a failing test leaves none behind.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_command_line_simulator_sends_webhooks_for_its_flags() -> TestResult {
    use std::io::BufRead;
    limited(async {
        let receiver = Receiver::start(0).await?;
        let mut child = Child(
            std::process::Command::new(env!("CARGO_BIN_EXE_fieldmap"))
                .args(["sim", "autotask", "--port", "0", "--webhook-url"])
                .arg(&receiver.url)
                .args([
                    "--webhook-secret",
                    SECRET,
                    "--webhook-fields",
                    "Status,Task:Status",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()?,
        );
        let stdout = child.0.stdout.take().ok_or("no stdout")?;
        let banner = tokio::task::spawn_blocking(move || {
            let mut lines = Vec::new();
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let done = line.starts_with("getZoneInfo");
                lines.push(line);
                if done {
                    break;
                }
            }
            lines
        })
        .await?;
        let zone_url = banner
            .iter()
            .find_map(|l| l.trim().strip_prefix("zone URL"))
            .map(|u| u.trim().to_owned())
            .ok_or_else(|| format!("no zone URL in {banner:?}"))?;
        let webhooks = banner
            .iter()
            .find(|l| l.trim().starts_with("webhooks"))
            .ok_or("no webhook line")?;
        assert!(
            webhooks.contains("Ticket (Status); Task (Status)"),
            "{webhooks}"
        );
        let client = AutotaskClient::new(
            autotask_client::Credentials::new(
                at_sim::DEMO_USER,
                at_sim::DEMO_PASSWORD,
                at_sim::DEMO_INTEGRATION_CODE,
            ),
            autotask_client::ClientConfig {
                discovery_url: zone_url,
                ..autotask_client::ClientConfig::default()
            },
        )?;
        let schemas = Schemas::bundled()?;
        let ticket = schemas.autotask.entity("Ticket").ok_or("no Ticket")?;
        client
            .read_modify_write(
                ticket,
                TICKET,
                &[FieldEdit::field("Status", DISPATCH_TO_FIELD)],
            )
            .await?;
        let seen = receiver.wait_for(1).await;
        let callback = verified(seen.first().ok_or("no callback")?)?;
        assert_eq!((callback.id, callback.action), (TICKET, HookAction::Update));
        assert_eq!(callback.fields["Status"], DISPATCH_TO_FIELD);

        // A field list that names no field is a usage error.
        let refused = std::process::Command::new(env!("CARGO_BIN_EXE_fieldmap"))
            .args(["sim", "autotask", "--webhook-url", "http://127.0.0.1:9/"])
            .args(["--webhook-secret", "s", "--webhook-fields", "Task:"])
            .output()?;
        assert_eq!(refused.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains("--webhook-fields Task:"), "{stderr}");
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_queue_drops_callbacks_without_holding_writes_up() -> TestResult {
    limited(async {
        // A receiver that takes connections and never answers.
        let silent = std::net::TcpListener::bind("127.0.0.1:0")?;
        let mut config = hook(&format!("http://{}/", silent.local_addr()?));
        config.queue_length = 1;
        config.retry_delays = Vec::new();
        config.timeout = Duration::from_secs(5);
        let sim = simulator(config).await?;
        let started = std::time::Instant::now();
        for status in ["29682833", "1", "29682833", "1"] {
            sim.update_record("Ticket", TICKET, &[("Status", status)])?;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "writes never wait"
        );
        let dropped: Vec<i64> = sim
            .hook_deliveries()
            .iter()
            .filter(|d| d.attempt == 0)
            .map(|d| {
                assert_eq!(
                    d.error.as_deref(),
                    Some("dropped: the delivery queue is full")
                );
                d.sequence_number
            })
            .collect();
        // One callback in flight, one queued: of four, at least two are dropped.
        assert!(dropped.len() >= 2, "{:?}", sim.hook_deliveries());
        sim.shutdown().await;
        drop(silent);
        Ok(())
    })
    .await
}
