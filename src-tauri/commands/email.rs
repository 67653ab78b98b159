//! "Send to Email" and the email whitelist setting (online only; the server sends the mail).

use switchboard_protocol::{EmailConversationRequest, EmailSent, EmailWhitelist, Id};
use tauri::State;

use crate::state::AppState;
use crate::UiError;

#[tauri::command]
#[specta::specta]
pub async fn email_conversation(
    state: State<'_, AppState>,
    conversation_id: Id,
    request: EmailConversationRequest,
) -> Result<EmailSent, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .email_conversation(conversation_id, request)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn email_whitelist(state: State<'_, AppState>) -> Result<EmailWhitelist, UiError> {
    Ok(state.current().await?.desk.email_whitelist().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_email_whitelist(
    state: State<'_, AppState>,
    whitelist: EmailWhitelist,
) -> Result<EmailWhitelist, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .set_email_whitelist(whitelist)
        .await?)
}
