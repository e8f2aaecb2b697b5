//! A stored work order as Field Nation answers it (WorkOrderResponseDto): the body the client
//! sent, with what the server adds (id, href, status, provider, names of types of work and
//! custom fields, contact ids, the local date and time of the schedule, the full location and
//! pay objects with their defaults), and without what the read shape does not have.

use jiff::tz::TimeZone;
use serde_json::{Map, Value, json};

use super::create_checks::UTC_FORMAT;
use super::store::{StoredWorkOrder, merge};
use crate::fieldnation::lifecycle::Status;
use crate::schema::{FieldNationAccount, Node, NodeType};

/// The company (buyer) id of the simulated account.
pub(super) const COMPANY_ID: u64 = 5521;
/// The user who triggers what the client does (the API user).
pub(super) const API_USER_ID: u64 = 1068;

pub(super) struct ViewContext<'a> {
    pub base_url: &'a str,
    pub account: &'a FieldNationAccount,
    pub time_zone: &'a TimeZone,
    /// WorkOrderResponseDto (the bundled webhook work order shape).
    pub shape: &'a Node,
}

pub(super) fn work_order_view(order: &StoredWorkOrder, ctx: &ViewContext<'_>) -> Value {
    let id = order.id;
    let mut view = match &order.body {
        Value::Object(body) => body.clone(),
        _ => Map::new(),
    };
    view.insert("id".into(), id.into());
    view.insert("work_order_id".into(), id.into());
    view.insert(
        "href".into(),
        format!("{}/workorders/{id}", ctx.base_url).into(),
    );
    view.insert("status".into(), status_json(order.status));
    if let Some(provider) = &order.provider
        && order.status.id() >= Status::Assigned.id()
        && order.status != Status::Cancelled
    {
        view.insert(
            "assignee".into(),
            json!({
                "user": {
                    "id": provider.id,
                    "first_name": provider.first_name,
                    "last_name": provider.last_name,
                    "phone": provider.phone,
                    "country": "US",
                },
                "status_id": order.status.id(),
                "work_order_id": id,
                "in_confirmation_window": false,
            }),
        );
    }
    if let Some(Value::Array(types)) = view.get_mut("types_of_work") {
        for entry in types.iter_mut() {
            let known = entry
                .get("id")
                .and_then(Value::as_u64)
                .and_then(|t| ctx.account.type_of_work(t));
            if let (Some(known), Some(entry)) = (known, entry.as_object_mut()) {
                entry.insert("name".into(), known.name.clone().into());
            }
        }
    }
    if let Some(contacts) = view.get_mut("contacts") {
        decorate_contacts(contacts, id);
    }
    if let Some(custom_fields) = view.get_mut("custom_fields") {
        decorate_custom_fields(custom_fields, ctx.account);
    }
    if let Some(location) = view.get_mut("location") {
        let mut full = location_defaults(id, order.status);
        merge(&mut full, location);
        *location = full;
    }
    if let Some(schedule) = view.get_mut("schedule") {
        *schedule = schedule_view(schedule, id, order.status, ctx.time_zone);
    }
    if let Some(pay) = view.get_mut("pay") {
        let mut full = pay_defaults(id);
        merge(&mut full, pay);
        *pay = full;
    }
    let mut view = Value::Object(view);
    prune(&mut view, ctx.shape);
    view
}

/// StatusDto: every field the spec requires.
pub(super) fn status_json(status: Status) -> Value {
    json!({
        "id": status.id(),
        "name": status.name(),
        "display": status.display(),
        "is_routed": status == Status::Routed,
        "code": status.event_suffix(),
        "delay": 0,
        "ncns": false,
        "sub_status": "",
        "confirmed": matches!(status, Status::Confirmed | Status::OnMyWay | Status::CheckedIn | Status::CheckedOut),
        "correlation_id": "",
    })
}

fn list_metadata(total: usize) -> Value {
    json!({"total": total, "page": 1, "pages": 1, "per_page": total.max(1)})
}

/// ContactsDto: metadata, and an id for each contact.
fn decorate_contacts(contacts: &mut Value, work_order_id: u64) {
    let Some(object) = contacts.as_object_mut() else {
        return;
    };
    let count = match object.get_mut("results") {
        Some(Value::Array(results)) => {
            for (i, contact) in results.iter_mut().enumerate() {
                if let Some(contact) = contact.as_object_mut() {
                    contact
                        .entry("id")
                        .or_insert_with(|| (work_order_id * 10 + i as u64).into());
                }
            }
            results.len()
        }
        _ => 0,
    };
    object.insert("metadata".into(), list_metadata(count));
}

/// WoCustomFieldsDto: the group's id, name and role, each field's name and type, values as
/// text (Field Nation stores custom field values as strings).
fn decorate_custom_fields(custom_fields: &mut Value, account: &FieldNationAccount) {
    let Some(Value::Array(groups)) = custom_fields.get_mut("results") else {
        return;
    };
    let group_count = groups.len();
    for (g, group) in groups.iter_mut().enumerate() {
        let Some(group) = group.as_object_mut() else {
            continue;
        };
        group.entry("id").or_insert_with(|| (g as u64 + 1).into());
        group
            .entry("name")
            .or_insert_with(|| "Buyer custom fields".into());
        group.entry("role").or_insert_with(|| "buyer".into());
        group.entry("order").or_insert_with(|| (g as u64).into());
        let count = match group.get_mut("results") {
            Some(Value::Array(fields)) => {
                for (i, field) in fields.iter_mut().enumerate() {
                    let Some(field) = field.as_object_mut() else {
                        continue;
                    };
                    if let Some(known) = field
                        .get("id")
                        .and_then(Value::as_u64)
                        .and_then(|id| account.custom_field(id))
                    {
                        field.insert("name".into(), known.name.clone().into());
                        if let Some(kind) = &known.field_type {
                            field.insert("type".into(), kind.clone().into());
                        }
                    }
                    field.insert("role".into(), "buyer".into());
                    field.insert("order".into(), (i as u64).into());
                    if let Some(value) = field.get_mut("value")
                        && !value.is_string()
                    {
                        let text = match &*value {
                            Value::Null => String::new(),
                            other => other.to_string(),
                        };
                        *value = Value::String(text);
                    }
                }
                fields.len()
            }
            _ => 0,
        };
        group.insert("metadata".into(), list_metadata(count));
    }
    if let Some(object) = custom_fields.as_object_mut() {
        object.insert("metadata".into(), list_metadata(group_count));
    }
}

/// LocationDto with every required field; the body's values go on top.
fn location_defaults(work_order_id: u64, status: Status) -> Value {
    json!({
        "coordinates": {"latitude": 0, "longitude": 0, "exact": false},
        "work_order_id": work_order_id,
        "mode": "custom",
        "address1": "", "address2": "", "city": "", "state": "", "zip": "", "country": "",
        "notes": [],
        "type": {"id": 1, "name": "Commercial"},
        "saved_location": {
            "id": 0, "name": "", "display_name": "",
            "contact": {"name": "", "phone": ""},
            "group": {"id": 0, "name": ""}
        },
        "display_name": "",
        "status_id": status.id(),
        "correlation_id": "",
        "zoom": "",
        "map": {"url": "", "href": ""}
    })
}

/// ScheduleDto: the window as sent, each end with its local date and time in the work
/// order's time zone; an exact window's end is its start.
fn schedule_view(schedule: &Value, work_order_id: u64, status: Status, tz: &TimeZone) -> Value {
    let window = schedule.get("service_window").cloned().unwrap_or(json!({}));
    let mode = window
        .get("mode")
        .and_then(Value::as_str)
        .unwrap_or("exact")
        .to_owned();
    let start = window_end(window.get("start"), tz);
    let end = match window.get("end") {
        Some(end) => window_end(Some(end), tz),
        None => start.clone(),
    };
    let mut view = match schedule {
        Value::Object(object) => object.clone(),
        _ => Map::new(),
    };
    view.insert(
        "service_window".into(),
        json!({"mode": mode, "start": start, "end": end}),
    );
    view.insert("work_order_id".into(), work_order_id.into());
    view.insert("time_zone".into(), time_zone_json(tz));
    view.insert("status_id".into(), status.id().into());
    view.insert("company_id".into(), COMPANY_ID.into());
    view.insert("today_tomorrow".into(), "".into());
    Value::Object(view)
}

fn window_end(end: Option<&Value>, tz: &TimeZone) -> Value {
    let mut out = match end {
        Some(Value::Object(object)) => object.clone(),
        _ => Map::new(),
    };
    let local = out
        .get("utc")
        .and_then(Value::as_str)
        .and_then(|utc| jiff::civil::DateTime::strptime(UTC_FORMAT, utc).ok())
        .and_then(|utc| utc.to_zoned_datetime(TimeZone::UTC).ok())
        .map(|at| at.with_time_zone(tz.clone()))
        .map(|at| {
            json!({
                "date": at.date().to_string(),
                "time": at.strftime("%H:%M:%S").to_string(),
            })
        })
        .unwrap_or_else(|| json!({"date": "", "time": ""}));
    out.insert("local".into(), local);
    Value::Object(out)
}

fn time_zone_json(tz: &TimeZone) -> Value {
    let now = jiff::Timestamp::now().to_zoned_datetime(tz.clone());
    json!({
        "id": 1,
        "name": tz.iana_name().unwrap_or("UTC"),
        "short": now.strftime("%Z").to_string(),
        "offset": now.offset().seconds() / 3600,
    })
}

/// PayDto with every required field, zero where nothing is due yet.
fn pay_defaults(work_order_id: u64) -> Value {
    let page = json!({"total": 0, "page": 1, "pages": 1, "per_page": 25});
    let moment = json!({"local": {"date": "", "time": ""}});
    json!({
        "work_order_id": work_order_id,
        "type": "fixed",
        "base": {"units": 0, "amount": 0},
        "additional": {"units": 0, "amount": 0},
        "fees": [],
        "hold": {"id": 0, "amount": 0, "charged": false},
        "hours": 0,
        "reported_hours": 0,
        "number_of_devices": 0,
        "minimum_payment": 0,
        "range": {"min": 0, "max": 0},
        "labor_sum": 0,
        "fees_cancellation_pending": false,
        "passive_cancellation_amount": 0,
        "fee_cancellation_queued": "",
        "fee_cancellation_charged": "",
        "funding": [],
        "invoice": {"id": 0, "sent": moment.clone(), "paid": moment},
        "bonuses": {"metadata": page.clone(), "sum": {"all": 0, "charged": 0, "uncharged": 0}, "results": [], "actions": []},
        "expenses": {
            "metadata": page.clone(),
            "sum": {"all": 0, "charged": 0, "uncharged": 0, "pending": 0, "approved": 0, "approved_amount": 0, "denied": 0},
            "results": [], "actions": []
        },
        "penalties": {"metadata": page.clone(), "sum": {"all": 0, "charged": 0, "uncharged": 0}, "results": [], "actions": []},
        "discounts": {"metadata": page.clone(), "sum": {"all": 0}, "results": [], "actions": []},
        "increases": {"metadata": page, "results": [], "actions": [], "minimum": 0},
        "max_pay": 0,
        "total": 0,
        "max_pay_limit": 0,
        "calculated_total": {"total": {"min": 0, "max": 0}}
    })
}

/// Drops what the read shape has no place for (fields only a create body has, values of
/// another type): Field Nation does not echo them.
fn prune(value: &mut Value, node: &Node) -> bool {
    if value.is_null() {
        return true;
    }
    let fits = matches!(
        (node.ty, &*value),
        (NodeType::Any, _)
            | (NodeType::String, Value::String(_))
            | (NodeType::Boolean, Value::Bool(_))
            | (NodeType::Number | NodeType::Integer, Value::Number(_))
            | (NodeType::Object, Value::Object(_))
            | (NodeType::Array, Value::Array(_))
    );
    if !fits {
        return false;
    }
    match value {
        Value::Object(map) if !node.properties.is_empty() => {
            map.retain(|key, child| {
                node.properties
                    .get(key)
                    .is_some_and(|child_node| prune(child, child_node))
            });
        }
        Value::Array(items) => {
            if let Some(item_node) = &node.items {
                items.retain_mut(|item| prune(item, item_node));
            }
        }
        _ => {}
    }
    true
}
