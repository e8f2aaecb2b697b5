//! The fetch plan: which Autotask records and fields a mapping reads, so the runtime can
//! fetch them all, in as few calls as possible, before evaluating.

/// What one mapping reads from Autotask: the source entity and the related records it
/// reaches through reference fields. Built at compile time; see [`MappingProgram::plan`].
///
/// [`MappingProgram::plan`]: crate::MappingProgram::plan
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchPlan {
    /// The mapping's source entity (`Ticket`, `Task`, `ServiceCall`), fetched by the id
    /// being evaluated.
    pub source: EntityFetch,
    /// The related records, a parent always before the relations that go through it.
    pub related: Vec<RelatedFetch>,
}

/// The fields a mapping reads from one Autotask entity type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntityFetch {
    /// The Autotask entity type: `Ticket`, `Account`, `Resource`…
    pub entity: String,
    /// The entity's fields the mapping reads, by their Autotask names, sorted.
    pub fields: Vec<String>,
    /// The user-defined fields the mapping reads, by name, sorted.
    pub udfs: Vec<String>,
    /// A Jsonnet block reads the whole record, every field and UDF.
    pub all_fields: bool,
}

/// A related record the mapping reads, and the reference field that leads to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelatedFetch {
    /// `Account`, `AssignedResource`.
    pub relation: String,
    /// The source field holding the related id: `AccountID`.
    pub via_field: String,
    /// The entity type the reference points to (`Account`, `Resource`) and what is read from it.
    pub fetch: EntityFetch,
    /// The related fetch whose records hold `via_field` (a grandparent's parent); `None` when
    /// the source record holds it.
    pub through: Option<usize>,
    /// A lookup: the records are found by a query on their fields, not by id.
    pub lookup: Option<LookupQuery>,
}

/// What a lookup asks Autotask for: the records of the entity whose `field` equals one of the
/// holders' `via_field` values (all of a batch's values OR-ed in one query), and that pass
/// every filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LookupQuery {
    /// The looked-up entity's field matched with the key: `AccountID`.
    pub field: String,
    /// `(field, operator, value as the wire carries it)`: `("PrimaryContact", Equals, "true")`.
    pub filters: Vec<(String, crate::autotask::wire::Operator, String)>,
}

impl FetchPlan {
    /// Autotask API calls for one ticket: one query for the source entity, then one query
    /// per related entity type and depth (relations to the same type at the same depth share a
    /// query, their ids OR-ed; a grandparent needs its parent's record first), and one per
    /// lookup (a batch of tickets shares it too: their keys are OR-ed).
    pub fn api_calls(&self) -> usize {
        let mut queries: Vec<(usize, &str, Option<usize>)> = self
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| (self.depth(i), r.fetch.entity.as_str(), self.lookup_index(i)))
            .collect();
        queries.sort_unstable();
        queries.dedup();
        1 + queries.len()
    }

    /// A lookup is a query of its own (`Some(index)`); relations by id share theirs.
    pub(crate) fn lookup_index(&self, index: usize) -> Option<usize> {
        self.related
            .get(index)
            .and_then(|r| r.lookup.as_ref())
            .map(|_| index)
    }

    /// How many references away from the source a related fetch is (1 for `Account`).
    pub fn depth(&self, index: usize) -> usize {
        let mut depth = 1;
        let mut at = self.related.get(index).and_then(|r| r.through);
        while let Some(parent) = at {
            depth += 1;
            // Plans list a parent before its children, so the walk ends; the filter guards
            // against a malformed plan.
            at = self
                .related
                .get(parent)
                .and_then(|r| r.through)
                .filter(|p| *p < parent);
        }
        depth
    }
}
