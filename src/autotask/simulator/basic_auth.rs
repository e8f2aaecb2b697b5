//! HTTP Basic credentials from an `Authorization` header.

/// `(user, password)` from `Basic base64(user:password)`, or `None` when the
/// header is not readable Basic credentials.
pub(super) fn basic_credentials(header: &[u8]) -> Option<(String, String)> {
    let header = std::str::from_utf8(header).ok()?.trim();
    let (scheme, encoded) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = decode_base64(encoded.trim())?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Standard base64 with padding optional.
fn decode_base64(encoded: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(encoded.len() / 4 * 3);
    let mut buffer = 0u32;
    let mut bits = 0u32;
    for byte in encoded.trim_end_matches('=').bytes() {
        let sextet = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(sextet);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xFF) as u8);
        }
    }
    Some(out)
}

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
