//! Query responses to records: each value typed by the schema field it belongs to, placed in
//! its schema slot. Values that do not parse are reported, never dropped silently.

use std::sync::Arc;

use rust_decimal::Decimal;
use serde::Serialize;

use super::soap::{EntitySink, QueryOutcome, SoapError, WireType, read_query_response};
use crate::schema::{Entity, FieldType, Schemas};
use crate::time;
use crate::value::Value;
use crate::value::record::{Adjusted, Record, RecordSet};

/// A value that could not be read as its field's type, or another problem with one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadIssue {
    /// The Autotask entity type of the record, e.g. `Ticket`.
    pub entity: String,
    /// The record's id; `None` when it was not read yet or the record has none.
    pub id: Option<i64>,
    /// The field or UDF concerned; `None` when the issue is about the whole record.
    pub field: Option<String>,
    /// What went wrong and what was done about it (read as null, skipped, DST-adjusted).
    pub message: String,
}

/// What [`load_query_response`] read. Values that did not parse are read as null and listed in
/// `issues`.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// The response's `ReturnCode`, `EntityResultType`, error messages and entity count.
    pub outcome: QueryOutcome,
    /// `(entity, id)` of every record loaded, in document order.
    pub loaded: Vec<(Arc<str>, i64)>,
    /// Values that did not parse or were DST-adjusted, and records skipped, in document order.
    pub issues: Vec<LoadIssue>,
}

/// Why a query response gave no records: records already in the set are left as they were.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The text could not be read as a `query` response: malformed XML, an unexpected shape, or
    /// a SOAP fault.
    #[error(transparent)]
    Soap(#[from] SoapError),
    /// Autotask reported a failed query.
    #[error("Autotask answered with ReturnCode {code}: {}", messages.join("; "))]
    Api {
        /// The `ReturnCode`; 1 would mean success.
        code: i32,
        /// The `ATWSError` messages, in order.
        messages: Vec<String>,
    },
}

/// Reads a `query` response and adds its entities to `records`.
pub fn load_query_response(
    xml: &str,
    schemas: &Schemas,
    records: &mut RecordSet,
) -> Result<LoadReport, LoadError> {
    let mut builder = RecordBuilder {
        schemas,
        current: None,
        entity_name: None,
        done: Vec::new(),
        issues: Vec::new(),
    };
    let outcome = read_query_response(&xml, &mut builder)?;
    if outcome.return_code != 1 && !outcome.errors.is_empty() {
        return Err(LoadError::Api {
            code: outcome.return_code,
            messages: outcome.errors.clone(),
        });
    }
    let loaded = builder
        .done
        .iter()
        .map(|r| (r.entity.clone(), r.id))
        .collect();
    for record in builder.done {
        records.insert(record);
    }
    Ok(LoadReport {
        outcome,
        loaded,
        issues: builder.issues,
    })
}

struct RecordBuilder<'s> {
    schemas: &'s Schemas,
    current: Option<Partial<'s>>,
    /// The name the records of the current type share.
    entity_name: Option<Arc<str>>,
    done: Vec<Record>,
    issues: Vec<LoadIssue>,
}

struct Partial<'s> {
    entity: &'s Entity,
    id: Option<i64>,
    /// The slot after the last field read: fields come in schema order, so the next one is
    /// usually found by a short scan from here, without hashing its name.
    next_slot: usize,
    fields: Vec<Value<'static>>,
    udfs: Vec<Value<'static>>,
    adjusted: Vec<Adjusted>,
}

impl<'s> RecordBuilder<'s> {
    fn issue(&mut self, field: Option<&str>, message: String) {
        let (entity, id) = match &self.current {
            Some(p) => (p.entity.name.clone(), p.id),
            None => (String::new(), None),
        };
        self.issues.push(LoadIssue {
            entity,
            id,
            field: field.map(str::to_string),
            message,
        });
    }
}

impl EntitySink for RecordBuilder<'_> {
    /// Values are typed by the schema's field, whatever the wire says.
    fn wants_wire_types(&self) -> bool {
        false
    }

    fn begin_entity(&mut self, entity_type: &str) {
        self.current = match self.schemas.autotask.entity(entity_type) {
            Some(entity) => Some(Partial {
                entity,
                id: None,
                next_slot: 0,
                // Grown as fields arrive: slots past the last field present stay unallocated
                // and read as null, and most entities leave their later fields null.
                fields: Vec::with_capacity(entity.fields.len()),
                udfs: vec![Value::Null; self.schemas.tenant.udfs(entity_type).len()],
                adjusted: Vec::new(),
            }),
            None => {
                self.issues.push(LoadIssue {
                    entity: entity_type.to_string(),
                    id: None,
                    field: None,
                    message: format!(
                        "`{entity_type}` is not an Autotask entity in the schema; skipped"
                    ),
                });
                None
            }
        };
    }

    fn field(&mut self, name: &str, _xsi_type: Option<WireType>, text: &str) {
        let Some(partial) = &self.current else { return };
        let entity = partial.entity;
        let ahead = entity.fields.get(partial.next_slot..).unwrap_or_default();
        let Some(slot) = ahead
            .iter()
            .position(|f| f.name == name)
            .map(|i| partial.next_slot + i)
            .or_else(|| entity.field_slot(name))
        else {
            return;
        };
        let ty = entity.fields[slot].ty;
        match typed(text, ty) {
            Ok((value, adjustment)) => {
                if let Some(a) = adjustment {
                    self.issue(Some(name), format!("{a}"));
                    if let Some(partial) = &mut self.current {
                        partial.adjusted.push(Adjusted {
                            slot: slot as u32,
                            udf: false,
                            adjustment: a,
                        });
                    }
                }
                if let Some(partial) = &mut self.current {
                    partial.next_slot = slot + 1;
                    if name == "id"
                        && let Value::Int(id) = value
                    {
                        partial.id = Some(id);
                    }
                    if partial.fields.len() <= slot {
                        partial.fields.resize(slot + 1, Value::Null);
                    }
                    partial.fields[slot] = value;
                }
            }
            Err(reason) => self.issue(
                Some(name),
                format!(
                    "{text:?} is not a valid {}: {reason}; read as null",
                    ty.name()
                ),
            ),
        }
    }

    fn udf(&mut self, name: &str, text: Option<&str>) {
        let Some(partial) = &self.current else { return };
        let entity_name = partial.entity.name.as_str();
        let udfs = self.schemas.tenant.udfs(entity_name);
        let (Some(slot), Some(text)) = (udfs.iter().position(|u| u.name == name), text) else {
            return;
        };
        match typed(text, udfs[slot].ty) {
            Ok((value, adjustment)) => {
                if let Some(a) = adjustment {
                    self.issue(Some(name), format!("{a}"));
                    if let Some(partial) = &mut self.current {
                        partial.adjusted.push(Adjusted {
                            slot: slot as u32,
                            udf: true,
                            adjustment: a,
                        });
                    }
                }
                if let Some(partial) = &mut self.current {
                    partial.udfs[slot] = value;
                }
            }
            Err(reason) => self.issue(
                Some(name),
                format!("UDF value {text:?}: {reason}; read as null"),
            ),
        }
    }

    fn end_entity(&mut self) {
        let Some(partial) = self.current.take() else {
            return;
        };
        let Some(id) = partial.id else {
            self.issues.push(LoadIssue {
                entity: partial.entity.name.clone(),
                id: None,
                field: Some("id".into()),
                message: "an entity without an id was skipped".into(),
            });
            return;
        };
        let name = match self.entity_name.take() {
            Some(name) if *name == *partial.entity.name => name,
            _ => Arc::from(partial.entity.name.as_str()),
        };
        self.entity_name = Some(name.clone());
        self.done.push(Record {
            entity: name,
            id,
            fields: partial.fields.into_boxed_slice(),
            udfs: partial.udfs.into_boxed_slice(),
            adjusted: partial.adjusted.into_boxed_slice(),
        });
    }
}

/// Wire text as a value of the field's type.
fn typed(
    text: &str,
    ty: FieldType,
) -> Result<(Value<'static>, Option<time::DstAdjustment>), String> {
    let trimmed = text.trim();
    Ok(match ty {
        FieldType::String => (Value::str(text.to_string()), None),
        FieldType::Integer | FieldType::Long | FieldType::Short => (
            Value::Int(trimmed.parse().map_err(|_| "not an integer".to_string())?),
            None,
        ),
        FieldType::Boolean => (
            Value::Bool(match trimmed {
                "true" | "True" | "1" => true,
                "false" | "False" | "0" => false,
                _ => return Err("not a boolean".into()),
            }),
            None,
        ),
        FieldType::Decimal | FieldType::Double | FieldType::Float => {
            let d = trimmed
                .parse::<Decimal>()
                .or_else(|_| Decimal::from_scientific(trimmed))
                .map_err(|_| "not a number".to_string())?;
            (Value::Decimal(d), None)
        }
        FieldType::Datetime => {
            let (z, adjustment) =
                time::parse_autotask_datetime(trimmed).map_err(|e| e.to_string())?;
            (Value::DateTime(z), adjustment)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(entities: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><queryResponse xmlns="http://autotask.net/ATWS/v1_6/"><queryResult><EntityResults>{entities}</EntityResults><EntityResultType>ticket</EntityResultType><Errors /><ReturnCode>1</ReturnCode></queryResult></queryResponse></soap:Body></soap:Envelope>"#
        )
    }

    fn text<'r>(record: &'r Record, schemas: &Schemas, field: &str) -> &'r Value<'static> {
        let slot = schemas.autotask.entity("Ticket").unwrap().field_slot(field);
        record.field(slot.unwrap())
    }

    #[test]
    fn fields_in_any_order_land_in_their_slots() {
        let schemas = Schemas::bundled().unwrap();
        // The second ticket lists its fields backwards; a proxy may reorder them.
        let xml = page(
            r#"<Entity xsi:type="Ticket"><id xsi:type="xsd:long">1</id><UserDefinedFields /><AccountID xsi:type="xsd:int">29683616</AccountID><Status xsi:type="xsd:int">1</Status><Title xsi:type="xsd:string">Printer down</Title></Entity><Entity xsi:type="Ticket"><Title xsi:type="xsd:string">Badge reader</Title><Status xsi:type="xsd:int">8</Status><Bogus xsi:type="xsd:int">3</Bogus><AccountID xsi:type="xsd:int">29683617</AccountID><id xsi:type="xsd:long">2</id></Entity>"#,
        );
        let mut records = RecordSet::new();
        let report = load_query_response(&xml, &schemas, &mut records).unwrap();
        assert!(report.issues.is_empty(), "{:?}", report.issues);
        let first = records.get("Ticket", 1).unwrap();
        let second = records.get("Ticket", 2).unwrap();
        assert_eq!(text(first, &schemas, "Title"), &Value::str("Printer down"));
        assert_eq!(text(second, &schemas, "Title"), &Value::str("Badge reader"));
        assert_eq!(text(second, &schemas, "Status"), &Value::Int(8));
        assert_eq!(text(second, &schemas, "AccountID"), &Value::Int(29683617));
        // Records read together share one entity name.
        assert!(Arc::ptr_eq(&first.entity, &second.entity));
        assert_eq!(
            report.loaded,
            [(Arc::from("Ticket"), 1), (Arc::from("Ticket"), 2)]
        );
    }
}
