//! Notes exactly once per Field Nation delivery, across crashes. Each note a delivery creates
//! ends with a line naming it, `(fieldmap delivery <delivery id>)` (for the broker's own
//! `workorder.created`, `(fieldmap workorder.created <work order id>)`); before creating a
//! retried job's notes the broker asks Autotask, in one query, whether the record already
//! holds a note with that line. A worker that created the notes and died before marking the
//! delivery applied leaves the line behind, so the next attempt finds it and creates nothing.

use crate::autotask::wire::{Operator, QueryItem, QueryXml};
use crate::autotask_client::{AutotaskClient, ClientError};
use crate::runtime::outbound::NewNote;

/// Autotask's limit on a note's `Description`.
const DESCRIPTION_LIMIT: usize = 32_000;

/// The notes, each with `line` at the end (the text before it shortened when both would not
/// fit in a description).
pub(super) fn with_marker(notes: &[NewNote], line: &str) -> Vec<NewNote> {
    notes
        .iter()
        .map(|note| {
            let room = DESCRIPTION_LIMIT.saturating_sub(line.chars().count() + 2);
            let text: String = note.description.chars().take(room).collect();
            NewNote {
                description: format!("{}\n\n{line}", text.trim_end()),
                ..note.clone()
            }
        })
        .collect()
}

/// Whether the record of `notes` already holds a note ending with `line`: one query, on the
/// notes' entity (`TicketNote` by `TicketID`, `TaskNote` by `TaskID`).
pub(super) async fn notes_created(
    client: &AutotaskClient,
    notes: &[NewNote],
    line: &str,
) -> Result<bool, ClientError> {
    let Some(first) = notes.first() else {
        return Ok(false);
    };
    let query = QueryXml::new(
        first.entity,
        vec![
            QueryItem::field(
                first.parent_field,
                Operator::Equals,
                first.record_id.to_string(),
            ),
            QueryItem::field("Description", Operator::Contains, line.to_owned()),
        ],
    );
    Ok(!client.query_entities(&query).await?.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_ends_every_note_and_fits() {
        let note = NewNote {
            entity: "TicketNote",
            parent_field: "TicketID",
            record_id: 9137,
            title: "Work done".into(),
            description: "Checked out at 14:02.\n".into(),
            note_type: 3,
            publish: 1,
        };
        let long = NewNote {
            description: "x".repeat(40_000),
            ..note.clone()
        };
        let marked = with_marker(&[note, long], "(fieldmap delivery 3f1c:1)");
        assert_eq!(
            marked[0].description,
            "Checked out at 14:02.\n\n(fieldmap delivery 3f1c:1)"
        );
        assert_eq!(marked[1].description.chars().count(), DESCRIPTION_LIMIT);
        assert!(
            marked[1]
                .description
                .ends_with("(fieldmap delivery 3f1c:1)")
        );
    }
}
