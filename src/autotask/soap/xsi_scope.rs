//! Which attribute prefixes mean the XML Schema instance namespace, element by element.
//!
//! The readers need namespaces for one thing only: to know that `xsi:type` (or `i:type`, or
//! whatever prefix a proxy chose) is the schema-instance `type`. A general namespace resolver
//! parses every start tag's attributes to find declarations; this one looks at a tag's
//! attributes only when its text mentions `xmlns`, which almost no tag in a response does.

use quick_xml::events::BytesStart;
use quick_xml::events::attributes::AttrError;
use quick_xml::name::PrefixDeclaration;

pub(super) const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// One `xmlns:prefix="…"` declaration in force.
struct Binding {
    /// The depth of the element that declares it (the document element is 1).
    depth: usize,
    prefix: Box<str>,
    is_xsi: bool,
}

#[derive(Default)]
pub(super) struct XsiScope {
    bindings: Vec<Binding>,
}

impl XsiScope {
    /// Declarations of elements that have closed (`depth` is how many are open now) go out of
    /// scope.
    pub(super) fn leave_to(&mut self, depth: usize) {
        while self.bindings.last().is_some_and(|b| b.depth > depth) {
            self.bindings.pop();
        }
    }

    /// Records the prefix declarations of an element at `depth`.
    pub(super) fn enter(&mut self, start: &BytesStart<'_>, depth: usize) -> Result<(), AttrError> {
        if !contains(start.attributes_raw().as_bytes(), b"xmlns") {
            return Ok(());
        }
        for attribute in start.attributes().with_checks(false) {
            let attribute = attribute?;
            // A default namespace never applies to attributes.
            if let Some(PrefixDeclaration::Named(prefix)) = attribute.key.as_namespace_binding() {
                self.bindings.push(Binding {
                    depth,
                    prefix: prefix.into(),
                    is_xsi: attribute.value == XSI_NAMESPACE,
                });
            }
        }
        Ok(())
    }

    /// Whether an attribute prefix means the schema-instance namespace. An undeclared `xsi:`
    /// is taken at its word, as sloppy proxies emit it.
    pub(super) fn is_xsi(&self, prefix: &str) -> bool {
        match self.bindings.iter().rev().find(|b| &*b.prefix == prefix) {
            Some(binding) => binding.is_xsi,
            None => prefix == "xsi",
        }
    }
}

/// A short byte search: attribute texts are a few dozen bytes.
pub(super) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, _)) = needle.split_first() else {
        return true;
    };
    haystack
        .iter()
        .enumerate()
        .any(|(i, &b)| b == first && haystack[i..].starts_with(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(tag: &str) -> BytesStart<'_> {
        BytesStart::from_content(tag, tag.find(' ').unwrap_or(tag.len()))
    }

    #[test]
    fn a_prefix_means_xsi_only_where_it_is_bound_to_it() {
        let mut scope = XsiScope::default();
        scope
            .enter(
                &start(r#"Envelope xmlns:i="http://www.w3.org/2001/XMLSchema-instance""#),
                1,
            )
            .unwrap();
        assert!(scope.is_xsi("i"));
        // An inner element rebinds `i` to something else, and `xsi` to the real thing.
        scope
            .enter(
                &start(r#"Entity xmlns:i="urn:other" xmlns:xsi="urn:not-xsi""#),
                3,
            )
            .unwrap();
        assert!(!scope.is_xsi("i"));
        assert!(!scope.is_xsi("xsi"));
        scope.leave_to(2);
        assert!(scope.is_xsi("i"));
        // Undeclared `xsi` is taken at its word; other undeclared prefixes are not.
        assert!(scope.is_xsi("xsi"));
        assert!(!scope.is_xsi("q"));
        scope.leave_to(0);
        assert!(!scope.is_xsi("i"));
    }

    #[test]
    fn a_default_namespace_binds_no_prefix() {
        let mut scope = XsiScope::default();
        scope
            .enter(
                &start(r#"Value xmlns="http://www.w3.org/2001/XMLSchema-instance""#),
                1,
            )
            .unwrap();
        assert!(!scope.is_xsi(""));
    }

    #[test]
    fn finds_a_needle_anywhere() {
        assert!(contains(br#" xsi:nil="true""#, b"nil"));
        assert!(contains(b"nil", b"nil"));
        assert!(!contains(br#" xsi:type="xsd:int""#, b"nil"));
        assert!(!contains(b"ni", b"nil"));
    }
}
