//! The Administration area (operators, groups, roles, channel accounts) and "Change
//! password". Online only, like the company settings (`desk/settings.rs`): the server decides
//! and enforces every rule, and nothing here is cached (the directory the desk shows arrives by
//! sync as change records).

use switchboard_protocol::{
    ChangePassword, ChannelAccount, ChannelPatch, ChannelSecretShown, Group, GroupPatch, Id,
    NewChannelRequest, NewGroupRequest, NewOperatorRequest, NewRoleRequest, Operator,
    OperatorCreated, OperatorPatch, Role, RolePatch,
};

use super::email::online_only;
use super::Desk;
use crate::error::Result;

const READ: &str = "Reading the administration";
const CHANGE: &str = "Changing the administration";

impl Desk {
    pub async fn operators(&self) -> Result<Vec<Operator>> {
        online_only(READ, self.shared.api.operators().await)
    }

    pub async fn create_operator(&self, req: NewOperatorRequest) -> Result<OperatorCreated> {
        online_only(CHANGE, self.shared.api.create_operator(&req).await)
    }

    pub async fn update_operator(&self, id: Id, patch: OperatorPatch) -> Result<Operator> {
        online_only(CHANGE, self.shared.api.update_operator(id, &patch).await)
    }

    pub async fn reset_password(&self, id: Id) -> Result<OperatorCreated> {
        online_only(CHANGE, self.shared.api.reset_password(id).await)
    }

    pub async fn groups(&self) -> Result<Vec<Group>> {
        online_only(READ, self.shared.api.groups().await)
    }

    pub async fn create_group(&self, req: NewGroupRequest) -> Result<Group> {
        online_only(CHANGE, self.shared.api.create_group(&req).await)
    }

    pub async fn update_group(&self, id: Id, patch: GroupPatch) -> Result<Group> {
        online_only(CHANGE, self.shared.api.update_group(id, &patch).await)
    }

    pub async fn delete_group(&self, id: Id, move_to: Option<Id>) -> Result<()> {
        online_only(CHANGE, self.shared.api.delete_group(id, move_to).await)
    }

    pub async fn roles(&self) -> Result<Vec<Role>> {
        online_only(READ, self.shared.api.roles().await)
    }

    pub async fn create_role(&self, req: NewRoleRequest) -> Result<Role> {
        online_only(CHANGE, self.shared.api.create_role(&req).await)
    }

    pub async fn update_role(&self, id: Id, patch: RolePatch) -> Result<Role> {
        online_only(CHANGE, self.shared.api.update_role(id, &patch).await)
    }

    pub async fn delete_role(&self, id: Id) -> Result<()> {
        online_only(CHANGE, self.shared.api.delete_role(id).await)
    }

    pub async fn channels(&self) -> Result<Vec<ChannelAccount>> {
        online_only(READ, self.shared.api.channels().await)
    }

    pub async fn create_channel(&self, req: NewChannelRequest) -> Result<ChannelSecretShown> {
        online_only(CHANGE, self.shared.api.create_channel(&req).await)
    }

    pub async fn update_channel(&self, id: Id, patch: ChannelPatch) -> Result<ChannelAccount> {
        online_only(CHANGE, self.shared.api.update_channel(id, &patch).await)
    }

    pub async fn delete_channel(&self, id: Id) -> Result<()> {
        online_only(CHANGE, self.shared.api.delete_channel(id).await)
    }

    pub async fn rotate_channel_secret(&self, id: Id) -> Result<ChannelSecretShown> {
        online_only(CHANGE, self.shared.api.rotate_channel_secret(id).await)
    }

    /// The signed-in operator's own password; their other sessions end, this one stays.
    pub async fn change_password(&self, current: String, new: String) -> Result<()> {
        let req = ChangePassword {
            current_password: current,
            new_password: new,
        };
        online_only(
            "Changing your password",
            self.shared.api.change_password(&req).await,
        )
    }
}
