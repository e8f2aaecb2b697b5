//! `fieldmap serve`: the mappings compiled, the store opened, both clients built, and then the
//! intake server, the worker loops, the pollers and the secret watcher, until shutdown.
//!
//! [`Server::prepare`] does everything that can fail before a socket is bound;
//! [`Server::merge`] adds routers (the admin endpoints) beside intake; [`Server::start`] binds
//! and spawns; [`RunningBroker::shutdown`] stops intake, lets each worker finish the batch it
//! holds (its jobs end completed or retried, so no lease is left to run out), and returns.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use super::admin::{self, AdminState, Readiness, TokenSource};
use super::config::BrokerConfig;
use super::dispatcher::{Dispatcher, DispatcherConfig};
use super::intake::Intake;
use super::metrics::Metrics;
use super::poller::poll_once;
use super::secrets::{SecretError, SecretValues, Secrets};
use super::store::{Options, ServingLock, Store, StoreError};
use crate::autotask_client::{self, AutotaskClient, Fetcher};
use crate::fieldnation::client::{self as fn_client, FieldNationClient};
use crate::ir::Program;
use crate::schema::Schemas;

/// Why the broker could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Mappings(String),
    #[error("secrets: {0}")]
    Secret(#[from] SecretError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("Autotask client: {0}")]
    Autotask(String),
    #[error("Field Nation client: {0}")]
    FieldNation(String),
    #[error("`polling` names {0:?}, which no mapping file defines")]
    UnknownPolledMapping(String),
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: SocketAddr, reason: String },
}

/// The compiled program and the text it was compiled from (for dead letters' line numbers).
#[derive(Debug, Clone)]
pub struct Mappings {
    pub program: Arc<Program>,
    pub source: Arc<str>,
}

/// Compiles the configured mapping files into one program, against the tenant snapshot when
/// one is configured. Each file is checked alone first, so an error names its file.
///
/// # Errors
///
/// A file cannot be read or does not compile: the diagnostics, rendered.
pub fn compile_mappings(config: &BrokerConfig) -> Result<Mappings, ServeError> {
    let schemas = match &config.mappings.tenant_snapshot {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                ServeError::Mappings(format!("cannot read {}: {e}", path.display()))
            })?;
            Schemas::with_tenant_json(&text)
        }
        None => Schemas::bundled(),
    }
    .map_err(|e| ServeError::Mappings(format!("tenant snapshot: {e}")))?;
    let schemas = Arc::new(schemas);
    let mut all = String::new();
    let mut files = Vec::new();
    for path in &config.mappings.files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ServeError::Mappings(format!("cannot read {}: {e}", path.display())))?;
        let imports = crate::check::Imports::file(path);
        if let Err(failure) = crate::check::compile_importing(&text, schemas.clone(), &imports) {
            let name = path.display().to_string();
            return Err(ServeError::Mappings(crate::diagnostics::render_human(
                &failure.diagnostics,
                &name,
                &text,
                false,
            )));
        }
        // Each file's imports are relative to its own folder, and its tables and helpers are
        // its own: the joined text is checked file by file into one program.
        files.push((all.len(), path.clone()));
        all.push_str(&text);
        all.push('\n');
    }
    let imports = crate::check::Imports::joined(files);
    let program = crate::check::compile_importing(&all, schemas, &imports);
    let program = program.map(|c| c.program).map_err(|failure| {
        ServeError::Mappings(crate::diagnostics::render_human(
            &failure.diagnostics,
            "the mapping files together",
            &all,
            false,
        ))
    })?;
    Ok(Mappings {
        program: Arc::new(program),
        source: all.into(),
    })
}

/// Opens the configured store and applies its migrations.
///
/// # Errors
///
/// The store cannot be opened or migrated.
pub async fn open_store(config: &BrokerConfig) -> Result<Store, StoreError> {
    let options = Options {
        schema: config.store.schema.clone(),
        pool_size: config.store.pool_size,
        ..Options::default()
    };
    Store::open_with(&config.store.url, options).await
}

/// The Autotask client for the configuration and secrets.
///
/// # Errors
///
/// The client cannot be built (TLS setup).
pub fn autotask_client(
    config: &BrokerConfig,
    secrets: &SecretValues,
) -> Result<AutotaskClient, ServeError> {
    let at = &config.autotask;
    let credentials = autotask_client::Credentials::new(
        at.user.clone(),
        secrets.autotask_api.expose(),
        at.integration_code.clone(),
    );
    let client_config = autotask_client::ClientConfig {
        discovery_url: at.discovery_url.clone(),
        zone_url: at.zone_url.clone(),
        request_timeout: Duration::from_secs(at.timeout_secs),
        max_retries: at.max_retries,
        ..autotask_client::ClientConfig::default()
    };
    AutotaskClient::new(credentials, client_config).map_err(|e| ServeError::Autotask(e.to_string()))
}

/// The Field Nation client for the configuration and secrets.
///
/// # Errors
///
/// The client cannot be built (TLS setup).
pub fn fieldnation_client(
    config: &BrokerConfig,
    secrets: &SecretValues,
) -> Result<FieldNationClient, ServeError> {
    let fnc = &config.fieldnation;
    let credentials = match (&fnc.username, &secrets.fieldnation_password) {
        (Some(user), Some(password)) => fn_client::Credentials::password(
            fnc.client_id.clone(),
            secrets.fieldnation_client.expose(),
            user.clone(),
            password.expose(),
        ),
        _ => fn_client::Credentials::client(
            fnc.client_id.clone(),
            secrets.fieldnation_client.expose(),
        ),
    };
    let client_config = fn_client::ClientConfig {
        base_url: fnc.base_url.trim_end_matches('/').to_owned(),
        request_timeout: Duration::from_secs(fnc.timeout_secs),
        max_retries: fnc.max_retries,
        ..fn_client::ClientConfig::default()
    };
    FieldNationClient::new(credentials, client_config)
        .map_err(|e| ServeError::FieldNation(e.to_string()))
}

/// What the running parts share. The clients are rebuilt when the secrets rotate.
struct Shared {
    config: Arc<BrokerConfig>,
    mappings: Mappings,
    store: Store,
    secrets: Arc<Secrets>,
    live: RwLock<Live>,
    /// Counted by every generation's dispatcher, shown by `/metrics`.
    metrics: Metrics,
    readiness: Readiness,
}

/// The clients and dispatcher built from one generation of the secrets.
#[derive(Clone)]
struct Live {
    generation: u64,
    autotask: AutotaskClient,
    dispatcher: Arc<Dispatcher>,
}

/// A dispatcher for the configuration: both clients built from `secrets`, the retry schedule,
/// the lease and the marker field configured. `fieldmap dispatch --now` runs one in process.
///
/// # Errors
///
/// A client cannot be built.
pub fn build_dispatcher(
    config: &BrokerConfig,
    mappings: &Mappings,
    store: &Store,
    secrets: &SecretValues,
) -> Result<(Dispatcher, AutotaskClient), ServeError> {
    let autotask = autotask_client(config, secrets)?;
    let fieldnation = fieldnation_client(config, secrets)?;
    let fetcher = Fetcher::new(autotask.clone(), mappings.program.schemas().clone());
    let dispatcher = Dispatcher::new(
        mappings.program.clone(),
        store.clone(),
        Arc::new(fetcher),
        fieldnation,
        DispatcherConfig {
            worker: format!("broker-{}", std::process::id()),
            lease_for: config.workers.lease_for,
            retry: config.retry.clone(),
            marker_field: config.mappings.marker_field,
            mapping_source: Some(mappings.source.clone()),
        },
    );
    Ok((dispatcher, autotask))
}

/// Builds the clients and the dispatcher from the current secrets.
fn build_live(
    config: &BrokerConfig,
    mappings: &Mappings,
    store: &Store,
    secrets: &Secrets,
    metrics: &Metrics,
) -> Result<Live, ServeError> {
    let generation = secrets.generation();
    let (dispatcher, autotask) = build_dispatcher(config, mappings, store, &secrets.current())?;
    Ok(Live {
        generation,
        autotask,
        dispatcher: Arc::new(dispatcher.with_metrics(metrics.clone())),
    })
}

impl Shared {
    /// The clients of the current secrets, rebuilt first if the secrets rotated.
    fn live(&self) -> Live {
        let current = self.live.read().unwrap_or_else(|p| p.into_inner()).clone();
        if current.generation == self.secrets.generation() {
            return current;
        }
        match build_live(
            &self.config,
            &self.mappings,
            &self.store,
            &self.secrets,
            &self.metrics,
        ) {
            Ok(fresh) => {
                *self.live.write().unwrap_or_else(|p| p.into_inner()) = fresh.clone();
                fresh
            }
            Err(e) => {
                tracing::error!(error = %e, "keeping the previous clients");
                current
            }
        }
    }
}

/// A broker ready to start: mappings compiled, store open, secrets read, clients built.
pub struct Server {
    shared: Arc<Shared>,
    extra: Vec<Router>,
    listener: Option<TcpListener>,
}

impl Server {
    /// Compiles the mappings, opens the store (migrations), reads the secrets and builds both
    /// clients. Nothing is bound or spawned yet.
    ///
    /// # Errors
    ///
    /// Any of these steps failed.
    pub async fn prepare(config: BrokerConfig) -> Result<Server, ServeError> {
        let mappings = compile_mappings(&config)?;
        for overlap in crate::lint::overlapping_triggers(&mappings.program) {
            tracing::warn!(code = overlap.code.as_str(), "{}", overlap.message);
        }
        for polled in &config.polling {
            if !mappings
                .program
                .mappings()
                .iter()
                .any(|m| m.name() == polled.mapping)
            {
                return Err(ServeError::UnknownPolledMapping(polled.mapping.clone()));
            }
        }
        let secrets = Arc::new(Secrets::load(&config)?);
        let store = open_store(&config).await?;
        let metrics = Metrics::new();
        let live = build_live(&config, &mappings, &store, &secrets, &metrics)?;
        let shared = Arc::new(Shared {
            config: Arc::new(config),
            mappings,
            store,
            secrets,
            live: RwLock::new(live),
            metrics,
            readiness: Readiness::new(),
        });
        Ok(Server {
            shared,
            extra: Vec::new(),
            listener: None,
        })
    }

    /// Serves `router` beside intake and the operations routes (health, readiness, metrics,
    /// jobs), which are always served.
    pub fn merge(mut self, router: Router) -> Self {
        self.extra.push(router);
        self
    }

    /// Serves on `listener` instead of binding `intake.listen` (tests bind port 0 first, so a
    /// simulator can be told where to send its webhooks).
    pub fn with_listener(mut self, listener: TcpListener) -> Self {
        self.listener = Some(listener);
        self
    }

    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    pub fn program(&self) -> &Arc<Program> {
        &self.shared.mappings.program
    }

    pub fn config(&self) -> &BrokerConfig {
        &self.shared.config
    }

    pub fn secrets(&self) -> &Arc<Secrets> {
        &self.shared.secrets
    }

    /// What the dispatchers count and `/metrics` shows.
    pub fn metrics(&self) -> &Metrics {
        &self.shared.metrics
    }

    /// Binds, then spawns the HTTP server, the workers, the pollers and the secret watcher.
    ///
    /// # Errors
    ///
    /// The listen address cannot be bound.
    pub async fn start(self) -> Result<RunningBroker, ServeError> {
        let shared = self.shared;
        let serving = shared.store.serve_alone().await?;
        let listener = match self.listener {
            Some(listener) => listener,
            None => {
                let addr = shared.config.intake.listen;
                TcpListener::bind(addr)
                    .await
                    .map_err(|e| ServeError::Listen {
                        addr,
                        reason: e.to_string(),
                    })?
            }
        };
        let addr = listener.local_addr().map_err(|e| ServeError::Listen {
            addr: shared.config.intake.listen,
            reason: e.to_string(),
        })?;
        let (stop, stopped) = watch::channel(false);
        let wake = Arc::new(Notify::new());
        let intake = Intake::new(
            shared.store.clone(),
            shared.mappings.program.clone(),
            shared.secrets.clone(),
            shared.config.intake.clone(),
            wake.clone(),
        );
        let secrets = shared.secrets.clone();
        let operations = AdminState::new(
            shared.store.clone(),
            shared.metrics.clone(),
            shared.readiness.clone(),
        )
        .with_token(TokenSource::new(move || {
            secrets.current().admin_token.clone()
        }));
        let mut router = intake.router().merge(admin::router(operations));
        for extra in self.extra {
            router = router.merge(extra);
        }
        let mut http_stop = stopped.clone();
        let http = tokio::spawn(async move {
            let service = router.into_make_service_with_connect_info::<SocketAddr>();
            let served = axum::serve(listener, service)
                .with_graceful_shutdown(async move {
                    stopping(&mut http_stop).await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "the HTTP server stopped");
            }
        });
        let mut workers = Vec::new();
        for _ in 0..shared.config.workers.count {
            workers.push(tokio::spawn(work(
                shared.clone(),
                wake.clone(),
                stopped.clone(),
            )));
        }
        let mut background = Vec::new();
        for polled in shared.config.polling.iter().filter(|p| p.enabled) {
            background.push(tokio::spawn(poll(
                shared.clone(),
                polled.mapping.clone(),
                polled.interval,
                stopped.clone(),
            )));
        }
        background.push(tokio::spawn(watch_secrets(shared.clone(), stopped.clone())));
        // Intake answers and workers run: ready (the store's own health is checked per probe).
        shared.readiness.set(true);
        Ok(RunningBroker {
            addr,
            shared,
            stop,
            http,
            workers,
            background,
            _serving: serving,
        })
    }
}

/// A running broker.
pub struct RunningBroker {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    http: JoinHandle<()>,
    workers: Vec<JoinHandle<()>>,
    background: Vec<JoinHandle<()>>,
    /// Held while serving a SQLite file: no second broker serves it meanwhile.
    _serving: Option<ServingLock>,
}

impl RunningBroker {
    /// Where intake listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    pub fn secrets(&self) -> &Arc<Secrets> {
        &self.shared.secrets
    }

    pub fn program(&self) -> &Arc<Program> {
        &self.shared.mappings.program
    }

    pub fn config(&self) -> &BrokerConfig {
        &self.shared.config
    }

    /// What the dispatchers count and `/metrics` shows.
    pub fn metrics(&self) -> &Metrics {
        &self.shared.metrics
    }

    /// Reads the secrets again now (as SIGHUP does): whether they changed.
    ///
    /// # Errors
    ///
    /// A secret is missing or unreadable; the secrets in use stay.
    pub fn reload_secrets(&self) -> Result<bool, SecretError> {
        self.shared.secrets.reload()
    }

    /// Stops intake, lets each worker finish the batch it holds, stops the pollers.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.http.await;
        for worker in self.workers {
            let _ = worker.await;
        }
        for task in self.background {
            task.abort();
            let _ = task.await;
        }
    }

    /// Runs until SIGTERM or Ctrl-C, then shuts down; SIGHUP reloads the secrets.
    pub async fn run_until_signalled(self) {
        wait_for_stop_signal(&self.shared).await;
        tracing::info!("stopping; workers finish the jobs they hold");
        self.shutdown().await;
    }
}

#[cfg(unix)]
async fn wait_for_stop_signal(shared: &Shared) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return,
            _ = term.recv() => return,
            _ = hup.recv() => match shared.secrets.reload() {
                Ok(true) => tracing::info!("SIGHUP: secrets rotated"),
                Ok(false) => tracing::info!("SIGHUP: secrets unchanged"),
                Err(e) => tracing::error!(error = %e, "SIGHUP: keeping the secrets in use"),
            },
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_stop_signal(_shared: &Shared) {
    let _ = tokio::signal::ctrl_c().await;
}

/// A worker: runs due jobs until none is left, then waits for intake's wake-up (and a short
/// batching window, so jobs arriving together are fetched together) or the idle interval.
async fn work(shared: Arc<Shared>, wake: Arc<Notify>, mut stopped: watch::Receiver<bool>) {
    let workers = &shared.config.workers;
    loop {
        if *stopped.borrow() {
            return;
        }
        // Registered before looking for jobs, so a job enqueued meanwhile still wakes us.
        let notified = wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let live = shared.live();
        let ran = live.dispatcher.run_once(workers.batch_size).await;
        shared
            .metrics
            .set_autotask_headroom(u64::from(live.autotask.headroom().remaining));
        match ran {
            Ok(report) if !report.is_empty() => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "worker: the store failed"),
        }
        let woken = tokio::select! {
            _ = &mut notified => true,
            _ = tokio::time::sleep(workers.idle_interval) => false,
            _ = stopping(&mut stopped) => return,
        };
        if woken {
            tokio::time::sleep(workers.batch_window).await;
        }
    }
}

/// A poller: one round per interval for one mapping.
async fn poll(
    shared: Arc<Shared>,
    mapping: String,
    interval: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let client = shared.live().autotask;
        if let Err(e) = poll_once(&client, &shared.mappings.program, &shared.store, &mapping).await
        {
            tracing::warn!(mapping = %mapping, error = %e, "polling round failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stopping(&mut stopped) => return,
        }
    }
}

/// Reads the secrets again every `secrets.check_interval`.
async fn watch_secrets(shared: Arc<Shared>, mut stopped: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(shared.config.secrets.check_interval) => {}
            _ = stopping(&mut stopped) => return,
        }
        match shared.secrets.reload() {
            Ok(true) => tracing::info!("secrets rotated"),
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, "keeping the secrets in use"),
        }
    }
}

/// Resolves once shutdown was asked for.
async fn stopping(stopped: &mut watch::Receiver<bool>) {
    let _ = stopped.wait_for(|s| *s).await;
}
