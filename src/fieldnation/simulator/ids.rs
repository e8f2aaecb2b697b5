//! Identifiers the simulator makes up: access tokens and UUIDs (version 4, random) for
//! deliveries and event traces.

/// A random version-4 UUID in its usual text form.
pub(super) fn uuid_v4() -> String {
    let mut bytes = [0u8; 16];
    for byte in &mut bytes {
        *byte = fastrand::u8(..);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// An opaque access token.
pub(super) fn access_token() -> String {
    (0..40)
        .map(|_| fastrand::alphanumeric())
        .collect::<String>()
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuids_have_the_version_and_variant_bits() {
        let id = super::uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(id, super::uuid_v4());
    }
}
