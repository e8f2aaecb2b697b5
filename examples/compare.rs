//! The comparison run: the service-ticket dispatch mapping done three ways over the same 10,000
//! tickets, in one process, so that the noise of a shared machine falls on all three alike.
//!
//! - fieldmap: the compiled program;
//! - the Field Nation way: the same mapping as one Jsonnet program over `$.input` with the helper
//!   library, evaluated by jrsonnet (benches/dispatch-service-ticket.jsonnet);
//! - the floor: a hand-written Rust function that builds the same JSON.
//!
//! All three must produce the same work order for every ticket; the run checks it. It also
//! measures SOAP page parsing against a bare quick-xml pass over the same bytes.
//!
//! Run: cargo run --release --example compare [-- TICKETS]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fieldmap::autotask::load_query_response;
use fieldmap::autotask::soap::{EntitySink, WireType, read_query_response};
use fieldmap::jsonnet::LocalJsonnet;
use fieldmap::jsonnet::input::{InputTree, build};
use fieldmap::runtime::context::EvalContext;
use fieldmap::runtime::record::{Record, RecordSet};
use fieldmap::runtime::time::{self, parse_autotask_datetime};
use fieldmap::runtime::value::Value;
use fieldmap::schema::{PickValue, Schemas};
use serde_json::{Value as Json, json};

const MAPPING: &str = include_str!("../mappings/dispatch-service-ticket.fmap");
const JSONNET: &str = include_str!("../benches/dispatch-service-ticket.jsonnet");
/// Timed rounds per way; the best one counts.
const ROUNDS: usize = 5;

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

    let jsonnet = LocalJsonnet::new();
    let prepared = jsonnet.prepare(JSONNET)?;
    let tree = input_tree();
    let floor = Floor::new(&schemas);
    let by_fieldmap = |id: i64| {
        program
            .evaluate(0, &records, id, &ctx)
            .map(|e| e.work_order)
    };
    // The Field Nation way: $.input built from the same records, then Jsonnet.
    let by_jsonnet = |id: i64| {
        let (ticket, related) = related_of(&records, &schemas, id);
        jsonnet.call(&prepared, build(&tree, ticket, &related, &schemas))
    };
    let by_hand = |id: i64| {
        let (ticket, related) = related_of(&records, &schemas, id);
        floor.work_order(ticket, &related)
    };

    // For `perf record`: one way alone, many times. FIELDMAP_PROFILE=fieldmap|jsonnet|floor|soap
    if let Ok(way) = std::env::var("FIELDMAP_PROFILE") {
        let one: &dyn Fn(i64) = match way.as_str() {
            "fieldmap" => &|id| {
                black_box(by_fieldmap(id).ok());
            },
            "jsonnet" => &|id| {
                black_box(by_jsonnet(id).ok());
            },
            "floor" => &|id| {
                black_box(by_hand(id));
            },
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
        for _ in 0..20 {
            for id in &ids {
                one(*id);
            }
        }
        return Ok(());
    }
    // First the check: the three ways agree on every ticket.
    for id in &ids {
        let (f, j, h) = (
            normalize(&by_fieldmap(*id)?),
            normalize(&by_jsonnet(*id)?),
            normalize(&by_hand(*id)),
        );
        if f != j || f != h {
            return Err(format!(
                "ticket {id}: the three ways disagree\nfieldmap: {f:#}\njsonnet:  {j:#}\nby hand:  {h:#}"
            )
            .into());
        }
    }
    println!(
        "all three outputs are equal for all {} tickets\n",
        ids.len()
    );

    // Then the timing, each way in its own loop; outputs are dropped as they come, as a broker
    // that sends each work order on would.
    let time = |f: &dyn Fn(i64)| {
        let started = Instant::now();
        for id in &ids {
            f(*id);
        }
        started.elapsed()
    };
    // Rounds interleave the three ways, and each way's best round counts: what is left is the
    // cost of the work, not of whatever else the machine was doing then.
    let (mut fieldmap_time, mut jsonnet_time, mut floor_time) =
        (Duration::MAX, Duration::MAX, Duration::MAX);
    for _ in 0..ROUNDS {
        fieldmap_time = fieldmap_time.min(time(&|id| {
            black_box(by_fieldmap(id).ok());
        }));
        jsonnet_time = jsonnet_time.min(time(&|id| {
            black_box(by_jsonnet(id).ok());
        }));
        floor_time = floor_time.min(time(&|id| {
            black_box(by_hand(id));
        }));
    }

    let per = |d: Duration| d.as_secs_f64() * 1e6 / ids.len() as f64;
    println!("{:<34} {:>12} {:>14}", "", "per ticket", "vs fieldmap");
    println!(
        "{:<34} {:>9.2} µs {:>13}",
        "fieldmap (compiled program)",
        per(fieldmap_time),
        "1.00×"
    );
    println!(
        "{:<34} {:>9.2} µs {:>12.1}× slower",
        "Jsonnet way (jrsonnet)",
        per(jsonnet_time),
        per(jsonnet_time) / per(fieldmap_time)
    );
    println!(
        "{:<34} {:>9.2} µs {:>12.2}× faster",
        "hand-written Rust (the floor)",
        per(floor_time),
        per(fieldmap_time) / per(floor_time)
    );

    soap_parsing(&schemas)?;
    compiling(&schemas)?;
    Ok(())
}

/// Parse, check and lower of the example mappings.
fn compiling(schemas: &Arc<Schemas>) -> Result<(), Box<dyn std::error::Error>> {
    println!("\ncompiling (parse, check against the schemas, lower):");
    for (name, source) in [
        ("dispatch-service-ticket.fmap", MAPPING),
        (
            "dispatch-with-parent-account.fmap",
            include_str!("../mappings/dispatch-with-parent-account.fmap"),
        ),
    ] {
        let rounds = 200;
        let started = Instant::now();
        for _ in 0..rounds {
            black_box(fieldmap::compile(source, schemas.clone())?);
        }
        let each = started.elapsed() / rounds;
        println!(
            "  {name:<36} {:>4} lines {:>9.1} µs",
            source.lines().count(),
            each.as_secs_f64() * 1e6
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
    for (i, name) in ["Account", "Contact", "AssignedResource"]
        .iter()
        .enumerate()
    {
        tree.insert(&[(name.to_string(), i as u16)]);
    }
    tree
}

/// The ticket and its Account, Contact and AssignedResource records, looked up by the ids it holds.
fn related_of<'r>(
    records: &'r RecordSet,
    schemas: &Schemas,
    id: i64,
) -> (&'r Record, Vec<Option<&'r Record>>) {
    let ticket = records.get("Ticket", id).expect("ticket");
    let entity = schemas.autotask.entity("Ticket").expect("Ticket schema");
    let related = [
        ("AccountID", "Account"),
        ("ContactID", "Contact"),
        ("AssignedResourceID", "Resource"),
    ]
    .iter()
    .map(
        |(field, target)| match entity.field_slot(field).map(|s| ticket.field(s)) {
            Some(Value::Int(id)) => records.get(target, *id),
            _ => None,
        },
    )
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

/// The hand-written floor: field slots found once, then plain Rust per ticket.
struct Floor<'s> {
    schemas: &'s Schemas,
    ticket: Slots,
    account: Slots,
    contact: Slots,
    resource: Slots,
    chicago: jiff::tz::TimeZone,
    chicago_format: time::MomentFormat,
}

struct Slots(std::collections::HashMap<&'static str, usize>);

impl Slots {
    fn of(schemas: &Schemas, entity: &str, names: &[&'static str]) -> Slots {
        let e = schemas.autotask.entity(entity).expect("entity");
        Slots(
            names
                .iter()
                .map(|n| (*n, e.field_slot(n).expect("field")))
                .collect(),
        )
    }

    fn text<'r>(&self, record: &'r Record, name: &str) -> Option<&'r str> {
        match record.field(self.0[name]) {
            Value::Str(s) if !s.is_empty() => Some(s),
            _ => None,
        }
    }
}

impl<'s> Floor<'s> {
    fn new(schemas: &'s Schemas) -> Self {
        Floor {
            schemas,
            ticket: Slots::of(
                schemas,
                "Ticket",
                &[
                    "TicketNumber",
                    "Title",
                    "Description",
                    "IssueType",
                    "DueDateTime",
                    "EstimatedHours",
                    "Priority",
                ],
            ),
            account: Slots::of(
                schemas,
                "Account",
                &[
                    "AccountName",
                    "Address1",
                    "Address2",
                    "City",
                    "State",
                    "PostalCode",
                    "Country",
                ],
            ),
            contact: Slots::of(
                schemas,
                "Contact",
                &["FirstName", "LastName", "Phone", "EMailAddress"],
            ),
            resource: Slots::of(schemas, "Resource", &["FirstName", "LastName", "Email"]),
            chicago: time::resolve_zone("America/Chicago").expect("zone"),
            chicago_format: time::MomentFormat::compile("MM/DD/YYYY h:mm A").expect("format"),
        }
    }

    fn label(&self, field: &str, value: &Value<'_>) -> Option<String> {
        let Value::Int(id) = value else { return None };
        let list = self.schemas.tenant.picklist("Ticket", field)?;
        Some(list.by_value(&PickValue::Int(*id))?.label.clone())
    }

    fn work_order(&self, t: &Record, related: &[Option<&Record>]) -> Json {
        let s = &self.ticket;
        let mut wo = serde_json::Map::new();
        wo.insert(
            "title".into(),
            json!(format!(
                "{}: {}",
                s.text(t, "TicketNumber").unwrap_or(""),
                s.text(t, "Title").unwrap_or("")
            )),
        );
        let description = s.text(t, "Description").unwrap_or("No description given.");
        wo.insert("description".into(), json!({"html": html(description)}));
        let work_type = match self
            .label("IssueType", t.field(s.0["IssueType"]))
            .as_deref()
        {
            Some("Hardware") => 62,
            Some("Printer/Peripheral") => 64,
            Some("Network") => 71,
            _ => 1,
        };
        wo.insert(
            "types_of_work".into(),
            json!([{"id": work_type, "isPrimary": true}]),
        );
        if let Some(a) = related[0] {
            let mut location = serde_json::Map::new();
            location.insert("mode".into(), json!("custom"));
            let a_slots = &self.account;
            for (key, field) in [
                ("display_name", "AccountName"),
                ("address1", "Address1"),
                ("address2", "Address2"),
                ("city", "City"),
                ("state", "State"),
                ("zip", "PostalCode"),
            ] {
                if let Some(v) = a_slots.text(a, field) {
                    location.insert(key.into(), json!(v));
                }
            }
            location.insert(
                "country".into(),
                json!(a_slots.text(a, "Country").unwrap_or("US")),
            );
            wo.insert("location".into(), Json::Object(location));
        }
        let mut contacts = Vec::new();
        if let Some(c) = related[1] {
            let cs = &self.contact;
            let mut contact = serde_json::Map::new();
            contact.insert("role".into(), json!("Site Contact"));
            contact.insert(
                "name".into(),
                json!(format!(
                    "{} {}",
                    cs.text(c, "FirstName").unwrap_or(""),
                    cs.text(c, "LastName").unwrap_or("")
                )),
            );
            if let Some(p) = cs.text(c, "Phone") {
                contact.insert("phone".into(), json!(p));
            }
            if let Some(e) = cs.text(c, "EMailAddress") {
                contact.insert("email".into(), json!(e));
            }
            contacts.push(Json::Object(contact));
        }
        if let Some(r) = related[2] {
            let rs = &self.resource;
            let mut contact = serde_json::Map::new();
            contact.insert("role".into(), json!("Dispatcher"));
            contact.insert(
                "name".into(),
                json!(format!(
                    "{} {}",
                    rs.text(r, "FirstName").unwrap_or(""),
                    rs.text(r, "LastName").unwrap_or("")
                )),
            );
            if let Some(e) = rs.text(r, "Email") {
                contact.insert("email".into(), json!(e));
            }
            contacts.push(Json::Object(contact));
        }
        if !contacts.is_empty() {
            wo.insert("contacts".into(), json!({"results": contacts}));
        }
        let Value::DateTime(due) = t.field(s.0["DueDateTime"]) else {
            return Json::Object(wo);
        };
        let end = due
            .checked_add(jiff::SignedDuration::from_hours(4))
            .expect("in range");
        wo.insert(
            "schedule".into(),
            json!({"service_window": {"mode": "between",
                "start": {"utc": time::format_fieldnation_utc(due.timestamp())},
                "end": {"utc": time::format_fieldnation_utc(end.timestamp())}}}),
        );
        let hours = t
            .field(s.0["EstimatedHours"])
            .as_decimal()
            .unwrap_or_default();
        let amount = if hours <= 2.into() {
            150
        } else if hours <= 4.into() {
            250
        } else {
            400
        };
        wo.insert(
            "pay".into(),
            json!({"type": "fixed", "base": {"units": 1, "amount": amount}}),
        );
        let site_notes = self
            .schemas
            .tenant
            .udf_slot("Ticket", "Site Access Notes")
            .and_then(|slot| match t.udf(slot) {
                Value::Str(s) if !s.is_empty() => Some(s.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| "None".into());
        let chicago = self
            .chicago_format
            .format(&time::convert_to_zone(due, &self.chicago));
        wo.insert(
            "custom_fields".into(),
            json!({"results": [{"results": [
                {"id": 129, "value": s.text(t, "TicketNumber").unwrap_or("")},
                {"id": 131, "value": chicago},
                {"id": 135, "value": self.label("Priority", t.field(s.0["Priority"]))},
                {"id": 137, "value": site_notes},
            ]}]}),
        );
        Json::Object(wo)
    }
}

fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.replace("\r\n", "\n").chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
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
            if i % 3 == 0 { "No" } else { "Yes" },
            if i % 4 == 0 {
                String::new()
            } else {
                format!("<Value>Badge at reception, desk {}</Value>", i % 40)
            },
            29_000_000 + i % 200,
            if i % 5 == 0 {
                String::new()
            } else {
                format!(
                    "<ContactID xsi:type=\"xsd:int\">{}</ContactID>",
                    31_000_000 + i % 300
                )
            },
            29_682_000 + i % 10,
            if i % 7 == 0 {
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
        let mut accounts = String::new();
        for i in 0..200 {
            let _ = write!(
                accounts,
                "<Entity xsi:type=\"Account\"><id xsi:type=\"xsd:long\">{}</id><UserDefinedFields />\
                 <AccountName xsi:type=\"xsd:string\">Client {i} Ltd</AccountName><Address1 xsi:type=\"xsd:string\">{} Main St</Address1>{}\
                 <City xsi:type=\"xsd:string\">Minneapolis</City><State xsi:type=\"xsd:string\">MN</State>\
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
        let mut contacts = String::new();
        for i in 0..300 {
            let _ = write!(
                contacts,
                "<Entity xsi:type=\"Contact\"><id xsi:type=\"xsd:long\">{}</id><UserDefinedFields /><AccountID xsi:type=\"xsd:int\">{}</AccountID>\
                 <FirstName xsi:type=\"xsd:string\">Zoë{i}</FirstName><LastName xsi:type=\"xsd:string\">Schmidt</LastName>\
                 <EMailAddress xsi:type=\"xsd:string\">c{i}@example.com</EMailAddress>{}<Active xsi:type=\"xsd:int\">1</Active></Entity>",
                31_000_000 + i,
                29_000_000 + i % 200,
                if i % 2 == 0 {
                    format!("<Phone xsi:type=\"xsd:string\">612-555-{i:04}</Phone>")
                } else {
                    String::new()
                }
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
