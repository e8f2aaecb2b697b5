//! The Field Nation client against the Field Nation simulator, over loopback; the simulator's
//! answers checked against the REST API v2 spec's response schemas (derived into
//! `fixtures/fieldnation-responses.json` by tools/derive_fieldnation_responses.py); webhook
//! deliveries received by a local receiver, their signatures checked by an HMAC-SHA256 written
//! here from the RFC 2104 construction. Every server binds 127.0.0.1, every test has a time
//! limit, and every server stops when its test ends.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fieldmap::fieldnation::client::{
    ClientConfig, Credentials, FieldNationClient, FnError, Marker,
};
use fieldmap::fieldnation::simulator::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USERNAME, DEMO_WEBHOOK_ID,
    DeliveryConfig, Endpoint, Fault, SimConfig, SimHandle, WebhookConfig, send_transition, serve,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

const TEST_LIMIT: Duration = Duration::from_secs(60);
const RESPONSES: &str = include_str!("fixtures/fieldnation-responses.json");
const DEMO_ACCOUNT: &str = include_str!("../../stdlib/fieldnation/demo-account.json");
const WEBHOOK_SECRET: &str = "whsec-test-7f3a";
/// The marker custom field of the demo account.
const MARKER_FIELD: u64 = 145;

/// Runs a test body with a time limit, so a hung connection fails the test instead of the run.
async fn limited(body: impl Future<Output = TestResult>) -> TestResult {
    tokio::time::timeout(TEST_LIMIT, body)
        .await
        .map_err(|_| format!("the test did not finish within {TEST_LIMIT:?}"))?
}

async fn start(config: SimConfig) -> Result<SimHandle, BoxError> {
    Ok(serve(config, 0).await?)
}

/// Fast retries and a short timeout.
fn fast_config(sim: &SimHandle) -> ClientConfig {
    ClientConfig {
        base_url: sim.base_url(),
        request_timeout: Duration::from_secs(5),
        max_retries: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        ..ClientConfig::default()
    }
}

fn demo_client(sim: &SimHandle) -> Result<FieldNationClient, BoxError> {
    Ok(FieldNationClient::new(
        Credentials::client(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        fast_config(sim),
    )?)
}

/// A small valid create body.
fn small_body(title: &str) -> Vec<u8> {
    json!({
        "title": title,
        "types_of_work": [{"id": 62, "isPrimary": true}],
        "contacts": {"results": [{"role": "Location Contact", "name": "Zoë Schmidt"}]},
        "custom_fields": {"results": [{"results": [{"id": 129, "value": "T20250114.0042"}]}]},
    })
    .to_string()
    .into_bytes()
}

/// Requests the simulator logged for an endpoint.
fn count(sim: &SimHandle, endpoint: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.endpoint == endpoint)
        .count()
}

// ---------------------------------------------------------------------------------------------
// The spec's response schemas, checked by hand: type, enum, nullable, required properties,
// and no property the schema does not list.
// ---------------------------------------------------------------------------------------------

struct Spec {
    doc: Value,
}

impl Spec {
    fn load() -> Result<Spec, BoxError> {
        Ok(Spec {
            doc: serde_json::from_str(RESPONSES)?,
        })
    }

    fn schema(&self, operation: &str, which: &str) -> Result<&Value, BoxError> {
        let name = self.doc["operations"][operation][which]
            .as_str()
            .ok_or_else(|| format!("no {which} schema for {operation}"))?;
        Ok(&self.doc["schemas"][name])
    }

    /// Problems of `value` against the answer schema of `operation` (`ok` or `error`).
    fn check(&self, operation: &str, which: &str, value: &Value) -> Result<(), BoxError> {
        let mut problems = Vec::new();
        conforms(self.schema(operation, which)?, value, "$", &mut problems);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("{operation} {which} answer: {}", problems.join("; ")).into())
        }
    }
}

fn conforms(schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    if value.is_null() {
        if schema["nullable"] != json!(true) {
            problems.push(format!("{at}: null"));
        }
        return;
    }
    let kind = schema["type"].as_str().unwrap_or("any");
    let fits = match kind {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        _ => true,
    };
    if !fits {
        problems.push(format!("{at}: expected {kind}, found {value}"));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        problems.push(format!(
            "{at}: {value} not in {schema}",
            schema = schema["enum"]
        ));
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"].as_array().into_iter().flatten() {
            if let Some(name) = name.as_str()
                && !object.contains_key(name)
            {
                problems.push(format!("{at}: required `{name}` missing"));
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (key, child) in object {
                match properties.get(key) {
                    Some(child_schema) => {
                        conforms(child_schema, child, &format!("{at}.{key}"), problems)
                    }
                    None => problems.push(format!("{at}: `{key}` is not in the schema")),
                }
            }
        }
    }
    if let (Some(items), Some(item_schema)) = (value.as_array(), schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            conforms(item_schema, item, &format!("{at}[{i}]"), problems);
        }
    }
}

/// A raw request to the simulator: status and parsed body.
async fn raw(
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<(u16, Value), BoxError> {
    rustls::crypto::ring::default_provider()
        .install_default()
        .ok();
    let http = reqwest::Client::new();
    let mut request = http.request(method, url).timeout(Duration::from_secs(5));
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let bytes = response.bytes().await?;
    Ok((status, serde_json::from_slice(&bytes)?))
}

async fn raw_token(sim: &SimHandle) -> Result<String, BoxError> {
    let (status, body) = raw(
        reqwest::Method::POST,
        &sim.token_url(),
        Some(
            json!({"grant_type": "client_credentials", "client_id": DEMO_CLIENT_ID,
                    "client_secret": DEMO_CLIENT_SECRET}),
        ),
    )
    .await?;
    assert_eq!(status, 200, "{body}");
    Ok(body["access_token"].as_str().ok_or("no token")?.to_owned())
}

#[test]
fn the_schema_check_catches_what_it_should() -> TestResult {
    // The checker of this file must itself fail on wrong answers, or the tests below prove
    // nothing.
    let spec = Spec::load()?;
    assert!(spec.check("route", "ok", &json!({"id": 5})).is_ok());
    assert!(spec.check("route", "ok", &json!({})).is_err());
    assert!(spec.check("route", "ok", &json!({"id": "5"})).is_err());
    assert!(
        spec.check("route", "ok", &json!({"id": 5, "extra": 1}))
            .is_err()
    );
    assert!(
        spec.check("get", "ok", &json!({"title": "t", "status": {"id": 1}}))
            .is_err()
    );
    assert!(
        spec.check("create", "error", &json!({"status": 422, "message": "m"}))
            .is_ok()
    );
    assert!(
        spec.check("create", "error", &json!({"message": "m"}))
            .is_err()
    );
    Ok(())
}

#[tokio::test]
async fn every_answer_of_every_operation_fits_the_spec() -> TestResult {
    limited(async {
        let spec = Spec::load()?;
        let sim = start(SimConfig::default()).await?;
        let base = sim.base_url();
        // Token: success and refusal.
        let (status, body) = raw(reqwest::Method::POST, &sim.token_url(), Some(json!({
            "grant_type": "password", "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET,
            "username": DEMO_USERNAME, "password": DEMO_PASSWORD}))).await?;
        assert_eq!(status, 200);
        spec.check("token", "ok", &body)?;
        let (status, body) = raw(reqwest::Method::POST, &sim.token_url(), Some(json!({
            "grant_type": "client_credentials", "client_id": DEMO_CLIENT_ID, "client_secret": "nope"}))).await?;
        assert_eq!(status, 401);
        spec.check("token", "error", &body)?;
        let token = raw_token(&sim).await?;
        let api = |path: &str, query: &str| format!("{base}{path}?access_token={token}{query}");

        let create_body: Value = serde_json::from_slice(&small_body("Spec check"))?;
        let (status, created) =
            raw(reqwest::Method::POST, &api("/api/rest/v2/workorders", ""), Some(create_body)).await?;
        assert_eq!(status, 200, "{created}");
        spec.check("create", "ok", &created)?;
        let id = created["id"].as_u64().ok_or("no id")?;
        let one = format!("/api/rest/v2/workorders/{id}");

        let (status, body) = raw(reqwest::Method::GET, &api(&one, ""), None).await?;
        assert_eq!(status, 200);
        spec.check("get", "ok", &body)?;
        let (status, body) = raw(reqwest::Method::PUT, &api(&one, ""),
            Some(json!({"schedule": {"service_window": {"mode": "exact", "start": {"utc": "2025-01-15 14:00:00"}}},
                        "location": {"mode": "custom", "city": "Minneapolis"},
                        "pay": {"type": "fixed", "base": {"amount": 150, "units": 1}}}))).await?;
        assert_eq!(status, 200, "{body}");
        spec.check("update", "ok", &body)?;
        let (status, body) = raw(reqwest::Method::GET, &api("/api/rest/v2/workorders", "&per_page=5"), None).await?;
        assert_eq!(status, 200);
        spec.check("list", "ok", &body)?;
        let (status, body) = raw(reqwest::Method::POST, &api(&format!("{one}/publish"), ""), None).await?;
        assert_eq!(status, 200);
        spec.check("publish", "ok", &body)?;
        let (status, body) = raw(reqwest::Method::POST, &api(&format!("{one}/route"), ""),
            Some(json!({"technician": {"id": 33881}}))).await?;
        assert_eq!(status, 200);
        spec.check("route", "ok", &body)?;
        let (status, body) = raw(reqwest::Method::GET, &api("/api/rest/v2/types-of-work", ""), None).await?;
        assert_eq!(status, 200);
        spec.check("types_of_work", "ok", &body)?;
        let (status, body) = raw(reqwest::Method::GET, &api("/api/rest/v2/custom-fields", ""), None).await?;
        assert_eq!(status, 200);
        spec.check("custom_fields", "ok", &body)?;

        // Errors: an invalid body, an unknown work order, a step the lifecycle does not allow,
        // no token, a fault.
        let (status, mut body) = raw(reqwest::Method::POST, &api("/api/rest/v2/workorders", ""),
            Some(json!({"location": {"mode": "site"}}))).await?;
        assert_eq!(status, 422);
        // The one addition to the spec's error body (docs/fieldnation.md): `errors`, a list of
        // {field, message}.
        let errors = body.as_object_mut().and_then(|b| b.remove("errors")).ok_or("no errors list")?;
        spec.check("create", "error", &body)?;
        let errors = errors.as_array().ok_or("errors is not a list")?;
        assert_eq!(errors.len(), 2, "{errors:?}");
        for error in errors {
            let entry = error.as_object().ok_or("not an object")?;
            assert!(entry.len() == 2 && error["field"].is_string() && error["message"].is_string(), "{error}");
        }
        let (status, body) = raw(reqwest::Method::GET, &api("/api/rest/v2/workorders/99", ""), None).await?;
        assert_eq!(status, 404);
        spec.check("get", "error", &body)?;
        let (status, body) = raw(reqwest::Method::POST, &api(&format!("{one}/publish"), ""), None).await?;
        assert_eq!(status, 409);
        spec.check("publish", "error", &body)?;
        let (status, body) = raw(reqwest::Method::GET, &format!("{base}{one}"), None).await?;
        assert_eq!(status, 401);
        spec.check("get", "error", &body)?;
        sim.inject(Endpoint::Update, Fault::Status(503));
        let (status, body) = raw(reqwest::Method::PUT, &api(&one, ""), Some(json!({"title": "x"}))).await?;
        assert_eq!(status, 503);
        spec.check("update", "error", &body)?;
        sim.inject(Endpoint::Route, Fault::RateLimited { retry_after: Some(3) });
        let (status, body) = raw(reqwest::Method::POST, &api(&format!("{one}/route"), ""),
            Some(json!({"technician": {"id": 1}}))).await?;
        assert_eq!(status, 429);
        spec.check("route", "error", &body)?;
        let (status, body) = raw(
            reqwest::Method::GET,
            &api("/api/rest/v2/workorders", "&f_created=yesterday"),
            None,
        )
        .await?;
        assert_eq!(status, 400);
        spec.check("list", "error", &body)?;
        let (status, body) = raw(
            reqwest::Method::GET,
            &format!("{base}/api/rest/v2/types-of-work"),
            None,
        )
        .await?;
        assert_eq!(status, 401);
        spec.check("types_of_work", "error", &body)?;
        sim.inject(Endpoint::CustomFields, Fault::Status(500));
        let (status, body) = raw(
            reqwest::Method::GET,
            &api("/api/rest/v2/custom-fields", ""),
            None,
        )
        .await?;
        assert_eq!(status, 500);
        spec.check("custom_fields", "error", &body)?;

        // Through every lifecycle step the answer keeps its shape.
        for event in ["assigned", "confirmed", "on_my_way", "checked_in", "checked_out", "work_done", "approved", "paid"] {
            let answer = send_transition(&base, id, event).await?;
            spec.check("get", "ok", &answer)?;
        }
        sim.shutdown().await;
        Ok(())
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The client, operation by operation and error class by error class.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_get_update_publish_route_and_list() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        assert!(sim.addr().ip().is_loopback());
        let client = demo_client(&sim)?;
        let created = client
            .create_work_order(&small_body("Replace POS terminal"))
            .await?;
        assert_eq!(created.title(), Some("Replace POS terminal"));
        assert_eq!(created.status_id(), Some(1));
        let read = client.get_work_order(created.id).await?;
        assert_eq!(read.json, created.json);
        let updated = client
            .update_work_order(created.id, br#"{"title": "Replace POS terminal 3"}"#)
            .await?;
        assert_eq!(updated.title(), Some("Replace POS terminal 3"));
        // Partial: what the update left out is kept.
        assert_eq!(updated.json["types_of_work"][0]["id"], json!(62));
        let published = client.publish_work_order(created.id).await?;
        assert_eq!(published.json["status"]["name"], json!("Published"));
        let route_id = client.route_work_order(created.id, 33881).await?;
        assert!(route_id > 0);
        let routed = client.get_work_order(created.id).await?;
        assert_eq!(routed.json["status"]["display"], json!("Routed"));
        assert_eq!(routed.json["status"]["is_routed"], json!(true));
        let listed = client
            .list_work_orders(&[("f_search", "pos terminal 3".into())])
            .await?;
        assert_eq!(listed["results"].as_array().map(Vec::len), Some(1));
        assert_eq!(listed["results"][0]["id"], json!(created.id));
        let none = client
            .list_work_orders(&[("f_search", "nothing like it".into())])
            .await?;
        assert_eq!(none["results"], json!([]));
        let names: Vec<String> = sim.events().into_iter().map(|(name, _)| name).collect();
        assert_eq!(
            names,
            [
                "workorder.created",
                "workorder.status.published",
                "workorder.status.routed"
            ]
        );
        // One token for all of it.
        assert_eq!(count(&sim, "token"), 1);
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn types_of_work_and_custom_fields_are_the_accounts() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = demo_client(&sim)?;
        let account: Value = serde_json::from_str(DEMO_ACCOUNT)?;
        let types = client.types_of_work().await?;
        let expected: Vec<(u64, String)> = account["types_of_work"]
            .as_array()
            .ok_or("types")?
            .iter()
            .map(|t| {
                (
                    t["id"].as_u64().unwrap_or(0),
                    t["name"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let got: Vec<(u64, String)> = types.iter().map(|t| (t.id, t.name.clone())).collect();
        assert_eq!(got, expected);
        let fields = client.custom_fields().await?;
        let expected: Vec<(u64, String, Vec<String>)> = account["custom_fields"]
            .as_array()
            .ok_or("fields")?
            .iter()
            .map(|f| {
                let flags = f["flags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|flag| flag.as_str().map(str::to_owned))
                    .collect();
                (
                    f["id"].as_u64().unwrap_or(0),
                    f["name"].as_str().unwrap_or("").to_owned(),
                    flags,
                )
            })
            .collect();
        let got: Vec<(u64, String, Vec<String>)> = fields
            .iter()
            .map(|f| (f.id, f.name.clone(), f.flags.clone()))
            .collect();
        assert_eq!(got, expected);
        // The account as a snapshot records it, and a snapshot that carries it.
        let pulled = client.pull_account("Demo").await?;
        assert_eq!(
            (pulled.types_of_work, pulled.custom_fields),
            (types, fields)
        );
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn both_grants_work_and_refused_credentials_are_not_retried() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let password = FieldNationClient::new(
            Credentials::password(
                DEMO_CLIENT_ID,
                DEMO_CLIENT_SECRET,
                DEMO_USERNAME,
                DEMO_PASSWORD,
            ),
            fast_config(&sim),
        )?;
        password
            .get_work_order(
                password
                    .create_work_order(&small_body("password grant"))
                    .await?
                    .id,
            )
            .await?;
        for credentials in [
            Credentials::client(DEMO_CLIENT_ID, "wrong-client-secret"),
            Credentials::password(
                DEMO_CLIENT_ID,
                DEMO_CLIENT_SECRET,
                DEMO_USERNAME,
                "wrong-password",
            ),
        ] {
            let before = count(&sim, "token");
            let client = FieldNationClient::new(credentials, fast_config(&sim))?;
            let error = client
                .create_work_order(&small_body("never"))
                .await
                .err()
                .ok_or("refused credentials created a work order")?;
            assert!(
                matches!(error, FnError::Authentication { status: 401, .. }),
                "{error}"
            );
            assert!(!error.is_retryable());
            assert_eq!(
                count(&sim, "token"),
                before + 1,
                "one token request, no retry"
            );
            let text = format!("{error} {error:?} {client:?}");
            assert!(
                !text.contains("wrong-client-secret") && !text.contains("wrong-password"),
                "{text}"
            );
        }
        assert_eq!(count(&sim, "create"), 1);
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn the_token_is_kept_and_replaced_before_it_expires() -> TestResult {
    limited(async {
        let sim = start(SimConfig {
            token_lifetime: Duration::from_secs(6),
            ..SimConfig::default()
        })
        .await?;
        let client = demo_client(&sim)?;
        let id = client.create_work_order(&small_body("token")).await?.id;
        client.get_work_order(id).await?;
        client.get_work_order(id).await?;
        assert_eq!(count(&sim, "token"), 1);
        // Half the lifetime (the margin for short-lived tokens) has passed: replaced before
        // use, so the API never sees an expired token.
        tokio::time::sleep(Duration::from_millis(3200)).await;
        client.get_work_order(id).await?;
        assert_eq!(count(&sim, "token"), 2);
        assert!(sim.requests().iter().all(|r| r.status != Some(401)));
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_refused_token_is_replaced_once_and_the_call_retried() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = demo_client(&sim)?;
        let id = client.create_work_order(&small_body("revoked")).await?.id;
        sim.revoke_tokens();
        let read = client.get_work_order(id).await?;
        assert_eq!(read.id, id);
        let statuses: Vec<(&str, Option<u16>)> = sim
            .requests()
            .iter()
            .map(|r| (r.endpoint, r.status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("token", Some(200)),
                ("create", Some(200)),
                ("get", Some(401)),
                ("token", Some(200)),
                ("get", Some(200))
            ]
        );
        // A 401 that persists is reported after one refresh, not retried further.
        sim.inject_times(Endpoint::Get, Fault::Status(401), 3);
        let error = client
            .get_work_order(id)
            .await
            .err()
            .ok_or("401 accepted")?;
        assert!(
            matches!(error, FnError::Authentication { status: 401, .. }),
            "{error}"
        );
        assert_eq!(
            count(&sim, "get"),
            4,
            "two more gets: the refused one and one after the refresh"
        );
        assert_eq!(count(&sim, "token"), 3);
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn an_invalid_body_is_refused_with_the_paths_and_not_retried() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = demo_client(&sim)?;
        let body = json!({
            "location": {"mode": "site"},
            "types_of_work": [{"id": 9999}],
            "contacts": {"results": [{"role": "Site Contact", "name": "Zoë"}]},
            "custom_fields": {"results": [{"results": [{"id": 4242, "value": "x"}]}]},
            "schedule": {"service_window": {"mode": "exact", "start": {"utc": "2025-01-15T14:00:00Z"}}},
        });
        let error = client
            .create_work_order(body.to_string().as_bytes())
            .await
            .err()
            .ok_or("invalid body accepted")?;
        assert!(matches!(error, FnError::Validation { status: 422, .. }), "{error}");
        let paths: Vec<&str> = error.problems().iter().filter_map(|p| p.path.as_deref()).collect();
        for expected in [
            "title",
            "location.mode",
            "types_of_work[0].id",
            "contacts.results[0].role",
            "custom_fields.results[0].results[0].id",
            "schedule.service_window.start.utc",
        ] {
            assert!(paths.contains(&expected), "{expected} not in {paths:?}");
        }
        let role = error
            .problems()
            .iter()
            .find(|p| p.path.as_deref() == Some("contacts.results[0].role"))
            .ok_or("no role problem")?;
        assert!(role.message.contains("Location Contact"), "{}", role.message);
        assert!(error.to_string().contains("location.mode"), "{error}");
        assert_eq!(count(&sim, "create"), 1, "validation errors are not retried");
        assert_eq!(sim.work_order_count(), 0);
        // Not JSON at all: 400, also a validation error.
        let error = client.create_work_order(b"{not json").await.err().ok_or("accepted")?;
        assert!(matches!(error, FnError::Validation { status: 400, .. }), "{error}");
        // An update is checked too, but may leave out what a create needs.
        let id = client.create_work_order(&small_body("ok")).await?.id;
        let error = client
            .update_work_order(id, br#"{"pay": {"type": "barter"}}"#)
            .await
            .err()
            .ok_or("bad pay type accepted")?;
        assert_eq!(error.problems()[0].path.as_deref(), Some("pay.type"));
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn rate_limits_are_retried_after_the_time_the_server_asks() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = demo_client(&sim)?;
        let id = client.create_work_order(&small_body("rate")).await?.id;
        sim.inject(Endpoint::Get, Fault::RateLimited { retry_after: Some(1) });
        let started = Instant::now();
        client.get_work_order(id).await?;
        assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());
        assert_eq!(count(&sim, "get"), 2);
        // Longer than the client waits: handed back at once, with the server's wish.
        let patient = FieldNationClient::new(
            Credentials::client(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
            ClientConfig {
                max_retry_after: Duration::from_secs(5),
                ..fast_config(&sim)
            },
        )?;
        sim.inject(Endpoint::Get, Fault::RateLimited { retry_after: Some(600) });
        let started = Instant::now();
        let error = patient.get_work_order(id).await.err().ok_or("not limited")?;
        assert!(
            matches!(error, FnError::RateLimited { retry_after: Some(after), .. } if after == Duration::from_secs(600)),
            "{error}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
        // Without Retry-After: backoff, up to the retries allowed.
        sim.inject_times(Endpoint::Get, Fault::RateLimited { retry_after: None }, 4);
        let error = client.get_work_order(id).await.err().ok_or("not limited")?;
        assert!(matches!(error, FnError::RateLimited { retry_after: None, .. }), "{error}");
        assert_eq!(count(&sim, "get"), 2 + 1 + 4);
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff_then_reported() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = demo_client(&sim)?;
        let id = client.create_work_order(&small_body("5xx")).await?.id;
        sim.inject_times(Endpoint::Get, Fault::Status(500), 2);
        client.get_work_order(id).await?;
        assert_eq!(count(&sim, "get"), 3);
        sim.inject_times(Endpoint::Get, Fault::Status(502), 4);
        let error = client.get_work_order(id).await.err().ok_or("no error")?;
        assert!(
            matches!(error, FnError::Server { status: 502, .. }),
            "{error}"
        );
        assert!(error.is_retryable());
        assert_eq!(count(&sim, "get"), 3 + 4, "first try and three retries");
        let log = client.call_log().calls();
        let last = log.last().ok_or("empty log")?;
        assert_eq!(
            (last.operation, last.attempt, last.status),
            ("get", 4, Some(502))
        );
        // A 503 that says when to come back is waited out.
        sim.inject(
            Endpoint::Get,
            Fault::Unavailable {
                retry_after: Some(1),
            },
        );
        let started = Instant::now();
        client.get_work_order(id).await?;
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        // A token endpoint that fails is retried the same way.
        sim.revoke_tokens();
        sim.inject(Endpoint::Token, Fault::Status(503));
        client.get_work_order(id).await?;
        // Random failures at a configured rate: all of them here.
        let flaky = start(SimConfig {
            faults: fieldmap::fieldnation::simulator::FaultConfig {
                error_rates: HashMap::from([(Endpoint::TypesOfWork, 1.0)]),
                ..Default::default()
            },
            ..SimConfig::default()
        })
        .await?;
        let error = demo_client(&flaky)?
            .types_of_work()
            .await
            .err()
            .ok_or("no error")?;
        assert!(
            matches!(error, FnError::Server { status: 500, .. }),
            "{error}"
        );
        assert_eq!(count(&flaky, "types_of_work"), 4);
        flaky.shutdown().await;
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn time_outs_are_retried_but_a_create_is_not_resent_blindly() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = FieldNationClient::new(
            Credentials::client(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
            ClientConfig {
                request_timeout: Duration::from_secs(1),
                ..fast_config(&sim)
            },
        )?;
        let id = client.create_work_order(&small_body("slow")).await?.id;
        sim.inject(Endpoint::Get, Fault::Timeout);
        client.get_work_order(id).await?;
        assert_eq!(
            count(&sim, "get"),
            1,
            "the held request is never answered, so not logged"
        );
        sim.inject(Endpoint::Create, Fault::Timeout);
        let error = client
            .create_work_order(&small_body("slow 2"))
            .await
            .err()
            .ok_or("no error")?;
        assert!(matches!(error, FnError::Timeout { .. }), "{error}");
        assert!(error.create_outcome_unknown());
        let creates = client
            .call_log()
            .calls()
            .iter()
            .filter(|c| c.operation == "create")
            .count();
        assert_eq!(creates, 2, "the timed-out create was sent once");
        // Latency within the timeout is just slow.
        sim.inject(Endpoint::Get, Fault::Latency(Duration::from_millis(100)));
        client.get_work_order(id).await?;
        // A 503 on create means nothing was saved: resent.
        sim.inject(Endpoint::Create, Fault::Status(503));
        client.create_work_order(&small_body("resent")).await?;
        assert_eq!(sim.work_order_count(), 2);
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_found_by_its_marker() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = demo_client(&sim)?;
        let marker = Marker::for_record(MARKER_FIELD, "Ticket", 9137);
        // Some other work orders, one with a marker for another ticket.
        client.create_work_order(&small_body("other")).await?;
        client
            .create_work_order_once(
                &small_body("ticket 9138"),
                &Marker::for_record(MARKER_FIELD, "Ticket", 9138),
            )
            .await?;
        // Saved, then the connection drops: the client must not create a second one.
        sim.inject(Endpoint::Create, Fault::CommitThenDrop);
        let plain = client
            .create_work_order(&small_body("lost"))
            .await
            .err()
            .ok_or("no error")?;
        assert!(plain.create_outcome_unknown(), "{plain}");
        assert_eq!(sim.work_order_count(), 3, "the dropped create was saved");
        sim.inject(Endpoint::Create, Fault::CommitThenDrop);
        let outcome = client
            .create_work_order_once(&small_body("ticket 9137"), &marker)
            .await?;
        assert!(outcome.found_by_marker);
        assert_eq!(sim.work_order_count(), 4, "found, not created again");
        assert!(marker.is_on(&outcome.work_order.json));
        let stored = sim.work_order(outcome.work_order.id).ok_or("not stored")?;
        assert_eq!(stored["title"], json!("ticket 9137"));
        // A 500 on create saved nothing: the lookup finds nothing and the create is resent.
        let marker = Marker::for_record(MARKER_FIELD, "Ticket", 9140);
        sim.inject(Endpoint::Create, Fault::Status(500));
        let outcome = client
            .create_work_order_once(&small_body("ticket 9140"), &marker)
            .await?;
        assert!(!outcome.found_by_marker);
        assert_eq!(sim.work_order_count(), 5);
        // The marker is in the body that was sent, exactly once.
        let fields = &outcome.work_order.json["custom_fields"]["results"][0]["results"];
        let markers = fields
            .as_array()
            .ok_or("no fields")?
            .iter()
            .filter(|f| f["id"] == json!(MARKER_FIELD))
            .count();
        assert_eq!(markers, 1);
        assert!(
            client
                .find_by_marker(
                    &Marker::for_record(MARKER_FIELD, "Ticket", 1),
                    jiff::civil::date(2020, 1, 1)
                )
                .await?
                .is_none()
        );
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn answers_larger_than_the_cap_are_not_read() -> TestResult {
    limited(async {
        let sim = start(SimConfig::default()).await?;
        let client = FieldNationClient::new(
            Credentials::client(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
            ClientConfig {
                max_response_bytes: 20_000,
                ..fast_config(&sim)
            },
        )?;
        let id = client.create_work_order(&small_body("big")).await?.id;
        sim.inject(Endpoint::Get, Fault::Oversized(100_000));
        let error = client.get_work_order(id).await.err().ok_or("no error")?;
        assert!(
            matches!(error, FnError::ResponseTooLarge { limit: 20_000, .. }),
            "{error}"
        );
        sim.shutdown().await;
        Ok(())
    })
    .await
}

/// A server that plays a broken Field Nation: it echoes what it was sent (the token request's
/// body, the API request line with its `access_token`) in its error messages.
async fn echoing_server()
-> Result<(String, Arc<Mutex<Vec<String>>>, tokio::task::JoinHandle<()>), BoxError> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen_by_server = Arc::clone(&seen);
    let task = tokio::spawn(async move {
        // Serves a bounded number of connections, then stops.
        for _ in 0..16 {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut buffer = vec![0u8; 16 * 1024];
            let Ok(n) = socket.read(&mut buffer).await else {
                continue;
            };
            let request = String::from_utf8_lossy(&buffer[..n]).into_owned();
            let line = request.lines().next().unwrap_or("").to_owned();
            let body = request.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
            if let Ok(mut seen) = seen_by_server.lock() {
                seen.push(request.clone());
            }
            let (status, text) = if line.contains("/oauth/token") && body.contains("good-secret") {
                (
                    "200 OK",
                    json!({"access_token": "tok-ECHOED-4711", "expires_in": 3600}).to_string(),
                )
            } else if line.contains("/oauth/token") {
                (
                    "400 Bad Request",
                    json!({"status_code": 400, "message": format!("bad grant: {body}")})
                        .to_string(),
                )
            } else {
                (
                    "422 Unprocessable Entity",
                    json!({"status": 422, "message": format!("cannot handle {line}"),
                    "errors": [{"field": format!("title {line}"), "message": line}]})
                    .to_string(),
                )
            };
            let answer = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    Ok((base, seen, task))
}

#[tokio::test]
async fn secrets_are_redacted_on_every_path() -> TestResult {
    limited(async {
        let (base, seen, server) = echoing_server().await?;
        let config = ClientConfig {
            base_url: base.clone(),
            max_retries: 0,
            ..ClientConfig::default()
        };
        // The token endpoint echoes the client secret and the password back.
        let refused = FieldNationClient::new(
            Credentials::password("id-1", "bad-client-secret-1", "user", "hunter2-password"),
            config.clone(),
        )?;
        let error = refused.get_work_order(1).await.err().ok_or("no error")?;
        assert!(
            matches!(error, FnError::Authentication { status: 400, .. }),
            "{error}"
        );
        let sent = seen.lock().map(|s| s.join("\n")).unwrap_or_default();
        assert!(
            sent.contains("bad-client-secret-1"),
            "the server did see the secret"
        );
        // The API echoes the request line, which carries the access token.
        let client = FieldNationClient::new(Credentials::client("id-2", "good-secret"), config)?;
        let echoed = client.get_work_order(7).await.err().ok_or("no error")?;
        assert!(matches!(echoed, FnError::Validation { .. }), "{echoed}");
        let sent = seen.lock().map(|s| s.join("\n")).unwrap_or_default();
        assert!(
            sent.contains("tok-ECHOED-4711"),
            "the token went out in the query"
        );
        // Nothing the client shows holds a secret.
        let calls: Vec<String> = client
            .call_log()
            .calls()
            .iter()
            .map(ToString::to_string)
            .collect();
        let shown = format!(
            "{error} | {error:?} | {echoed} | {echoed:?} | {refused:?} | {client:?} | {}",
            calls.join(" ")
        );
        for secret in [
            "bad-client-secret-1",
            "hunter2-password",
            "good-secret",
            "tok-ECHOED-4711",
        ] {
            assert!(!shown.contains(secret), "{secret} leaked: {shown}");
        }
        assert!(shown.contains("[redacted]"), "{shown}");
        // A transport error (nothing listens any more) quotes no URL with the token.
        server.abort();
        let _ = server.await;
        let gone = client.get_work_order(8).await.err().ok_or("no error")?;
        assert!(matches!(gone, FnError::Network { .. }), "{gone}");
        assert!(!format!("{gone} {gone:?}").contains("tok-ECHOED-4711"));
        Ok(())
    })
    .await
}

#[tokio::test]
async fn the_request_log_is_bounded() -> TestResult {
    limited(async {
        let sim = start(SimConfig {
            request_log_length: 5,
            ..SimConfig::default()
        })
        .await?;
        let client = demo_client(&sim)?;
        let id = client.create_work_order(&small_body("log")).await?.id;
        for _ in 0..10 {
            client.get_work_order(id).await?;
        }
        assert_eq!(sim.request_count(), 12);
        let kept = sim.requests();
        assert_eq!(kept.len(), 5);
        assert!(
            kept.iter()
                .all(|r| r.endpoint == "get" && !r.path.contains("access_token"))
        );
        sim.shutdown().await;
        Ok(())
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Webhooks: a local receiver, an HMAC written here, Field Nation's schedule scaled.
// ---------------------------------------------------------------------------------------------

/// HMAC-SHA256 (RFC 2104): H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)), with K padded (or hashed) to
/// the 64-byte block.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

#[test]
fn the_test_hmac_matches_rfc_4231() {
    // RFC 4231, test cases 1 and 6 (a key longer than the block).
    let hex = |bytes: [u8; 32]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(
        hex(hmac_sha256(&[0x0b; 20], b"Hi There")),
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    );
    assert_eq!(
        hex(hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First"
        )),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
}

/// One delivery attempt as the receiver saw it.
#[derive(Debug, Clone)]
struct Received {
    at: Instant,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn event(&self) -> String {
        self.json()["event"]["name"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// (uuid, attempt) of `X-FN-Delivery-Id`.
    fn delivery(&self) -> (String, u32) {
        let id = self.header("x-fn-delivery-id");
        match id.rsplit_once(':') {
            Some((uuid, attempt)) => (uuid.to_owned(), attempt.parse().unwrap_or(0)),
            None => (id.to_owned(), 0),
        }
    }
}

/// How the receiver answers: the status for the nth attempt it sees (from 1), and a delay.
type Behaviour = Arc<dyn Fn(usize) -> (u16, Duration) + Send + Sync>;

struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<Received>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Receiver {
    async fn start(behaviour: Behaviour) -> Result<Receiver, BoxError> {
        use axum::extract::Request;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hooks/fieldnation", listener.local_addr()?);
        let seen: Arc<Mutex<Vec<Received>>> = Arc::new(Mutex::new(Vec::new()));
        let seen_by_handler = Arc::clone(&seen);
        let handler = move |request: Request| {
            let seen = Arc::clone(&seen_by_handler);
            let behaviour = Arc::clone(&behaviour);
            async move {
                let (parts, body) = request.into_parts();
                let body = axum::body::to_bytes(body, 4 * 1024 * 1024)
                    .await
                    .unwrap_or_default();
                let headers = parts
                    .headers
                    .iter()
                    .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                    .collect();
                let n = {
                    let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
                    seen.push(Received {
                        at: Instant::now(),
                        headers,
                        body: body.to_vec(),
                    });
                    seen.len()
                };
                let (status, delay) = behaviour(n);
                tokio::time::sleep(delay).await;
                axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::OK)
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
            stop: Some(stop),
        })
    }

    fn received(&self) -> Vec<Received> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Waits until `n` attempts arrived (or the time is up).
    async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.received();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The simulator's delivery log once it holds `n` attempts (or after 10 seconds).
async fn wait_for_deliveries(
    sim: &SimHandle,
    n: usize,
) -> Vec<fieldmap::fieldnation::simulator::DeliveryRecord> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let records = sim.deliveries();
        if records.len() >= n || Instant::now() > deadline {
            return records;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn webhook_config(url: &str, time_scale: f64) -> SimConfig {
    SimConfig {
        webhook: Some(WebhookConfig::new(url, WEBHOOK_SECRET)),
        delivery: DeliveryConfig {
            time_scale,
            timeout: Duration::from_millis(500),
            ..DeliveryConfig::default()
        },
        ..SimConfig::default()
    }
}

/// Field Nation's wait before attempt n, computed here: 10 s, doubling.
fn expected_gap(attempt: u32, scale: f64) -> Duration {
    Duration::from_secs_f64(10.0 * f64::from(1u32 << (attempt - 2)) * scale)
}

#[tokio::test]
async fn deliveries_are_signed_carry_five_headers_and_retry_on_the_scaled_schedule() -> TestResult {
    limited(async {
        let spec = Spec::load()?;
        let receiver = Receiver::start(Arc::new(|n| {
            (if n <= 3 { 503 } else { 200 }, Duration::ZERO)
        }))
        .await?;
        let scale = 0.01; // 10 s → 100 ms, 20 s → 200 ms, 40 s → 400 ms
        let sim = start(webhook_config(&receiver.url, scale)).await?;
        let client = demo_client(&sim)?;
        let created = client.create_work_order(&small_body("hooked")).await?;
        let got = receiver.wait_for(4, Duration::from_secs(10)).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let got_after = receiver.received();
        assert_eq!(
            got_after.len(),
            4,
            "3 failures and a success, then nothing: {got:?}"
        );
        let (uuid, _) = got[0].delivery();
        for (i, attempt) in got.iter().enumerate() {
            // Signature: sha256= and the hex HMAC of the raw body.
            let expected: String = hmac_sha256(WEBHOOK_SECRET.as_bytes(), &attempt.body)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(
                attempt.header("x-fn-signature"),
                format!("sha256={expected}")
            );
            assert!(fieldmap::fieldnation::signature::verify(
                WEBHOOK_SECRET.as_bytes(),
                &attempt.body,
                attempt.header("x-fn-signature")
            ));
            assert_eq!(attempt.header("x-fn-webhook-id"), DEMO_WEBHOOK_ID);
            assert_eq!(attempt.delivery(), (uuid.clone(), i as u32 + 1));
            assert_eq!(uuid.len(), 36);
            assert_eq!(
                attempt.header("x-fn-event-trace-id"),
                got[0].header("x-fn-event-trace-id")
            );
            assert!(!attempt.header("x-fn-event-trace-id").is_empty());
            let sent_ms: i64 = attempt.header("x-fn-request-timestamp").parse()?;
            let now_ms = jiff::Timestamp::now().as_millisecond();
            assert!((now_ms - sent_ms).abs() < 60_000, "{sent_ms} vs {now_ms}");
            assert_eq!(attempt.header("content-type"), "application/json");
            assert_eq!(
                attempt.body, got[0].body,
                "every attempt sends the same bytes"
            );
        }
        // The schedule: 10 s · 2^(n-2), scaled.
        for n in 2..=4u32 {
            let gap = got[n as usize - 1].at - got[n as usize - 2].at;
            let expected = expected_gap(n, scale);
            assert!(
                gap >= expected.mul_f64(0.9),
                "attempt {n}: {gap:?} < {expected:?}"
            );
            assert!(
                gap < expected + Duration::from_secs(1),
                "attempt {n}: {gap:?} ≫ {expected:?}"
            );
        }
        // The body: the event, its time with an offset, who did it, the work order.
        let body = got[0].json();
        assert_eq!(body["event"]["name"], json!("workorder.created"));
        assert_eq!(body["event"]["params"]["work_order_id"], json!(created.id));
        let stamp = body["timestamp"].as_str().ok_or("no timestamp")?;
        assert!(stamp.parse::<jiff::Timestamp>().is_ok(), "{stamp}");
        assert!(body["triggered_by_user"]["id"].is_number());
        spec.check("get", "ok", &body["workorder"])?;
        assert_eq!(body["workorder"]["id"], json!(created.id));
        let deliveries = wait_for_deliveries(&sim, 4).await;
        assert_eq!(
            deliveries.iter().map(|d| d.status).collect::<Vec<_>>(),
            [Some(503), Some(503), Some(503), Some(200)]
        );
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_4xx_ends_a_delivery_and_failures_stop_after_eight_attempts() -> TestResult {
    limited(async {
        let scale = 0.0005; // the whole 21-minute schedule in about 0.64 s
        let gone = Receiver::start(Arc::new(|_| (410, Duration::ZERO))).await?;
        let sim = start(webhook_config(&gone.url, scale)).await?;
        demo_client(&sim)?
            .create_work_order(&small_body("gone"))
            .await?;
        gone.wait_for(1, Duration::from_secs(30)).await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(gone.received().len(), 1, "4xx: no retry");
        sim.shutdown().await;

        let broken = Receiver::start(Arc::new(|_| (500, Duration::ZERO))).await?;
        let sim = start(webhook_config(&broken.url, scale)).await?;
        demo_client(&sim)?
            .create_work_order(&small_body("broken"))
            .await?;
        let got = broken.wait_for(8, Duration::from_secs(10)).await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(broken.received().len(), 8, "{got:?}");
        let attempts: Vec<u32> = got.iter().map(|r| r.delivery().1).collect();
        assert_eq!(attempts, (1..=8).collect::<Vec<_>>());
        let span = got[7].at - got[0].at;
        let schedule: Duration = (2..=8).map(|n| expected_gap(n, scale)).sum();
        assert!(span >= schedule.mul_f64(0.9), "{span:?} < {schedule:?}");
        sim.shutdown().await;

        // A receiver slower than the delivery timeout, then quick: retried after the time-out.
        let slow = Receiver::start(Arc::new(|n| {
            (
                200,
                if n == 1 {
                    Duration::from_secs(2)
                } else {
                    Duration::ZERO
                },
            )
        }))
        .await?;
        let sim = start(webhook_config(&slow.url, scale)).await?;
        demo_client(&sim)?
            .create_work_order(&small_body("slow"))
            .await?;
        let got = slow.wait_for(2, Duration::from_secs(10)).await;
        assert_eq!(got.len(), 2);
        // The simulator records an attempt when its answer is in, a moment after the receiver
        // saw it.
        let records = wait_for_deliveries(&sim, 2).await;
        assert_eq!(records[0].error.as_deref(), Some("timeout"));
        assert_eq!(records[1].status, Some(200));
        sim.shutdown().await;

        // Nobody listening: connection errors, retried to the end.
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hooks", closed.local_addr()?);
        drop(closed);
        let sim = start(webhook_config(&url, scale)).await?;
        demo_client(&sim)?
            .create_work_order(&small_body("nobody"))
            .await?;
        let records = wait_for_deliveries(&sim, 8).await;
        assert_eq!(records.len(), 8);
        assert!(
            records
                .iter()
                .all(|r| r.status.is_none() && r.error.is_some())
        );
        sim.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn the_lifecycle_sends_its_events_in_order_with_duplicates_and_overtaking_on_demand()
-> TestResult {
    limited(async {
        let receiver = Receiver::start(Arc::new(|_| (200, Duration::ZERO))).await?;
        let sim = start(webhook_config(&receiver.url, 0.001)).await?;
        let client = demo_client(&sim)?;
        let id = client.create_work_order(&small_body("lifecycle")).await?.id;
        client.publish_work_order(id).await?;
        let steps = [
            "assigned",
            "confirmed",
            "on_my_way",
            "checked_in",
            "checked_out",
            "work_done",
            "approved",
            "paid",
        ];
        for step in steps {
            let answer = send_transition(&sim.base_url(), id, step).await?;
            assert_eq!(answer["status"]["code"], json!(step));
        }
        let refused = send_transition(&sim.base_url(), id, "cancelled")
            .await
            .err()
            .ok_or("paid work cancelled")?;
        assert!(refused.contains("409"), "{refused}");
        let got = receiver.wait_for(10, Duration::from_secs(30)).await;
        let mut expected = vec![
            "workorder.created".to_owned(),
            "workorder.status.published".to_owned(),
        ];
        expected.extend(steps.iter().map(|s| format!("workorder.status.{s}")));
        assert_eq!(
            got.iter().map(Received::event).collect::<Vec<_>>(),
            expected
        );
        let assigned = got[2].json();
        assert_eq!(assigned["event"]["params"]["status_id"], json!(3));
        assert_eq!(assigned["event"]["params"]["previous_status_id"], json!(2));
        assert_eq!(
            assigned["workorder"]["assignee"]["user"]["id"],
            json!(33881)
        );
        let uuids: std::collections::HashSet<String> = got.iter().map(|r| r.delivery().0).collect();
        assert_eq!(uuids.len(), got.len(), "one delivery id per event");

        // A duplicate: the same delivery id twice.
        sim.duplicate_next_deliveries(1);
        let second = client.create_work_order(&small_body("twice")).await?.id;
        let got = receiver.wait_for(12, Duration::from_secs(30)).await;
        let copies: Vec<&Received> = got[10..].iter().collect();
        assert_eq!(copies.len(), 2);
        assert_eq!(
            copies[0].header("x-fn-delivery-id"),
            copies[1].header("x-fn-delivery-id")
        );
        assert_eq!(copies[0].body, copies[1].body);

        // Out of order: the held event arrives after the one raised after it.
        sim.hold_next_delivery(Duration::from_millis(400));
        client.publish_work_order(second).await?;
        sim.transition(second, "routed")?;
        let got = receiver.wait_for(14, Duration::from_secs(30)).await;
        let last: Vec<String> = got[12..].iter().map(Received::event).collect();
        assert_eq!(
            last,
            ["workorder.status.routed", "workorder.status.published"]
        );
        sim.shutdown().await;
        Ok(())
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// End to end: the shipped dispatch mapping's work order, created and read back.
// ---------------------------------------------------------------------------------------------

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The work order bytes `evaluate_to_json` writes for demo ticket 9137.
fn dispatch_body() -> Result<Vec<u8>, BoxError> {
    use fieldmap::{EvalContext, RecordSet};
    let schemas = Arc::new(fieldmap::schema::Schemas::bundled()?);
    let mut records = RecordSet::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("mappings/fixtures"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    for file in &files {
        fieldmap::autotask::load_query_response(
            &std::fs::read_to_string(file)?,
            &schemas,
            &mut records,
        )?;
    }
    let source = std::fs::read_to_string(root().join("mappings/dispatch-service-ticket.fmap"))?;
    let program =
        fieldmap::compile(&source, schemas).map_err(|f| format!("{f}: {:?}", f.diagnostics))?;
    let now = fieldmap::time::parse_autotask_datetime("2025-01-15T09:00:00")?.0;
    let mut body = Vec::new();
    let evaluation =
        program.evaluate_to_json(&records, 9137, &EvalContext::at(now), 0, &mut body)?;
    assert!(evaluation.issues.is_empty(), "{:?}", evaluation.issues);
    Ok(body)
}

/// Whether everything in `sent` is in `read` with the same value: objects key by key (the
/// server may add keys), arrays item by item (same length).
fn contains(read: &Value, sent: &Value, at: &str, differences: &mut Vec<String>) {
    match (read, sent) {
        (Value::Object(read), Value::Object(sent)) => {
            for (key, value) in sent {
                match read.get(key) {
                    Some(got) => contains(got, value, &format!("{at}.{key}"), differences),
                    None => differences.push(format!("{at}.{key}: missing")),
                }
            }
        }
        (Value::Array(read), Value::Array(sent)) if read.len() == sent.len() => {
            for (i, (got, value)) in read.iter().zip(sent).enumerate() {
                contains(got, value, &format!("{at}[{i}]"), differences);
            }
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
        (read, sent) if read == sent => {}
        (read, sent) => differences.push(format!("{at}: sent {sent}, read back {read}")),
    }
}

#[test]
fn the_read_back_comparison_sees_differences() {
    let mut differences = Vec::new();
    contains(
        &json!({"a": 1, "b": [1, 2], "id": 9}),
        &json!({"a": 1, "b": [1, 2]}),
        "$",
        &mut differences,
    );
    assert!(differences.is_empty());
    contains(
        &json!({"a": 2, "b": [1]}),
        &json!({"a": 1, "b": [1, 2], "c": 0}),
        "$",
        &mut differences,
    );
    assert_eq!(differences.len(), 3, "{differences:?}");
}

#[tokio::test]
async fn the_dispatch_mapping_work_order_is_created_and_read_back_unchanged() -> TestResult {
    limited(async {
        let spec = Spec::load()?;
        let body = dispatch_body()?;
        let sent: Value = serde_json::from_slice(&body)?;
        let sim = start(SimConfig::default()).await?;
        let client = demo_client(&sim)?;
        let created = client.create_work_order(&body).await?;
        spec.check("create", "ok", &created.json)?;
        let read = client.get_work_order(created.id).await?;
        spec.check("get", "ok", &read.json)?;
        let mut differences = Vec::new();
        contains(&read.json, &sent, "$", &mut differences);
        assert!(differences.is_empty(), "{differences:#?}");
        // What the server added.
        assert_eq!(read.json["id"], json!(created.id));
        assert_eq!(read.json["status"]["name"], json!("Draft"));
        assert_eq!(
            read.json["schedule"]["service_window"]["start"]["local"]["time"],
            json!("08:00:00")
        );
        assert_eq!(
            read.json["custom_fields"]["results"][0]["results"][0]["name"],
            json!("Autotask Ticket Number")
        );
        // And through create_work_order_once, with its marker.
        let marker = Marker::for_record(MARKER_FIELD, "Ticket", 9137);
        let once = client.create_work_order_once(&body, &marker).await?;
        let mut differences = Vec::new();
        contains(&once.work_order.json, &sent, "$", &mut differences);
        // The marker was added to the mapping's custom fields: only that array differs.
        assert!(
            differences
                .iter()
                .all(|d| d.starts_with("$.custom_fields.results[0].results")),
            "{differences:#?}"
        );
        assert!(marker.is_on(&client.get_work_order(once.work_order.id).await?.json));
        sim.shutdown().await;
        Ok(())
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The account snapshot: `schema pull` writes it, `check` uses it.
// ---------------------------------------------------------------------------------------------

fn diagnostics_of(
    source: &str,
    schemas: fieldmap::schema::Schemas,
) -> Vec<fieldmap::diagnostics::Diagnostic> {
    match fieldmap::compile(source, Arc::new(schemas)) {
        Ok(_) => Vec::new(),
        Err(failure) => failure.diagnostics,
    }
}

#[test]
fn check_rejects_unknown_ids_and_roles_and_names_the_closest() -> TestResult {
    let source = "mapping \"M\" {\n  source autotask.Ticket\n  target fieldnation.WorkOrder\n  title = Title\n  \
                  types_of_work[0].id = IssueType | kind\n  contacts[0].role = \"Site Contact\"\n  \
                  contacts[1].role = \"Location Contact\"\n  custom_fields[146] = TicketNumber\n}\n\
                  table kind: Ticket.IssueType -> int {\n  \"Hardware\" => 62\n  _ => 99\n}\n";
    let found = diagnostics_of(source, fieldmap::schema::Schemas::bundled()?);
    let shown: Vec<(String, String, Vec<String>)> = found
        .iter()
        .map(|d| {
            (
                d.code.as_str().to_owned(),
                d.message.clone(),
                d.labels.iter().map(|l| l.message.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(found.len(), 3, "{shown:#?}");
    assert!(
        shown.iter().any(|(code, message, labels)| code == "FM0215"
            && message.starts_with("99 is not a type of work")
            && labels.iter().any(|l| l.contains("97 (Site Survey)"))),
        "{shown:#?}"
    );
    assert!(
        shown.iter().any(|(code, _, labels)| code == "FM0303"
            && labels.iter().any(|l| l.contains("\"Location Contact\""))),
        "{shown:#?}"
    );
    assert!(
        shown.iter().any(|(code, message, labels)| code == "FM0215"
            && message.starts_with("146 is not a custom field")
            && labels.iter().any(|l| l.contains("145 (Autotask Record)"))),
        "{shown:#?}"
    );

    // Ids are whole and positive; a whole decimal is the same id.
    let odd = "mapping \"M\" {\n  source autotask.Ticket\n  target fieldnation.WorkOrder\n  title = Title\n  \
               types_of_work[0].id = -1\n  types_of_work[1].id = 62.5\n  types_of_work[2].id = 62.0\n}\n";
    let messages: Vec<String> = diagnostics_of(odd, fieldmap::schema::Schemas::bundled()?)
        .iter()
        .map(|d| format!("{} {}", d.code.as_str(), d.message))
        .collect();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(
        messages[0].starts_with("FM0215 -1 is not a type of work"),
        "{messages:#?}"
    );
    assert!(
        messages[1].starts_with("FM0215 62.5 is not a type of work"),
        "{messages:#?}"
    );

    // A snapshot without a fieldnation section: ids cannot be checked, roles still are.
    let tenant = std::fs::read_to_string(root().join("stdlib/tenants/demo.json"))?;
    let bare = fieldmap::schema::Schemas::with_tenant_json(&tenant)?;
    assert!(bare.fieldnation.is_none());
    let codes: Vec<&str> = diagnostics_of(source, bare)
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, ["FM0303"]);

    // With an account of its own, the shipped mapping's ids are checked against that one.
    let mut account: fieldmap::schema::FieldNationAccount = serde_json::from_str(DEMO_ACCOUNT)?;
    account.types_of_work.retain(|t| t.id != 64);
    let snapshot = account.add_to_snapshot(&tenant)?;
    let schemas = fieldmap::schema::Schemas::with_tenant_json(&snapshot)?;
    let dispatch = std::fs::read_to_string(root().join("mappings/dispatch-service-ticket.fmap"))?;
    let found = diagnostics_of(&dispatch, schemas);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].message.starts_with("64 is not a type of work"),
        "{}",
        found[0].message
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_pull_writes_the_account_and_check_uses_it() -> TestResult {
    limited(async {
        let autotask = fieldmap::autotask::simulator::serve(
            fieldmap::autotask::simulator::SimConfig::default(),
            "127.0.0.1:0".parse()?,
        )
        .await?;
        let sim = start(SimConfig::default()).await?;
        let dir = std::env::temp_dir().join(format!("fieldmap-fn-pull-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let snapshot = dir.join("tenant.json");
        let (zone, base, out) = (
            autotask.zone_url(),
            sim.base_url(),
            snapshot.display().to_string(),
        );
        let pull = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_fieldmap"))
                .args([
                    "schema",
                    "pull",
                    "--out",
                    &out,
                    "--discovery-url",
                    &zone,
                    "--fieldnation-url",
                    &base,
                ])
                .env("NO_COLOR", "1")
                .env("AUTOTASK_USER", fieldmap::autotask::simulator::DEMO_USER)
                .env(
                    "AUTOTASK_SECRET",
                    fieldmap::autotask::simulator::DEMO_PASSWORD,
                )
                .env(
                    "AUTOTASK_INTEGRATION_CODE",
                    fieldmap::autotask::simulator::DEMO_INTEGRATION_CODE,
                )
                .env("FIELDNATION_CLIENT_ID", DEMO_CLIENT_ID)
                .env("FIELDNATION_CLIENT_SECRET", DEMO_CLIENT_SECRET)
                .output()
        })
        .await??;
        let stderr = String::from_utf8_lossy(&pull.stderr);
        assert!(pull.status.success(), "{stderr}");
        assert!(!stderr.contains(DEMO_CLIENT_SECRET), "{stderr}");
        let text = std::fs::read_to_string(&snapshot)?;
        let json: Value = serde_json::from_str(&text)?;
        let account: fieldmap::schema::FieldNationAccount = serde_json::from_str(DEMO_ACCOUNT)?;
        let pulled: fieldmap::schema::FieldNationAccount =
            serde_json::from_value(json["fieldnation"].clone())?;
        assert_eq!(pulled.types_of_work, account.types_of_work);
        assert_eq!(pulled.custom_fields, account.custom_fields);
        assert_eq!(pulled.contact_roles, account.contact_roles);
        assert!(
            json["picklists"]["Ticket"]["Status"].is_array(),
            "the Autotask part is kept"
        );

        let check = |file: PathBuf| {
            std::process::Command::new(env!("CARGO_BIN_EXE_fieldmap"))
                .args([
                    "check",
                    "--schema",
                    &file.display().to_string(),
                    "mappings/",
                ])
                .current_dir(root())
                .env("NO_COLOR", "1")
                .output()
        };
        let pulled = snapshot.clone();
        let ok = tokio::task::spawn_blocking(move || check(pulled)).await??;
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
        // The same account without custom field 137: the shipped mapping that writes it fails.
        let mut edited = json.clone();
        if let Some(fields) = edited["fieldnation"]["custom_fields"].as_array_mut() {
            fields.retain(|f| f["id"] != json!(137));
        }
        let edited_file = dir.join("edited.json");
        std::fs::write(&edited_file, serde_json::to_string_pretty(&edited)?)?;
        let failed = tokio::task::spawn_blocking(move || check(edited_file)).await??;
        let out = format!(
            "{}{}",
            String::from_utf8_lossy(&failed.stdout),
            String::from_utf8_lossy(&failed.stderr)
        );
        assert_eq!(failed.status.code(), Some(1), "{out}");
        assert!(
            out.contains("FM0215") && out.contains("137 is not a custom field"),
            "{out}"
        );
        let _ = std::fs::remove_dir_all(&dir);
        sim.shutdown().await;
        autotask.shutdown().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn junk_gets_field_nation_errors_and_the_simulator_keeps_serving() -> TestResult {
    limited(async {
        let spec = Spec::load()?;
        let sim = start(SimConfig {
            max_request_bytes: 64 * 1024,
            ..SimConfig::default()
        })
        .await?;
        let base = sim.base_url();
        let token = raw_token(&sim).await?;
        let with = |path: &str| format!("{base}{path}?access_token={token}");
        rustls::crypto::ring::default_provider()
            .install_default()
            .ok();
        let http = reqwest::Client::new();
        let huge = "x".repeat(100 * 1024);
        let cases: Vec<(reqwest::Method, String, String, u16)> = vec![
            (reqwest::Method::POST, with("/api/rest/v2/workorders"), "{\"title\":".into(), 400),
            (reqwest::Method::POST, with("/api/rest/v2/workorders"), "[1, 2]".into(), 422),
            (reqwest::Method::POST, with("/api/rest/v2/workorders"), "\"text\"".into(), 422),
            (reqwest::Method::POST, with("/api/rest/v2/workorders"),
                r#"{"title": 1e999}"#.into(), 400),
            (reqwest::Method::POST, with("/api/rest/v2/workorders"),
                r#"{"title": "t", "types_of_work": [{"id": -1}, {"id": 1.5}, {"id": 18446744073709551616}]}"#.into(), 422),
            (reqwest::Method::POST, with("/api/rest/v2/workorders"),
                r#"{"title": "t", "custom_fields": {"results": [{"results": [{"id": "129"}]}, 7]}}"#.into(), 422),
            (reqwest::Method::POST, with("/api/rest/v2/workorders"),
                format!(r#"{{"title": "{huge}"}}"#), 413),
            (reqwest::Method::GET, with("/api/rest/v2/workorders/abc"), String::new(), 404),
            (reqwest::Method::GET, with("/api/rest/v2/workorders/99999999999999999999999"), String::new(), 404),
            (reqwest::Method::DELETE, with("/api/rest/v2/workorders/1"), String::new(), 405),
            (reqwest::Method::PUT, with("/api/rest/v2/workorders/1"), "{}".into(), 404),
            (reqwest::Method::POST, with("/api/rest/v2/workorders/1/route"), "{}".into(), 422),
            (reqwest::Method::GET, format!("{}&page=0&per_page=-5&f_created=%ZZ,%", with("/api/rest/v2/workorders")), String::new(), 400),
            (reqwest::Method::GET, format!("{}&page=99999999999999999999&per_page=100000", with("/api/rest/v2/types-of-work")), String::new(), 200),
            (reqwest::Method::POST, format!("{base}/authentication/api/oauth/token"), "{}".into(), 400),
            (reqwest::Method::POST, format!("{base}/authentication/api/oauth/token"), "grant_type=password".into(), 400),
            (reqwest::Method::POST, format!("{base}/authentication/api/oauth/token"),
                r#"{"grant_type": "refresh_token", "client_id": 1}"#.into(), 400),
            (reqwest::Method::POST, format!("{base}/_sim/workorders/1/transition"), "{}".into(), 400),
            (reqwest::Method::POST, format!("{base}/_sim/workorders/1/transition"), r#"{"event": "paid"}"#.into(), 404),
            (reqwest::Method::POST, format!("{base}/_sim/workorders/x/transition"), String::new(), 404),
            (reqwest::Method::GET, format!("{base}/nowhere"), String::new(), 404),
        ];
        for (method, url, body, expected) in cases {
            let shown = format!("{method} {}", url.replace(&token, "TOKEN"));
            let response = http
                .request(method, &url)
                .timeout(Duration::from_secs(5))
                .body(body)
                .send()
                .await?;
            let status = response.status().as_u16();
            let bytes = response.bytes().await?;
            assert_eq!(status, expected, "{shown}: {}", String::from_utf8_lossy(&bytes));
            let json: Value = serde_json::from_slice(&bytes)?;
            if status >= 400 && url.contains("/oauth/token") {
                spec.check("token", "error", &json)?;
            } else if status >= 400 {
                let mut json = json;
                if let Some(object) = json.as_object_mut() {
                    object.remove("errors");
                }
                spec.check("get", "error", &json)?;
            }
        }
        // Still serving.
        let client = demo_client(&sim)?;
        client.create_work_order(&small_body("after the junk")).await?;
        sim.shutdown().await;
        Ok(())
    })
    .await
}
