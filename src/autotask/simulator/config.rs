//! What a simulator serves and whom it lets in.

use std::path::PathBuf;

use super::hook_config::HookConfig;

/// The API user of the bundled demo configuration.
pub const DEMO_USER: &str = "api@demo-msp.example";
/// The password of [`DEMO_USER`].
pub const DEMO_PASSWORD: &str = "demo-password";
/// The integration code (API tracking identifier) of the demo configuration.
pub const DEMO_INTEGRATION_CODE: &str = "DEMO-INTEGRATION-CODE";
/// Autotask's default budget: requests per rolling hour and database.
pub const DEFAULT_THRESHOLD: u32 = 10_000;

/// How to start a simulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// A folder of `query` response XML files (every `*.xml` directly in it),
    /// the records the simulator starts with. `None`: the bundled demo
    /// dataset (the files of `mappings/fixtures/`).
    pub data_dir: Option<PathBuf>,
    /// A tenant snapshot (docs/tenant-snapshot.md) with the picklists and
    /// UDFs. `None`: the bundled demo tenant.
    pub tenant: Option<PathBuf>,
    /// API users and their passwords, for HTTP Basic auth and `getZoneInfo`.
    pub users: Vec<(String, String)>,
    /// The `IntegrationCode` every call but `getZoneInfo` must carry.
    pub integration_code: String,
    /// Requests allowed per rolling hour before calls are rejected.
    pub threshold: u32,
    /// Where saved creates and updates send Autotask's webhook callbacks; `None`: nowhere.
    pub webhook: Option<HookConfig>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            data_dir: None,
            tenant: None,
            users: vec![(DEMO_USER.to_owned(), DEMO_PASSWORD.to_owned())],
            integration_code: DEMO_INTEGRATION_CODE.to_owned(),
            threshold: DEFAULT_THRESHOLD,
            webhook: None,
        }
    }
}
