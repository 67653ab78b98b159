//! Canned responses: the composer's picker reads the cache; add, edit and delete call the
//! server (online only — an answer's scope is decided there).

use switchboard_protocol::{CannedResponse, CannedResponseInput, Id};
use tauri::State;

use crate::state::AppState;
use crate::UiError;

#[tauri::command]
#[specta::specta]
pub async fn canned_responses(state: State<'_, AppState>) -> Result<Vec<CannedResponse>, UiError> {
    Ok(state.current().await?.desk.canned_responses().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn add_canned_response(
    state: State<'_, AppState>,
    input: CannedResponseInput,
) -> Result<CannedResponse, UiError> {
    Ok(state.current().await?.desk.add_canned(input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn edit_canned_response(
    state: State<'_, AppState>,
    id: Id,
    input: CannedResponseInput,
) -> Result<CannedResponse, UiError> {
    Ok(state.current().await?.desk.edit_canned(id, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_canned_response(state: State<'_, AppState>, id: Id) -> Result<(), UiError> {
    Ok(state.current().await?.desk.delete_canned(id).await?)
}
