//! Settings › Advanced "Manage Webhooks" on the desk (super-admin). Online only, like the other
//! company settings (`desk/settings.rs`): the server keeps and checks them; nothing is cached.

use switchboard_protocol::{
    Id, NewWebhook, Webhook, WebhookAttemptsPage, WebhookPatch, WebhookTestQueued,
    WebhookWithSecret,
};

use super::email::online_only;
use super::Desk;
use crate::error::Result;

const READ: &str = "Reading the webhooks";
const CHANGE: &str = "Changing the webhooks";

impl Desk {
    pub async fn webhooks(&self) -> Result<Vec<Webhook>> {
        online_only(READ, self.shared.api.webhooks().await)
    }

    pub async fn create_webhook(&self, w: NewWebhook) -> Result<WebhookWithSecret> {
        online_only(CHANGE, self.shared.api.create_webhook(&w).await)
    }

    pub async fn update_webhook(&self, id: Id, patch: WebhookPatch) -> Result<Webhook> {
        online_only(CHANGE, self.shared.api.update_webhook(id, &patch).await)
    }

    pub async fn delete_webhook(&self, id: Id) -> Result<()> {
        online_only(CHANGE, self.shared.api.delete_webhook(id).await)
    }

    pub async fn rotate_webhook_secret(&self, id: Id) -> Result<WebhookWithSecret> {
        online_only(CHANGE, self.shared.api.rotate_webhook_secret(id).await)
    }

    pub async fn webhook_deliveries(
        &self,
        id: Id,
        before: Option<Id>,
    ) -> Result<WebhookAttemptsPage> {
        online_only(READ, self.shared.api.webhook_deliveries(id, before).await)
    }

    pub async fn test_webhook(&self, id: Id) -> Result<WebhookTestQueued> {
        online_only(
            "Sending a test event",
            self.shared.api.test_webhook(id).await,
        )
    }
}
