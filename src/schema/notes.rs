//! Which Autotask entities have notes, and how a note names its parent record.

/// An entity's note entity and the note's field holding the parent's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoteEntity {
    /// The note entity, e.g. `TaskNote`.
    pub entity: &'static str,
    /// The note's field naming its record, e.g. `TaskID`.
    pub parent_field: &'static str,
}

/// The notes of the entities a work order is dispatched from. A ServiceCall has none in
/// Autotask's API (its tickets and tasks do).
const NOTE_ENTITIES: [(&str, NoteEntity); 2] = [
    (
        "Ticket",
        NoteEntity {
            entity: "TicketNote",
            parent_field: "TicketID",
        },
    ),
    (
        "Task",
        NoteEntity {
            entity: "TaskNote",
            parent_field: "TaskID",
        },
    ),
];

/// The note entity of `entity`, if Autotask has one that outbound rules can create.
pub fn note_entity(entity: &str) -> Option<NoteEntity> {
    NOTE_ENTITIES
        .iter()
        .find(|(e, _)| *e == entity)
        .map(|(_, n)| *n)
}

/// The entities that have notes, for messages.
pub fn entities_with_notes() -> impl Iterator<Item = &'static str> {
    NOTE_ENTITIES.iter().map(|(e, _)| *e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_and_tasks_have_notes_service_calls_do_not() {
        assert_eq!(
            note_entity("Ticket").map(|n| n.parent_field),
            Some("TicketID")
        );
        assert_eq!(note_entity("Task").map(|n| n.entity), Some("TaskNote"));
        assert_eq!(note_entity("ServiceCall"), None);
        assert_eq!(
            entities_with_notes().collect::<Vec<_>>(),
            ["Ticket", "Task"]
        );
    }
}
