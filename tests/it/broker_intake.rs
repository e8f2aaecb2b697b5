//! The broker's intake over real sockets on 127.0.0.1: a broker started from a
//! `fieldmap.toml` (secrets in files) beside both simulators. Every refusal is checked for its
//! status, its problem body, and for having enqueued nothing. The `Rig` here is shared with
//! `broker_serve`.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use fieldmap::autotask::simulator as at_sim;
use fieldmap::autotask::webhook;
use fieldmap::broker::store::{Effect, JobFilter, JobKind, NewCorrelation, Store};
use fieldmap::broker::{BrokerConfig, DispatchRequest, RunningBroker, Server};
use fieldmap::fieldnation::signature;
use fieldmap::fieldnation::simulator as fn_sim;
use serde_json::{Value, json};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub type TestResult = Result<(), BoxError>;

pub const MAPPING: &str = "Dispatch from service ticket";
pub const TICKET: i64 = 9137;
pub const HOOK_TOKEN: &str = "hook-token-4b1d9e";
pub const HOOK_KEY: &str = "hook-signing-key-77";
pub const FN_SECRET: &str = "fn-webhook-secret-1";
const LIMIT: Duration = Duration::from_secs(120);

pub async fn limited(body: impl Future<Output = TestResult>) -> TestResult {
    tokio::time::timeout(LIMIT, body)
        .await
        .map_err(|_| format!("the test did not finish within {LIMIT:?}"))?
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// How a test broker is set up; `Default`: no workers, no allowlists, no signature key.
#[derive(Default, Clone)]
pub struct Setup {
    pub workers: usize,
    pub signature_key: bool,
    pub postgres: bool,
    /// Extra TOML lines appended to `[intake.autotask]`, `[intake.fieldnation]`,
    /// `[intake.manual]`.
    pub autotask_allow: Option<&'static str>,
    pub fieldnation_allow: Option<&'static str>,
    pub manual_allow: Option<&'static str>,
    pub max_body_bytes: Option<usize>,
    /// `[secrets] grace_secs`.
    pub grace_secs: Option<u64>,
    /// Field Nation's simulator delivers its webhooks to the broker.
    pub fieldnation_webhooks: bool,
}

/// Both simulators and a broker over them.
pub struct Rig {
    pub dir: PathBuf,
    pub autotask: at_sim::SimHandle,
    pub fieldnation: fn_sim::SimHandle,
    pub broker: RunningBroker,
    pub http: reqwest::Client,
    pub config_path: PathBuf,
    postgres: bool,
}

impl Rig {
    pub async fn start(setup: Setup) -> Result<Rig, BoxError> {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("fieldmap_intake_{}_{n}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        for (file, secret) in [
            ("autotask.secret", at_sim::DEMO_PASSWORD),
            ("fieldnation.secret", fn_sim::DEMO_CLIENT_SECRET),
            ("hook.token", HOOK_TOKEN),
            ("hook.key", HOOK_KEY),
            ("fn-webhook.secret", FN_SECRET),
        ] {
            std::fs::write(dir.join(file), format!("{secret}\n"))?;
        }
        let autotask = at_sim::serve(at_sim::SimConfig::default(), "127.0.0.1:0".parse()?).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut fn_config = fn_sim::SimConfig::default();
        if setup.fieldnation_webhooks {
            fn_config.webhook = Some(fn_sim::WebhookConfig::new(
                format!("http://{addr}/hooks/fieldnation"),
                FN_SECRET,
            ));
            fn_config.delivery.time_scale = 0.001;
        }
        let fieldnation = fn_sim::serve(fn_config, 0).await?;
        let mappings = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings");
        let store = if setup.postgres {
            let url = std::env::var("FIELDMAP_TEST_POSTGRES")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
            format!(
                "url = \"{url}\"\nschema = \"fm_intake_{}_{n}\"",
                std::process::id()
            )
        } else {
            "url = \"sqlite:broker.db\"".to_owned()
        };
        let allow =
            |list: Option<&str>| list.map(|l| format!("allow = [{l}]\n")).unwrap_or_default();
        let signature = if setup.signature_key {
            "signature_secret = { file = \"hook.key\" }\n"
        } else {
            ""
        };
        let toml = format!(
            r#"[mappings]
files = ["{dispatch}", "{sync}"]
marker_field = 145

[autotask]
zone_url = "{zone}"
discovery_url = "{zone}"
user = "{user}"
integration_code = "{code}"
secret = {{ file = "autotask.secret" }}
timeout_secs = 5
max_retries = 2

[fieldnation]
base_url = "{fn_url}"
client_id = "{client_id}"
client_secret = {{ file = "fieldnation.secret" }}
timeout_secs = 5
max_retries = 2

[store]
{store}

[intake]
listen = "127.0.0.1:0"
max_body_bytes = {max_body}

[intake.autotask]
token = {{ file = "hook.token" }}
{signature}{at_allow}
[intake.fieldnation]
secret = {{ file = "fn-webhook.secret" }}
timestamp_window_secs = 600
{fn_allow}
[intake.manual]
{manual_allow}
[retry]
delays_secs = [0.05, 0.1]
jitter = 0.0

[workers]
count = {workers}
batch_size = 50
batch_window_ms = 5
idle_interval_ms = 50

[secrets]
check_interval_secs = 0.05
grace_secs = {grace}
"#,
            dispatch = mappings.join("dispatch-service-ticket.fmap").display(),
            sync = mappings.join("status-sync.fmap").display(),
            zone = autotask.zone_url(),
            user = at_sim::DEMO_USER,
            code = at_sim::DEMO_INTEGRATION_CODE,
            fn_url = fieldnation.base_url(),
            client_id = fn_sim::DEMO_CLIENT_ID,
            max_body = setup.max_body_bytes.unwrap_or(256 * 1024),
            at_allow = allow(setup.autotask_allow),
            fn_allow = allow(setup.fieldnation_allow),
            manual_allow = allow(setup.manual_allow),
            workers = setup.workers,
            grace = setup.grace_secs.unwrap_or(300),
        );
        let config_path = dir.join("fieldmap.toml");
        std::fs::write(&config_path, toml)?;
        let config = BrokerConfig::load(&config_path)?;
        let broker = Server::prepare(config)
            .await?
            .with_listener(listener)
            .start()
            .await?;
        Ok(Rig {
            dir,
            autotask,
            fieldnation,
            broker,
            http: reqwest::Client::new(),
            config_path,
            postgres: setup.postgres,
        })
    }

    pub fn store(&self) -> &Store {
        self.broker.store()
    }

    /// Every job in the store.
    pub async fn job_count(&self) -> Result<usize, BoxError> {
        Ok(self.store().jobs(&JobFilter::default()).await?.len())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.broker.base_url())
    }

    /// Posts `body` with `headers`: the status and the JSON answer.
    pub async fn post(
        &self,
        path: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<(u16, Value), BoxError> {
        let mut request = self
            .http
            .post(self.url(path))
            .header("Content-Type", "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok((status, json))
    }

    pub async fn finish(self) {
        let store = self.store().clone();
        self.broker.shutdown().await;
        if self.postgres {
            let dropped = store.drop_schema().await;
            assert!(dropped.is_ok(), "{dropped:?}");
        }
        self.autotask.shutdown().await;
        self.fieldnation.shutdown().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Autotask's webhook callback for a ticket update.
pub fn callback(id: i64) -> Vec<u8> {
    json!({
        "Action": "Update",
        "Guid": "6a1c0e8e-1b9b-4b5e-9d0e-3c3a1f0c2b11",
        "EntityType": "Ticket",
        "Id": id,
        "Fields": {"Status": "12"},
        "EventTime": "2026-11-30T14:02:11.223Z",
        "SequenceNumber": 42,
        "PersonID": 29682885,
    })
    .to_string()
    .into_bytes()
}

/// A Field Nation event body for work order `id`, stamped now.
pub fn fn_event(id: i64, name: &str) -> Vec<u8> {
    json!({
        "event": {"name": name, "params": {"work_order_id": id}},
        "timestamp": jiff::Timestamp::now().to_string(),
        "triggered_by_user": {"id": 1},
        "workorder": {"id": id},
    })
    .to_string()
    .into_bytes()
}

pub fn fn_headers(body: &[u8], secret: &str, delivery: &str) -> Vec<(&'static str, String)> {
    vec![
        ("X-FN-Signature", signature::sign(secret.as_bytes(), body)),
        ("X-FN-Delivery-Id", format!("{delivery}:1")),
    ]
}

fn hook_path(token: &str) -> String {
    format!("/hooks/autotask/{token}")
}

/// Checks a refusal: its status, a problem body, and an unchanged job count.
async fn refused(rig: &Rig, answer: (u16, Value), status: u16, jobs_before: usize) -> TestResult {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["status"], json!(status), "{}", answer.1);
    assert!(answer.1["detail"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(
        rig.job_count().await?,
        jobs_before,
        "a refusal enqueued a job"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn autotask_hooks_need_the_token_and_the_signature() -> TestResult {
    limited(async {
        let rig = Rig::start(Setup {
            signature_key: true,
            ..Setup::default()
        })
        .await?;
        let body = callback(TICKET);
        let signed = webhook::sign(HOOK_KEY.as_bytes(), &body);
        let header = |value: &str| vec![(webhook::SIGNATURE_HEADER, value.to_owned())];

        let answer = rig
            .post(&hook_path("wrong-token"), &header(&signed), body.clone())
            .await?;
        refused(&rig, answer, 401, 0).await?;
        // A token that is a prefix of the right one is wrong too.
        let answer = rig
            .post(&hook_path(&HOOK_TOKEN[..8]), &header(&signed), body.clone())
            .await?;
        refused(&rig, answer, 401, 0).await?;
        let answer = rig.post(&hook_path(HOOK_TOKEN), &[], body.clone()).await?;
        refused(&rig, answer, 401, 0).await?;
        let forged = webhook::sign(b"another key", &body);
        let answer = rig
            .post(&hook_path(HOOK_TOKEN), &header(&forged), body.clone())
            .await?;
        refused(&rig, answer, 401, 0).await?;
        // The right signature over another body.
        let answer = rig
            .post(&hook_path(HOOK_TOKEN), &header(&signed), callback(9138))
            .await?;
        refused(&rig, answer, 401, 0).await?;
        // Signed, but not a webhook.
        let junk = br#"{"hello": "world"}"#.to_vec();
        let junk_signed = webhook::sign(HOOK_KEY.as_bytes(), &junk);
        let answer = rig
            .post(&hook_path(HOOK_TOKEN), &header(&junk_signed), junk)
            .await?;
        refused(&rig, answer, 400, 0).await?;

        let (status, answer) = rig
            .post(&hook_path(HOOK_TOKEN), &header(&signed), body)
            .await?;
        assert_eq!(status, 202, "{answer}");
        assert_eq!(answer["jobs"][0]["mapping"], json!(MAPPING));
        assert_eq!(answer["jobs"][0]["created"], json!(true));
        let jobs = rig.store().jobs(&JobFilter::default()).await?;
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].key, format!("Ticket:{TICKET} {MAPPING}"));
        rig.finish().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_minimal_form_is_accepted_without_a_signature_key() -> TestResult {
    limited(async {
        let rig = Rig::start(Setup::default()).await?;
        let body =
            json!({"ticketId": TICKET.to_string(), "entityType": "Ticket", "action": "update"});
        let (status, answer) = rig
            .post(&hook_path(HOOK_TOKEN), &[], body.to_string().into_bytes())
            .await?;
        assert_eq!(status, 202, "{answer}");
        // A deletion dispatches nothing, and no mapping dispatches contacts.
        let delete = json!({"ticketId": 5, "action": "Delete"})
            .to_string()
            .into_bytes();
        let (status, answer) = rig.post(&hook_path(HOOK_TOKEN), &[], delete).await?;
        assert_eq!(
            (status, answer["jobs"].clone()),
            (200, json!([])),
            "{answer}"
        );
        let contact = json!({"ticketId": 5, "entityType": "Contact"})
            .to_string()
            .into_bytes();
        let (status, answer) = rig.post(&hook_path(HOOK_TOKEN), &[], contact).await?;
        assert_eq!(status, 200, "{answer}");
        assert!(
            answer["ignored"]
                .as_str()
                .is_some_and(|i| i.contains("Contact"))
        );
        assert_eq!(rig.job_count().await?, 1);
        rig.finish().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn fieldnation_deliveries_are_verified_fresh_and_once() -> TestResult {
    limited(async {
        let rig = Rig::start(Setup::default()).await?;
        let body = fn_event(1_234_567, "workorder.status.assigned");
        let path = "/hooks/fieldnation";

        let answer = rig
            .post(
                path,
                &fn_headers(&body, "not the secret", "d-1"),
                body.clone(),
            )
            .await?;
        refused(&rig, answer, 401, 0).await?;
        let unsigned = vec![("X-FN-Delivery-Id", "d-1:1".to_owned())];
        let answer = rig.post(path, &unsigned, body.clone()).await?;
        refused(&rig, answer, 401, 0).await?;
        // Signed over the body, then one byte changed.
        let mut tampered = body.clone();
        let last = tampered.len() - 2;
        tampered[last] = b' ';
        let answer = rig
            .post(path, &fn_headers(&body, FN_SECRET, "d-1"), tampered)
            .await?;
        refused(&rig, answer, 401, 0).await?;
        // A delivery of an hour ago, correctly signed: a replay.
        let mut old: Value = serde_json::from_slice(&body)?;
        old["timestamp"] =
            json!((jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1)).to_string());
        let old = old.to_string().into_bytes();
        let answer = rig
            .post(path, &fn_headers(&old, FN_SECRET, "d-old"), old.clone())
            .await?;
        refused(&rig, answer, 400, 0).await?;
        assert_eq!(answer_title(&rig, path, &old).await?, "stale delivery");
        // No delivery id.
        let signed_only = vec![(
            "X-FN-Signature",
            signature::sign(FN_SECRET.as_bytes(), &body),
        )];
        let answer = rig.post(path, &signed_only, body.clone()).await?;
        refused(&rig, answer, 400, 0).await?;

        let (status, answer) = rig
            .post(path, &fn_headers(&body, FN_SECRET, "d-1"), body.clone())
            .await?;
        assert_eq!(status, 202, "{answer}");
        assert_eq!(answer["delivery"], json!("d-1"));
        // The same delivery again, as attempt 2 or verbatim: refused, not enqueued twice.
        let mut again = fn_headers(&body, FN_SECRET, "d-1");
        again[1].1 = "d-1:2".into();
        let answer = rig.post(path, &again, body.clone()).await?;
        refused(&rig, answer, 409, 1).await?;
        let answer = rig
            .post(path, &fn_headers(&body, FN_SECRET, "d-1"), body)
            .await?;
        refused(&rig, answer, 409, 1).await?;
        rig.finish().await;
        Ok(())
    })
    .await
}

async fn answer_title(rig: &Rig, path: &str, body: &[u8]) -> Result<String, BoxError> {
    let (_, answer) = rig
        .post(path, &fn_headers(body, FN_SECRET, "d-title"), body.to_vec())
        .await?;
    Ok(answer["title"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_bodies_and_disallowed_addresses_are_refused() -> TestResult {
    limited(async {
        let rig = Rig::start(Setup {
            max_body_bytes: Some(4096),
            fieldnation_allow: Some("\"10.0.0.0/8\", \"192.168.0.0/16\""),
            manual_allow: Some("\"10.1.2.3\""),
            ..Setup::default()
        })
        .await?;
        // 10 KB of padding in an otherwise valid callback.
        let mut big: Value = serde_json::from_slice(&callback(TICKET))?;
        big["Fields"]["Description"] = json!("x".repeat(10 * 1024));
        let answer = rig
            .post(&hook_path(HOOK_TOKEN), &[], big.to_string().into_bytes())
            .await?;
        refused(&rig, answer, 413, 0).await?;
        let body = fn_event(1_234_567, "workorder.status.assigned");
        let answer = rig
            .post(
                "/hooks/fieldnation",
                &fn_headers(&body, FN_SECRET, "d-9"),
                body.clone(),
            )
            .await?;
        refused(&rig, answer, 403, 0).await?;
        let path = format!("/dispatch/{}/{TICKET}", MAPPING.replace(' ', "%20"));
        let answer = rig.post(&path, &[], Vec::new()).await?;
        refused(&rig, answer, 403, 0).await?;
        // The Autotask endpoint has no allowlist here: a valid hook still gets in.
        let (status, _) = rig
            .post(&hook_path(HOOK_TOKEN), &[], callback(TICKET))
            .await?;
        assert_eq!(status, 202);
        rig.finish().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn manual_dispatch_over_http() -> TestResult {
    limited(async {
        let rig = Rig::start(Setup::default()).await?;
        let path = format!("/dispatch/{}/{TICKET}", MAPPING.replace(' ', "%20"));
        let (status, answer) = rig.post(&path, &[], Vec::new()).await?;
        assert_eq!(status, 202, "{answer}");
        assert_eq!(
            (
                answer["entity"].clone(),
                answer["id"].clone(),
                answer["created"].clone()
            ),
            (json!("Ticket"), json!(TICKET), json!(true))
        );
        // Again while the first is open: the same job.
        let (status, again) = rig.post(&path, &[], Vec::new()).await?;
        assert_eq!(
            (status, again["job"].clone(), again["created"].clone()),
            (202, answer["job"].clone(), json!(false))
        );
        let answer = rig
            .post("/dispatch/No%20such%20mapping/1", &[], Vec::new())
            .await?;
        refused(&rig, answer, 404, 1).await?;
        let bad_id = format!("/dispatch/{}/-4", MAPPING.replace(' ', "%20"));
        let answer = rig.post(&bad_id, &[], Vec::new()).await?;
        refused(&rig, answer, 400, 1).await?;
        rig.finish().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_identical_webhooks_at_once_make_one_job() -> TestResult {
    limited(async {
        let rig = Rig::start(Setup::default()).await?;
        let mut sends = tokio::task::JoinSet::new();
        for _ in 0..100 {
            let http = rig.http.clone();
            let url = rig.url(&hook_path(HOOK_TOKEN));
            sends.spawn(async move {
                http.post(url)
                    .body(callback(TICKET))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            });
        }
        let mut statuses = Vec::new();
        while let Some(sent) = sends.join_next().await {
            statuses.push(sent??);
        }
        assert!(statuses.iter().all(|s| *s == 202), "{statuses:?}");
        assert_eq!(rig.job_count().await?, 1);
        rig.finish().await;
        Ok(())
    })
    .await
}

/// The events of a work order write the ticket it came from, so intake queues them in the
/// ticket's lane: the events of two work orders of one ticket are never applied at once (each
/// reads the ticket and writes it whole), while another ticket's go on beside them.
#[tokio::test(flavor = "multi_thread")]
async fn events_of_two_work_orders_of_one_ticket_share_the_ticket_s_lane() -> TestResult {
    limited(async {
        let rig = Rig::start(Setup::default()).await?;
        let store = rig.store();
        // Ticket 9137 has two work orders (two mappings dispatched it), 9138 one.
        for (ticket, work_orders) in [(9137, &[501, 502][..]), (9138, &[503][..])] {
            store
                .enqueue(DispatchRequest::new("Dispatch", "Ticket", ticket).job())
                .await?;
            let leased = store
                .lease("setup", &[JobKind::Dispatch], 1, Duration::from_secs(60))
                .await?;
            let leased = leased.into_iter().next().ok_or("no dispatch leased")?;
            let effects = work_orders
                .iter()
                .map(|&work_order_id| {
                    Effect::Correlate(NewCorrelation {
                        source_entity: "Ticket".into(),
                        source_id: ticket,
                        mapping: format!("Dispatch {work_order_id}"),
                        work_order_id,
                    })
                })
                .collect();
            store.complete(leased.lease, effects).await?;
        }
        for (work_order, delivery) in [
            (501, "d-501"),
            (502, "d-502"),
            (503, "d-503"),
            (504, "d-504"),
        ] {
            let body = fn_event(work_order, "workorder.status.assigned");
            let answer = rig
                .post(
                    "/hooks/fieldnation",
                    &fn_headers(&body, FN_SECRET, delivery),
                    body.clone(),
                )
                .await?;
            assert_eq!(answer.0, 202, "{}", answer.1);
        }
        // One event of 9137 (the first to come), 9138's, and the one of a work order no
        // correlation knows (its own lane); 502's waits for 501's.
        let leased = store
            .lease("worker", &[JobKind::Event], 10, Duration::from_secs(60))
            .await?;
        let mut keys: Vec<&str> = leased.iter().map(|l| l.job.key.as_str()).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["d-501", "d-503", "d-504"]);
        let first = leased
            .into_iter()
            .find(|l| l.job.key == "d-501")
            .ok_or("d-501 not leased")?;
        store.complete(first.lease, Vec::new()).await?;
        let next = store
            .lease("worker", &[JobKind::Event], 10, Duration::from_secs(60))
            .await?;
        let keys: Vec<&str> = next.iter().map(|l| l.job.key.as_str()).collect();
        assert_eq!(keys, ["d-502"]);
        rig.finish().await;
        Ok(())
    })
    .await
}
