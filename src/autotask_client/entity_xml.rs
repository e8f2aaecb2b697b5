//! Entities as `create` and `update` send them: `id`, then the changed UDFs, then every field
//! with its `xsi:type` (written by [`crate::autotask::wire`]'s entity writer, as the simulator
//! writes its answers).

use super::error::ClientError;
use crate::autotask::soap::{CollectedEntity, WireType};
use crate::autotask::wire::{close_entity, open_entity, push_field, push_udfs};
use crate::schema::Entity;

/// One entity to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireEntity {
    /// The entity type, e.g. `Ticket` (the `Entity`'s `xsi:type`).
    pub entity: String,
    /// The id to update; `None` for a new entity (sent as 0).
    pub id: Option<i64>,
    /// Fields in the order they are sent.
    pub fields: Vec<WireField>,
    /// The UDFs to write. UDFs left out keep their value, so only changed ones belong here.
    pub udfs: Vec<WireUdf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireField {
    pub name: String,
    pub xsi_type: WireType,
    /// The value as the wire carries it; `""` is an empty string, sent typed.
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireUdf {
    pub name: String,
    /// `None` clears the UDF.
    pub value: Option<String>,
}

impl WireEntity {
    pub fn new(entity: impl Into<String>) -> Self {
        WireEntity {
            entity: entity.into(),
            id: None,
            fields: Vec::new(),
            udfs: Vec::new(),
        }
    }

    /// The entity as read from a query response: every field it had, with its wire type
    /// (falling back to the schema type, then to `string`) and no UDFs.
    pub fn from_collected(collected: &CollectedEntity, schema: Option<&Entity>) -> Self {
        let mut entity = WireEntity::new(collected.entity_type.clone());
        for (name, wire_type, value) in &collected.fields {
            if name == "id" {
                entity.id = value.trim().parse().ok();
                continue;
            }
            let schema_type = schema
                .and_then(|s| s.field(name))
                .map(|f| WireType::of(f.ty));
            let xsi_type = schema_type
                .or_else(|| wire_type.clone())
                .unwrap_or(WireType::String);
            entity.fields.push(WireField {
                name: name.clone(),
                xsi_type,
                value: value.clone(),
            });
        }
        entity
    }

    /// Sets a field (replacing an earlier value), typed by the schema.
    ///
    /// # Errors
    ///
    /// [`ClientError::InvalidRequest`] when the schema's entity has no such field.
    pub fn set(
        &mut self,
        schema: &Entity,
        name: &str,
        value: impl Into<String>,
    ) -> Result<&mut Self, ClientError> {
        let field = schema.field(name).ok_or_else(|| {
            ClientError::InvalidRequest(format!("{} has no field `{name}`", schema.name))
        })?;
        Ok(self.set_typed(&field.name, WireType::of(field.ty), value))
    }

    /// Sets a field with an explicit wire type (replacing an earlier value).
    pub fn set_typed(
        &mut self,
        name: &str,
        xsi_type: WireType,
        value: impl Into<String>,
    ) -> &mut Self {
        let value = value.into();
        match self.fields.iter_mut().find(|f| f.name == name) {
            Some(field) => {
                field.xsi_type = xsi_type;
                field.value = value;
            }
            None => self.fields.push(WireField {
                name: name.to_owned(),
                xsi_type,
                value,
            }),
        }
        self
    }

    /// Leaves a field out (so an update clears it).
    pub fn remove(&mut self, name: &str) -> &mut Self {
        self.fields.retain(|f| f.name != name);
        self
    }

    /// Sets a UDF (replacing an earlier value).
    pub fn set_udf(&mut self, name: &str, value: Option<String>) -> &mut Self {
        match self.udfs.iter_mut().find(|u| u.name == name) {
            Some(udf) => udf.value = value,
            None => self.udfs.push(WireUdf {
                name: name.to_owned(),
                value,
            }),
        }
        self
    }

    pub fn field(&self, name: &str) -> Option<&WireField> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Appends `<Entity xsi:type="…">…</Entity>`; `UserDefinedFields` only when UDFs are set.
    pub fn write_xml(&self, out: &mut String) {
        open_entity(out, &self.entity, self.id.unwrap_or(0));
        if !self.udfs.is_empty() {
            push_udfs(
                out,
                self.udfs
                    .iter()
                    .map(|udf| (udf.name.as_str(), udf.value.as_deref())),
            );
        }
        for field in &self.fields {
            push_field(out, &field.name, &field.xsi_type, &field.value);
        }
        close_entity(out);
    }
}

/// `<Entities>…</Entities>`, the body of `create` and `update`.
pub fn entities_body(entities: &[WireEntity]) -> String {
    let mut out = String::from("<Entities>");
    for entity in entities {
        entity.write_xml(&mut out);
    }
    out.push_str("</Entities>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_typed_and_empty_strings_too() {
        let mut entity = WireEntity::new("Ticket");
        entity.id = Some(9137);
        entity
            .set_typed("Title", WireType::String, "")
            .set_typed("Status", WireType::Int, "5")
            .set_typed("Description", WireType::String, "a < b\r\nc")
            .set_udf("Room Number", Some("B&12".into()));
        let xml = entities_body(std::slice::from_ref(&entity));
        assert_eq!(
            xml,
            "<Entities><Entity xsi:type=\"Ticket\"><id xsi:type=\"xsd:long\">9137</id>\
             <UserDefinedFields><UserDefinedField><Name>Room Number</Name><Value>B&amp;12</Value>\
             </UserDefinedField></UserDefinedFields><Title xsi:type=\"xsd:string\" />\
             <Status xsi:type=\"xsd:int\">5</Status>\
             <Description xsi:type=\"xsd:string\">a &lt; b&#13;\nc</Description></Entity></Entities>"
        );
    }
}
