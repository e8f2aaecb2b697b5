//! The URL paths of the operations fieldmap uses, as the REST API v2 spec names them.
//! One place, so the client and the simulator cannot drift apart.

/// `POST`: an access token for client credentials (and a user's password).
pub const TOKEN: &str = "/authentication/api/oauth/token";
/// `POST` creates a work order, `GET` lists them.
pub const WORKORDERS: &str = "/api/rest/v2/workorders";
/// `GET`: the types of work of the account.
pub const TYPES_OF_WORK: &str = "/api/rest/v2/types-of-work";
/// `GET`: the work order custom fields of the account.
pub const CUSTOM_FIELDS: &str = "/api/rest/v2/custom-fields";
/// The query parameter that carries the access token (the spec's `access_token` scheme).
pub const ACCESS_TOKEN_PARAM: &str = "access_token";

/// `GET`/`PUT /api/rest/v2/workorders/{id}`.
pub fn workorder(id: u64) -> String {
    format!("{WORKORDERS}/{id}")
}

/// `POST /api/rest/v2/workorders/{id}/publish`.
pub fn publish(id: u64) -> String {
    format!("{WORKORDERS}/{id}/publish")
}

/// `POST /api/rest/v2/workorders/{id}/route`.
pub fn route(id: u64) -> String {
    format!("{WORKORDERS}/{id}/route")
}
