//! The work orders the simulator holds: the body as created (updates merged in), and what the
//! server adds and changes: the id, the lifecycle status, the provider.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::fieldnation::lifecycle::Status;

/// A provider (technician) as work orders name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Provider {
    pub id: u64,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub phone: &'static str,
}

/// The demo provider who takes the work (the one the shipped webhook fixtures name).
pub(super) const DEMO_PROVIDER: Provider = Provider {
    id: 33881,
    first_name: "Jordan",
    last_name: "Reyes",
    phone: "612-555-0190",
};

#[derive(Debug, Clone)]
pub(super) struct StoredWorkOrder {
    pub id: u64,
    /// What the client sent, as it sent it (updates merged in).
    pub body: Value,
    pub status: Status,
    /// The provider routed to, then assigned.
    pub provider: Option<Provider>,
    pub created: jiff::Timestamp,
}

#[derive(Debug)]
pub(super) struct Store {
    orders: BTreeMap<u64, StoredWorkOrder>,
    next_id: u64,
    next_route_id: u64,
}

impl Store {
    pub(super) fn new(first_id: u64) -> Self {
        Store {
            orders: BTreeMap::new(),
            next_id: first_id,
            next_route_id: 880_001,
        }
    }

    /// Saves a new draft and returns its id.
    pub(super) fn create(&mut self, body: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.orders.insert(
            id,
            StoredWorkOrder {
                id,
                body,
                status: Status::Draft,
                provider: None,
                created: jiff::Timestamp::now(),
            },
        );
        id
    }

    pub(super) fn get(&self, id: u64) -> Option<&StoredWorkOrder> {
        self.orders.get(&id)
    }

    pub(super) fn get_mut(&mut self, id: u64) -> Option<&mut StoredWorkOrder> {
        self.orders.get_mut(&id)
    }

    pub(super) fn all(&self) -> impl Iterator<Item = &StoredWorkOrder> {
        self.orders.values()
    }

    pub(super) fn len(&self) -> usize {
        self.orders.len()
    }

    pub(super) fn next_route_id(&mut self) -> u64 {
        let id = self.next_route_id;
        self.next_route_id += 1;
        id
    }
}

/// A partial update: objects merge key by key, everything else (arrays included) is replaced,
/// as `PUT /workorders/{id}` changes only the fields it is given.
pub(super) fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                match target.get_mut(key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}
