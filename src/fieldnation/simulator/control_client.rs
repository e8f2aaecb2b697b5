//! The other end of the control endpoint, for `fieldmap sim fieldnation-event`: asks a running
//! simulator to move a work order through its lifecycle.

use std::time::Duration;

use serde_json::{Value, json};

/// `POST {base_url}/_sim/workorders/{id}/transition` with `{"event": event}`; the work order
/// as it is afterwards, or the simulator's reason for refusing.
pub async fn send_transition(base_url: &str, id: u64, event: &str) -> Result<Value, String> {
    crate::fieldnation::install_tls_provider();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.without_url().to_string())?;
    let url = format!(
        "{}/_sim/workorders/{id}/transition",
        base_url.trim_end_matches('/')
    );
    let response = http
        .post(&url)
        .header("Content-Type", "application/json")
        .body(json!({"event": event}).to_string())
        .send()
        .await
        .map_err(|e| format!("{url}: {}", e.without_url()))?;
    let status = response.status().as_u16();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("{url}: {}", e.without_url()))?;
    let json: Value = serde_json::from_slice(&body)
        .map_err(|_| format!("{url}: HTTP {status}, not a simulator answer"))?;
    if (200..300).contains(&status) {
        Ok(json)
    } else {
        Err(json.get("message").and_then(Value::as_str).map_or_else(
            || format!("HTTP {status}"),
            |m| format!("HTTP {status}: {m}"),
        ))
    }
}
