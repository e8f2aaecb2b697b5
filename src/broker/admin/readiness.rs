//! Whether the broker is ready for work: a flag the server sets once it has tested both
//! connections. `/readyz` answers ready only when it is set and the store answers, migrated.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The readiness flag: cheap to clone; every clone sees the same flag.
#[derive(Debug, Clone, Default)]
pub struct Readiness {
    ready: Arc<AtomicBool>,
}

impl Readiness {
    /// A flag not set yet: the server sets it with [`Readiness::set`] when it is ready.
    pub fn new() -> Readiness {
        Readiness::default()
    }

    /// A flag already set (for a server with nothing to test before work, and the CLI).
    pub fn ready() -> Readiness {
        let readiness = Readiness::new();
        readiness.set(true);
        readiness
    }

    /// Sets or clears the flag (clear it to take the broker out of rotation while draining).
    pub fn set(&self, ready: bool) {
        self.ready.store(ready, Ordering::SeqCst);
    }

    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }
}
