//! The live feed: one broadcast channel per server carrying every committed change record
//! (of all companies); each events socket filters it for its caller (and each chat widget
//! socket for its visitor). Also counts the open events sockets per company: whether an
//! operator is online, for the chat widget.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use switchboard_protocol::Id;
use tokio::sync::broadcast;

use crate::storage::StoredChange;

/// Records a slow socket may fall behind before it gets `resync`.
const CAPACITY: usize = 4096;

#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<StoredChange>>,
    /// Open events sockets per company: an operator has the app open (the chat widget says
    /// "online" while there is one).
    present: Arc<Mutex<HashMap<Id, usize>>>,
}

/// One open events socket, counted until dropped.
pub struct Presence {
    present: Arc<Mutex<HashMap<Id, usize>>>,
    company_id: Id,
}

impl Drop for Presence {
    fn drop(&mut self) {
        let mut map = self.present.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.company_id) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.company_id);
            }
        }
    }
}

impl Hub {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(CAPACITY);
        Self {
            tx,
            present: Arc::default(),
        }
    }

    /// Counts an operator's open events socket of `company_id` while the guard lives.
    pub fn present(&self, company_id: Id) -> Presence {
        *self
            .present
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(company_id)
            .or_default() += 1;
        Presence {
            present: self.present.clone(),
            company_id,
        }
    }

    /// Whether some operator of `company_id` has the app open.
    pub fn online(&self, company_id: Id) -> bool {
        self.present
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(&company_id)
    }

    /// The sender the storage layer publishes committed records to.
    pub fn sender(&self) -> broadcast::Sender<Arc<StoredChange>> {
        self.tx.clone()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<StoredChange>> {
        self.tx.subscribe()
    }
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}
