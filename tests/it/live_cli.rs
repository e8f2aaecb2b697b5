//! The live workflow as a user runs it: a simulator on loopback, `schema pull` from it, `check`
//! against that snapshot, `run --ticket-id` and `poll` through it, with the calls they made.

use std::process::{Command, Output};

use fieldmap::autotask::simulator::{
    DEMO_INTEGRATION_CODE, DEMO_PASSWORD, DEMO_USER, SimConfig, serve,
};

fn fieldmap(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fieldmap"))
        .args(args)
        .args(["--discovery-url", url])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("AUTOTASK_USER", DEMO_USER)
        .env("AUTOTASK_SECRET", DEMO_PASSWORD)
        .env("AUTOTASK_INTEGRATION_CODE", DEMO_INTEGRATION_CODE)
        .output()
        .expect("the binary runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn pull_check_run_and_poll_against_the_simulator() {
    let sim = serve(SimConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let url = sim.zone_url();
    let dir = std::env::temp_dir().join(format!("fieldmap-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let snapshot = dir.join("tenant.json");
    let snapshot_arg = snapshot.display().to_string();

    let url2 = url.clone();
    let outputs = tokio::task::spawn_blocking(move || {
        let pull = fieldmap(&url2, &["schema", "pull", "--out", &snapshot_arg]);
        let check = Command::new(env!("CARGO_BIN_EXE_fieldmap"))
            .args(["check", "--schema", &snapshot_arg, "mappings/"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        let run = fieldmap(
            &url2,
            &[
                "run",
                "mappings/dispatch-service-ticket.fmap",
                "--ticket-id",
                "9137",
            ],
        );
        let poll = fieldmap(&url2, &["poll", "mappings/dispatch-service-ticket.fmap"]);
        let wrong = Command::new(env!("CARGO_BIN_EXE_fieldmap"))
            .args([
                "run",
                "mappings/dispatch-service-ticket.fmap",
                "--ticket-id",
                "9137",
                "--discovery-url",
                &url2,
            ])
            .env("AUTOTASK_USER", DEMO_USER)
            .env("AUTOTASK_SECRET", "not-the-password")
            .env("AUTOTASK_INTEGRATION_CODE", DEMO_INTEGRATION_CODE)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        // The snapshot with one Priority label moved to another id, as after a change in
        // Autotask: the live commands say the server no longer matches it.
        let mut drifted: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&snapshot_arg).unwrap()).unwrap();
        let priorities = drifted["picklists"]["Ticket"]["Priority"]
            .as_array_mut()
            .expect("the pulled snapshot has Ticket priorities");
        priorities[0]["value"] = serde_json::json!(999);
        let drifted_path = format!("{snapshot_arg}.drifted.json");
        std::fs::write(&drifted_path, drifted.to_string()).unwrap();
        let drift = fieldmap(
            &url2,
            &[
                "poll",
                "mappings/dispatch-service-ticket.fmap",
                "--schema",
                &drifted_path,
            ],
        );
        (pull, check, run, poll, wrong, drift)
    })
    .await
    .unwrap();
    let (pull, check, run, poll, wrong, drift) = outputs;
    let text = |o: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };

    assert!(pull.status.success(), "{}", text(&pull));
    let tenant = std::fs::read_to_string(&snapshot).unwrap();
    assert!(fieldmap::schema::Schemas::with_tenant_json(&tenant).is_ok());

    assert!(check.status.success(), "{}", text(&check));
    assert!(
        text(&check).contains("checked 6 file(s): 0 error(s)"),
        "{}",
        text(&check)
    );

    assert!(run.status.success(), "{}", text(&run));
    let work_order: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(work_order["location"]["city"], "Minneapolis");
    assert_eq!(work_order["contacts"]["results"][0]["name"], "Zoë Schmidt");
    let calls = String::from_utf8_lossy(&run.stderr);
    // Four fetches (the ticket, its resource, contact and account, the account's primary
    // contact), and the source's field info to compare the snapshot with the server.
    assert!(
        calls.contains("Autotask API calls: 6 (and 1 zone discovery)"),
        "{calls}"
    );
    assert!(
        calls.contains(
            "warning: tenant snapshot: the bundled demo tenant (no --schema, no fieldmap.toml here)"
        ),
        "{calls}"
    );
    assert!(!calls.contains("does not match"), "{calls}");
    for entity in ["Ticket", "Account", "Contact", "Resource"] {
        assert!(calls.contains(&format!("query {entity}")), "{calls}");
    }

    assert!(poll.status.success(), "{}", text(&poll));
    assert!(
        text(&poll).contains("to dispatch: 9137, 9138"),
        "{}",
        text(&poll)
    );

    assert!(drift.status.success(), "{}", text(&drift));
    assert!(
        text(&drift).contains(".drifted.json (--schema)"),
        "{}",
        text(&drift)
    );
    assert!(
        text(&drift).contains("warning: the server's tenant does not match the snapshot")
            && text(&drift).contains("on the server, 999 in the snapshot"),
        "{}",
        text(&drift)
    );

    assert_eq!(wrong.status.code(), Some(2), "{}", text(&wrong));
    assert!(
        !text(&wrong).contains("not-the-password"),
        "the secret is never printed"
    );

    let _ = std::fs::remove_dir_all(&dir);
    sim.shutdown().await;
}

/// `schema pull`, `run --ticket-id` and `poll` against a server that echoes the secret every
/// way it can: the commands fail, and neither stdout nor stderr shows the secret in any form.
#[tokio::test(flavor = "multi_thread")]
async fn no_command_prints_a_secret_the_server_echoes() {
    use crate::echo_server::{EVERY_ECHO, EchoServer, SECRET, USER, assert_clean};
    let dir = std::env::temp_dir().join(format!("fieldmap-echo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("tenant.json").display().to_string();
    let outputs = tokio::task::spawn_blocking(move || {
        let mut outputs = Vec::new();
        for echo in EVERY_ECHO {
            let server = EchoServer::start(echo);
            for args in [
                &["schema", "pull", "--out", &out][..],
                &[
                    "run",
                    "mappings/dispatch-service-ticket.fmap",
                    "--ticket-id",
                    "9137",
                ],
                &["poll", "mappings/dispatch-service-ticket.fmap"],
            ] {
                let output = Command::new(env!("CARGO_BIN_EXE_fieldmap"))
                    .args(args)
                    .args(["--zone-url", &server.url, "--max-retries", "0"])
                    .current_dir(env!("CARGO_MANIFEST_DIR"))
                    .env("NO_COLOR", "1")
                    .env("AUTOTASK_USER", USER)
                    .env("AUTOTASK_SECRET", SECRET)
                    .env("AUTOTASK_INTEGRATION_CODE", DEMO_INTEGRATION_CODE)
                    .output()
                    .expect("the binary runs");
                outputs.push((format!("{echo:?} {}", args.join(" ")), output));
            }
        }
        outputs
    })
    .await
    .unwrap();
    for (what, output) in outputs {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!output.status.success(), "{what}: {text}");
        assert!(
            text.contains("Autotask") || text.contains("atws"),
            "{what}: {text}"
        );
        assert_clean(&what, &text);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
