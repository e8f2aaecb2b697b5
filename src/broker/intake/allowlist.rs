//! Which client addresses an endpoint answers: addresses and CIDR ranges (`10.0.0.0/8`,
//! `::1`). A request from elsewhere gets 403 before its body is read.

use std::net::IpAddr;

/// A list of address ranges; `any()` lets everyone in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowlist {
    /// `None`: no restriction.
    ranges: Option<Vec<(IpAddr, u8)>>,
}

impl Allowlist {
    /// Everyone.
    pub fn any() -> Self {
        Allowlist { ranges: None }
    }

    /// This machine only (`127.0.0.0/8`, `::1`).
    pub fn loopback() -> Self {
        Allowlist {
            ranges: Some(vec![
                (IpAddr::from([127, 0, 0, 0]), 8),
                (IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]), 128),
            ]),
        }
    }

    /// Addresses and ranges as written in the configuration; `"*"` alone means everyone.
    ///
    /// # Errors
    ///
    /// An entry that is not an address or a range, with the entry.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        if entries.iter().any(|e| e.trim() == "*") {
            return Ok(Allowlist::any());
        }
        let mut ranges = Vec::new();
        for entry in entries {
            let entry = entry.trim();
            let (addr, bits) = match entry.split_once('/') {
                Some((addr, bits)) => (addr, Some(bits)),
                None => (entry, None),
            };
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| format!("holds {entry:?}, which is not an IP address or range"))?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => max,
                Some(bits) => bits
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("holds {entry:?}: the prefix must be 0 to {max}"))?,
            };
            ranges.push((addr, bits));
        }
        Ok(Allowlist {
            ranges: Some(ranges),
        })
    }

    /// Whether `ip` may call. An IPv4 client seen through an IPv6 socket (`::ffff:a.b.c.d`)
    /// is matched as IPv4.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let Some(ranges) = &self.ranges else {
            return true;
        };
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        ranges.iter().any(|(net, bits)| in_range(ip, *net, *bits))
    }
}

fn in_range(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> Allowlist {
        let entries: Vec<String> = entries.iter().map(|e| (*e).to_owned()).collect();
        Allowlist::parse(&entries).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn ranges_and_single_addresses() {
        let allow = list(&["10.0.0.0/8", "192.168.1.7", "2001:db8::/32"]);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap_or_else(|e| panic!("{e}"));
        assert!(allow.allows(ip("10.200.3.4")));
        assert!(!allow.allows(ip("11.0.0.1")));
        assert!(allow.allows(ip("192.168.1.7")));
        assert!(!allow.allows(ip("192.168.1.8")));
        assert!(allow.allows(ip("2001:db8::1")));
        assert!(allow.allows(ip("::ffff:10.1.1.1")));
        assert!(!allow.allows(ip("::1")));
        assert!(list(&["0.0.0.0/0"]).allows(ip("8.8.8.8")));
        assert!(Allowlist::loopback().allows(ip("127.0.0.1")));
        assert!(!Allowlist::loopback().allows(ip("8.8.8.8")));
        assert!(list(&["*"]).allows(ip("8.8.8.8")));
        assert!(list(&[]).ranges.is_some_and(|r| r.is_empty()));
    }

    #[test]
    fn bad_entries_are_named() {
        let bad = |e: &str| Allowlist::parse(&[e.to_owned()]).err().unwrap_or_default();
        assert!(bad("10.0.0.0/33").contains("\"10.0.0.0/33\""));
        assert!(bad("example.com").contains("not an IP address"));
        assert!(bad("::/129").contains("0 to 128"));
    }
}
