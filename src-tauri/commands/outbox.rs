//! Offline and outbox extras: notices raised while the desk started (a rebuilt cache).

use switchboard_core::Notice;
use tauri::State;

use crate::state::AppState;
use crate::UiError;

/// Notices raised while the desk started (e.g. the cache was rebuilt).
#[tauri::command]
#[specta::specta]
pub async fn desk_notices(state: State<'_, AppState>) -> Result<Vec<Notice>, UiError> {
    Ok(state.current().await?.desk.notices())
}
