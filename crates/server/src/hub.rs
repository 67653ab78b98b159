//! The live feed: one broadcast channel per server carrying every committed change record
//! (of all companies); each events socket filters it for its caller (and each chat widget
//! socket for its visitor). Also counts the open events sockets per company: whether an
//! operator is online, for the chat widget. Beside it, the typing signals ([`crate::typing`]):
//! ephemeral, never stored.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use switchboard_protocol::Id;
use tokio::sync::broadcast;

use crate::storage::StoredChange;
use crate::typing::{self, TypingSignal};

/// Records a slow socket may fall behind before it gets `resync`.
const CAPACITY: usize = 4096;

#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<StoredChange>>,
    typing: broadcast::Sender<Arc<TypingSignal>>,
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
        let (typing, _) = broadcast::channel(typing::CAPACITY);
        Self {
            tx,
            typing,
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

    /// Operators' events sockets open on this process, over every company (the metrics).
    pub fn open_sockets(&self) -> usize {
        self.present
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .sum()
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

    /// Tells the open sockets that someone is (or stopped) typing; nobody listening is fine.
    pub fn typing(&self, signal: TypingSignal) {
        let _ = self.typing.send(Arc::new(signal));
    }

    pub fn subscribe_typing(&self) -> broadcast::Receiver<Arc<TypingSignal>> {
        self.typing.subscribe()
    }
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}
