//! The "Company settings" dialog's group file policies (Settings › Advanced "Block send/receive
//! files"). Online only, like the email whitelist next door (`desk/email.rs`): the server
//! decides and enforces them; nothing is cached.

use switchboard_protocol::{GroupFilePolicy, GroupFiles, Id};

use super::email::online_only;
use super::Desk;
use crate::error::Result;

impl Desk {
    pub async fn group_files(&self) -> Result<Vec<GroupFiles>> {
        online_only(
            "Reading the company settings",
            self.shared.api.group_files().await,
        )
    }

    pub async fn set_group_files(
        &self,
        group_id: Id,
        policy: GroupFilePolicy,
    ) -> Result<GroupFilePolicy> {
        online_only(
            "Changing the company settings",
            self.shared.api.set_group_files(group_id, &policy).await,
        )
    }
}
