//! The Autotask entity and field schema (bundled in stdlib/autotask/entities.json).

use std::collections::HashMap;

use serde::Deserialize;

/// Autotask's field data types as GetFieldInfo names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Integer,
    Long,
    Short,
    String,
    Datetime,
    Boolean,
    Double,
    Decimal,
    Float,
}

impl FieldType {
    /// Every type.
    pub const ALL: [FieldType; 9] = [
        FieldType::Integer,
        FieldType::Long,
        FieldType::Short,
        FieldType::String,
        FieldType::Datetime,
        FieldType::Boolean,
        FieldType::Double,
        FieldType::Decimal,
        FieldType::Float,
    ];

    /// The type a name means, as `GetFieldInfo`'s `Type` and the schema files write it.
    pub fn from_name(name: &str) -> Option<FieldType> {
        FieldType::ALL.into_iter().find(|ty| ty.name() == name)
    }

    /// The name as `GetFieldInfo`'s `Type` writes it, e.g. `datetime`.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Integer => "integer",
            FieldType::Long => "long",
            FieldType::Short => "short",
            FieldType::String => "string",
            FieldType::Datetime => "datetime",
            FieldType::Boolean => "boolean",
            FieldType::Double => "double",
            FieldType::Decimal => "decimal",
            FieldType::Float => "float",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Field {
    pub name: String,
    #[serde(default)]
    pub label: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    #[serde(default)]
    pub length: Option<u32>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub queryable: bool,
    #[serde(default)]
    pub picklist: bool,
    /// The entity this field refers to (`AccountID` → `Account`).
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub picklist_parent: Option<String>,
    /// A calendar date stored as midnight Eastern (a Project's EndDateTime): its day is the
    /// same in every zone.
    #[serde(default)]
    pub date_only: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Entity {
    #[serde(skip)]
    pub name: String,
    #[serde(default)]
    pub can_create: bool,
    #[serde(default)]
    pub can_update: bool,
    #[serde(default)]
    pub can_query: bool,
    #[serde(default)]
    pub can_delete: bool,
    #[serde(default)]
    pub has_udfs: bool,
    pub fields: Vec<Field>,
    #[serde(skip)]
    index: HashMap<String, usize>,
}

impl Entity {
    /// The slot of a field: its position in the entity's field list.
    pub fn field_slot(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.field_slot(name).map(|slot| &self.fields[slot])
    }

    /// A related entity one reference away: `Account` through `AccountID`,
    /// `AssignedResource` through `AssignedResourceID`. Returns the reference field's slot.
    pub fn relation(&self, name: &str) -> Option<(usize, &Field)> {
        let slot = self.field_slot(&format!("{name}ID"))?;
        let field = &self.fields[slot];
        field.reference.as_ref().map(|_| (slot, field))
    }

    /// Names usable as related entities (`Account`, `Contact`, …), for suggestions.
    pub fn relation_names(&self) -> impl Iterator<Item = &str> {
        self.fields
            .iter()
            .filter(|f| f.reference.is_some())
            .filter_map(|f| f.name.strip_suffix("ID"))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct AutotaskSchema {
    pub api_version: String,
    pub entities: HashMap<String, Entity>,
}

impl AutotaskSchema {
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        let mut schema: AutotaskSchema = serde_json::from_str(text)?;
        for (name, entity) in &mut schema.entities {
            entity.name = name.clone();
            entity.index = entity
                .fields
                .iter()
                .enumerate()
                .map(|(slot, f)| (f.name.clone(), slot))
                .collect();
        }
        Ok(schema)
    }

    pub fn entity(&self, name: &str) -> Option<&Entity> {
        self.entities.get(name)
    }

    pub fn entity_names(&self) -> impl Iterator<Item = &str> {
        self.entities.keys().map(String::as_str)
    }
}
