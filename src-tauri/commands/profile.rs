//! Client profile (rename, notes), message tags and delivery retry: reads from the cache,
//! writes through the server (online only).

use switchboard_protocol::{ClientNote, Id, MessageTags, Tag};
use tauri::State;

use crate::state::AppState;
use crate::UiError;

#[tauri::command]
#[specta::specta]
pub async fn client_notes(
    state: State<'_, AppState>,
    client_id: Id,
) -> Result<Vec<ClientNote>, UiError> {
    Ok(state.current().await?.desk.client_notes(client_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn refresh_client_notes(
    state: State<'_, AppState>,
    client_id: Id,
) -> Result<Vec<ClientNote>, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .refresh_client_notes(client_id)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn add_client_note(
    state: State<'_, AppState>,
    client_id: Id,
    text: String,
) -> Result<ClientNote, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .add_client_note(client_id, text)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn rename_client(
    state: State<'_, AppState>,
    client_id: Id,
    display_name: String,
) -> Result<(), UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .rename_client(client_id, display_name)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn tags(state: State<'_, AppState>) -> Result<Vec<Tag>, UiError> {
    Ok(state.current().await?.desk.tags().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn message_tags(
    state: State<'_, AppState>,
    conversation_id: Id,
) -> Result<Vec<MessageTags>, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .message_tags(conversation_id)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn tag_messages(
    state: State<'_, AppState>,
    message_ids: Vec<Id>,
    tag: String,
) -> Result<(), UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .tag_messages(message_ids, tag)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn retry_delivery(state: State<'_, AppState>, message_id: Id) -> Result<(), UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .retry_delivery(message_id)
        .await?)
}
