//! The live feed: one broadcast channel per server carrying every committed change record
//! (of all companies); each events socket filters it for its caller.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::storage::StoredChange;

/// Records a slow socket may fall behind before it gets `resync`.
const CAPACITY: usize = 4096;

#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<StoredChange>>,
}

impl Hub {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(CAPACITY);
        Self { tx }
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
