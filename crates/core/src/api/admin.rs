//! The Administration area's calls: `/api/v1/operators`, `/groups`, `/roles`, `/channels` and
//! `/me/password`. The server decides who may do what; its refusals come back as
//! [`crate::CoreError::Api`] with its sentence.

use reqwest::Method;
use switchboard_protocol::{
    ChangePassword, ChannelAccount, ChannelPatch, ChannelSecretShown, Group, GroupPatch, Id,
    NewChannelRequest, NewGroupRequest, NewOperatorRequest, NewRoleRequest, Operator,
    OperatorCreated, OperatorPatch, PasswordReset, Role, RolePatch,
};

use super::ApiClient;
use crate::error::Result;

impl ApiClient {
    pub async fn operators(&self) -> Result<Vec<Operator>> {
        self.json::<_, ()>(Method::GET, "operators", None).await
    }

    pub async fn create_operator(&self, req: &NewOperatorRequest) -> Result<OperatorCreated> {
        self.json(Method::POST, "operators", Some(req)).await
    }

    pub async fn update_operator(&self, id: Id, patch: &OperatorPatch) -> Result<Operator> {
        self.json(Method::PATCH, &format!("operators/{id}"), Some(patch))
            .await
    }

    /// A new one-time password for the operator (returned once); they are signed out.
    pub async fn reset_password(&self, id: Id) -> Result<OperatorCreated> {
        let body = PasswordReset::default();
        self.json(
            Method::POST,
            &format!("operators/{id}/password"),
            Some(&body),
        )
        .await
    }

    pub async fn groups(&self) -> Result<Vec<Group>> {
        self.json::<_, ()>(Method::GET, "groups", None).await
    }

    pub async fn create_group(&self, req: &NewGroupRequest) -> Result<Group> {
        self.json(Method::POST, "groups", Some(req)).await
    }

    pub async fn update_group(&self, id: Id, patch: &GroupPatch) -> Result<Group> {
        self.json(Method::PATCH, &format!("groups/{id}"), Some(patch))
            .await
    }

    pub async fn delete_group(&self, id: Id, move_to: Option<Id>) -> Result<()> {
        let path = match move_to {
            Some(to) => format!("groups/{id}?move_to={to}"),
            None => format!("groups/{id}"),
        };
        self.call::<()>(Method::DELETE, &path, None).await?;
        Ok(())
    }

    pub async fn roles(&self) -> Result<Vec<Role>> {
        self.json::<_, ()>(Method::GET, "roles", None).await
    }

    pub async fn create_role(&self, req: &NewRoleRequest) -> Result<Role> {
        self.json(Method::POST, "roles", Some(req)).await
    }

    pub async fn update_role(&self, id: Id, patch: &RolePatch) -> Result<Role> {
        self.json(Method::PATCH, &format!("roles/{id}"), Some(patch))
            .await
    }

    pub async fn delete_role(&self, id: Id) -> Result<()> {
        self.call::<()>(Method::DELETE, &format!("roles/{id}"), None)
            .await?;
        Ok(())
    }

    pub async fn channels(&self) -> Result<Vec<ChannelAccount>> {
        self.json::<_, ()>(Method::GET, "channels", None).await
    }

    pub async fn create_channel(&self, req: &NewChannelRequest) -> Result<ChannelSecretShown> {
        self.json(Method::POST, "channels", Some(req)).await
    }

    pub async fn update_channel(&self, id: Id, patch: &ChannelPatch) -> Result<ChannelAccount> {
        self.json(Method::PATCH, &format!("channels/{id}"), Some(patch))
            .await
    }

    /// Refused (409, with the server's sentence) while the channel has conversations.
    pub async fn delete_channel(&self, id: Id) -> Result<()> {
        self.call::<()>(Method::DELETE, &format!("channels/{id}"), None)
            .await?;
        Ok(())
    }

    pub async fn rotate_channel_secret(&self, id: Id) -> Result<ChannelSecretShown> {
        self.json::<_, ()>(Method::POST, &format!("channels/{id}/secret"), None)
            .await
    }

    pub async fn change_password(&self, req: &ChangePassword) -> Result<()> {
        self.call(Method::PUT, "me/password", Some(req)).await?;
        Ok(())
    }
}
