//! Common words for Field Nation's webhook events, so that a misnamed event is answered by
//! meaning: `workorder.status.completed` is work done (or approved), not `deleted`, which
//! only looks alike.

/// The events a word means, best first, for the last part of an unknown event name.
pub(super) fn events_meant_by(name: &str) -> &'static [&'static str] {
    let word = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
    let word = word.replace(['-', ' '], "_");
    match word.as_str() {
        "completed" | "complete" | "done" | "finished" | "finish" | "closed" | "resolved"
        | "workdone" | "work_complete" | "work_completed" => {
            &["workorder.status.work_done", "workorder.status.approved"]
        }
        "accepted" | "accept" | "dispatched" | "assign" | "scheduled" => {
            &["workorder.status.assigned", "workorder.status.confirmed"]
        }
        "started" | "start" | "arrived" | "onsite" | "on_site" | "checkin" => {
            &["workorder.status.checked_in"]
        }
        "left" | "departed" | "checkout" => &["workorder.status.checked_out"],
        "enroute" | "en_route" | "on_the_way" | "travelling" | "traveling" => {
            &["workorder.status.on_my_way"]
        }
        "canceled" | "cancel" | "voided" => &["workorder.status.cancelled"],
        "removed" | "delete" => &["workorder.status.deleted"],
        "invoiced" | "payment" | "paid_out" => &["workorder.status.paid"],
        "rescheduled" | "schedule_changed" => &["workorder.schedule_updated"],
        "created" | "new" | "opened" => &["workorder.created"],
        "comment" | "message" | "note" | "note_added" => &["workorder.message_posted"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::events_meant_by;

    #[test]
    fn completed_means_work_done_not_deleted() {
        assert_eq!(
            events_meant_by("workorder.status.completed"),
            ["workorder.status.work_done", "workorder.status.approved"]
        );
        assert_eq!(
            events_meant_by("workorder.status.Canceled"),
            ["workorder.status.cancelled"]
        );
        assert!(events_meant_by("workorder.status.zzz").is_empty());
    }
}
