//! The integration tests: one binary, one module per area.

mod architecture;
mod autotask_webhooks;
mod body;
mod broker_admin;
mod broker_dispatch;
mod broker_intake;
mod broker_serve;
mod broker_store;
mod cli;
mod client;
mod demo;
mod docs;
mod echo_server;
mod edge_cases;
mod examples;
mod fieldnation;
mod formatter;
mod fuzz_regressions;
mod golden;
mod jsonnet;
mod lint;
mod live_cli;
mod no_panic;
mod simulator;
mod test_runner;
