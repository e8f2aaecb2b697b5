//! A tenant snapshot: the picklists and user-defined fields of one Autotask database.
//! The format is documented in docs/tenant-snapshot.md.

use std::collections::HashMap;

use serde::Deserialize;

use super::FieldType;

#[derive(Debug, Clone, Deserialize)]
pub struct PicklistValue {
    /// Integer for entity fields; UDF picklists carry strings.
    pub value: serde_json::Value,
    pub label: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub default: bool,
    #[serde(default)]
    pub sort: i64,
    #[serde(default)]
    pub parent: Option<serde_json::Value>,
}

fn yes() -> bool {
    true
}

/// The value of a picklist entry as the API carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PickValue {
    Int(i64),
    Str(String),
}

impl PickValue {
    fn from_json(value: &serde_json::Value) -> Option<Self> {
        match value {
            serde_json::Value::Number(n) => n.as_i64().map(PickValue::Int),
            serde_json::Value::String(s) => Some(PickValue::Str(s.clone())),
            _ => None,
        }
    }
}

impl std::fmt::Display for PickValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PickValue::Int(i) => write!(f, "{i}"),
            PickValue::Str(s) => f.write_str(s),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Picklist {
    pub values: Vec<PicklistEntry>,
}

#[derive(Debug, Clone)]
pub struct PicklistEntry {
    pub value: PickValue,
    pub label: String,
    pub active: bool,
    pub is_default: bool,
    pub sort: i64,
    pub parent: Option<PickValue>,
}

impl Picklist {
    fn from_values(values: &[PicklistValue]) -> Result<Self, String> {
        let values = values
            .iter()
            .map(|v| {
                Ok(PicklistEntry {
                    value: PickValue::from_json(&v.value).ok_or_else(|| {
                        format!("value of `{}` is neither integer nor string", v.label)
                    })?,
                    label: v.label.clone(),
                    active: v.active,
                    is_default: v.default,
                    sort: v.sort,
                    parent: v.parent.as_ref().and_then(PickValue::from_json),
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Picklist { values })
    }

    /// The entry with exactly this label (labels are matched as Autotask stores them).
    pub fn by_label(&self, label: &str) -> Option<&PicklistEntry> {
        self.values.iter().find(|v| v.label == label)
    }

    pub fn by_value(&self, value: &PickValue) -> Option<&PicklistEntry> {
        self.values.iter().find(|v| &v.value == value)
    }

    /// An entry whose label equals `label` when case and surrounding or repeated whitespace
    /// are ignored: the mistake the broker's exact matching punishes at run time.
    pub fn by_loose_label(&self, label: &str) -> Option<&PicklistEntry> {
        let wanted = loose(label);
        self.values.iter().find(|v| loose(&v.label) == wanted)
    }

    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(|v| v.label.as_str())
    }
}

fn loose(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[derive(Debug, Clone, Deserialize)]
struct RawUdf {
    name: String,
    #[serde(rename = "type")]
    ty: FieldType,
    #[serde(default)]
    length: Option<u32>,
    #[serde(default)]
    picklist: Option<Vec<PicklistValue>>,
    #[serde(default)]
    read_only: bool,
    #[serde(default)]
    required: bool,
}

#[derive(Debug, Clone)]
pub struct Udf {
    pub name: String,
    pub ty: FieldType,
    pub length: Option<u32>,
    pub picklist: Option<Picklist>,
    pub read_only: bool,
    pub required: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct RawTenant {
    name: String,
    picklists: HashMap<String, HashMap<String, Vec<PicklistValue>>>,
    udfs: HashMap<String, Vec<RawUdf>>,
}

#[derive(Debug, Clone)]
pub struct Tenant {
    pub name: String,
    picklists: HashMap<(String, String), Picklist>,
    udfs: HashMap<String, Vec<Udf>>,
}

impl Tenant {
    pub fn from_json(text: &str) -> Result<Self, String> {
        let raw: RawTenant = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut picklists = HashMap::new();
        for (entity, fields) in &raw.picklists {
            for (field, values) in fields {
                let list =
                    Picklist::from_values(values).map_err(|e| format!("{entity}.{field}: {e}"))?;
                picklists.insert((entity.clone(), field.clone()), list);
            }
        }
        let mut udfs = HashMap::new();
        for (entity, list) in raw.udfs {
            let list = list
                .into_iter()
                .map(|u| {
                    let picklist = u
                        .picklist
                        .as_deref()
                        .map(Picklist::from_values)
                        .transpose()
                        .map_err(|e| format!("{entity} UDF `{}`: {e}", u.name))?;
                    Ok(Udf {
                        name: u.name,
                        ty: u.ty,
                        length: u.length,
                        picklist,
                        read_only: u.read_only,
                        required: u.required,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            udfs.insert(entity, list);
        }
        Ok(Tenant {
            name: raw.name,
            picklists,
            udfs,
        })
    }

    pub fn picklist(&self, entity: &str, field: &str) -> Option<&Picklist> {
        self.picklists.get(&(entity.to_string(), field.to_string()))
    }

    /// The UDFs of an entity, in a stable order: a UDF's slot is its position here.
    pub fn udfs(&self, entity: &str) -> &[Udf] {
        self.udfs.get(entity).map_or(&[], Vec::as_slice)
    }

    pub fn udf_slot(&self, entity: &str, name: &str) -> Option<usize> {
        self.udfs(entity).iter().position(|u| u.name == name)
    }
}
