//! The records a simulator starts with: `query` responses, read with the
//! project's own response reader and checked against the schema and tenant.

use std::path::Path;

use crate::autotask::soap::{CollectedEntity, collect_entities};

use super::datastore::{DataStore, StoredEntity};
use super::error::SimError;
use super::metadata::Metadata;
use super::wire_value::parse_value;

/// The demo tenant's records (`mappings/fixtures/`, made by
/// `tools/make_demo_data.py`), built into the binary.
const DEMO_DATASET: [(&str, &str); 8] = [
    (
        "accounts.xml",
        include_str!("../../../mappings/fixtures/accounts.xml"),
    ),
    (
        "contacts.xml",
        include_str!("../../../mappings/fixtures/contacts.xml"),
    ),
    (
        "locations.xml",
        include_str!("../../../mappings/fixtures/locations.xml"),
    ),
    (
        "projects.xml",
        include_str!("../../../mappings/fixtures/projects.xml"),
    ),
    (
        "resources.xml",
        include_str!("../../../mappings/fixtures/resources.xml"),
    ),
    (
        "service-calls.xml",
        include_str!("../../../mappings/fixtures/service-calls.xml"),
    ),
    (
        "tasks.xml",
        include_str!("../../../mappings/fixtures/tasks.xml"),
    ),
    (
        "tickets.xml",
        include_str!("../../../mappings/fixtures/tickets.xml"),
    ),
];

/// Loads every `*.xml` file directly in `data_dir` (in name order), or the
/// bundled demo dataset.
pub(super) fn load_dataset(
    data_dir: Option<&Path>,
    metadata: &Metadata,
) -> Result<DataStore, SimError> {
    let mut store = DataStore::default();
    match data_dir {
        None => {
            for (name, text) in DEMO_DATASET {
                load_response(&mut store, name, text, metadata)?;
            }
        }
        Some(dir) => {
            for path in xml_files(dir)? {
                let name = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                let text = std::fs::read_to_string(&path).map_err(|source| SimError::Read {
                    path: path.clone(),
                    source,
                })?;
                load_response(&mut store, &name, &text, metadata)?;
            }
        }
    }
    Ok(store)
}

fn xml_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, SimError> {
    let read_error = |source| SimError::Read {
        path: dir.to_owned(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        let is_xml = path
            .extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("xml"));
        if is_xml && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Adds the entities of one `queryResponse` document.
fn load_response(
    store: &mut DataStore,
    file: &str,
    text: &str,
    metadata: &Metadata,
) -> Result<(), SimError> {
    let data_error = |message: String| SimError::Data {
        file: file.to_owned(),
        message,
    };
    let (outcome, entities) = collect_entities(text).map_err(|e| data_error(e.to_string()))?;
    if !outcome.succeeded() {
        return Err(data_error(format!(
            "the response reports a failure (ReturnCode {}): {}",
            outcome.return_code,
            outcome.errors.join(" ")
        )));
    }
    for (index, collected) in entities.iter().enumerate() {
        let record = to_record(collected, metadata)
            .map_err(|message| data_error(format!("entity {}: {message}", index + 1)))?;
        if store.contains(&collected.entity_type, record.id) {
            return Err(data_error(format!(
                "{} {} appears twice in the dataset",
                collected.entity_type, record.id
            )));
        }
        store.put(&collected.entity_type, record);
    }
    Ok(())
}

fn to_record(collected: &CollectedEntity, metadata: &Metadata) -> Result<StoredEntity, String> {
    let entity = metadata
        .entity(&collected.entity_type)
        .ok_or_else(|| format!("unknown entity type `{}`", collected.entity_type))?;
    let udfs = metadata.udfs(&entity.name);
    let id = collected
        .field("id")
        .ok_or("it has no id")?
        .trim()
        .parse::<i64>()
        .map_err(|_| "its id is not a number".to_owned())?;
    let mut record = StoredEntity::empty(id, entity.fields.len(), udfs.len());
    for (name, _, text) in &collected.fields {
        if name == "id" {
            continue;
        }
        let slot = entity
            .field_slot(name)
            .ok_or_else(|| format!("{} has no field `{name}`", entity.name))?;
        let field = &entity.fields[slot];
        let value = parse_value(field.ty, text).map_err(|error| error.describe(text, name))?;
        record.fields[slot] = Some(value);
    }
    for (name, value) in &collected.udfs {
        let slot = udfs
            .iter()
            .position(|udf| &udf.name == name)
            .ok_or_else(|| format!("the tenant has no {} UDF `{name}`", entity.name))?;
        record.udfs[slot] = value.clone();
    }
    Ok(record)
}
