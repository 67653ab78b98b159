//! Notices raised while the desk started (before the UI could listen): the UI asks for them
//! once it is up, and gets later ones through [`DeskEvents::notice`].

use super::{Desk, CACHE_REBUILT};
use crate::view::Notice;

impl Desk {
    /// What the operator should be told about this desk's start, e.g. a rebuilt cache.
    pub fn notices(&self) -> Vec<Notice> {
        self.shared
            .cache
            .rebuilt_from()
            .map(|_| Notice::CacheRebuilt {
                message: CACHE_REBUILT.into(),
            })
            .into_iter()
            .collect()
    }
}
