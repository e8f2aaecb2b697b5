//! Collecting entities into memory, for tests and diagnostics (the sync path
//! streams into its own sink instead).

use super::error::SoapError;
use super::outcome::QueryOutcome;
use super::query::read_query_response;
use super::sink::EntitySink;
use super::wire_type::WireType;

/// One entity as it came off the wire, fields in wire order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CollectedEntity {
    /// The `Entity`'s `xsi:type`, e.g. `Ticket`.
    pub entity_type: String,
    /// `(name, xsi:type, value)`; null fields are absent, empty strings are `""`.
    pub fields: Vec<(String, Option<WireType>, String)>,
    /// `(name, value)`; `None` is a null UDF.
    pub udfs: Vec<(String, Option<String>)>,
}

impl CollectedEntity {
    /// The value of field `name`, or `None` when it was null (absent).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _, _)| field == name)
            .map(|(_, _, value)| value.as_str())
    }

    /// The `xsi:type` of field `name`, when the field is present and typed.
    pub fn field_type(&self, name: &str) -> Option<&WireType> {
        self.fields
            .iter()
            .find(|(field, _, _)| field == name)
            .and_then(|(_, wire_type, _)| wire_type.as_ref())
    }

    /// `Some(value)` for a listed UDF (`value` is `None` when it is null);
    /// `None` when the response did not list the UDF at all.
    pub fn udf(&self, name: &str) -> Option<Option<&str>> {
        self.udfs
            .iter()
            .find(|(udf, _)| udf == name)
            .map(|(_, value)| value.as_deref())
    }
}

/// An [`EntitySink`] that keeps every entity.
#[derive(Debug, Default)]
pub struct EntityCollector {
    entities: Vec<CollectedEntity>,
}

impl EntityCollector {
    /// The entities collected so far, in document order.
    pub fn into_entities(self) -> Vec<CollectedEntity> {
        self.entities
    }
}

impl EntitySink for EntityCollector {
    fn begin_entity(&mut self, entity_type: &str) {
        self.entities.push(CollectedEntity {
            entity_type: entity_type.to_owned(),
            ..CollectedEntity::default()
        });
    }

    fn field(&mut self, name: &str, xsi_type: Option<WireType>, value: &str) {
        if let Some(entity) = self.entities.last_mut() {
            entity
                .fields
                .push((name.to_owned(), xsi_type, value.to_owned()));
        }
    }

    fn udf(&mut self, name: &str, value: Option<&str>) {
        if let Some(entity) = self.entities.last_mut() {
            entity
                .udfs
                .push((name.to_owned(), value.map(str::to_owned)));
        }
    }

    fn end_entity(&mut self) {}
}

/// Reads a `queryResponse` into memory.
///
/// # Errors
///
/// As [`read_query_response`].
pub fn collect_entities<X>(xml: &X) -> Result<(QueryOutcome, Vec<CollectedEntity>), SoapError>
where
    X: AsRef<[u8]> + ?Sized,
{
    let mut collector = EntityCollector::default();
    let outcome = read_query_response(xml, &mut collector)?;
    Ok((outcome, collector.into_entities()))
}
