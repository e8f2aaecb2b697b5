//! What an ATWS response says besides its entities.

/// The `ATWSResponse` of a `query`, minus the entities (those went to the sink).
///
/// `ReturnCode` -1 with `errors` is still an outcome: whether that is fatal
/// is the caller's decision.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryOutcome {
    /// 1 on success, -1 on failure.
    pub return_code: i32,
    /// As sent; its casing varies (`ticket`, `Ticket`), see [`Self::result_type_is`].
    pub entity_result_type: Option<String>,
    /// The `ATWSError/Message` texts, in order.
    pub errors: Vec<String>,
    /// How many entities were delivered to the sink.
    pub entity_count: usize,
}

impl QueryOutcome {
    /// Whether Autotask reported success (`ReturnCode` 1).
    pub fn succeeded(&self) -> bool {
        self.return_code == 1
    }

    /// Compares `EntityResultType` the way Autotask means it: ignoring case.
    pub fn result_type_is(&self, entity: &str) -> bool {
        self.entity_result_type
            .as_deref()
            .is_some_and(|found| found.eq_ignore_ascii_case(entity))
    }
}

/// The `ATWSResponse` of a `create`, `update` or `delete`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteOutcome {
    /// 1 on success, -1 on failure (then nothing was saved).
    pub return_code: i32,
    /// As sent, casing and all.
    pub entity_result_type: Option<String>,
    /// The `ATWSError/Message` texts, in order.
    pub errors: Vec<String>,
    /// How many entities (as saved, with their ids) were delivered to the sink.
    pub entity_count: usize,
    /// One per entity sent, in order.
    pub return_infos: Vec<EntityReturnInfo>,
}

impl WriteOutcome {
    /// Whether Autotask reported success (`ReturnCode` 1).
    pub fn succeeded(&self) -> bool {
        self.return_code == 1
    }
}

/// One `EntityReturnInfo`: what happened to one entity of a write.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntityReturnInfo {
    /// `EntityId`: the id of the entity written (0 when nothing was saved).
    pub entity_id: Option<i64>,
    /// `None`, `Created` or `Updated`, as sent.
    pub database_action: Option<String>,
    /// `DuplicateStatus/Found`.
    pub duplicate_found: Option<bool>,
    /// `Message`, when not empty.
    pub message: Option<String>,
}
