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
}
