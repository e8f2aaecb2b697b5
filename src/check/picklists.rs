//! The picklists a program uses, numbered so that IR nodes refer to them by index.

use std::collections::HashMap;

use crate::ir::PicklistLabels;
use crate::schema::{PickValue, Picklist};
use crate::value::Key;
use crate::value::PicklistType;
use crate::value::key_map::KeyMap;

#[derive(Default)]
pub(super) struct PicklistRegistry {
    index: HashMap<String, u32>,
    lists: Vec<(String, Picklist)>,
}

impl PicklistRegistry {
    /// Registers a picklist under a display name (`Ticket.Status`) and returns its type.
    pub fn register(&mut self, name: String, list: &Picklist) -> PicklistType {
        let index = match self.index.get(&name) {
            Some(&i) => i,
            None => {
                let i = self.lists.len() as u32;
                self.lists.push((name.clone(), list.clone()));
                self.index.insert(name.clone(), i);
                i
            }
        };
        PicklistType { index, name }
    }

    pub fn get(&self, ty: &PicklistType) -> Option<&Picklist> {
        self.lists.get(ty.index as usize).map(|(_, list)| list)
    }

    pub fn into_labels(self) -> Vec<PicklistLabels> {
        self.lists
            .into_iter()
            .map(|(name, list)| {
                let mut labels = KeyMap::default();
                for entry in &list.values {
                    labels.insert(pick_key(&entry.value), entry.label.as_str().into());
                }
                PicklistLabels { name, labels }
            })
            .collect()
    }
}

pub(super) fn pick_key(value: &PickValue) -> Key {
    match value {
        PickValue::Int(i) => Key::Int(*i),
        PickValue::Str(s) => Key::Str(s.as_str().into()),
    }
}
