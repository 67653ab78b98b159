//! Assignment menus, pinning, the blacklist, filter choices and outgoing WhatsApp: one-line
//! adapters to `switchboard-core` (`desk/assign.rs` documents which calls need the network).

use switchboard_core::{AssignMenu, FilterOptions};
use switchboard_protocol::{Id, OutgoingWhatsappRequest};
use tauri::State;

use crate::state::AppState;
use crate::UiError;

#[tauri::command]
#[specta::specta]
pub async fn assign_menu(
    state: State<'_, AppState>,
    conversation_id: Id,
) -> Result<AssignMenu, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .assign_menu(conversation_id)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn filter_options(state: State<'_, AppState>) -> Result<FilterOptions, UiError> {
    Ok(state.current().await?.desk.filter_options().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn pin_client(
    state: State<'_, AppState>,
    conversation_id: Id,
    pin: bool,
) -> Result<(), UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .pin_client(conversation_id, pin)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn blacklist_client(
    state: State<'_, AppState>,
    conversation_id: Id,
    blacklisted: bool,
) -> Result<(), UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .blacklist_client(conversation_id, blacklisted)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn outgoing_whatsapp(
    state: State<'_, AppState>,
    request: OutgoingWhatsappRequest,
) -> Result<Id, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .outgoing_whatsapp(request)
        .await?)
}
