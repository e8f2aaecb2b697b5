//! Scrubbing secrets out of every text that can leave the client: server messages (a server
//! may echo the request), transport errors (reqwest quotes the URL, which carries the access
//! token), anything stored in an error or the call log.

use std::sync::{Mutex, PoisonError};

use crate::redaction::REDACTED;
use crate::redaction::SecretForms;
/// Tokens remembered for scrubbing besides the credentials: the current one and a few before
/// it, which may still turn up in late answers.
const TOKENS_KEPT: usize = 4;

#[derive(Debug)]
pub(super) struct Redactor {
    fixed: SecretForms,
    tokens: Mutex<Vec<String>>,
}

impl Redactor {
    pub(super) fn new(secrets: Vec<String>) -> Self {
        Redactor {
            fixed: SecretForms::new(secrets.iter().map(String::as_str)),
            tokens: Mutex::new(Vec::new()),
        }
    }

    /// Remembers an access token (or refresh token) to scrub from now on.
    pub(super) fn add_token(&self, token: &str) {
        if token.is_empty() {
            return;
        }
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        if !tokens.iter().any(|t| t == token) {
            tokens.push(token.to_owned());
            let excess = tokens.len().saturating_sub(TOKENS_KEPT * 2);
            tokens.drain(..excess);
        }
    }

    /// `text` with every known secret and any `access_token=` query value replaced.
    pub(super) fn scrub(&self, text: &str) -> String {
        let mut out = self.fixed.scrub_owned(scrub_query_token(text));
        let tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        for token in tokens.iter() {
            if out.contains(token.as_str()) {
                out = out.replace(token.as_str(), REDACTED);
            }
        }
        out
    }
}

/// Replaces the value of every `access_token=` parameter, whatever the token.
fn scrub_query_token(text: &str) -> String {
    const KEY: &str = "access_token=";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(KEY) {
        let (before, after) = rest.split_at(at + KEY.len());
        out.push_str(before);
        let end = after
            .find(|c: char| c == '&' || c == '#' || c == ')' || c == '"' || c.is_whitespace())
            .unwrap_or(after.len());
        if end > 0 {
            out.push_str(REDACTED);
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_tokens_and_query_tokens_are_scrubbed() {
        let redactor = Redactor::new(vec!["s3cret".into(), String::new()]);
        redactor.add_token("tok-123");
        let text = "bad s3cret at http://h/x?access_token=abc&page=2 and tok-123 (access_token=zz)";
        assert_eq!(
            redactor.scrub(text),
            "bad [redacted] at http://h/x?access_token=[redacted]&page=2 and [redacted] \
             (access_token=[redacted])"
        );
        assert_eq!(redactor.scrub("nothing here"), "nothing here");
    }
}
