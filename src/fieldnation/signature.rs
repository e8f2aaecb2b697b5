//! The `X-FN-Signature` header of webhook v3 deliveries: `sha256=` and the lowercase hex
//! HMAC-SHA256 of the raw body under the webhook's secret. The simulator signs with it and a
//! receiver checks with it; the check compares in constant time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header's scheme prefix.
pub const PREFIX: &str = "sha256=";

/// `sha256=<hex>` for `body` under `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut out = String::with_capacity(PREFIX.len() + 64);
    out.push_str(PREFIX);
    for byte in mac(secret, body).finalize().into_bytes() {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// Whether `header` is the signature of `body` under `secret`. Malformed headers are simply
/// not valid; the comparison does not stop at the first differing byte.
pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex) = header.trim().strip_prefix(PREFIX) else {
        return false;
    };
    let Some(expected) = decode_hex(hex) else {
        return false;
    };
    mac(secret, body).verify_slice(&expected).is_ok()
}

fn mac(secret: &[u8], body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length: a long key is hashed, a short one padded.
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable_key_length(),
    };
    mac.update(body);
    mac
}

/// `Hmac::new_from_slice` documents that it accepts every key length; this is never reached,
/// and if a future version broke that promise the empty-key MAC still signs consistently.
fn unreachable_key_length() -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new(&Default::default())
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4231_case_2() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        let signed = sign(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            signed,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify(b"Jefe", b"what do ya want for nothing?", &signed));
        assert!(!verify(b"Jefe", b"what do ya want for nothing!", &signed));
        assert!(!verify(b"Jefe", b"x", "sha256=zz"));
        assert!(!verify(b"Jefe", b"x", "md5=00"));
    }
}
