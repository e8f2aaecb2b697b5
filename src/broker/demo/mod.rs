//! `fieldmap demo`: the whole loop in one process, checked. Both simulators and a broker start
//! on the embedded defaults ([`stage`]); a dispatcher moves the demo records to their trigger
//! status in the Autotask simulator, which fires its signed webhooks at the broker; the broker
//! creates the work orders; the provider then takes each work order through Field Nation's
//! lifecycle, and Field Nation's signed events come back and change the records. Every step is
//! a line of the [`timeline`] as it is seen; at the end [`verify`] says whether each record
//! that qualifies has exactly one work order, the one that does not has none, and each record
//! holds what the mapping's `on` rules, evaluated on the events applied, say it should.

pub mod stage;
pub mod timeline;
pub mod verify;
mod watch;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;

use self::stage::{MARKER_FIELD, Stage};
use self::timeline::{Entry, Sink, Timeline};
use self::verify::{Expectation, RecordState, changes, work_orders_for};
use self::watch::Watch;
use super::job_payload::EventDelivery;
use super::store::JobKind;
use crate::schema::{PickValue, Schemas};

/// How to run the demo.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// A PostgreSQL URL for the store instead of a temporary SQLite file.
    pub postgres: Option<String>,
    /// Keep the temporary directory (and the PostgreSQL schema).
    pub keep: bool,
    /// The whole run's limit.
    pub time_limit: Duration,
    /// Tickets to create (copies of ticket 9137 with "Send to FN" = Yes) and dispatch besides
    /// the demo tenant's own.
    pub extra_tickets: usize,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            postgres: None,
            keep: false,
            time_limit: Duration::from_secs(60),
            extra_tickets: 0,
        }
    }
}

/// What the demo did and found.
#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    /// The timeline, as it was printed.
    pub timeline: Vec<Entry>,
    /// Each record: whether its trigger held, and the work orders Field Nation holds for it.
    pub records: Vec<RecordOutcome>,
    /// What differs from what the mapping says; empty when the demo passed.
    pub problems: Vec<String>,
    /// The store the broker ran on: `sqlite` or `postgres`.
    pub store: String,
    /// The temporary directory, when kept.
    pub kept: Option<PathBuf>,
}

impl DemoReport {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One demo record at the end.
#[derive(Debug, Clone, Serialize)]
pub struct RecordOutcome {
    pub entity: String,
    pub id: i64,
    /// Its number in Autotask (`T20250114.0042`).
    pub number: String,
    pub qualifies: bool,
    pub work_orders: Vec<u64>,
    /// Its status at the end, by label.
    pub status: String,
}

/// A demo record and what the dispatcher does to it.
#[derive(Clone, Copy)]
struct Subject {
    entity: &'static str,
    id: i64,
    /// The status it starts from (set before the story starts).
    start: &'static str,
    /// The status the dispatcher moves it to.
    moved_to: &'static str,
    /// Whether the demo means it to qualify (checked against the mapping's triggers).
    meant_to_qualify: bool,
    why: &'static str,
}

/// The demo tenant's records the story uses.
const SUBJECTS: [Subject; 4] = [
    Subject {
        entity: "Ticket",
        id: 9137,
        start: "New",
        moved_to: "Dispatch to Field",
        meant_to_qualify: true,
        why: "\"Send to FN\" is Yes",
    },
    Subject {
        entity: "Ticket",
        id: 9138,
        start: "New",
        moved_to: "Dispatch to Field",
        meant_to_qualify: true,
        why: "it is in the Field Services queue",
    },
    Subject {
        entity: "Ticket",
        id: 9139,
        start: "New",
        moved_to: "Dispatch to Field",
        meant_to_qualify: false,
        why: "neither \"Send to FN\" nor the Field Services queue",
    },
    Subject {
        entity: "Task",
        id: 7701,
        start: "New",
        moved_to: "Ready",
        meant_to_qualify: true,
        why: "an On-Site task",
    },
];

/// A generated ticket: a copy of ticket 9137 with "Send to FN" = Yes, created as "New".
const GENERATED: Subject = Subject {
    entity: "Ticket",
    id: 0,
    start: "New",
    moved_to: "Dispatch to Field",
    meant_to_qualify: true,
    why: "a generated ticket, \"Send to FN\" is Yes",
};

/// The provider's (and the buyer's) steps in Field Nation, in order.
const LIFECYCLE: [(&str, &str); 5] = [
    ("published", "the buyer publishes the work order"),
    ("assigned", "the provider takes it"),
    ("checked_in", "the provider checks in on site"),
    ("work_done", "the provider marks the work done"),
    ("approved", "the buyer approves the work"),
];

/// Why the demo could not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the demo could not start: {0}")]
    Start(String),
    #[error("{0}")]
    Failed(String),
}

/// Runs the demo: every timeline entry goes to `sink` as it is seen.
///
/// # Errors
///
/// A server could not start, or a step failed outright or did not finish within the time
/// limit; what was seen before is in the timeline. A run that finished but found differences
/// is `Ok` with [`DemoReport::problems`].
pub async fn run(options: DemoOptions, sink: Sink) -> Result<DemoReport, DemoError> {
    let stage = Stage::start(options.postgres.as_deref())
        .await
        .map_err(DemoError::Start)?;
    let store = stage.broker.store().backend().to_owned();
    let mut timeline = Timeline::new(sink);
    let deadline = Instant::now() + options.time_limit;
    let told = story(&stage, &mut timeline, deadline, options.extra_tickets).await;
    let kept = stage.finish(options.keep).await;
    let (records, problems) = told.map_err(DemoError::Failed)?;
    Ok(DemoReport {
        timeline: timeline.into_entries(),
        records,
        problems,
        store,
        kept,
    })
}

/// A record's state and where it is in the story.
struct Cast {
    subject: Subject,
    number: String,
    label: String,
    work_order: Option<u64>,
    qualifies: bool,
}

async fn story(
    stage: &Stage,
    timeline: &mut Timeline,
    deadline: Instant,
    extra_tickets: usize,
) -> Result<(Vec<RecordOutcome>, Vec<String>), String> {
    let program = stage.broker.program().clone();
    let schemas = program.schemas().clone();
    let mut problems = Vec::new();
    timeline.note(
        "demo",
        format!(
            "Autotask simulator {}, Field Nation simulator {}, broker {} on {}",
            stage.autotask.zone_url(),
            stage.fieldnation.base_url(),
            stage.broker.base_url(),
            stage.broker.store().backend()
        ),
    );
    let mut subjects = SUBJECTS.to_vec();
    for id in generate(stage, &schemas, extra_tickets).await? {
        subjects.push(Subject { id, ..GENERATED });
    }
    let mut cast = Vec::new();
    for subject in subjects {
        let state = read(stage, subject.entity, subject.id).await?;
        let number_field = if subject.entity == "Task" {
            "TaskNumber"
        } else {
            "TicketNumber"
        };
        let number = state.wire.field(number_field).unwrap_or("?").to_owned();
        let label = match (subject.entity, number.as_str()) {
            (entity, "?") => format!("{} {}", entity.to_lowercase(), subject.id),
            ("Ticket", _) => number.clone(),
            (_, _) => format!("task {number}"),
        };
        if !SUBJECTS
            .iter()
            .any(|s| s.entity == subject.entity && s.id == subject.id)
        {
            timeline.note(
                &label,
                "setup: created over SOAP, a copy of ticket 9137 (Status New, \"Send to FN\" Yes)",
            );
        }
        cast.push(Cast {
            subject,
            number,
            label,
            work_order: None,
            qualifies: false,
        });
    }
    let mut watch = Watch::new(stage, &cast_labels(&cast));

    // Setup: the records start before their trigger status. Their webhooks come in too; the
    // broker re-checks the trigger on the fresh record and dispatches nothing.
    for member in &cast {
        let subject = member.subject;
        let state = read(stage, subject.entity, subject.id).await?;
        if state.shown(&schemas, "Status") != subject.start {
            set_status(stage, &schemas, subject.entity, subject.id, subject.start)?;
            timeline.note(&member.label, format!("setup: Status → {}", subject.start));
        }
    }
    watch.settle(timeline, deadline).await?;

    // Act 1: the dispatcher moves each record to its trigger status.
    let mut before = BTreeMap::new();
    let mut moved = BTreeMap::new();
    for member in &cast {
        let subject = member.subject;
        set_status(
            stage,
            &schemas,
            subject.entity,
            subject.id,
            subject.moved_to,
        )?;
        // Read at once, before the broker's own write-back (if any) changes it again.
        moved.insert(
            (subject.entity, subject.id),
            read(stage, subject.entity, subject.id).await?,
        );
        timeline.note(
            &member.label,
            format!(
                "dispatcher: Status → {} ({})",
                subject.moved_to, subject.why
            ),
        );
    }
    let act = watch.settle(timeline, deadline).await?;
    for member in &mut cast {
        let subject = member.subject;
        let after = read(stage, subject.entity, subject.id).await?;
        member.qualifies = program
            .mappings()
            .iter()
            .enumerate()
            .filter(|(_, m)| m.source() == subject.entity)
            .any(|(i, _)| moved[&(subject.entity, subject.id)].triggers(&program, i));
        if member.qualifies != subject.meant_to_qualify {
            problems.push(format!(
                "{}: the mapping's trigger {} on it; the demo expected the opposite",
                member.label,
                if member.qualifies {
                    "holds"
                } else {
                    "does not hold"
                }
            ));
        }
        let orders = work_orders_for(
            &stage.fieldnation,
            stage.first_work_order,
            MARKER_FIELD,
            subject.entity,
            subject.id,
        );
        member.work_order = orders.first().copied();
        match (member.qualifies, orders.len()) {
            (true, 1) => {}
            (false, 0) => timeline.note(&member.label, "not dispatched: the trigger does not hold"),
            (_, n) => problems.push(format!(
                "{}: {n} work orders after its dispatch; expected {}",
                member.label,
                usize::from(member.qualifies)
            )),
        }
        // `on workorder.created` changes the record right after the dispatch: shown against
        // the record as the dispatcher left it.
        let moved = &moved[&(subject.entity, subject.id)];
        let expectation = expect(
            stage,
            &act,
            subject,
            member.work_order,
            moved,
            &mut problems,
        );
        show_and_check(
            timeline,
            &schemas,
            member,
            moved,
            &after,
            &expectation,
            &mut problems,
        );
        before.insert((subject.entity, subject.id), after);
    }
    watch.label_work_orders(&cast_work_orders(&cast));

    // Acts 2 and on: the work orders through Field Nation's lifecycle, one step at a time for
    // all of them; each event comes back to the broker and changes its record.
    for (event, who) in LIFECYCLE {
        for member in cast.iter().filter(|m| m.work_order.is_some()) {
            let Some(work_order) = member.work_order else {
                continue;
            };
            stage
                .fieldnation
                .transition(work_order, event)
                .map_err(|e| format!("work order {work_order}: {e}"))?;
            timeline.note(
                &member.label,
                format!("Field Nation: work order {work_order} {event} ({who})"),
            );
        }
        let act = watch.settle(timeline, deadline).await?;
        for member in cast.iter().filter(|m| m.work_order.is_some()) {
            let subject = member.subject;
            let after = read(stage, subject.entity, subject.id).await?;
            let expectation = expect(
                stage,
                &act,
                subject,
                member.work_order,
                &before[&(subject.entity, subject.id)],
                &mut problems,
            );
            show_and_check(
                timeline,
                &schemas,
                member,
                &before[&(subject.entity, subject.id)],
                &after,
                &expectation,
                &mut problems,
            );
            before.insert((subject.entity, subject.id), after);
        }
    }

    // The end state: one work order per qualifying record, none for the others, no job
    // failed.
    let mut records = Vec::new();
    for member in &cast {
        let subject = member.subject;
        let orders = work_orders_for(
            &stage.fieldnation,
            stage.first_work_order,
            MARKER_FIELD,
            subject.entity,
            subject.id,
        );
        let expected = usize::from(member.qualifies);
        if orders.len() != expected {
            problems.push(format!(
                "{}: {} work orders at the end; expected {expected}",
                member.label,
                orders.len()
            ));
        }
        let status = before[&(subject.entity, subject.id)].shown(&schemas, "Status");
        records.push(RecordOutcome {
            entity: subject.entity.to_owned(),
            id: subject.id,
            number: member.number.clone(),
            qualifies: member.qualifies,
            work_orders: orders,
            status,
        });
    }
    problems.extend(watch.failures());
    let dispatched = records.iter().filter(|r| !r.work_orders.is_empty()).count();
    timeline.note(
        "demo",
        if problems.is_empty() {
            format!(
                "verified: {dispatched} records dispatched once each, {} not dispatched, every change as the mapping says",
                records.len() - dispatched
            )
        } else {
            format!("FAILED: {} differences", problems.len())
        },
    );
    Ok((records, problems))
}

fn cast_labels(cast: &[Cast]) -> Vec<((String, i64), String)> {
    cast.iter()
        .map(|m| ((m.subject.entity.to_owned(), m.subject.id), m.label.clone()))
        .collect()
}

fn cast_work_orders(cast: &[Cast]) -> Vec<(u64, String)> {
    cast.iter()
        .filter_map(|m| m.work_order.map(|wo| (wo, m.label.clone())))
        .collect()
}

async fn read(stage: &Stage, entity: &str, id: i64) -> Result<RecordState, String> {
    RecordState::read(&stage.client, stage.broker.program().schemas(), entity, id).await
}

/// Sets a record's status by label, as a person in Autotask's UI would (the webhook fires).
fn set_status(
    stage: &Stage,
    schemas: &Schemas,
    entity: &str,
    id: i64,
    label: &str,
) -> Result<(), String> {
    let value = schemas
        .tenant
        .picklist(entity, "Status")
        .and_then(|p| p.by_label(label))
        .map(|entry| match &entry.value {
            PickValue::Int(n) => n.to_string(),
            PickValue::Str(s) => s.clone(),
        })
        .ok_or_else(|| format!("{label:?} is not a {entity} status in the demo tenant"))?;
    stage
        .autotask
        .update_record(entity, id, &[("Status", &value)])
        .map_err(|e| format!("{entity} {id}: {e}"))
}

/// What the events and write-backs applied in an act to `subject`'s work order should have
/// done: each evaluated with the mapping's `on` rules on the record as it was before the act.
fn expect(
    stage: &Stage,
    act: &[super::store::Job],
    subject: Subject,
    work_order: Option<u64>,
    before: &RecordState,
    problems: &mut Vec<String>,
) -> Expectation {
    let Some(ours) = work_order else {
        return Expectation::default();
    };
    let program = stage.broker.program();
    let mut deliveries: Vec<EventDelivery> = act
        .iter()
        .filter(|job| matches!(job.kind, JobKind::Event | JobKind::Writeback))
        .filter_map(|job| EventDelivery::parse(&job.payload).ok())
        .collect();
    deliveries.sort_by_key(EventDelivery::timestamp);
    let mut expectation = Expectation::default();
    for delivery in deliveries {
        let Some(work_order) = delivery.work_order_id() else {
            continue;
        };
        if u64::try_from(work_order).ok() != Some(ours) {
            continue;
        }
        let name = delivery.name().unwrap_or_default();
        if !program.has_outbound_rule(name, subject.entity) {
            continue;
        }
        match before.expected(program, &delivery.body) {
            Ok(changes) => expectation.add(changes, delivery.note_marker()),
            Err(e) => problems.push(format!("{} {}: {name}: {e}", subject.entity, subject.id)),
        }
    }
    expectation
}

/// Prints what changed on a record in an act and checks it against the expectation.
fn show_and_check(
    timeline: &mut Timeline,
    schemas: &Schemas,
    member: &Cast,
    before: &RecordState,
    after: &RecordState,
    expectation: &Expectation,
    problems: &mut Vec<String>,
) {
    let lines = changes(schemas, before, after);
    for line in &lines {
        timeline.note(&member.label, format!("  {line}"));
    }
    let differences = expectation.differences(before, after);
    if !expectation.is_empty() && differences.is_empty() {
        timeline.note(&member.label, "  ✓ as the mapping's rules say");
    }
    for difference in differences {
        timeline.note(&member.label, format!("  ✗ {difference}"));
        problems.push(difference);
    }
}

/// Creates `count` tickets over SOAP, copies of ticket 9137 as "New" with "Send to FN" =
/// Yes, 200 per call (each create fires its webhook): their ids.
async fn generate(stage: &Stage, schemas: &Schemas, count: usize) -> Result<Vec<i64>, String> {
    use crate::autotask_client::WireEntity;

    if count == 0 {
        return Ok(Vec::new());
    }
    let schema = schemas
        .autotask
        .entity("Ticket")
        .ok_or("the Autotask schema has no Ticket")?;
    let model = read(stage, "Ticket", 9137).await?;
    let new = schemas
        .tenant
        .picklist("Ticket", "Status")
        .and_then(|p| p.by_label("New"))
        .map(|e| e.value.to_string())
        .ok_or("the demo tenant has no ticket status \"New\"")?;
    let mut ids = Vec::with_capacity(count);
    let mut made = 0;
    while made < count {
        let batch = (count - made).min(200);
        let mut entities = Vec::with_capacity(batch);
        for n in made..made + batch {
            let mut ticket = WireEntity::from_collected(&model.wire, Some(schema));
            ticket.id = None;
            for read_only in schema.fields.iter().filter(|f| f.read_only) {
                ticket.remove(&read_only.name);
            }
            // Autotask numbers a new ticket itself.
            ticket.remove("TicketNumber");
            ticket
                .set(schema, "Status", new.clone())
                .and_then(|t| t.set(schema, "Title", format!("Generated ticket {}", n + 1)))
                .map_err(|e| e.to_string())?
                .set_udf("Send to FN", Some("Yes".to_owned()));
            entities.push(ticket);
        }
        let written = stage
            .client
            .create(&entities)
            .await
            .map_err(|e| format!("creating tickets: {e}"))?;
        ids.extend(written.ids());
        made += batch;
    }
    Ok(ids)
}
