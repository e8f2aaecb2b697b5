//! The demo's stage: both simulators and a broker in this process, on 127.0.0.1 with ports the
//! system picks, the broker configured through a `fieldmap.toml` of its own in a temporary
//! directory (secrets in files beside it, the shipped mappings written out from the binary),
//! its store a SQLite file there or a fresh PostgreSQL schema. Everything stops and is removed
//! at the end unless asked to keep it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::autotask::simulator::{self as at_sim, HookConfig, HookSubscription};
use crate::autotask_client::AutotaskClient;
use crate::broker::server::autotask_client;
use crate::broker::{BrokerConfig, RunningBroker, Server};
use crate::fieldnation::lifecycle::Status;
use crate::fieldnation::simulator as fn_sim;

/// The shipped mappings the demo runs, built into the binary so it runs from any folder.
pub const MAPPINGS: [(&str, &str); 3] = [
    (
        "dispatch-service-ticket.fmap",
        include_str!("../../../mappings/dispatch-service-ticket.fmap"),
    ),
    (
        "status-sync.fmap",
        include_str!("../../../mappings/status-sync.fmap"),
    ),
    (
        "dispatch-project-task.fmap",
        include_str!("../../../mappings/dispatch-project-task.fmap"),
    ),
];

const HOOK_TOKEN: &str = "demo-hook-token";
const HOOK_KEY: &str = "demo-hook-signing-key";
const FN_WEBHOOK_SECRET: &str = "demo-fieldnation-webhook-secret";
/// The Field Nation custom field that carries each work order's record (`Ticket:9137`).
pub const MARKER_FIELD: u64 = 145;

/// Both simulators and the broker over them.
pub struct Stage {
    pub dir: PathBuf,
    pub autotask: at_sim::SimHandle,
    pub fieldnation: fn_sim::SimHandle,
    pub broker: RunningBroker,
    pub client: AutotaskClient,
    /// The id of the first work order the Field Nation simulator creates.
    pub first_work_order: u64,
    /// The events Field Nation's webhook delivers to the broker.
    pub delivered_events: Vec<String>,
    postgres: bool,
}

impl Stage {
    /// Starts everything; `postgres`: the store's URL instead of a SQLite file.
    ///
    /// # Errors
    ///
    /// A server could not start or the configuration was refused: the reason.
    pub async fn start(postgres: Option<&str>) -> Result<Stage, String> {
        let dir = temp_dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        match Stage::start_in(&dir, postgres).await {
            Ok(stage) => Ok(stage),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                Err(e)
            }
        }
    }

    async fn start_in(dir: &Path, postgres: Option<&str>) -> Result<Stage, String> {
        let write = |name: &str, text: &str| {
            std::fs::write(dir.join(name), text)
                .map_err(|e| format!("cannot write {}: {e}", dir.join(name).display()))
        };
        for (name, secret) in [
            ("autotask.secret", at_sim::DEMO_PASSWORD),
            ("fieldnation.secret", fn_sim::DEMO_CLIENT_SECRET),
            ("hook.token", HOOK_TOKEN),
            ("hook.key", HOOK_KEY),
            ("fn-webhook.secret", FN_WEBHOOK_SECRET),
        ] {
            write(name, &format!("{secret}\n"))?;
        }
        for (name, text) in MAPPINGS {
            write(name, text)?;
        }
        // The broker's socket first, so both simulators can be told where to send webhooks.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
        let broker_addr = listener
            .local_addr()
            .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;

        // Autotask: a webhook on tickets' and tasks' status, signed, as a dispatcher's change
        // fires it; retries quicker than Autotask's minutes.
        let mut hook = HookConfig::tickets(
            format!("http://{broker_addr}/hooks/autotask/{HOOK_TOKEN}"),
            HOOK_KEY,
            &["Status"],
        );
        hook.subscriptions
            .push(HookSubscription::new("Task", &["Status"]));
        hook.retry_delays = vec![Duration::from_millis(200); 5];
        hook.timeout = Duration::from_secs(5);
        let autotask = at_sim::serve(
            at_sim::SimConfig {
                webhook: Some(hook),
                ..at_sim::SimConfig::default()
            },
            std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
        .map_err(|e| format!("the Autotask simulator: {e}"))?;

        // Field Nation: every event delivered to the broker, signed; retries scaled down.
        let delivered_events: Vec<String> = std::iter::once("workorder.created".to_owned())
            .chain(Status::ALL.iter().map(|s| s.event_name()))
            .collect();
        let fn_config = fn_sim::SimConfig {
            webhook: Some(fn_sim::WebhookConfig {
                // Every event, as a deployment subscribes: the broker answers Field Nation's
                // `workorder.created` with nothing, having run those rules itself.
                events: delivered_events.clone(),
                ..fn_sim::WebhookConfig::new(
                    format!("http://{broker_addr}/hooks/fieldnation"),
                    FN_WEBHOOK_SECRET,
                )
            }),
            delivery: fn_sim::DeliveryConfig {
                time_scale: 0.001,
                ..fn_sim::DeliveryConfig::default()
            },
            ..fn_sim::SimConfig::default()
        };
        let first_work_order = fn_config.first_work_order_id;
        let fieldnation = fn_sim::serve(fn_config, 0)
            .await
            .map_err(|e| format!("the Field Nation simulator: {e}"))?;

        let store = match postgres {
            Some(url) => format!(
                "url = {url:?}\nschema = \"fieldmap_demo_{}\"",
                dir.file_name()
                    .map(|n| n
                        .to_string_lossy()
                        .replace("fieldmap-demo-", "")
                        .replace('-', "_"))
                    .unwrap_or_default()
            ),
            None => "url = \"sqlite:broker.db\"".to_owned(),
        };
        let files: Vec<String> = MAPPINGS.iter().map(|(n, _)| format!("{n:?}")).collect();
        let toml = format!(
            r#"[mappings]
files = [{files}]
marker_field = {MARKER_FIELD}

[autotask]
zone_url = "{zone}"
discovery_url = "{zone}"
user = "{user}"
integration_code = "{code}"
secret = {{ file = "autotask.secret" }}
timeout_secs = 10

[fieldnation]
base_url = "{fn_url}"
client_id = "{client_id}"
client_secret = {{ file = "fieldnation.secret" }}
timeout_secs = 10

[store]
{store}

[intake]
listen = "{broker_addr}"

[intake.autotask]
token = {{ file = "hook.token" }}
signature_secret = {{ file = "hook.key" }}

[intake.fieldnation]
secret = {{ file = "fn-webhook.secret" }}

[retry]
delays_secs = [0.2, 0.5, 1, 2]
jitter = 0.0

[workers]
count = 2
batch_window_ms = 10
idle_interval_ms = 100
"#,
            files = files.join(", "),
            zone = autotask.zone_url(),
            user = at_sim::DEMO_USER,
            code = at_sim::DEMO_INTEGRATION_CODE,
            fn_url = fieldnation.base_url(),
            client_id = fn_sim::DEMO_CLIENT_ID,
        );
        write("fieldmap.toml", &toml)?;
        let config = BrokerConfig::load(&dir.join("fieldmap.toml")).map_err(|e| e.to_string())?;
        let broker = Server::prepare(config)
            .await
            .map_err(|e| format!("the broker: {e}"))?
            .with_listener(listener)
            .start()
            .await
            .map_err(|e| format!("the broker: {e}"))?;
        let client = autotask_client(broker.config(), &broker.secrets().current())
            .map_err(|e| e.to_string())?;
        Ok(Stage {
            dir: dir.to_owned(),
            autotask,
            fieldnation,
            broker,
            client,
            first_work_order,
            delivered_events,
            postgres: postgres.is_some(),
        })
    }

    /// Stops the broker (its workers finish what they hold) and both simulators; removes the
    /// directory and the PostgreSQL schema unless `keep`. The directory, when kept.
    pub async fn finish(self, keep: bool) -> Option<PathBuf> {
        let store = self.broker.store().clone();
        self.broker.shutdown().await;
        self.autotask.shutdown().await;
        self.fieldnation.shutdown().await;
        if keep {
            return Some(self.dir);
        }
        if self.postgres
            && let Err(e) = store.drop_schema().await {
                tracing::warn!(error = %e, "the demo's schema was not dropped");
            }
        drop(store);
        let _ = std::fs::remove_dir_all(&self.dir);
        None
    }
}

/// A directory of the system's temporary folder no other run uses.
fn temp_dir() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    std::env::temp_dir().join(format!("fieldmap-demo-{}-{nanos}", std::process::id()))
}
