//! The records a Jsonnet block declared it reads, as the tree `$.input` is built from.

/// The relations a block reads, as a tree under the source record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputTree {
    /// `(reference name, relation index in the mapping, what it reads further)`.
    pub children: Vec<(String, u16, InputTree)>,
}

impl InputTree {
    /// Adds the relation chain `names`/`relations` (parallel lists), sharing common prefixes.
    pub fn insert(&mut self, chain: &[(String, u16)]) {
        let Some(((name, relation), rest)) = chain.split_first() else {
            return;
        };
        let at = match self.children.iter().position(|(n, _, _)| n == name) {
            Some(at) => at,
            None => {
                self.children
                    .push((name.clone(), *relation, InputTree::default()));
                self.children.len() - 1
            }
        };
        self.children[at].2.insert(rest);
    }
}
