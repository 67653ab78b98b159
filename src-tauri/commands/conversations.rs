//! Conversation lists, threads, sends and movements: reads come from the cache, writes go to
//! the outbox. The conversation log comes from the server.

use switchboard_core::{
    ConnState, ConversationView, ListPage, ListQuery, TabCounts, ThreadMessage,
};
use switchboard_protocol::{ConversationAction, Id, LogEntry};
use tauri::State;

use crate::state::AppState;
use crate::UiError;

#[tauri::command]
#[specta::specta]
/// A list's first `limit` rows (all of them without one) and its length.
pub async fn list_conversations(
    state: State<'_, AppState>,
    query: ListQuery,
    limit: Option<u32>,
) -> Result<ListPage, UiError> {
    Ok(state.current().await?.desk.list_page(&query, limit).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn tab_counts(state: State<'_, AppState>) -> Result<TabCounts, UiError> {
    Ok(state.current().await?.desk.counts().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn open_conversation(
    state: State<'_, AppState>,
    id: Id,
) -> Result<ConversationView, UiError> {
    Ok(state.current().await?.desk.open(id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn older_messages(
    state: State<'_, AppState>,
    id: Id,
    before_id: Id,
) -> Result<Vec<ThreadMessage>, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .older(id, before_id, 100)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn send_message(
    state: State<'_, AppState>,
    conversation_id: Id,
    text: String,
    note: bool,
) -> Result<ThreadMessage, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .send(conversation_id, text, note)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn conversation_action(
    state: State<'_, AppState>,
    conversation_id: Id,
    action: ConversationAction,
) -> Result<(), UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .act(conversation_id, action)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn conn_state(state: State<'_, AppState>) -> Result<ConnState, UiError> {
    Ok(state.current().await?.desk.conn_state())
}

/// Sends a failed outbox item again (its id is the pending message's `key` or the pending
/// action's `id`).
#[tauri::command]
#[specta::specta]
pub async fn retry_outbox_item(state: State<'_, AppState>, id: String) -> Result<(), UiError> {
    Ok(state.current().await?.desk.retry(&id).await?)
}

/// Drops a failed outbox item the operator gave up on.
#[tauri::command]
#[specta::specta]
pub async fn discard_outbox_item(state: State<'_, AppState>, id: String) -> Result<(), UiError> {
    Ok(state.current().await?.desk.discard(&id).await?)
}

/// The conversation log, from the server (online only).
#[tauri::command]
#[specta::specta]
pub async fn conversation_log(
    state: State<'_, AppState>,
    conversation_id: Id,
) -> Result<Vec<LogEntry>, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .conversation_log(conversation_id)
        .await?)
}
