//! Typing indicators (ephemeral, online only): the operator's typing goes to the server; the
//! client's comes back as the `ClientTypingChanged` event (`events.rs`).

use switchboard_protocol::Id;
use tauri::State;

use crate::state::AppState;
use crate::UiError;

/// The operator is (`true`, every few seconds while typing) or stopped typing an answer.
/// Offline it is dropped, never queued.
#[tauri::command]
#[specta::specta]
pub async fn set_typing(
    state: State<'_, AppState>,
    conversation_id: Id,
    typing: bool,
) -> Result<(), UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .set_typing(conversation_id, typing)
        .await?)
}
