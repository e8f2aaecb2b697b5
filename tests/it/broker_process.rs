//! `fieldmap serve` as a child process, for the crash and scale-out tests: its configuration
//! written beside its secrets, a port of its own kept across restarts (so the simulators'
//! webhook URLs stay right), a guard that kills it on drop (a failed test leaves no broker
//! behind), and a throw-away PostgreSQL database dropped on drop too.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use fieldmap::autotask::simulator as at_sim;
use fieldmap::fieldnation::simulator as fn_sim;

use super::broker_intake::{BoxError, FN_SECRET, HOOK_KEY, HOOK_TOKEN};

/// A free port on 127.0.0.1: bound, read, released. The broker binds it again (with
/// `SO_REUSEADDR`) at every start.
pub fn free_port() -> Result<u16, BoxError> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A temporary folder, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> Result<TempDir, BoxError> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("{prefix}_{}_{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How a broker process is set up.
pub struct ProcessSetup<'a> {
    pub dir: &'a Path,
    /// The file name of its configuration in `dir` (several processes share a folder).
    pub name: &'a str,
    pub port: u16,
    /// `[store]` lines.
    pub store: String,
    pub autotask_zone: String,
    pub fieldnation_url: String,
    pub workers: usize,
    pub batch_size: u32,
    pub lease_secs: u64,
}

/// Writes the secrets and the configuration; the path of the configuration.
pub fn write_config(setup: &ProcessSetup<'_>) -> Result<PathBuf, BoxError> {
    for (file, secret) in [
        ("autotask.secret", at_sim::DEMO_PASSWORD),
        ("fieldnation.secret", fn_sim::DEMO_CLIENT_SECRET),
        ("hook.token", HOOK_TOKEN),
        ("hook.key", HOOK_KEY),
        ("fn-webhook.secret", FN_SECRET),
    ] {
        std::fs::write(setup.dir.join(file), format!("{secret}\n"))?;
    }
    let mappings = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings");
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
timeout_secs = 10
max_retries = 2

[fieldnation]
base_url = "{fn_url}"
client_id = "{client_id}"
client_secret = {{ file = "fieldnation.secret" }}
timeout_secs = 10
max_retries = 2

[store]
{store}

[intake]
listen = "127.0.0.1:{port}"

[intake.autotask]
token = {{ file = "hook.token" }}
signature_secret = {{ file = "hook.key" }}

[intake.fieldnation]
secret = {{ file = "fn-webhook.secret" }}

[retry]
delays_secs = [0.2, 0.5, 1, 1, 1, 1, 1, 1]
jitter = 0.0

[workers]
count = {workers}
batch_size = {batch}
batch_window_ms = 5
idle_interval_ms = 100
lease_secs = {lease}

[secrets]
check_interval_secs = 3600
"#,
        dispatch = mappings.join("dispatch-service-ticket.fmap").display(),
        sync = mappings.join("status-sync.fmap").display(),
        zone = setup.autotask_zone,
        user = at_sim::DEMO_USER,
        code = at_sim::DEMO_INTEGRATION_CODE,
        fn_url = setup.fieldnation_url,
        client_id = fn_sim::DEMO_CLIENT_ID,
        store = setup.store,
        port = setup.port,
        workers = setup.workers,
        batch = setup.batch_size,
        lease = setup.lease_secs,
    );
    let path = setup.dir.join(setup.name);
    std::fs::write(&path, toml)?;
    Ok(path)
}

/// A running `fieldmap serve --config FILE`, killed (SIGKILL) when dropped.
pub struct BrokerProcess {
    child: Child,
    pub port: u16,
    log: PathBuf,
}

impl BrokerProcess {
    /// Starts the broker and waits until `/healthz` answers (at most 60 s). Its standard
    /// error is appended to `FILE.log`, kept across restarts, shown when a start fails.
    pub async fn start(config: &Path, port: u16) -> Result<BrokerProcess, BoxError> {
        let log = config.with_extension("log");
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)?;
        writeln!(file, "---- start")?;
        let child = Command::new(env!("CARGO_BIN_EXE_fieldmap"))
            .args(["serve", "--config"])
            .arg(config)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()?;
        let mut process = BrokerProcess { child, port, log };
        process.wait_healthy().await?;
        Ok(process)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The lease owner name its workers use.
    pub fn worker_name(&self) -> String {
        format!("broker-{}", self.pid())
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    async fn wait_healthy(&mut self) -> Result<(), BoxError> {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                return Err(format!("the broker exited ({status}) while starting:\n{log}").into());
            }
            let answer = http
                .get(self.url("/healthz"))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if answer.is_ok_and(|a| a.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Err("the broker did not answer /healthz within 60 s".into())
    }

    /// kill -9, and reaps it.
    pub fn kill(mut self) -> Result<(), BoxError> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for BrokerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A PostgreSQL database of its own on the test server, dropped (with any connection left)
/// when this is dropped, even by a failing test.
pub struct ScratchDatabase {
    pub name: String,
    admin_url: String,
}

impl ScratchDatabase {
    pub async fn create(prefix: &str) -> Result<ScratchDatabase, BoxError> {
        let admin_url = std::env::var("FIELDMAP_TEST_POSTGRES_ADMIN")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("{prefix}_{}_{:08x}", std::process::id(), fastrand::u32(..));
        let client = connect(&admin_url).await?;
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await?;
        Ok(ScratchDatabase { name, admin_url })
    }

    /// The store URL of the database.
    pub fn url(&self) -> String {
        let base = self
            .admin_url
            .rsplit_once('/')
            .map_or(self.admin_url.as_str(), |(base, _)| base);
        format!("{base}/{}", self.name)
    }
}

async fn connect(url: &str) -> Result<tokio_postgres::Client, BoxError> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // On a thread of its own: drop may run inside a runtime, which cannot block.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let client = connect(&url).await?;
                client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await?;
                Ok::<_, BoxError>(())
            })
        })
        .join();
    }
}

/// Polls `check` every 25 ms until it gives a value, for at most `limit`.
pub async fn within<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> Result<T, BoxError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, BoxError>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(found) = check().await? {
            return Ok(found);
        }
        if Instant::now() >= deadline {
            return Err(format!("timed out after {limit:?} waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
