//! HTTP Basic credentials from an `Authorization` header.

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// `(user, password)` from `Basic base64(user:password)`, or `None` when the
/// header is not readable Basic credentials.
pub(super) fn basic_credentials(header: &[u8]) -> Option<(String, String)> {
    let header = std::str::from_utf8(header).ok()?.trim();
    let (scheme, encoded) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = BASE64.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Standard base64, padding optional, as lenient as the clients that write it.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

#[cfg(test)]
mod tests {
    use super::basic_credentials;

    #[test]
    fn reads_basic_credentials() {
        // "api@demo-msp.example:demo-password"
        assert_eq!(
            basic_credentials(b"Basic YXBpQGRlbW8tbXNwLmV4YW1wbGU6ZGVtby1wYXNzd29yZA=="),
            Some((
                "api@demo-msp.example".to_owned(),
                "demo-password".to_owned()
            ))
        );
        assert_eq!(
            basic_credentials(b"basic dTpwOnE="),
            Some(("u".to_owned(), "p:q".to_owned()))
        );
        assert_eq!(basic_credentials(b"Bearer abc"), None);
        assert_eq!(basic_credentials(b"Basic !!!"), None);
        assert_eq!(basic_credentials(b"Basic dXNlcg=="), None);
        assert_eq!(basic_credentials(b"\xff"), None);
    }
}
