//! The fetch plan: which Autotask records and fields a mapping reads, so the runtime can
//! fetch them all, in as few calls as possible, before evaluating.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchPlan {
    pub source: EntityFetch,
    pub related: Vec<RelatedFetch>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntityFetch {
    pub entity: String,
    pub fields: Vec<String>,
    pub udfs: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelatedFetch {
    /// `Account`, `AssignedResource`.
    pub relation: String,
    /// The source field holding the related id: `AccountID`.
    pub via_field: String,
    pub fetch: EntityFetch,
}

impl FetchPlan {
    /// Autotask API calls for one ticket: one query for the source entity, then one query
    /// per related entity type (relations to the same type share a query: `id` OR-ed).
    pub fn api_calls(&self) -> usize {
        let mut entities: Vec<&str> = self
            .related
            .iter()
            .map(|r| r.fetch.entity.as_str())
            .collect();
        entities.sort_unstable();
        entities.dedup();
        1 + entities.len()
    }
}
