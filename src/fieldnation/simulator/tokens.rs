//! Access tokens the simulator issued and until when they are good. Bounded: expired tokens
//! are dropped as new ones are issued.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::ids::access_token;

/// Tokens held at most; past this the oldest are dropped, as a server's cache would.
const MAX_TOKENS: usize = 10_000;

#[derive(Debug)]
pub(super) struct TokenStore {
    lifetime: Duration,
    tokens: Mutex<HashMap<String, Instant>>,
}

impl TokenStore {
    pub(super) fn new(lifetime: Duration) -> Self {
        TokenStore {
            lifetime,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// A new token and its lifetime.
    pub(super) fn issue(&self) -> (String, Duration) {
        let token = access_token();
        let now = Instant::now();
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        tokens.retain(|_, expires| *expires > now);
        if tokens.len() >= MAX_TOKENS
            && let Some(oldest) = tokens
                .iter()
                .min_by_key(|(_, expires)| **expires)
                .map(|(t, _)| t.clone())
        {
            tokens.remove(&oldest);
        }
        tokens.insert(token.clone(), now + self.lifetime);
        (token, self.lifetime)
    }

    pub(super) fn is_valid(&self, token: &str) -> bool {
        let tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        tokens
            .get(token)
            .is_some_and(|expires| *expires > Instant::now())
    }

    /// Every token stops working (as after a credentials rotation).
    pub(super) fn revoke_all(&self) {
        self.tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}
