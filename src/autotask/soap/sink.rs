//! Where the streaming reader delivers entities.

use super::wire_type::WireType;

/// Receives the entities of a response while it is being read, so a page of
/// 500 tickets never has to exist as a tree.
///
/// Calls come in document order: `begin_entity`, then `field` and `udf` in
/// the order they appear (`id` first on the real wire), then `end_entity`.
/// Values are already unescaped. A null field (omitted from the wire) gets no
/// call; an empty string does, with `""`.
///
/// When reading fails, whatever was delivered before the failure belongs to a
/// broken response and should be discarded.
pub trait EntitySink {
    /// An `Entity` starts; `entity_type` is its `xsi:type` without prefix,
    /// e.g. `Ticket`.
    fn begin_entity(&mut self, entity_type: &str);

    /// One field of the current entity, such as `Title` or `id`.
    fn field(&mut self, name: &str, xsi_type: Option<WireType>, value: &str);

    /// Whether `field` needs each value's `xsi:type`. A sink that types values by its own
    /// schema says no, and the reader skips decoding the attribute.
    fn wants_wire_types(&self) -> bool {
        true
    }

    /// One user-defined field of the current entity; `None` when Autotask
    /// omitted its `Value` (the UDF is null).
    fn udf(&mut self, name: &str, value: Option<&str>);

    /// The current entity is complete.
    fn end_entity(&mut self);
}

/// A sink for callers that only need the outcome, e.g. of an `update`.
#[derive(Debug, Default, Clone, Copy)]
pub struct IgnoreEntities;

impl EntitySink for IgnoreEntities {
    fn wants_wire_types(&self) -> bool {
        false
    }
    fn begin_entity(&mut self, _entity_type: &str) {}
    fn field(&mut self, _name: &str, _xsi_type: Option<WireType>, _value: &str) {}
    fn udf(&mut self, _name: &str, _value: Option<&str>) {}
    fn end_entity(&mut self) {}
}
