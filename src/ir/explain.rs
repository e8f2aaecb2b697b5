//! `fieldmap explain`: the compiled program in readable form, with its fetch plan, API-call
//! cost and the triggers' QueryXML.

use std::fmt::Write;

use super::expr::{ArithOp, CompareOp, Expr, Piece, RecordRef};
use super::program::{Emit, MappingProgram, OutboundRule, Program};
use crate::autotask::soap::WireType;
use crate::value::Value;

pub fn explain(program: &Program) -> String {
    let mut out = String::new();
    for mapping in &program.mappings {
        explain_mapping(program, mapping, &mut out);
    }
    for rule in &program.outbound {
        explain_outbound(program, rule, &mut out);
    }
    out
}

fn explain_mapping(program: &Program, m: &MappingProgram, out: &mut String) {
    let p = Printer {
        program,
        mapping: Some(m),
        entity: &m.source,
    };
    let _ = writeln!(
        out,
        "mapping {:?}: autotask.{} -> fieldnation.WorkOrder",
        m.name, m.source
    );
    if !m.relations.is_empty() {
        let _ = writeln!(out, "  related entities:");
        for (index, r) in m.relations.iter().enumerate() {
            let holder = match r.from {
                Some(parent) => m
                    .relations
                    .get(usize::from(parent))
                    .map_or("?", |p| p.name.as_str()),
                None => m.source.as_str(),
            };
            match &r.lookup {
                Some(lookup) => {
                    let _ = writeln!(
                        out,
                        "    {:<24} {} where {} == {holder}.{}{} (lookup: the lowest id that matches)",
                        r.name,
                        r.entity,
                        lookup.field,
                        r.via_field,
                        lookup
                            .filters
                            .iter()
                            .map(|f| {
                                let value = Expr::Const(f.value.clone());
                                let field = Expr::Field {
                                    record: RecordRef::Related(index as u16),
                                    slot: f.slot,
                                };
                                let label = p
                                    .picklist_label(&field, &value)
                                    .map(|l| format!(" ({l:?})"))
                                    .unwrap_or_default();
                                let op = if f.equal { "==" } else { "!=" };
                                format!(" and {} {op} {}{label}", f.field, p.expr(&value))
                            })
                            .collect::<String>()
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "    {:<24} {} through {holder}.{}",
                        r.name, r.entity, r.via_field
                    );
                }
            }
        }
    }
    if m.triggers.is_empty() {
        let _ = writeln!(out, "  trigger: none (every {} qualifies)", m.source);
    }
    for (i, t) in m.triggers.iter().enumerate() {
        let _ = writeln!(out, "  trigger #{}: {}", i + 1, p.expr(&t.condition));
        match &t.query {
            Ok(xml) => {
                let _ = writeln!(
                    out,
                    "    QueryXML (Autotask matches text case-insensitively; the trigger re-checks each {}):",
                    m.source
                );
                for line in xml.to_pretty_xml().lines() {
                    let _ = writeln!(out, "      {line}");
                }
            }
            Err(why) => {
                let _ = writeln!(out, "    QueryXML: none — {why}");
            }
        }
    }
    let _ = writeln!(out, "  rules:");
    let width = m.rules.iter().map(|r| r.target.len()).max().unwrap_or(0);
    for rule in &m.rules {
        let emit = match rule.emit {
            Emit::String => "string",
            Emit::Number => "number",
            Emit::Integer => "integer",
            Emit::Boolean => "boolean",
            Emit::FieldNationUtc => "FN UTC date-time",
            Emit::Json => "json",
        };
        let _ = writeln!(
            out,
            "    {:<width$} = {}    [{emit}]",
            rule.target,
            p.expr(&rule.expr)
        );
    }
    let plan = &m.plan;
    let _ = writeln!(
        out,
        "  fetch plan: {} Autotask API call(s) per {}",
        plan.api_calls(),
        m.source
    );
    let _ = writeln!(
        out,
        "    1. query {} by id: {}",
        plan.source.entity,
        fields(&plan.source)
    );
    // One query per entity type and depth; later relations of the same kind join it. A
    // lookup is a query of its own.
    let mut queries: Vec<(usize, &str, Option<usize>)> = Vec::new();
    for (i, r) in plan.related.iter().enumerate() {
        let key = (plan.depth(i), r.fetch.entity.as_str(), plan.lookup_index(i));
        if let Some(lookup) = &r.lookup {
            queries.push(key);
            let holder = match r.through {
                Some(parent) => plan
                    .related
                    .get(parent)
                    .map_or("?", |p| p.relation.as_str()),
                None => plan.source.entity.as_str(),
            };
            let filters: String = lookup
                .filters
                .iter()
                .map(|(field, op, value)| {
                    if op.takes_no_value() {
                        format!(" and {field} {op}")
                    } else {
                        format!(" and {field} {op} {value:?}")
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "    {}. query {} where {} Equals any {holder}.{} of the batch{filters} (lookup {}, one query for a batch, more when it matches over 500 records): {}",
                queries.len() + 1,
                r.fetch.entity,
                lookup.field,
                r.via_field,
                r.relation,
                fields(&r.fetch)
            );
            continue;
        }
        if queries.contains(&key) {
            let _ = writeln!(
                out,
                "       + {} through {} (same query)",
                r.relation, r.via_field
            );
            continue;
        }
        queries.push(key);
        let after = if key.0 > 1 {
            ", after the records it hangs off"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "    {}. query {} by id ({} through {}{after}): {}",
            queries.len() + 1,
            r.fetch.entity,
            r.relation,
            r.via_field,
            fields(&r.fetch)
        );
    }
    out.push('\n');
}

fn fields(fetch: &super::plan::EntityFetch) -> String {
    if fetch.all_fields {
        return "all fields and UDFs (read by a Jsonnet block)".into();
    }
    let mut all: Vec<String> = fetch.fields.clone();
    all.extend(fetch.udfs.iter().map(|u| format!("udf({u:?})")));
    if all.is_empty() {
        "id only".into()
    } else {
        all.join(", ")
    }
}

fn explain_outbound(program: &Program, rule: &OutboundRule, out: &mut String) {
    let p = Printer {
        program,
        mapping: None,
        entity: &rule.entity,
    };
    let record = super::program::record_name(&rule.entity);
    let mut head = rule.event.clone();
    if rule.entity != "Ticket" {
        head.push_str(&format!(" for {}", rule.entity));
    }
    let _ = writeln!(out, "on {head}:");
    if let Some(condition) = &rule.condition {
        let _ = writeln!(out, "  when {}", p.expr(condition));
    }
    for set in &rule.sets {
        let name = if set.udf {
            format!("udf({:?})", set.field)
        } else {
            set.field.clone()
        };
        let target = if set.udf {
            Expr::Udf {
                record: RecordRef::Source,
                slot: set.slot,
            }
        } else {
            Expr::Field {
                record: RecordRef::Source,
                slot: set.slot,
            }
        };
        let label = p
            .picklist_label(&target, &set.expr)
            .map(|l| format!(" ({l:?})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {record}.{name} = {}{label}    [{}]",
            p.expr(&set.expr),
            WireType::of(set.ty).xsd_name()
        );
    }
    for note in &rule.notes {
        let _ = writeln!(
            out,
            "  note (NoteType {}, Publish {}): title = {}, description = {}",
            note.note_type,
            note.publish,
            p.expr(&note.title),
            p.expr(&note.description)
        );
    }
    let mut calls = vec![format!("1 query (the {})", record.replace('_', " "))];
    if !rule.sets.is_empty() {
        calls.push("1 update (read-modify-write)".into());
    }
    if !rule.notes.is_empty() {
        calls.push(format!("1 create ({}Note)", rule.entity));
    }
    let _ = writeln!(out, "  Autotask API calls: {}", calls.join(" + "));
    out.push('\n');
}

struct Printer<'p> {
    program: &'p Program,
    mapping: Option<&'p MappingProgram>,
    entity: &'p str,
}

impl Printer<'_> {
    fn field_name(&self, record: RecordRef, slot: u32, udf: bool) -> String {
        let (prefix, entity) = match (record, self.mapping) {
            (RecordRef::Related(i), Some(m)) => match m.relations.get(i as usize) {
                Some(r) => (format!("{}.", r.name), r.entity.as_str()),
                None => ("?.".into(), ""),
            },
            _ => (String::new(), self.entity),
        };
        let schemas = &self.program.schemas;
        let name = if udf {
            schemas
                .tenant
                .udfs(entity)
                .get(slot as usize)
                .map(|u| format!("udf({:?})", u.name))
        } else {
            schemas
                .autotask
                .entity(entity)
                .and_then(|e| e.fields.get(slot as usize))
                .map(|f| f.name.clone())
        };
        format!("{prefix}{}", name.unwrap_or_else(|| format!("#{slot}")))
    }

    /// The tenant label of `constant` when `field` reads a picklist field of the mapping.
    fn picklist_label(&self, field: &Expr, constant: &Expr) -> Option<String> {
        let (record, slot, udf) = match field {
            Expr::Field { record, slot } => (*record, *slot, false),
            Expr::Udf { record, slot } => (*record, *slot, true),
            _ => return None,
        };
        let value = constant.as_const()?;
        let entity = match (record, self.mapping) {
            (RecordRef::Related(i), Some(m)) => m.relations.get(i as usize)?.entity.as_str(),
            _ => self.entity,
        };
        let tenant = &self.program.schemas.tenant;
        let list = if udf {
            tenant.udfs(entity).get(slot as usize)?.picklist.as_ref()?
        } else {
            let field = self
                .program
                .schemas
                .autotask
                .entity(entity)?
                .fields
                .get(slot as usize)?;
            tenant.picklist(entity, &field.name)?
        };
        let wanted = match value {
            Value::Int(i) => crate::schema::PickValue::Int(*i),
            Value::Str(s) => crate::schema::PickValue::Str(s.to_string()),
            _ => return None,
        };
        let label = &list.by_value(&wanted)?.label;
        (value.as_str() != Some(label.as_str())).then(|| label.clone())
    }

    fn expr(&self, e: &Expr) -> String {
        match e {
            Expr::Const(v) => constant(v),
            Expr::Field { record, slot } => self.field_name(*record, *slot, false),
            Expr::Udf { record, slot } => self.field_name(*record, *slot, true),
            Expr::EventPath(keys) | Expr::EventTime(keys) => keys.join("."),
            Expr::Jsonnet { input, .. } => {
                let mut reads = Vec::new();
                fn paths(tree: &super::InputTree, prefix: &str, out: &mut Vec<String>) {
                    for (name, _, below) in &tree.children {
                        let path = if prefix.is_empty() {
                            name.clone()
                        } else {
                            format!("{prefix}.{name}")
                        };
                        if below.children.is_empty() {
                            out.push(path);
                        } else {
                            paths(below, &path, out);
                        }
                    }
                }
                paths(input, "", &mut reads);
                format!("jsonnet({})", reads.join(", "))
            }
            Expr::Label { picklist, value } => {
                let name = self
                    .program
                    .picklists
                    .get(*picklist as usize)
                    .map_or("?", |p| p.name.as_str());
                format!("label({}, {name})", self.expr(value))
            }
            Expr::Template(pieces) => {
                let parts: Vec<String> = pieces
                    .iter()
                    .map(|p| match p {
                        Piece::Text(t) => format!("{t:?}"),
                        Piece::Value(e) => self.expr(e),
                    })
                    .collect();
                format!("concat({})", parts.join(", "))
            }
            Expr::Coalesce(a, b) => format!("({} ?? {})", self.expr(a), self.expr(b)),
            Expr::Not(a) => format!("not {}", self.expr(a)),
            Expr::And(a, b) => format!("({} and {})", self.expr(a), self.expr(b)),
            Expr::Or(a, b) => format!("({} or {})", self.expr(a), self.expr(b)),
            Expr::Compare { op, lhs, rhs } => {
                let op = match op {
                    CompareOp::Eq => "==",
                    CompareOp::Ne => "!=",
                    CompareOp::Lt => "<",
                    CompareOp::Le => "<=",
                    CompareOp::Gt => ">",
                    CompareOp::Ge => ">=",
                };
                let label = self
                    .picklist_label(lhs, rhs)
                    .or_else(|| self.picklist_label(rhs, lhs));
                let label = label.map(|l| format!(" ({l:?})")).unwrap_or_default();
                format!("{} {op} {}{label}", self.expr(lhs), self.expr(rhs))
            }
            Expr::InSet { value, set } => {
                let keys: Vec<String> = set
                    .entries()
                    .into_iter()
                    .map(|(k, _)| k.to_string())
                    .collect();
                format!("{} in [{}]", self.expr(value), keys.join(", "))
            }
            Expr::IsNull { value, negated } => format!(
                "{} is {}null",
                self.expr(value),
                if *negated { "not " } else { "" }
            ),
            Expr::Arith { op, lhs, rhs, .. } => {
                let op = match op {
                    ArithOp::Add => "+",
                    ArithOp::Sub => "-",
                    ArithOp::Mul => "*",
                    ArithOp::Div => "/",
                };
                format!("({} {op} {})", self.expr(lhs), self.expr(rhs))
            }
            Expr::Shift { value, by, .. } => format!("shift({}, {by})", self.expr(value)),
            Expr::ShiftBy {
                value,
                by,
                subtract,
                ..
            } => format!(
                "shift({}, {}{})",
                self.expr(value),
                if *subtract { "-" } else { "" },
                self.expr(by)
            ),
            Expr::ToZoneOf {
                value,
                zone,
                calendar_date,
                ..
            } => {
                let name = if *calendar_date {
                    "same_day_in"
                } else {
                    "to_zone"
                };
                format!("{name}({}, {})", self.expr(value), self.expr(zone))
            }
            Expr::If {
                condition,
                then,
                otherwise,
            } => format!(
                "if({}, {}, {})",
                self.expr(condition),
                self.expr(then),
                self.expr(otherwise)
            ),
            Expr::ToZone {
                value,
                zone,
                calendar_date,
            } => {
                format!(
                    "{}({}, {:?})",
                    if *calendar_date {
                        "same_day_in"
                    } else {
                        "to_zone"
                    },
                    self.expr(value),
                    zone.iana_name().unwrap_or("?")
                )
            }
            Expr::Call { name, args, .. } => {
                let args: Vec<String> = args.iter().map(|a| self.expr(a)).collect();
                format!("{name}({})", args.join(", "))
            }
            Expr::Lookup { table, key } => {
                format!(
                    "lookup({}, {} ({} keys, default {}))",
                    self.expr(key),
                    table.name,
                    table.rows.len(),
                    self.expr(&table.default)
                )
            }
            Expr::Ranges {
                value,
                arms,
                default,
                ..
            } => {
                let arms: Vec<String> = arms
                    .iter()
                    .map(|a| {
                        format!(
                            "{} {}: {}",
                            if a.inclusive { "<=" } else { "<" },
                            a.bound,
                            self.expr(&a.value)
                        )
                    })
                    .collect();
                format!(
                    "ranges({}, {}, _: {})",
                    self.expr(value),
                    arms.join(", "),
                    self.expr(default)
                )
            }
        }
    }
}

fn constant(v: &Value<'_>) -> String {
    match v {
        Value::Str(s) => format!("{s:?}"),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}
