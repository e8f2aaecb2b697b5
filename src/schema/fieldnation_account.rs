//! What differs between Field Nation accounts: the types of work and the work order custom
//! fields (ids are the account's own), and the contact roles Field Nation accepts. The simulator
//! serves the bundled demo account (stdlib/fieldnation/demo-account.json); `schema pull` writes
//! a real account's in the same format.

use serde::{Deserialize, Serialize};

const DEMO_ACCOUNT: &str = include_str!("../../stdlib/fieldnation/demo-account.json");

/// The contact roles Field Nation's contacts documentation lists, the only ones it accepts.
pub const CONTACT_ROLES: [&str; 6] = [
    "Project manager",
    "Location Contact",
    "Resource coordinator",
    "Emergency contact",
    "Technical help",
    "Check-in / Check-out",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldNationAccount {
    pub name: String,
    pub types_of_work: Vec<TypeOfWork>,
    pub custom_fields: Vec<CustomField>,
    /// Defaults to [`CONTACT_ROLES`] when a snapshot leaves it out.
    #[serde(default = "default_roles")]
    pub contact_roles: Vec<String>,
}

/// One type of work (V3TypesOfWork of `GET /types-of-work`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeOfWork {
    pub id: u64,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
}

/// One work order custom field (WorkorderCustomFieldDto of `GET /custom-fields`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomField {
    pub id: u64,
    pub name: String,
    /// `text`, `numeric`, `date`, `date_time`, `time`, `predefined`, `phone`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub field_type: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
}

fn default_roles() -> Vec<String> {
    CONTACT_ROLES.iter().map(|r| (*r).to_owned()).collect()
}

impl FieldNationAccount {
    /// The bundled demo account.
    pub fn demo() -> Result<Self, serde_json::Error> {
        Self::from_json(DEMO_ACCOUNT)
    }

    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    pub fn type_of_work(&self, id: u64) -> Option<&TypeOfWork> {
        self.types_of_work.iter().find(|t| t.id == id)
    }

    pub fn custom_field(&self, id: u64) -> Option<&CustomField> {
        self.custom_fields.iter().find(|f| f.id == id)
    }

    pub fn accepts_role(&self, role: &str) -> bool {
        self.contact_roles.iter().any(|r| r == role)
    }

    /// A tenant snapshot's text with this account as its `fieldnation` section, the rest of
    /// the text kept as it is (replacing a section it already has).
    pub fn add_to_snapshot(&self, snapshot: &str) -> Result<String, String> {
        let mut json: serde_json::Value =
            serde_json::from_str(snapshot).map_err(|e| format!("the snapshot: {e}"))?;
        let object = json
            .as_object_mut()
            .ok_or("the snapshot is not a JSON object")?;
        if object.contains_key("fieldnation") {
            object.insert(
                "fieldnation".into(),
                serde_json::to_value(self).map_err(|e| e.to_string())?,
            );
            return serde_json::to_string_pretty(&json)
                .map(|text| text + "\n")
                .map_err(|e| e.to_string());
        }
        let body = snapshot.trim_end();
        let head = body
            .strip_suffix('}')
            .ok_or("the snapshot does not end with `}`")?
            .trim_end();
        let section = self.section_text().map_err(|e| e.to_string())?;
        Ok(format!("{head},\n \"fieldnation\": {section}\n}}\n"))
    }

    /// One line per type of work and custom field, like the rest of a snapshot.
    fn section_text(&self) -> Result<String, serde_json::Error> {
        let list = |items: Vec<String>| format!("[\n   {}\n  ]", items.join(",\n   "));
        let types = self
            .types_of_work
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<_>, _>>()?;
        let fields = self
            .custom_fields
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(format!(
            "{{\n  \"name\": {},\n  \"types_of_work\": {},\n  \"custom_fields\": {},\n  \"contact_roles\": {}\n }}",
            serde_json::to_string(&self.name)?,
            list(types),
            list(fields),
            serde_json::to_string(&self.contact_roles)?
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_account_has_the_ids_the_shipped_mappings_use() {
        let account = FieldNationAccount::demo().unwrap_or_else(|e| panic!("demo account: {e}"));
        for id in [1, 62, 64, 71] {
            assert!(account.type_of_work(id).is_some(), "type of work {id}");
        }
        for id in [129, 131, 133, 135, 137, 140, 141, 142] {
            assert!(account.custom_field(id).is_some(), "custom field {id}");
        }
        assert!(account.accepts_role("Location Contact"));
        assert!(!account.accepts_role("Site Contact"));
    }

    #[test]
    fn a_snapshot_gets_the_section_and_reads_it_back() {
        let account = FieldNationAccount::demo().unwrap_or_else(|e| panic!("demo account: {e}"));
        let snapshot = "{\n \"name\": \"T\",\n \"picklists\": {},\n \"udfs\": {}\n}\n";
        let text = account
            .add_to_snapshot(snapshot)
            .unwrap_or_else(|e| panic!("{e}"));
        let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(json["name"], "T");
        let back: FieldNationAccount =
            serde_json::from_value(json["fieldnation"].clone()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, account);
        let again = account
            .add_to_snapshot(&text)
            .unwrap_or_else(|e| panic!("{e}"));
        let json: serde_json::Value = serde_json::from_str(&again).unwrap_or_default();
        assert_eq!(
            json["fieldnation"]["types_of_work"]
                .as_array()
                .map(Vec::len),
            Some(account.types_of_work.len())
        );
        assert!(account.add_to_snapshot("[1]").is_err());
    }
}
