//! What dispatch and event jobs carry: the payload JSON written at intake and read by the
//! worker. A dispatch names the record only (the worker always fetches it fresh); an event
//! carries Field Nation's webhook body as it came, with its delivery id.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::store::{JobKind, NewJob};

/// A `Dispatch` job's payload: which record to map with which mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchRequest {
    /// The mapping's name (`mapping "…"`).
    pub mapping: String,
    /// The Autotask entity: `Ticket`, `Task`, `ServiceCall`.
    pub entity: String,
    /// The record's id.
    pub id: i64,
}

impl DispatchRequest {
    /// A request to dispatch record `entity` `id` with `mapping`.
    pub fn new(mapping: impl Into<String>, entity: impl Into<String>, id: i64) -> Self {
        DispatchRequest {
            mapping: mapping.into(),
            entity: entity.into(),
            id,
        }
    }

    /// The job's key: one open dispatch job per record and mapping (`Ticket:9137 Dispatch…`).
    pub fn key(&self) -> String {
        format!("{}:{} {}", self.entity, self.id, self.mapping)
    }

    /// The job to enqueue, due now, in the record's lane (`Ticket:9137`): one dispatch of a
    /// record runs at a time, in the order they came.
    pub fn job(&self) -> NewJob {
        NewJob::new(JobKind::Dispatch, self.key(), to_text(self))
            .in_lane(record_lane(&self.entity, self.id), None)
    }

    /// Reads a job's payload.
    ///
    /// # Errors
    ///
    /// The payload is not a dispatch request.
    pub fn parse(payload: &str) -> Result<Self, String> {
        serde_json::from_str(payload).map_err(|e| format!("unreadable dispatch payload: {e}"))
    }
}

/// The lane of the jobs that read or write one record (`Ticket:9137`): its dispatches, and the
/// events of the work orders dispatched from it, which write it.
pub fn record_lane(entity: &str, id: i64) -> String {
    format!("{entity}:{id}")
}

/// The record a work order was dispatched from, as its correlation names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceRecord<'a> {
    pub entity: &'a str,
    pub id: i64,
}

/// The event the broker raises after a dispatch, for `on workorder.created` rules.
pub const CREATED: &str = "workorder.created";

/// An `Event` (or `Writeback`) job's payload: a Field Nation webhook v3 body and the delivery that brought it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDelivery {
    /// `X-FN-Delivery-Id`: a note is created once per delivery.
    pub delivery_id: String,
    /// The webhook body, parsed.
    pub body: Json,
}

impl EventDelivery {
    /// A delivery of `body`.
    pub fn new(delivery_id: impl Into<String>, body: Json) -> Self {
        EventDelivery {
            delivery_id: delivery_id.into(),
            body,
        }
    }

    /// The job to enqueue (keyed by the delivery id), due now, in the lane of the record its
    /// work order was dispatched from when that is known.
    pub fn job(&self, source: Option<SourceRecord<'_>>) -> NewJob {
        self.in_lane(
            NewJob::new(JobKind::Event, self.delivery_id.clone(), to_text(self)),
            source,
        )
    }

    /// `job` at Field Nation's time of the event in its record's lane (`Ticket:9137`), so that
    /// one event is applied at a time, oldest first, and the events of two work orders of one
    /// record never write it at once; a work order no correlation knows yet gets a lane of its
    /// own (`workorder:1234`).
    fn in_lane(&self, job: NewJob, source: Option<SourceRecord<'_>>) -> NewJob {
        match (source, self.work_order_id()) {
            (Some(record), _) => job.in_lane(record_lane(record.entity, record.id), self.timestamp()),
            (None, Some(id)) => job.in_lane(format!("workorder:{id}"), self.timestamp()),
            (None, None) => job,
        }
    }

    /// The `workorder.created` event the broker makes itself after a dispatch: the created
    /// work order as Field Nation answered it, at `at`. Its id names the work order, so its
    /// notes are created once per work order.
    pub fn created(work_order_id: i64, work_order: Json, at: Timestamp) -> Self {
        let body = serde_json::json!({
            "event": {
                "name": CREATED,
                "params": { "work_order_id": work_order_id },
            },
            "timestamp": at.to_string(),
            "workorder": work_order,
        });
        EventDelivery::new(format!("{CREATED}:{work_order_id}"), body)
    }

    /// The `Writeback` job that applies a [`EventDelivery::created`] event to `source`, due
    /// now, in its lane.
    pub fn writeback_job(&self, source: SourceRecord<'_>) -> NewJob {
        self.in_lane(
            NewJob::new(JobKind::Writeback, self.delivery_id.clone(), to_text(self)),
            Some(source),
        )
    }

    /// Reads a job's payload.
    ///
    /// # Errors
    ///
    /// The payload is not an event delivery.
    pub fn parse(payload: &str) -> Result<Self, String> {
        serde_json::from_str(payload).map_err(|e| format!("unreadable event payload: {e}"))
    }

    /// The work order the event is about: `workorder.id`, else `event.params.work_order_id`.
    pub fn work_order_id(&self) -> Option<i64> {
        self.body
            .pointer("/workorder/id")
            .or_else(|| self.body.pointer("/event/params/work_order_id"))
            .and_then(Json::as_i64)
    }

    /// Field Nation's time of the event (`timestamp`, with its offset).
    pub fn timestamp(&self) -> Option<Timestamp> {
        self.body.get("timestamp")?.as_str()?.parse().ok()
    }

    /// The event's name, e.g. `workorder.status.assigned`.
    pub fn name(&self) -> Option<&str> {
        crate::runtime::outbound::event_name(&self.body)
    }

    /// The marker that says this delivery's notes were created. Notes of `workorder.created`
    /// are marked per work order: the broker raises that event itself after the create, and
    /// Field Nation's own delivery of it must not add the notes a second time.
    pub fn note_marker(&self) -> String {
        match (self.name(), self.work_order_id()) {
            (Some(CREATED), Some(id)) => format!("note:{CREATED}:{id}"),
            _ => format!("note:{}", self.delivery_id),
        }
    }

    /// The line that ends each of this delivery's notes, so a retry after a crash can find
    /// them in Autotask (keyed like [`EventDelivery::note_marker`]).
    pub fn note_line(&self) -> String {
        match (self.name(), self.work_order_id()) {
            (Some(CREATED), Some(id)) => format!("(fieldmap {CREATED} {id})"),
            _ => format!("(fieldmap delivery {})", self.delivery_id),
        }
    }
}

fn to_text(value: &impl Serialize) -> String {
    // Both payloads are plain structs of strings, numbers and JSON: serializing cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_name_their_record() {
        let request = DispatchRequest::new("Dispatch", "Ticket", 9137);
        let job = request.job();
        assert_eq!(job.key, "Ticket:9137 Dispatch");
        assert_eq!(job.lane.as_deref(), Some("Ticket:9137"));
        assert_eq!(DispatchRequest::parse(&job.payload), Ok(request));
        assert!(DispatchRequest::parse("{}").is_err());

        let body = serde_json::json!({
            "event": {"name": "workorder.status.assigned", "params": {"work_order_id": 7}},
            "timestamp": "2025-01-16T09:15:00-06:00",
        });
        let delivery = EventDelivery::new("d-1", body);
        let job = delivery.job(None);
        assert_eq!((job.kind, job.key.as_str()), (JobKind::Event, "d-1"));
        assert_eq!(job.lane.as_deref(), Some("workorder:7"));
        assert_eq!(job.lane_order, delivery.timestamp());
        let ticket = SourceRecord {
            entity: "Ticket",
            id: 9137,
        };
        let job = delivery.job(Some(ticket));
        assert_eq!(job.lane.as_deref(), Some("Ticket:9137"));
        assert_eq!(job.lane_order, delivery.timestamp());
        let read = EventDelivery::parse(&job.payload);
        assert_eq!(read.as_ref().ok(), Some(&delivery));
        assert_eq!(delivery.work_order_id(), Some(7));
        assert_eq!(delivery.name(), Some("workorder.status.assigned"));
        assert_eq!(
            delivery.timestamp().map(|t| t.to_string()),
            Some("2025-01-16T15:15:00Z".into())
        );
        assert_eq!(delivery.note_marker(), "note:d-1");

        // The broker's `workorder.created` and Field Nation's share one note marker.
        let ours = EventDelivery::created(7, serde_json::json!({"id": 7}), Timestamp::UNIX_EPOCH);
        assert_eq!(ours.writeback_job(ticket).kind, JobKind::Writeback);
        assert_eq!(ours.writeback_job(ticket).lane.as_deref(), Some("Ticket:9137"));
        assert_eq!(ours.work_order_id(), Some(7));
        assert_eq!(ours.name(), Some(CREATED));
        let theirs = EventDelivery::new("fn-delivery-9", ours.body.clone());
        assert_eq!(ours.note_marker(), theirs.note_marker());
        assert_eq!(theirs.note_marker(), "note:workorder.created:7");
    }
}
