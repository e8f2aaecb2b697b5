//! `fieldmap serve` as a whole: the broker in process with both simulators, driven the way a
//! deployment is: an Autotask webhook in, a work order in Field Nation, Field Nation's signed
//! event back in, the ticket updated. On SQLite and on PostgreSQL. Also polling with its
//! watermark, secret rotation without a restart, and the `dispatch` and `serve --check`
//! commands.

use std::process::Command;
use std::time::Duration;

use fieldmap::autotask::soap::CollectedEntity;
use fieldmap::autotask::wire::QueryXml;
use fieldmap::autotask_client::{AutotaskClient, FieldEdit};
use fieldmap::broker::poll_once;
use fieldmap::broker::server::autotask_client;
use fieldmap::broker::store::{JobFilter, JobState};

use super::broker_intake::{
    BoxError, FN_SECRET, HOOK_TOKEN, MAPPING, Rig, Setup, TICKET, TestResult, callback, fn_event,
    fn_headers, limited,
};

/// Polls `check` every 20 ms until it gives a value, for at most 30 s.
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> Result<T, BoxError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, BoxError>>,
{
    for _ in 0..1500 {
        if let Some(found) = check().await? {
            return Ok(found);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(format!("timed out waiting for {what}").into())
}

fn client(rig: &Rig) -> Result<AutotaskClient, BoxError> {
    let config = rig.broker.config();
    Ok(autotask_client(config, &rig.broker.secrets().current())?)
}

async fn ticket(client: &AutotaskClient, id: i64) -> Result<CollectedEntity, BoxError> {
    let mut found = client
        .query_entities(&QueryXml::by_ids("Ticket", &[id]))
        .await?;
    Ok(found.pop().ok_or("the ticket is gone")?)
}

async fn end_to_end(postgres: bool) -> TestResult {
    let rig = Rig::start(Setup {
        workers: 2,
        postgres,
        fieldnation_webhooks: true,
        ..Setup::default()
    })
    .await?;
    // The service desk's change fires the same webhook a hundred times at once.
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let request = rig
            .http
            .post(rig.url(&format!("/hooks/autotask/{HOOK_TOKEN}")))
            .body(callback(TICKET));
        sends.spawn(async move { request.send().await.map(|r| r.status().as_u16()) });
    }
    while let Some(sent) = sends.join_next().await {
        assert_eq!(sent??, 202);
    }
    let store = rig.store().clone();
    let correlation = eventually("the correlation", || {
        let store = store.clone();
        async move { Ok(store.correlation("Ticket", TICKET, MAPPING).await?) }
    })
    .await?;
    let work_order = correlation.work_order_id;
    assert_eq!(rig.fieldnation.work_order_count(), 1);
    assert!(
        rig.fieldnation
            .work_order(u64::try_from(work_order)?)
            .is_some()
    );

    // The provider takes the work order; Field Nation signs and delivers the event.
    let id = u64::try_from(work_order)?;
    if rig.fieldnation.transition(id, "assigned").is_err() {
        rig.fieldnation
            .transition(id, "published")
            .map_err(|e| format!("publish: {e}"))?;
        rig.fieldnation
            .transition(id, "assigned")
            .map_err(|e| format!("assign: {e}"))?;
    }
    let client = client(&rig)?;
    let expected = work_order.to_string();
    let updated = eventually("the ticket's update", || {
        let client = client.clone();
        let expected = expected.clone();
        async move {
            let ticket = ticket(&client, TICKET).await?;
            let done = ticket.udf("FN Work Order ID") == Some(Some(expected.as_str()));
            Ok(done.then_some(ticket))
        }
    })
    .await?;
    assert_eq!(
        updated
            .udf("FN Technician")
            .flatten()
            .map(|t| !t.is_empty()),
        Some(true)
    );
    // Every job ended done, one of them the assignment's event.
    let jobs = eventually("every job done", || {
        let store = store.clone();
        async move {
            let jobs = store.jobs(&JobFilter::default()).await?;
            Ok(jobs
                .iter()
                .all(|j| j.state == JobState::Done)
                .then_some(jobs))
        }
    })
    .await?;
    // The hundred sends share one open job; on a slow machine a late send can arrive after
    // that job is done and open a second, which finds the correlation and creates nothing
    // (the work order count above). Intake's own test pins one job for one open key.
    let ticket_jobs = jobs.iter().filter(|j| j.key.starts_with("Ticket:")).count();
    assert!(ticket_jobs >= 1, "{jobs:#?}");
    let deliveries = rig.fieldnation.deliveries();
    assert!(
        deliveries
            .iter()
            .any(|d| format!("{d:?}").contains("assigned")),
        "{deliveries:#?}"
    );
    assert_eq!(rig.fieldnation.work_order_count(), 1);
    // Serve answers the operations routes beside intake, with what its workers counted.
    let ready = rig.http.get(rig.url("/readyz")).send().await?;
    assert_eq!(ready.status().as_u16(), 200);
    let metrics = rig
        .http
        .get(rig.url("/metrics"))
        .send()
        .await?
        .text()
        .await?;
    let sample = |prefix: &str| -> Result<f64, BoxError> {
        let line = metrics
            .lines()
            .find(|l| l.starts_with(prefix))
            .ok_or_else(|| format!("no {prefix} in\n{metrics}"))?;
        Ok(line.rsplit(' ').next().unwrap_or_default().parse()?)
    };
    assert_eq!(
        sample("fieldmap_job_attempts_total{kind=\"dispatch\",outcome=\"dispatched\"}")?,
        1.0
    );
    assert!(
        sample(
            "fieldmap_api_calls_total{api=\"autotask\",operation=\"query Ticket\",outcome=\"ok\"}"
        )? >= 1.0
    );
    assert_eq!(
        sample(
            "fieldmap_api_calls_total{api=\"fieldnation\",operation=\"create\",outcome=\"ok\"}"
        )?,
        1.0
    );
    assert!(sample("fieldmap_autotask_threshold_headroom")? > 0.0);
    rig.finish().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_to_work_order_and_back_on_sqlite() -> TestResult {
    limited(end_to_end(false)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_to_work_order_and_back_on_postgres() -> TestResult {
    limited(end_to_end(true)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn polling_enqueues_and_advances_the_watermark() -> TestResult {
    limited(async {
        let rig = Rig::start(Setup::default()).await?;
        let client = client(&rig)?;
        let program = rig.broker.program().clone();
        let store = rig.store().clone();
        assert_eq!(store.watermark(MAPPING).await?, None);

        // The demo records carry no activity stamp until they are written: edit the ticket.
        let schema = program
            .schemas()
            .autotask
            .entity("Ticket")
            .ok_or("no Ticket")?;
        let edit = |title: &'static str| {
            let client = client.clone();
            async move {
                client
                    .read_modify_write(schema, TICKET, &[FieldEdit::field("Title", title)])
                    .await
            }
        };
        edit("Printer jams").await?;

        let first = poll_once(&client, &program, &store, MAPPING).await?;
        assert_eq!(first.since, None);
        assert!(first.enqueued.contains(&(TICKET, true)), "{first:?}");
        let w1 = first
            .watermark
            .clone()
            .ok_or("no watermark after a round")?;
        assert_eq!(
            store.watermark(MAPPING).await?.as_deref(),
            Some(w1.as_str())
        );

        // Nothing changed: asked from the watermark, only the record at the watermark comes
        // back (its open job is reused), and the watermark stays.
        let quiet = poll_once(&client, &program, &store, MAPPING).await?;
        assert_eq!(quiet.since.as_deref(), Some(w1.as_str()));
        assert_eq!(quiet.enqueued, vec![(TICKET, false)], "{quiet:?}");
        assert_eq!(quiet.watermark.as_deref(), Some(w1.as_str()));

        // An hour later the ticket is edited again (its trigger still holds).
        rig.autotask.advance_clock(Duration::from_secs(3600));
        edit("Printer jams again").await?;
        let second = poll_once(&client, &program, &store, MAPPING).await?;
        assert_eq!(second.since.as_deref(), Some(w1.as_str()));
        assert_eq!(second.enqueued, vec![(TICKET, false)], "{second:?}");
        let w2 = second.watermark.clone().ok_or("no watermark")?;
        let at = |w: &str| fieldmap::time::parse_autotask_datetime(w).map(|(z, _)| z.timestamp());
        assert!(at(&w2)? > at(&w1)?, "{w1} → {w2}");
        assert_eq!(store.watermark(MAPPING).await?, Some(w2));
        let jobs = store.jobs(&JobFilter::default()).await?;
        assert_eq!(jobs.len(), first.enqueued.len(), "{jobs:#?}");
        rig.finish().await;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn rotated_secrets_apply_without_a_restart() -> TestResult {
    limited(async {
        for grace in [0, 300] {
            let rig = Rig::start(Setup {
                grace_secs: Some(grace),
                ..Setup::default()
            })
            .await?;
            let body = fn_event(1_234_567, "workorder.status.assigned");
            let owned = rig;
            let rig = &owned;
            let post = |secret: &'static str, delivery: &'static str| {
                let headers = fn_headers(&body, secret, delivery);
                let body = body.clone();
                async move { rig.post("/hooks/fieldnation", &headers, body).await }
            };
            assert_eq!(post(FN_SECRET, "r-1").await?.0, 202);

            std::fs::write(rig.dir.join("fn-webhook.secret"), "fn-webhook-secret-2\n")?;
            std::fs::write(rig.dir.join("hook.token"), "hook-token-rotated\n")?;
            let secrets = rig.broker.secrets().clone();
            eventually("the rotation", || {
                let secrets = secrets.clone();
                async move { Ok((secrets.generation() > 0).then_some(())) }
            })
            .await?;
            assert_eq!(post("fn-webhook-secret-2", "r-2").await?.0, 202);
            let old = post(FN_SECRET, "r-3").await?.0;
            let hook = |token: &str| {
                let path = format!("/hooks/autotask/{token}");
                async move { rig.post(&path, &[], callback(TICKET)).await }
            };
            let old_token = hook(HOOK_TOKEN).await?.0;
            assert_eq!(hook("hook-token-rotated").await?.0, 202);
            if grace == 0 {
                assert_eq!((old, old_token), (401, 401), "grace {grace}");
                assert_eq!(rig.job_count().await?, 3);
            } else {
                assert_eq!((old, old_token), (202, 202), "grace {grace}");
                assert_eq!(rig.job_count().await?, 4);
            }
            // A secret file emptied by mistake keeps the secrets in use.
            std::fs::write(rig.dir.join("hook.token"), "")?;
            tokio::time::sleep(Duration::from_millis(200)).await;
            assert_eq!(hook("hook-token-rotated").await?.0, 202);
            owned.finish().await;
        }
        Ok(())
    })
    .await
}

fn fieldmap(args: Vec<String>) -> tokio::task::JoinHandle<std::io::Result<std::process::Output>> {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_fieldmap"))
            .args(args)
            .output()
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dispatch_and_check_commands() -> TestResult {
    limited(async {
        let rig = Rig::start(Setup::default()).await?;
        let config = rig.config_path.display().to_string();
        let args = |extra: &[&str]| {
            let mut all = vec!["dispatch".to_owned(), "--config".to_owned(), config.clone()];
            all.extend(extra.iter().map(|s| (*s).to_owned()));
            all
        };
        let out = fieldmap(args(&[MAPPING, &TICKET.to_string()])).await??;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.starts_with("enqueued: job "), "{stdout}");
        assert_eq!(rig.job_count().await?, 1);

        // --now runs it here (the rig's broker has no workers): one work order.
        let out = fieldmap(args(&[MAPPING, &TICKET.to_string(), "--now"])).await??;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("already queued"), "{stdout}");
        assert!(stdout.contains("Dispatched"), "{stdout}");
        assert_eq!(rig.fieldnation.work_order_count(), 1);
        let out = fieldmap(args(&["No such mapping", "1"])).await??;
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("no mapping named"));

        let check = vec![
            "serve".to_owned(),
            "--check".to_owned(),
            "--config".to_owned(),
            config.clone(),
        ];
        let out = fieldmap(check.clone()).await??;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        for item in [
            "secrets ok",
            "mappings ok",
            "store ok",
            "autotask ok",
            "fieldnation ok",
        ] {
            assert!(stdout.contains(item), "{item} missing from:\n{stdout}");
        }
        // A wrong API password fails the Autotask item alone.
        std::fs::write(rig.dir.join("autotask.secret"), "wrong-password\n")?;
        let out = fieldmap(check).await??;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{stdout}");
        assert!(stdout.contains("autotask FAILED"), "{stdout}");
        assert!(stdout.contains("fieldnation ok"), "{stdout}");
        assert!(!stdout.contains("wrong-password"), "{stdout}");
        rig.finish().await;
        Ok(())
    })
    .await
}

/// `fieldmap serve` as a process: it listens, SIGHUP re-reads its secrets, SIGTERM stops it
/// cleanly (exit 0).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn the_serve_process_reloads_on_sighup_and_stops_on_sigterm() -> TestResult {
    use std::io::BufRead;
    use std::process::Stdio;

    limited(async {
        let rig = Rig::start(Setup::default()).await?;
        // The same configuration, but secrets only re-read on SIGHUP (within this test), and a
        // store of its own: the rig's broker serves the other.
        let text = std::fs::read_to_string(&rig.config_path)?
            .replace("check_interval_secs = 0.05", "check_interval_secs = 3600")
            .replace("sqlite:broker.db", "sqlite:process.db");
        let config = rig.dir.join("process.toml");
        std::fs::write(&config, text)?;
        let mut child = Command::new(env!("CARGO_BIN_EXE_fieldmap"))
            .args(["serve", "--config"])
            .arg(&config)
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                let _ = lines_tx.send(line);
            }
        });
        let mut next_line = async || -> Result<String, BoxError> {
            let line = tokio::time::timeout(Duration::from_secs(30), lines.recv()).await?;
            Ok(line.ok_or("stderr closed")?)
        };
        let listening = next_line().await?;
        let base = listening
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .ok_or_else(|| format!("unexpected first line: {listening}"))?
            .to_owned();
        let hook = |token: &str| {
            let request = rig
                .http
                .post(format!("{base}/hooks/autotask/{token}"))
                .body(callback(TICKET));
            async move { Ok::<_, BoxError>(request.send().await?.status().as_u16()) }
        };
        assert_eq!(hook(HOOK_TOKEN).await?, 202);
        assert_eq!(hook("token-after-sighup").await?, 401);

        std::fs::write(rig.dir.join("hook.token"), "token-after-sighup\n")?;
        let pid = child.id().to_string();
        let kill = |signal: &str| Command::new("kill").args([signal, pid.as_str()]).status();
        assert!(kill("-HUP")?.success());
        let reloaded = next_line().await?;
        assert!(reloaded.contains("SIGHUP: secrets rotated"), "{reloaded}");
        assert_eq!(hook("token-after-sighup").await?, 202);

        assert!(kill("-TERM")?.success());
        let status = tokio::task::spawn_blocking(move || child.wait()).await??;
        assert!(status.success(), "{status:?}");
        assert!(next_line().await?.contains("stopping"));
        rig.finish().await;
        Ok(())
    })
    .await
}
