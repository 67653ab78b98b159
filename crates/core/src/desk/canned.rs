//! Canned responses on the desk: the picker reads them from the cache (so it works offline);
//! adding, editing and deleting call the server directly, because an answer's author and
//! scope (global or private) are decided there — offline these fail with a clear message and
//! nothing is lost but the form the operator still has open. The server's reply is written
//! to the cache at once so the picker shows it without waiting for the change record.

use switchboard_protocol::{CannedResponse, CannedResponseInput, Id};

use super::Desk;
use crate::cache::canned;
use crate::error::Result;

impl Desk {
    /// Every canned response this operator may use, grouped by title.
    pub async fn canned_responses(&self) -> Result<Vec<CannedResponse>> {
        self.shared.read(canned::list).await
    }

    pub async fn add_canned(&self, input: CannedResponseInput) -> Result<CannedResponse> {
        let created = self.shared.api.create_canned(&input).await?;
        self.store_canned(created).await
    }

    pub async fn edit_canned(&self, id: Id, input: CannedResponseInput) -> Result<CannedResponse> {
        let edited = self.shared.api.update_canned(id, &input).await?;
        self.store_canned(edited).await
    }

    pub async fn delete_canned(&self, id: Id) -> Result<()> {
        self.shared.api.delete_canned(id).await?;
        self.shared.write(move |c| canned::remove(c, id)).await
    }

    async fn store_canned(&self, c: CannedResponse) -> Result<CannedResponse> {
        let stored = c.clone();
        self.shared
            .write(move |conn| canned::upsert(conn, &stored))
            .await?;
        Ok(c)
    }
}
