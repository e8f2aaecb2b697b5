//! Scrubbing a secret out of text that came from outside: a server may echo a request back in
//! an error message, a fault or an unparseable body, and what it echoes may be the secret
//! itself or one of its encodings. The Autotask and Field Nation clients both scrub through
//! [`SecretForms`], always on the whole text, before it is collapsed or cut for a message.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The replacement for a secret.
pub const REDACTED: &str = "[redacted]";

/// The start of a text on one line, at most `max_chars` characters and `…`: for quoting a body
/// in an error. Pass it text already scrubbed: cutting first could split a secret so that
/// its start escapes, and collapsing whitespace first could change it.
pub fn excerpt(scrubbed: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for (count, word) in scrubbed.split_whitespace().enumerate() {
        if count > 0 {
            out.push(' ');
        }
        out.push_str(word);
        if out.len() > max_chars * 4 {
            break;
        }
    }
    match out.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &out[..cut]),
        None => out,
    }
}

/// Every form a secret takes on the wire: as is, XML-escaped (named and numeric references),
/// percent-encoded (either hex case, `+` or `%20` for a space), Base64 alone, and the Base64
/// of `user:secret` that an HTTP Basic `Authorization` header carries.
#[derive(Debug, Clone, Default)]
pub struct SecretForms {
    /// Longest first, so a form that contains another is replaced whole.
    forms: Vec<String>,
}

impl SecretForms {
    /// The forms of each non-empty secret in `secrets`.
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut forms = SecretForms::default();
        for secret in secrets {
            forms.add(secret);
        }
        forms
    }

    /// Adds the forms of `secret` (nothing for an empty one).
    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let mut new = vec![secret.to_owned(), STANDARD.encode(secret)];
        new.extend(xml_escapes(secret));
        new.extend(percent_encodings(secret));
        self.extend(new);
    }

    /// Adds the Base64 credentials of an HTTP Basic header for `user` and `secret`.
    pub fn add_basic(&mut self, user: &str, secret: &str) {
        if secret.is_empty() {
            return;
        }
        self.extend([STANDARD.encode(format!("{user}:{secret}"))]);
    }

    fn extend(&mut self, new: impl IntoIterator<Item = String>) {
        for form in new {
            if !form.is_empty() && !self.forms.contains(&form) {
                self.forms.push(form);
            }
        }
        self.forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    }

    /// `text` with every form of every secret replaced by [`REDACTED`].
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), REDACTED);
            }
        }
        out
    }

    /// [`Self::scrub`] for an owned text, which is returned as is when it holds no secret.
    pub fn scrub_owned(&self, text: String) -> String {
        if self.forms.iter().any(|f| text.contains(f.as_str())) {
            self.scrub(&text)
        } else {
            text
        }
    }
}

/// The secret as XML text and attribute values: `&<>` always escaped, quotes as they are, as
/// named references, or as decimal or hex character references.
fn xml_escapes(secret: &str) -> Vec<String> {
    let quote_styles: [[&str; 2]; 4] = [
        ["\"", "'"],
        ["&quot;", "&apos;"],
        ["&#34;", "&#39;"],
        ["&#x22;", "&#x27;"],
    ];
    let mut out = Vec::new();
    for amp in ["&amp;", "&#38;", "&#x26;"] {
        for [dq, sq] in quote_styles {
            let mut escaped = String::with_capacity(secret.len() * 2);
            for c in secret.chars() {
                match c {
                    '&' => escaped.push_str(amp),
                    '<' => escaped.push_str("&lt;"),
                    '>' => escaped.push_str("&gt;"),
                    '"' => escaped.push_str(dq),
                    '\'' => escaped.push_str(sq),
                    _ => escaped.push(c),
                }
            }
            if escaped != secret {
                out.push(escaped);
            }
        }
    }
    out
}

/// The secret percent-encoded: every byte but the unreserved ones, in upper and lower case hex,
/// with a space as `%20` or `+`; and with only the bytes a URL cannot carry raw encoded (what a
/// query-string encoder that leaves `/`, `:` and `+` alone writes).
fn percent_encodings(secret: &str) -> Vec<String> {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    let lenient = |b: u8| {
        unreserved(b)
            || matches!(
                b,
                b'/' | b':'
                    | b'+'
                    | b'@'
                    | b'!'
                    | b'$'
                    | b'*'
                    | b','
                    | b';'
                    | b'='
                    | b'('
                    | b')'
                    | b'\''
            )
    };
    let encode = |keep: &dyn Fn(u8) -> bool, lower: bool, plus: bool| {
        let mut out = String::with_capacity(secret.len() * 3);
        for b in secret.bytes() {
            if keep(b) {
                out.push(b as char);
            } else if plus && b == b' ' {
                out.push('+');
            } else if lower {
                out.push_str(&format!("%{b:02x}"));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    };
    let mut out = Vec::new();
    for keep in [&unreserved as &dyn Fn(u8) -> bool, &lenient] {
        for lower in [false, true] {
            for plus in [false, true] {
                let encoded = encode(keep, lower, plus);
                if encoded != secret && !out.contains(&encoded) {
                    out.push(encoded);
                }
            }
        }
    }
    out
}

/// A password, API secret or token that prints as `[redacted]`: it never reaches a log line,
/// an error message or a `Debug` dump, and is readable only through [`Secret::expose`], which
/// the clients call to build the one request that needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself, for the request that needs it and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "p&ss<w\"rd%/+";

    #[test]
    fn every_form_is_scrubbed() {
        let mut forms = SecretForms::new([SECRET]);
        forms.add_basic("api@example.com", SECRET);
        let basic = STANDARD.encode(format!("api@example.com:{SECRET}"));
        for text in [
            SECRET.to_owned(),
            "p&amp;ss&lt;w&quot;rd%/+".to_owned(),
            "p&amp;ss&lt;w\"rd%/+".to_owned(),
            "p&#38;ss&lt;w&#34;rd%/+".to_owned(),
            "p%26ss%3Cw%22rd%25%2F%2B".to_owned(),
            "p%26ss%3cw%22rd%25%2f%2b".to_owned(),
            "p%26ss%3Cw%22rd%25/+".to_owned(),
            STANDARD.encode(SECRET),
            format!("Authorization: Basic {basic}"),
        ] {
            let scrubbed = forms.scrub(&format!("before {text} after"));
            assert!(scrubbed.contains(REDACTED), "{text} → {scrubbed}");
            assert!(!scrubbed.contains("ss<w") && !scrubbed.contains("ss&lt;w"));
            assert!(!scrubbed.contains(&basic), "{scrubbed}");
        }
        assert_eq!(forms.scrub("nothing here"), "nothing here");
        assert_eq!(SecretForms::new([""]).scrub("a b"), "a b");
    }

    #[test]
    fn a_secret_across_the_cut_of_an_excerpt_is_scrubbed_first() {
        let forms = SecretForms::new([SECRET]);
        let body = format!("{}{SECRET} and more", "x ".repeat(97));
        let cut = excerpt(&forms.scrub(&body), 200);
        assert!(!cut.contains("p&ss"), "{cut}");
        assert!(cut.ends_with('…'), "{cut}");
        assert_eq!(excerpt("  a \n\t b  ", 200), "a b");
    }
}
