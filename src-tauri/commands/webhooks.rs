//! Settings › Advanced "Manage Webhooks" (super-admin; the server refuses anyone else).

use switchboard_protocol::{
    Id, NewWebhook, Webhook, WebhookAttemptsPage, WebhookPatch, WebhookTestQueued,
    WebhookWithSecret,
};
use tauri::State;

use crate::state::AppState;
use crate::UiError;

#[tauri::command]
#[specta::specta]
pub async fn webhooks(state: State<'_, AppState>) -> Result<Vec<Webhook>, UiError> {
    Ok(state.current().await?.desk.webhooks().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn create_webhook(
    state: State<'_, AppState>,
    webhook: NewWebhook,
) -> Result<WebhookWithSecret, UiError> {
    Ok(state.current().await?.desk.create_webhook(webhook).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn update_webhook(
    state: State<'_, AppState>,
    id: Id,
    patch: WebhookPatch,
) -> Result<Webhook, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .update_webhook(id, patch)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_webhook(state: State<'_, AppState>, id: Id) -> Result<(), UiError> {
    Ok(state.current().await?.desk.delete_webhook(id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn rotate_webhook_secret(
    state: State<'_, AppState>,
    id: Id,
) -> Result<WebhookWithSecret, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .rotate_webhook_secret(id)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn webhook_deliveries(
    state: State<'_, AppState>,
    id: Id,
    before: Option<Id>,
) -> Result<WebhookAttemptsPage, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .webhook_deliveries(id, before)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn test_webhook(
    state: State<'_, AppState>,
    id: Id,
) -> Result<WebhookTestQueued, UiError> {
    Ok(state.current().await?.desk.test_webhook(id).await?)
}
