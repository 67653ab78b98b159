//! The "Company settings" dialog: group file policies (the email whitelist is in `email.rs`).

use switchboard_protocol::{GroupFilePolicy, GroupFiles, Id};
use tauri::State;

use crate::state::AppState;
use crate::UiError;

#[tauri::command]
#[specta::specta]
pub async fn group_files(state: State<'_, AppState>) -> Result<Vec<GroupFiles>, UiError> {
    Ok(state.current().await?.desk.group_files().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_group_files(
    state: State<'_, AppState>,
    group_id: Id,
    policy: GroupFilePolicy,
) -> Result<GroupFilePolicy, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .set_group_files(group_id, policy)
        .await?)
}
