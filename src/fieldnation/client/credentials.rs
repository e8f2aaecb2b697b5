//! The API client's credentials, in either grant form the token endpoint documents: the
//! client's own (`client_credentials`) or the client's plus a user's (`password`). Secrets
//! print as `[redacted]` and are only readable through [`Secret::expose`], which builds the
//! token request and nothing else.

use std::fmt;

/// The environment variables credentials are read from.
pub const ENV_CLIENT_ID: &str = "FIELDNATION_CLIENT_ID";
pub const ENV_CLIENT_SECRET: &str = "FIELDNATION_CLIENT_SECRET";
/// With [`ENV_PASSWORD`], selects the `password` grant.
pub const ENV_USERNAME: &str = "FIELDNATION_USERNAME";
pub const ENV_PASSWORD: &str = "FIELDNATION_PASSWORD";

pub use crate::redaction::Secret;

/// How the client proves who it is.
#[derive(Clone, PartialEq, Eq)]
pub enum Grant {
    /// `grant_type=client_credentials`: the client id and secret alone.
    ClientCredentials,
    /// `grant_type=password`: the client's credentials and an API user's.
    Password { username: String, password: Secret },
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grant::ClientCredentials => f.write_str("ClientCredentials"),
            Grant::Password { username, .. } => f
                .debug_struct("Password")
                .field("username", username)
                .field("password", &"[redacted]")
                .finish(),
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: Secret,
    pub grant: Grant,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("grant", &self.grant)
            .finish()
    }
}

impl Credentials {
    /// The `client_credentials` grant.
    pub fn client(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Credentials {
            client_id: client_id.into(),
            client_secret: Secret::new(client_secret),
            grant: Grant::ClientCredentials,
        }
    }

    /// The `password` grant.
    pub fn password(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Credentials {
            client_id: client_id.into(),
            client_secret: Secret::new(client_secret),
            grant: Grant::Password {
                username: username.into(),
                password: Secret::new(password),
            },
        }
    }

    /// `FIELDNATION_CLIENT_ID` and `FIELDNATION_CLIENT_SECRET`; with `FIELDNATION_USERNAME`
    /// and `FIELDNATION_PASSWORD` as well, the `password` grant.
    pub fn from_env() -> Result<Credentials, CredentialsError> {
        Self::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.is_empty()))
    }

    /// As [`Credentials::from_env`], from any lookup by variable name.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, CredentialsError> {
        let need = |key: &'static str| lookup(key).ok_or(CredentialsError::Missing(key));
        let client_id = need(ENV_CLIENT_ID)?;
        let client_secret = need(ENV_CLIENT_SECRET)?;
        match (lookup(ENV_USERNAME), lookup(ENV_PASSWORD)) {
            (None, None) => Ok(Credentials::client(client_id, client_secret)),
            (Some(username), Some(password)) => Ok(Credentials::password(
                client_id,
                client_secret,
                username,
                password,
            )),
            (Some(_), None) => Err(CredentialsError::Missing(ENV_PASSWORD)),
            (None, Some(_)) => Err(CredentialsError::Missing(ENV_USERNAME)),
        }
    }

    /// The body of the token request (AuthTokenPayloadDto), as JSON.
    pub(super) fn token_request_body(&self) -> Vec<u8> {
        let mut body = serde_json::Map::new();
        let grant_type = match &self.grant {
            Grant::ClientCredentials => "client_credentials",
            Grant::Password { .. } => "password",
        };
        body.insert("grant_type".into(), grant_type.into());
        body.insert("client_id".into(), self.client_id.clone().into());
        body.insert(
            "client_secret".into(),
            self.client_secret.expose().to_owned().into(),
        );
        if let Grant::Password { username, password } = &self.grant {
            body.insert("username".into(), username.clone().into());
            body.insert("password".into(), password.expose().to_owned().into());
        }
        serde_json::Value::Object(body).to_string().into_bytes()
    }

    /// Every secret these credentials hold, for scrubbing texts.
    pub(super) fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![self.client_secret.expose().to_owned()];
        if let Grant::Password { password, .. } = &self.grant {
            secrets.push(password.expose().to_owned());
        }
        secrets
    }
}

/// Why credentials could not be had. Never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    #[error("no Field Nation credentials: set {0}")]
    Missing(&'static str),
}
