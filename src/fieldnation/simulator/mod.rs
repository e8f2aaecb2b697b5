//! A Field Nation simulator: the REST API v2 endpoints fieldmap's client uses, the work order
//! lifecycle, and webhook v3 deliveries, on 127.0.0.1, for tests and demos without a sandbox.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use fieldmap::fieldnation::simulator::{SimConfig, WebhookConfig, serve};
//!
//! let config = SimConfig {
//!     webhook: Some(WebhookConfig::new("http://127.0.0.1:9000/hooks/fieldnation", "s3cret")),
//!     ..SimConfig::default()
//! };
//! let sim = serve(config, 0).await?;
//! println!("{}", sim.base_url()); // client id "demo-client-id", secret "demo-client-secret"
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! As Field Nation does:
//!
//! - `POST /authentication/api/oauth/token` (JSON, `client_credentials` or `password`) issues
//!   tokens that expire; API calls carry one as `?access_token=` (or a Bearer header), else 401.
//! - `POST /api/rest/v2/workorders` checks the body against WorkOrderCreateDto, the schedule's
//!   UTC format, the account's types of work and custom fields and Field Nation's contact roles,
//!   and answers 422 with the work order paths at fault; `GET`/`PUT /workorders/{id}` (partial),
//!   `GET /workorders` (paged; `f_created`, `f_work_order_id`, `f_search`), `POST
//!   …/publish`, `POST …/route`, `GET /types-of-work`, `GET /custom-fields`. Answers have the
//!   spec's shapes (WorkOrderResponseDto with every required field, DefaultResponseErrorDto).
//! - The lifecycle ([`crate::fieldnation::lifecycle`]): publish, route and
//!   `POST /_sim/workorders/{id}/transition {"event": "checked_in"}` move work orders and raise
//!   `workorder.status.*` events; a create raises `workorder.created`.
//! - Webhook v3 deliveries, signed, with Field Nation's headers and retry schedule, scaled by
//!   [`DeliveryConfig::time_scale`].
//!
//! For tests: [`SimHandle::inject`] queues a [`Fault`] for an endpoint (status, 429 with
//! `Retry-After`, latency, a hold past the client's timeout, a create that commits and then
//! drops the connection, an oversized answer); [`FaultConfig`] sets random rates;
//! [`SimHandle::duplicate_next_deliveries`] and [`SimHandle::hold_next_delivery`] disturb
//! deliveries; [`SimHandle::revoke_tokens`] expires every token.

mod config;
mod control_client;
mod create_checks;
mod delivery;
mod delivery_schedule;
mod faults;
mod handle;
mod http_api;
mod ids;
pub(crate) mod query_string;
mod reply;
mod request_log;
mod response_view;
mod state;
mod store;
mod tokens;
mod webhook_event;

pub use config::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USERNAME, DEMO_WEBHOOK_ID,
    DeliveryConfig, SimConfig, WebhookConfig,
};
pub use control_client::send_transition;
pub use delivery::DeliveryRecord;
pub use delivery_schedule::{FIRST_RETRY_DELAY, MAX_ATTEMPTS, delay_before};
pub use faults::{Endpoint, Fault, FaultConfig, TIMEOUT_HOLD};
pub use handle::{SimError, SimHandle, serve};
pub use request_log::RequestRecord;
pub use webhook_event::WebhookEvent;
