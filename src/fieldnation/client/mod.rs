//! The async Field Nation REST API v2 client.
//!
//! ```no_run
//! # async fn example(body: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
//! use fieldmap::fieldnation::client::{ClientConfig, Credentials, FieldNationClient, Marker};
//!
//! let client = FieldNationClient::new(Credentials::from_env()?, ClientConfig::default())?;
//! let marker = Marker::for_record(129, "Ticket", 9137); // custom field 129 holds "Ticket:9137"
//! let created = client.create_work_order_once(&body, &marker).await?;
//! println!("work order {}", created.work_order.id);
//! # Ok(()) }
//! ```
//!
//! Every call carries an OAuth access token, fetched once, kept, and fetched anew shortly
//! before it expires or once when the API answers 401. Rate limits, server errors, time-outs
//! and broken connections are retried with exponential backoff and jitter, honouring
//! `Retry-After`; authentication and validation errors are not. A create is resent only when
//! it surely did not arrive; when its outcome is unknown, [`FieldNationClient::create_work_order_once`]
//! looks for the work order by its [`Marker`] first. Answers are read up to a size cap, and
//! no secret (client secret, password, access token) reaches an error, a log line or `Debug`.

mod backoff;
mod call_log;
mod catalog;
mod config;
mod credentials;
mod error;
mod fieldnation_client;
mod marker;
mod problems;
mod redaction;
mod token;
mod transport;
mod work_order;

pub use call_log::{ApiCall, CallLog};
pub use config::{ClientConfig, PRODUCTION_URL, SANDBOX_URL};
pub use credentials::{
    Credentials, CredentialsError, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_PASSWORD, ENV_USERNAME,
    Grant, Secret,
};
pub use error::{CallSite, FieldProblem, FnError};
pub use fieldnation_client::{CreateOutcome, FieldNationClient};
pub use marker::Marker;
pub use problems::read_error_body;
pub use work_order::WorkOrder;
