//! A work order's lifecycle as the webhooks v3 events name it: every status change is the
//! event `workorder.status.<name>`. The simulator moves work orders through it; tests and
//! demos name transitions by these event names.
//!
//! Field Nation's status ids are not documented consistently (its own pages disagree); the
//! ids here follow the webhook examples the project ships (`mappings/fixtures/events/`):
//! 1 Draft, 2 Published (also when routed), 3 Assigned (with confirmed, on my way, checked
//! in and out as its sub-states), 4 Work Done, 5 Approved, 6 Paid, 7 Cancelled.

/// A status a work order can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Draft,
    Published,
    Routed,
    Assigned,
    Confirmed,
    OnMyWay,
    CheckedIn,
    CheckedOut,
    WorkDone,
    Approved,
    Paid,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 12] = [
        Status::Draft,
        Status::Published,
        Status::Routed,
        Status::Assigned,
        Status::Confirmed,
        Status::OnMyWay,
        Status::CheckedIn,
        Status::CheckedOut,
        Status::WorkDone,
        Status::Approved,
        Status::Paid,
        Status::Cancelled,
    ];

    /// The name in event names: `checked_in` for `workorder.status.checked_in`.
    pub fn event_suffix(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
            Status::Routed => "routed",
            Status::Assigned => "assigned",
            Status::Confirmed => "confirmed",
            Status::OnMyWay => "on_my_way",
            Status::CheckedIn => "checked_in",
            Status::CheckedOut => "checked_out",
            Status::WorkDone => "work_done",
            Status::Approved => "approved",
            Status::Paid => "paid",
            Status::Cancelled => "cancelled",
        }
    }

    /// `workorder.status.<suffix>`.
    pub fn event_name(self) -> String {
        format!("workorder.status.{}", self.event_suffix())
    }

    /// The status an event suffix or a full event name names: `checked_in`,
    /// `workorder.status.checked_in`.
    pub fn from_event(name: &str) -> Option<Status> {
        let suffix = name.strip_prefix("workorder.status.").unwrap_or(name);
        Status::ALL.into_iter().find(|s| s.event_suffix() == suffix)
    }

    /// Field Nation's status id.
    pub fn id(self) -> u32 {
        match self {
            Status::Draft => 1,
            Status::Published | Status::Routed => 2,
            Status::Assigned
            | Status::Confirmed
            | Status::OnMyWay
            | Status::CheckedIn
            | Status::CheckedOut => 3,
            Status::WorkDone => 4,
            Status::Approved => 5,
            Status::Paid => 6,
            Status::Cancelled => 7,
        }
    }

    /// Field Nation's status name (`status.name`), shared by the sub-states of one id.
    pub fn name(self) -> &'static str {
        match self {
            Status::Draft => "Draft",
            Status::Published | Status::Routed => "Published",
            Status::Assigned
            | Status::Confirmed
            | Status::OnMyWay
            | Status::CheckedIn
            | Status::CheckedOut => "Assigned",
            Status::WorkDone => "Work Done",
            Status::Approved => "Approved",
            Status::Paid => "Paid",
            Status::Cancelled => "Cancelled",
        }
    }

    /// What Field Nation's screens show (`status.display`).
    pub fn display(self) -> &'static str {
        match self {
            Status::Draft => "Draft",
            Status::Published => "Published",
            Status::Routed => "Routed",
            Status::Assigned => "Assigned",
            Status::Confirmed => "Confirmed",
            Status::OnMyWay => "On my way",
            Status::CheckedIn => "Checked in",
            Status::CheckedOut => "Checked out",
            Status::WorkDone => "Work Done",
            Status::Approved => "Approved",
            Status::Paid => "Paid",
            Status::Cancelled => "Cancelled",
        }
    }

    /// The statuses a work order may move to this one from. A provider checks in and out as
    /// often as the visit needs; approved and paid work can no longer be cancelled.
    pub fn allowed_from(self) -> &'static [Status] {
        use Status::*;
        match self {
            Draft => &[Published, Routed],
            Published => &[Draft],
            Routed => &[Draft, Published],
            Assigned => &[Published, Routed],
            Confirmed => &[Assigned],
            OnMyWay => &[Assigned, Confirmed],
            CheckedIn => &[Assigned, Confirmed, OnMyWay, CheckedOut],
            CheckedOut => &[CheckedIn],
            WorkDone => &[CheckedIn, CheckedOut],
            Approved => &[WorkDone],
            Paid => &[Approved],
            Cancelled => &[
                Draft, Published, Routed, Assigned, Confirmed, OnMyWay, CheckedIn, CheckedOut,
                WorkDone,
            ],
        }
    }

    /// Whether a work order in `self` may move to `to`.
    pub fn can_move_to(self, to: Status) -> bool {
        to.allowed_from().contains(&self)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.event_suffix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_path_is_allowed_step_by_step_and_names_round_trip() {
        let path = [
            Status::Draft,
            Status::Published,
            Status::Routed,
            Status::Assigned,
            Status::Confirmed,
            Status::OnMyWay,
            Status::CheckedIn,
            Status::CheckedOut,
            Status::WorkDone,
            Status::Approved,
            Status::Paid,
        ];
        for pair in path.windows(2) {
            assert!(pair[0].can_move_to(pair[1]), "{} -> {}", pair[0], pair[1]);
        }
        assert!(!Status::Paid.can_move_to(Status::Cancelled));
        assert!(!Status::Draft.can_move_to(Status::Paid));
        for status in Status::ALL {
            assert_eq!(Status::from_event(&status.event_name()), Some(status));
        }
        assert_eq!(Status::from_event("workorder.status.teleported"), None);
    }
}
