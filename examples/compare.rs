//! The comparison run: the service-ticket dispatch mapping over the same 10,000 tickets, each
//! way ending in the JSON bytes a broker sends, in one process, so that the noise of a shared
//! machine falls on all of them alike.
//!
//! - fieldmap: `Program::evaluate_to_json`, and `Program::evaluate` (the JSON tree with
//!   provenance) followed by serialization;
//! - the Field Nation way: the same mapping as one Jsonnet program over `$.input` with the helper
//!   library, evaluated by jrsonnet (benches/dispatch-service-ticket.jsonnet);
//! - the floor: hand-written Rust for this one mapping, with typed serde structs.
//!
//! The mapping finds a ticket's site contact with a lookup (the account's primary contact when
//! the ticket names none). Fieldmap looks it up among the loaded records itself; the Jsonnet way
//! and the floor get it the way a broker's custom action would, found beforehand for the batch
//! (`primary_contacts`: the account's matching contact with the lowest id), so their lookup is
//! not timed, and Jsonnet reads it as `$.input.PrimaryContact`.
//!
//! Every way must produce the same work order for every ticket; the run checks it. It also
//! measures SOAP page parsing against a bare quick-xml pass over the same bytes, and compile
//! times. FIELDMAP_PROFILE=fieldmap|tree|jsonnet|floor|soap runs one way alone, for `perf`.
//!
//! Run: cargo run --release --example compare [-- TICKETS]

use std::borrow::Cow;
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fieldmap::EvalContext;
use fieldmap::autotask::soap::{EntitySink, WireType, read_query_response};
use fieldmap::ir::InputTree;
use fieldmap::jsonnet::LocalJsonnet;
use fieldmap::load_query_response;
use fieldmap::runtime::jsonnet_input::build;
use fieldmap::schema::{PickValue, Schemas};
use fieldmap::time::{self, parse_autotask_datetime};
use fieldmap::value::Value;
use fieldmap::value::record::{Record, RecordSet};
use rust_decimal::prelude::ToPrimitive as _;
use serde::Serialize;
use serde_json::{Value as Json, json};

const MAPPING: &str = include_str!("../mappings/dispatch-service-ticket.fmap");
const JSONNET: &str = include_str!("../benches/dispatch-service-ticket.jsonnet");
/// Timed rounds per way; the best one counts.
const ROUNDS: usize = 5;

/// One way of turning a ticket into the work order's JSON bytes, appended to the buffer.
type Way<'a> = dyn Fn(i64, &mut Vec<u8>) -> Result<(), String> + 'a;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tickets: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let schemas = Arc::new(Schemas::bundled()?);
    let program = fieldmap::compile(MAPPING, schemas.clone())?;
    let mut records = RecordSet::new();
    for xml in demo::responses(tickets) {
        load_query_response(&xml, &schemas, &mut records)?;
    }
    let ids: Vec<i64> = records.of_entity("Ticket").iter().map(|r| r.id).collect();
    let ctx = EvalContext::at(parse_autotask_datetime("2025-01-15T09:00:00")?.0);
    println!("{} tickets, {} records in all\n", ids.len(), records.len());

    let primaries = primary_contacts(&records, &schemas);
    let jsonnet = LocalJsonnet::new();
    let prepared = jsonnet.prepare(JSONNET)?;
    let tree = input_tree();
    let floor = Floor::new(&schemas);
    // Every way ends in the bytes a broker sends to Field Nation.
    let by_fieldmap = |id: i64, out: &mut Vec<u8>| {
        program
            .evaluate_to_json(&records, id, &ctx, 0, out)
            .map(drop)
            .map_err(|e| e.to_string())
    };
    let by_fieldmap_tree = |id: i64, out: &mut Vec<u8>| {
        let evaluation = program
            .evaluate(&records, id, &ctx, 0)
            .map_err(|e| e.to_string())?;
        serde_json::to_writer(out, &evaluation.work_order).map_err(|e| e.to_string())
    };
    // The Field Nation way: $.input built from the same records, then Jsonnet.
    let by_jsonnet = |id: i64, out: &mut Vec<u8>| {
        let (ticket, related) = related_of(&records, &schemas, &primaries, id);
        jsonnet.call_to_json(&prepared, build(&tree, ticket, &related, &schemas), out)
    };
    let by_hand = |id: i64, out: &mut Vec<u8>| {
        let (ticket, related) = related_of(&records, &schemas, &primaries, id);
        floor.write_work_order(ticket, &related, out)
    };
    let ways: [(&str, &Way); 4] = [
        ("fieldmap (evaluate_to_json)", &by_fieldmap),
        ("fieldmap (evaluate, tree + provenance)", &by_fieldmap_tree),
        ("Jsonnet way (jrsonnet)", &by_jsonnet),
        ("hand-written Rust (the floor)", &by_hand),
    ];

    // For `perf record`: one way alone, many times. FIELDMAP_PROFILE=fieldmap|tree|jsonnet|floor|soap
    if let Ok(way) = std::env::var("FIELDMAP_PROFILE") {
        let one = match way.as_str() {
            "fieldmap" => ways[0].1,
            "tree" => ways[1].1,
            "jsonnet" => ways[2].1,
            "floor" => ways[3].1,
            "soap" => {
                let page = demo::ticket_page(0, 500);
                for _ in 0..200 {
                    let mut records = RecordSet::new();
                    load_query_response(&page, &schemas, &mut records)?;
                    black_box(&records);
                }
                return Ok(());
            }
            other => return Err(format!("FIELDMAP_PROFILE: unknown way {other}").into()),
        };
        let mut out = Vec::new();
        for _ in 0..20 {
            for id in &ids {
                out.clear();
                black_box(one(*id, &mut out).ok());
            }
        }
        return Ok(());
    }
    // First the check: every way gives the same work order for every ticket.
    let mut out = Vec::new();
    for id in &ids {
        let mut seen: Vec<Json> = Vec::new();
        for (_, way) in &ways {
            out.clear();
            way(*id, &mut out).map_err(|e| format!("ticket {id}: {e}"))?;
            seen.push(normalize(&serde_json::from_slice(&out)?));
        }
        if seen.iter().any(|s| *s != seen[0]) {
            let shown: Vec<String> = ways
                .iter()
                .zip(&seen)
                .map(|((name, _), json)| format!("{name}: {json:#}"))
                .collect();
            return Err(format!("ticket {id}: the ways disagree\n{}", shown.join("\n")).into());
        }
    }
    println!(
        "all {} ways give the same work order for all {} tickets\n",
        ways.len(),
        ids.len()
    );

    // Then the timing, each way in its own loop, one buffer reused as a broker would.
    // Rounds interleave the ways, and each way's best round counts: what is left is the cost
    // of the work, not of whatever else the machine was doing then.
    let mut best = [Duration::MAX; 4];
    for _ in 0..ROUNDS {
        for ((_, way), best) in ways.iter().zip(&mut best) {
            let started = Instant::now();
            for id in &ids {
                out.clear();
                black_box(way(*id, &mut out).ok());
            }
            *best = (*best).min(started.elapsed());
        }
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / ids.len() as f64;
    let reference = per(best[0]);
    println!("{:<40} {:>12}   against fieldmap", "", "per ticket");
    for (i, ((name, _), time)) in ways.iter().zip(best).enumerate() {
        let ratio = per(time) / reference;
        let against = if i == 0 {
            "—".to_string()
        } else if ratio >= 1.0 {
            format!("{ratio:.2}× slower")
        } else {
            format!("{:.2}× faster", 1.0 / ratio)
        };
        println!("{name:<40} {:>9.2} µs   {against}", per(time));
    }

    soap_parsing(&schemas)?;
    compiling(&schemas)?;
    Ok(())
}

/// Parse, check and lower of the example mappings.
fn compiling(schemas: &Arc<Schemas>) -> Result<(), Box<dyn std::error::Error>> {
    println!("\ncompiling (parse, check against the schemas, lower):");
    // Three dispatch mappings and the outbound rules in one file: past the 100 lines of the
    // target. The service call's import is replaced by the text of the file it imports (its
    // zone table and site_zone helper), so the whole is compiled from memory.
    let service_call = include_str!("../mappings/dispatch-service-call.fmap").replace(
        "import \"us-sites.fmap\"\n",
        include_str!("../mappings/us-sites.fmap"),
    );
    let all_in_one = [
        MAPPING,
        include_str!("../mappings/dispatch-project-task.fmap"),
        service_call.as_str(),
        include_str!("../mappings/status-sync.fmap"),
    ]
    .join("\n");
    for (name, source) in [
        ("dispatch-service-ticket.fmap", MAPPING),
        (
            "dispatch-with-parent-account.fmap",
            include_str!("../mappings/dispatch-with-parent-account.fmap"),
        ),
        ("four examples in one file", all_in_one.as_str()),
    ] {
        let rounds = 200;
        let mut best = Duration::MAX;
        for _ in 0..ROUNDS {
            let started = Instant::now();
            for _ in 0..rounds {
                black_box(fieldmap::compile(source, schemas.clone())?);
            }
            best = best.min(started.elapsed() / rounds);
        }
        println!(
            "  {name:<36} {:>4} lines {:>9.1} µs",
            source.lines().count(),
            best.as_secs_f64() * 1e6
        );
    }
    Ok(())
}

/// SOAP page parsing against a bare quick-xml pass over the same bytes: the reader alone (every
/// field found, unescaped and handed over), and the reader building typed records.
fn soap_parsing(schemas: &Schemas) -> Result<(), Box<dyn std::error::Error>> {
    let page = demo::ticket_page(0, 500);
    let rounds = 40;
    let (mut reader, mut records, mut bare) = (Duration::MAX, Duration::MAX, Duration::MAX);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        for _ in 0..rounds {
            let mut sink = ValueBytes::default();
            read_query_response(&page, &mut sink)?;
            black_box(sink.0);
        }
        reader = reader.min(started.elapsed());
        let started = Instant::now();
        for _ in 0..rounds {
            let mut loaded = RecordSet::new();
            load_query_response(&page, schemas, &mut loaded)?;
            black_box(&loaded);
        }
        records = records.min(started.elapsed());
        let started = Instant::now();
        for _ in 0..rounds {
            black_box(bare_quick_xml_pass(&page));
        }
        bare = bare.min(started.elapsed());
    }
    let mb = page.len() as f64 * rounds as f64 / 1e6;
    let rate = |d: Duration| mb / d.as_secs_f64();
    let ratio = |d: Duration| d.as_secs_f64() / bare.as_secs_f64();
    println!("\nSOAP page of 500 tickets ({} KB):", page.len() / 1024);
    println!("{:<40} {:>8.1} MB/s", "  bare quick-xml pass", rate(bare));
    println!(
        "{:<40} {:>8.1} MB/s {:>6.2}× the bare pass",
        "  the reader (every field to a sink)",
        rate(reader),
        ratio(reader)
    );
    println!(
        "{:<40} {:>8.1} MB/s {:>6.2}× the bare pass",
        "  typed records in a RecordSet",
        rate(records),
        ratio(records)
    );
    Ok(())
}

/// A sink that takes every value the reader finds, and keeps only their total length.
#[derive(Default)]
struct ValueBytes(usize);

impl EntitySink for ValueBytes {
    fn wants_wire_types(&self) -> bool {
        false
    }
    fn begin_entity(&mut self, entity_type: &str) {
        self.0 += entity_type.len();
    }
    fn field(&mut self, name: &str, _xsi_type: Option<WireType>, value: &str) {
        self.0 += name.len() + value.len();
    }
    fn udf(&mut self, name: &str, value: Option<&str>) {
        self.0 += name.len() + value.map_or(0, str::len);
    }
    fn end_entity(&mut self) {}
}

/// Reads every event and decodes every text, the least any parser must do.
fn bare_quick_xml_pass(xml: &str) -> usize {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut count = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(Event::Text(t)) => count += t.xml10_content().len(),
            Ok(Event::GeneralRef(r)) => {
                count += r.resolve_char_ref().ok().flatten().map_or(1, |_| 1)
            }
            Ok(_) => count += 1,
        }
    }
    count
}

fn input_tree() -> InputTree {
    let mut tree = InputTree::default();
    for (i, name) in ["Account", "Contact", "AssignedResource", "PrimaryContact"]
        .iter()
        .enumerate()
    {
        tree.insert(&[(name.to_string(), i as u16)]);
    }
    tree
}

/// Each account's primary contact, as the mapping's lookup finds it: of the contacts with that
/// AccountID and PrimaryContact true, the one with the lowest id.
fn primary_contacts<'r>(records: &'r RecordSet, schemas: &Schemas) -> HashMap<i64, &'r Record> {
    let entity = schemas.autotask.entity("Contact").expect("Contact schema");
    let slot = |name: &str| entity.field_slot(name).expect("Contact field");
    let (account, primary) = (slot("AccountID"), slot("PrimaryContact"));
    let mut found: HashMap<i64, &Record> = HashMap::new();
    for contact in records.of_entity("Contact") {
        if let (Value::Int(account), Value::Bool(true)) =
            (contact.field(account), contact.field(primary))
        {
            let kept = found.entry(*account).or_insert(contact);
            if contact.id < kept.id {
                *kept = contact;
            }
        }
    }
    found
}

/// The ticket and its Account, Contact, AssignedResource and the account's primary contact,
/// looked up by the ids it holds.
fn related_of<'r>(
    records: &'r RecordSet,
    schemas: &Schemas,
    primaries: &HashMap<i64, &'r Record>,
    id: i64,
) -> (&'r Record, Vec<Option<&'r Record>>) {
    let ticket = records.get("Ticket", id).expect("ticket");
    let entity = schemas.autotask.entity("Ticket").expect("Ticket schema");
    let id_in = |field: &str| match entity.field_slot(field).map(|s| ticket.field(s)) {
        Some(Value::Int(id)) => Some(*id),
        _ => None,
    };
    let related = [
        ("AccountID", "Account"),
        ("ContactID", "Contact"),
        ("AssignedResourceID", "Resource"),
    ]
    .iter()
    .map(|(field, target)| match id_in(field) {
        Some(id) => records.get(target, id),
        None => None,
    })
    .chain([id_in("AccountID").and_then(|account| primaries.get(&account).copied())])
    .collect();
    (ticket, related)
}

/// Numbers compare by value: Jsonnet's 150.0 is the mapping's 150.
fn normalize(json: &Json) -> Json {
    match json {
        Json::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9e15 => json!(f as i64),
            _ => json.clone(),
        },
        Json::Array(items) => Json::Array(items.iter().map(normalize).collect()),
        Json::Object(map) => {
            Json::Object(map.iter().map(|(k, v)| (k.clone(), normalize(v))).collect())
        }
        other => other.clone(),
    }
}

/// The hand-written floor: what a Rust developer would write for this one mapping. Field slots
/// and picklist labels are looked up once; per ticket, typed structs borrow from the records
/// and serde writes them out.
struct Floor<'s> {
    ticket: TicketSlots,
    account: AccountSlots,
    contact: PersonSlots,
    resource: PersonSlots,
    site_notes: Option<usize>,
    issue_types: HashMap<i64, &'s str>,
    priorities: HashMap<i64, &'s str>,
    /// The site_zone table: a state's zone, Eastern for the rest.
    site_zones: HashMap<&'static str, jiff::tz::TimeZone>,
    eastern: jiff::tz::TimeZone,
    site_format: time::MomentFormat,
}

struct TicketSlots {
    number: usize,
    contact: usize,
    title: usize,
    description: usize,
    issue_type: usize,
    due: usize,
    hours: usize,
    priority: usize,
}

struct AccountSlots {
    name: usize,
    address1: usize,
    address2: usize,
    city: usize,
    state: usize,
    zip: usize,
    country: usize,
}

struct PersonSlots {
    first: usize,
    last: usize,
    phone: Option<usize>,
    email: usize,
}

#[derive(Serialize)]
struct WorkOrder<'r> {
    title: String,
    description: Html,
    types_of_work: [TypeOfWork; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Location<'r>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contacts: Option<Results<Vec<Contact<'r>>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule: Option<Schedule>,
    pay: Pay,
    custom_fields: Results<[Results<Vec<CustomField<'r>>>; 1]>,
}

#[derive(Serialize)]
struct Html {
    html: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TypeOfWork {
    id: i64,
    is_primary: bool,
}

#[derive(Serialize)]
struct Location<'r> {
    mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address1: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address2: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    city: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    zip: Option<&'r str>,
    country: &'r str,
}

#[derive(Serialize)]
struct Results<T> {
    results: T,
}

#[derive(Serialize)]
struct Contact<'r> {
    role: &'static str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'r str>,
}

#[derive(Serialize)]
struct Schedule {
    service_window: ServiceWindow,
}

#[derive(Serialize)]
struct ServiceWindow {
    mode: &'static str,
    start: Utc,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<Utc>,
}

#[derive(Serialize)]
struct Utc {
    utc: String,
}

#[derive(Serialize)]
struct Pay {
    #[serde(rename = "type")]
    kind: &'static str,
    base: PayBase,
}

#[derive(Serialize)]
struct PayBase {
    units: i64,
    amount: i64,
}

#[derive(Serialize)]
struct CustomField<'r> {
    id: i64,
    value: Cow<'r, str>,
}

impl<'s> Floor<'s> {
    fn new(schemas: &'s Schemas) -> Self {
        let slot = |entity: &str, field: &str| {
            schemas
                .autotask
                .entity(entity)
                .and_then(|e| e.field_slot(field))
                .expect("field in schema")
        };
        let labels = |field: &str| -> HashMap<i64, &'s str> {
            let list = schemas.tenant.picklist("Ticket", field).expect("picklist");
            list.values
                .iter()
                .filter_map(|v| match v.value {
                    PickValue::Int(id) => Some((id, v.label.as_str())),
                    _ => None,
                })
                .collect()
        };
        let person = |entity: &str, email: &str, phone: bool| PersonSlots {
            first: slot(entity, "FirstName"),
            last: slot(entity, "LastName"),
            phone: phone.then(|| slot(entity, "Phone")),
            email: slot(entity, email),
        };
        Floor {
            ticket: TicketSlots {
                number: slot("Ticket", "TicketNumber"),
                contact: slot("Ticket", "ContactID"),
                title: slot("Ticket", "Title"),
                description: slot("Ticket", "Description"),
                issue_type: slot("Ticket", "IssueType"),
                due: slot("Ticket", "DueDateTime"),
                hours: slot("Ticket", "EstimatedHours"),
                priority: slot("Ticket", "Priority"),
            },
            account: AccountSlots {
                name: slot("Account", "AccountName"),
                address1: slot("Account", "Address1"),
                address2: slot("Account", "Address2"),
                city: slot("Account", "City"),
                state: slot("Account", "State"),
                zip: slot("Account", "PostalCode"),
                country: slot("Account", "Country"),
            },
            contact: person("Contact", "EMailAddress", true),
            resource: person("Resource", "Email", false),
            site_notes: schemas.tenant.udf_slot("Ticket", "Site Access Notes"),
            issue_types: labels("IssueType"),
            priorities: labels("Priority"),
            site_zones: [
                (&["MN", "WI", "IL", "IA", "MO", "TX"][..], "America/Chicago"),
                (&["CO", "UT", "NM"], "America/Denver"),
                (&["AZ"], "America/Phoenix"),
                (&["CA", "OR", "WA", "NV"], "America/Los_Angeles"),
            ]
            .into_iter()
            .flat_map(|(states, zone)| {
                let zone = time::resolve_zone(zone).expect("zone");
                states.iter().map(move |state| (*state, zone.clone()))
            })
            .collect(),
            eastern: time::resolve_zone("America/New_York").expect("zone"),
            site_format: time::MomentFormat::compile("MM/DD/YYYY h:mm A z").expect("format"),
        }
    }

    fn write_work_order(
        &self,
        t: &Record,
        related: &[Option<&Record>],
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        let s = &self.ticket;
        let number = text(t, s.number).unwrap_or("");
        let label = |labels: &HashMap<i64, &'s str>, slot| match t.field(slot) {
            Value::Int(id) => labels.get(id).copied(),
            _ => None,
        };
        let work_type = match label(&self.issue_types, s.issue_type) {
            Some("Hardware") => 62,
            Some("Printer/Peripheral") => 64,
            Some("Network") => 71,
            _ => 1,
        };
        let a = &self.account;
        let location = related[0].map(|r| Location {
            mode: "custom",
            display_name: text(r, a.name),
            address1: text(r, a.address1),
            address2: text(r, a.address2),
            city: text(r, a.city),
            state: text(r, a.state),
            zip: text(r, a.zip),
            country: text(r, a.country).unwrap_or("US"),
        });
        // The ticket's contact or, when it names none, the account's primary contact.
        let site_contact = match t.field(s.contact) {
            Value::Null => related[3],
            _ => related[1],
        };
        let contacts: Vec<Contact> = [
            contact(site_contact, &self.contact, "Location Contact"),
            contact(related[2], &self.resource, "Resource coordinator"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let due = match t.field(s.due) {
            Value::DateTime(due) => Some(due),
            _ => None,
        };
        let hours = t.field(s.hours).as_decimal();
        // As long as the estimate, four hours without one; Field Nation refuses a window that
        // does not end after its start, so an estimate of 0 sends no end.
        let length = hours
            .unwrap_or(4.into())
            .checked_mul(3600.into())
            .and_then(|seconds| seconds.to_i64())
            .filter(|&seconds| seconds > 0);
        let schedule = due.map(|due| Schedule {
            service_window: ServiceWindow {
                mode: "between",
                start: Utc {
                    utc: time::format_fieldnation_utc(due.timestamp()),
                },
                end: length.map(|seconds| {
                    let end = due
                        .checked_add(jiff::SignedDuration::from_secs(seconds))
                        .expect("in range");
                    Utc {
                        utc: time::format_fieldnation_utc(end.timestamp()),
                    }
                }),
            },
        });
        let hours = hours.unwrap_or_default();
        let amount = if hours <= 2.into() {
            150
        } else if hours <= 4.into() {
            250
        } else {
            400
        };
        let mut custom = vec![CustomField {
            id: 129,
            value: Cow::Borrowed(number),
        }];
        if let Some(due) = due {
            let state = related[0].and_then(|r| text(r, a.state));
            let zone = state
                .and_then(|state| self.site_zones.get(state))
                .unwrap_or(&self.eastern);
            let at_site = time::convert_to_zone(due, zone);
            custom.push(CustomField {
                id: 131,
                value: Cow::Owned(self.site_format.format(&at_site)),
            });
        }
        if let Some(priority) = label(&self.priorities, s.priority) {
            custom.push(CustomField {
                id: 135,
                value: Cow::Borrowed(priority),
            });
        }
        let notes = self.site_notes.and_then(|slot| match t.udf(slot) {
            Value::Str(s) if !s.is_empty() => Some(s.as_ref()),
            _ => None,
        });
        custom.push(CustomField {
            id: 137,
            value: Cow::Borrowed(notes.unwrap_or("None")),
        });
        let work_order = WorkOrder {
            title: format!("{number}: {}", text(t, s.title).unwrap_or("")),
            description: Html {
                html: html(text(t, s.description).unwrap_or("No description given.")),
            },
            types_of_work: [TypeOfWork {
                id: work_type,
                is_primary: true,
            }],
            location,
            contacts: (!contacts.is_empty()).then_some(Results { results: contacts }),
            schedule,
            pay: Pay {
                kind: "fixed",
                base: PayBase { units: 1, amount },
            },
            custom_fields: Results {
                results: [Results { results: custom }],
            },
        };
        serde_json::to_writer(out, &work_order).map_err(|e| e.to_string())
    }
}

fn contact<'r>(
    record: Option<&'r Record>,
    slots: &PersonSlots,
    role: &'static str,
) -> Option<Contact<'r>> {
    record.map(|r| Contact {
        role,
        name: format!(
            "{} {}",
            text(r, slots.first).unwrap_or(""),
            text(r, slots.last).unwrap_or("")
        ),
        phone: slots.phone.and_then(|p| text(r, p)),
        email: text(r, slots.email),
    })
}

/// A text field, when it holds any text.
fn text(record: &Record, slot: usize) -> Option<&str> {
    match record.field(slot) {
        Value::Str(s) if !s.is_empty() => Some(s),
        _ => None,
    }
}

/// Text as HTML: escaped, line breaks as `<br>`.
fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

/// Synthetic but realistic demo data, as Autotask query responses.
mod demo {
    use std::fmt::Write;

    const STATUSES: [i64; 3] = [29682833, 1, 8];
    const ISSUE_TYPES: [i64; 5] = [14, 15, 16, 17, 18];
    const PRIORITIES: [i64; 4] = [1, 2, 3, 4];

    fn envelope(entity: &str, body: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"><soap:Body>\
             <queryResponse xmlns=\"http://autotask.net/ATWS/v1_6/\"><queryResult><ReturnCode>1</ReturnCode>\
             <EntityResults>{body}</EntityResults><EntityResultType>{}</EntityResultType><Errors /><EntityReturnInfoResults />\
             </queryResult></queryResponse></soap:Body></soap:Envelope>",
            entity.to_lowercase()
        )
    }

    fn ticket(out: &mut String, i: usize) {
        let id = 100_000 + i;
        let day = 1 + i % 28;
        let month = 1 + (i / 28) % 12;
        let hour = 7 + i % 10;
        let _ = write!(
            out,
            "<Entity xsi:type=\"Ticket\"><id xsi:type=\"xsd:long\">{id}</id><UserDefinedFields>\
             <UserDefinedField><Name>Send to FN</Name><Value>{}</Value></UserDefinedField>\
             <UserDefinedField><Name>Site Access Notes</Name>{}</UserDefinedField></UserDefinedFields>\
             <AccountID xsi:type=\"xsd:int\">{}</AccountID>{}<AssignedResourceID xsi:type=\"xsd:int\">{}</AssignedResourceID>\
             <Description xsi:type=\"xsd:string\">{}</Description>\
             <DueDateTime xsi:type=\"xsd:dateTime\">2025-{month:02}-{day:02}T{hour:02}:30:00</DueDateTime>\
             <EstimatedHours xsi:type=\"xsd:decimal\">{}.{:02}00</EstimatedHours>\
             <IssueType xsi:type=\"xsd:int\">{}</IssueType><Priority xsi:type=\"xsd:int\">{}</Priority>\
             <QueueID xsi:type=\"xsd:int\">29683497</QueueID><Status xsi:type=\"xsd:int\">{}</Status>\
             <TicketNumber xsi:type=\"xsd:string\">T2025{month:02}{day:02}.{:04}</TicketNumber>\
             <Title xsi:type=\"xsd:string\">Site visit #{i} – POS &amp; network check</Title></Entity>",
            if i.is_multiple_of(3) { "No" } else { "Yes" },
            if i.is_multiple_of(4) {
                String::new()
            } else {
                format!("<Value>Badge at reception, desk {}</Value>", i % 40)
            },
            29_000_000 + i % 200,
            if i.is_multiple_of(5) {
                String::new()
            } else {
                format!(
                    "<ContactID xsi:type=\"xsd:int\">{}</ContactID>",
                    31_000_000 + i % 300
                )
            },
            29_682_000 + i % 10,
            if i.is_multiple_of(7) {
                String::new()
            } else {
                format!(
                    "Terminal {} down.\nCustomer says \"asap\" &amp; &lt;urgent&gt;.",
                    i % 9
                )
            },
            i % 6,
            (i * 25) % 100,
            ISSUE_TYPES[i % ISSUE_TYPES.len()],
            PRIORITIES[i % PRIORITIES.len()],
            STATUSES[i % STATUSES.len()],
            i % 10_000,
        );
    }

    pub fn ticket_page(first: usize, count: usize) -> String {
        let mut body = String::new();
        for i in first..first + count {
            ticket(&mut body, i);
        }
        envelope("Ticket", &body)
    }

    pub fn responses(tickets: usize) -> Vec<String> {
        let mut out = Vec::new();
        for first in (0..tickets).step_by(500) {
            out.push(ticket_page(first, 500.min(tickets - first)));
        }
        // Sites in each zone of the site_zone table, and New York for its default.
        let sites = [
            ("Minneapolis", "MN"),
            ("Denver", "CO"),
            ("Phoenix", "AZ"),
            ("San Diego", "CA"),
            ("Albany", "NY"),
            ("Austin", "TX"),
        ];
        let mut accounts = String::new();
        for i in 0..200 {
            let (city, state) = sites[i % sites.len()];
            let _ = write!(
                accounts,
                "<Entity xsi:type=\"Account\"><id xsi:type=\"xsd:long\">{}</id><UserDefinedFields />\
                 <AccountName xsi:type=\"xsd:string\">Client {i} Ltd</AccountName><Address1 xsi:type=\"xsd:string\">{} Main St</Address1>{}\
                 <City xsi:type=\"xsd:string\">{city}</City><State xsi:type=\"xsd:string\">{state}</State>\
                 <PostalCode xsi:type=\"xsd:string\">554{:02}</PostalCode>{}<Phone xsi:type=\"xsd:string\">612-555-{:04}</Phone></Entity>",
                29_000_000 + i,
                10 + i,
                if i % 2 == 0 {
                    format!("<Address2 xsi:type=\"xsd:string\">Suite {i}</Address2>")
                } else {
                    String::new()
                },
                i % 100,
                if i % 3 == 0 {
                    String::new()
                } else {
                    "<Country xsi:type=\"xsd:string\">US</Country>".into()
                },
                i
            );
        }
        out.push(envelope("Account", &accounts));
        // Accounts 0 to 99 have two contacts (i and i + 200), the others one; some have no
        // primary contact, some one, some two (the lookup takes the lower id).
        let mut contacts = String::new();
        for i in 0..300 {
            let _ = write!(
                contacts,
                "<Entity xsi:type=\"Contact\"><id xsi:type=\"xsd:long\">{}</id><UserDefinedFields /><AccountID xsi:type=\"xsd:int\">{}</AccountID>\
                 <FirstName xsi:type=\"xsd:string\">Zoë{i}</FirstName><LastName xsi:type=\"xsd:string\">Schmidt</LastName>\
                 <EMailAddress xsi:type=\"xsd:string\">c{i}@example.com</EMailAddress>{}<Active xsi:type=\"xsd:int\">1</Active>\
                 <PrimaryContact xsi:type=\"xsd:boolean\">{}</PrimaryContact></Entity>",
                31_000_000 + i,
                29_000_000 + i % 200,
                if i % 2 == 0 {
                    format!("<Phone xsi:type=\"xsd:string\">612-555-{i:04}</Phone>")
                } else {
                    String::new()
                },
                i % 3 != 0
            );
        }
        out.push(envelope("Contact", &contacts));
        let mut resources = String::new();
        for i in 0..10 {
            let _ = write!(
                resources,
                "<Entity xsi:type=\"Resource\"><id xsi:type=\"xsd:long\">{}</id><Active xsi:type=\"xsd:boolean\">true</Active>\
                 <Email xsi:type=\"xsd:string\">dispatch{i}@msp.example</Email><FirstName xsi:type=\"xsd:string\">Dana{i}</FirstName>\
                 <LastName xsi:type=\"xsd:string\">Whitfield</LastName></Entity>",
                29_682_000 + i
            );
        }
        out.push(envelope("Resource", &resources));
        out
    }
}
