//! The Administration area and "Change password": adapters to `Desk` (core `desk/admin.rs`).

use switchboard_protocol::{
    ChannelAccount, ChannelPatch, ChannelSecretShown, Group, GroupPatch, Id, NewChannelRequest,
    NewGroupRequest, NewOperatorRequest, NewRoleRequest, Operator, OperatorCreated, OperatorPatch,
    Role, RolePatch,
};
use tauri::State;

use crate::state::AppState;
use crate::UiError;

#[tauri::command]
#[specta::specta]
pub async fn admin_operators(state: State<'_, AppState>) -> Result<Vec<Operator>, UiError> {
    Ok(state.current().await?.desk.operators().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn admin_create_operator(
    state: State<'_, AppState>,
    req: NewOperatorRequest,
) -> Result<OperatorCreated, UiError> {
    Ok(state.current().await?.desk.create_operator(req).await?)
}

/// Rename, role (`null`: none), groups, `active` (deactivate / reactivate).
#[tauri::command]
#[specta::specta]
pub async fn admin_update_operator(
    state: State<'_, AppState>,
    id: Id,
    patch: OperatorPatch,
) -> Result<Operator, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .update_operator(id, patch)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn admin_reset_password(
    state: State<'_, AppState>,
    id: Id,
) -> Result<OperatorCreated, UiError> {
    Ok(state.current().await?.desk.reset_password(id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn admin_groups(state: State<'_, AppState>) -> Result<Vec<Group>, UiError> {
    Ok(state.current().await?.desk.groups().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn admin_create_group(
    state: State<'_, AppState>,
    req: NewGroupRequest,
) -> Result<Group, UiError> {
    Ok(state.current().await?.desk.create_group(req).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn admin_update_group(
    state: State<'_, AppState>,
    id: Id,
    patch: GroupPatch,
) -> Result<Group, UiError> {
    Ok(state.current().await?.desk.update_group(id, patch).await?)
}

/// `move_to`: where its conversations and channels go (the server refuses without it while
/// it has any).
#[tauri::command]
#[specta::specta]
pub async fn admin_delete_group(
    state: State<'_, AppState>,
    id: Id,
    move_to: Option<Id>,
) -> Result<(), UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .delete_group(id, move_to)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn admin_roles(state: State<'_, AppState>) -> Result<Vec<Role>, UiError> {
    Ok(state.current().await?.desk.roles().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn admin_create_role(
    state: State<'_, AppState>,
    req: NewRoleRequest,
) -> Result<Role, UiError> {
    Ok(state.current().await?.desk.create_role(req).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn admin_update_role(
    state: State<'_, AppState>,
    id: Id,
    patch: RolePatch,
) -> Result<Role, UiError> {
    Ok(state.current().await?.desk.update_role(id, patch).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn admin_delete_role(state: State<'_, AppState>, id: Id) -> Result<(), UiError> {
    Ok(state.current().await?.desk.delete_role(id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn admin_channels(state: State<'_, AppState>) -> Result<Vec<ChannelAccount>, UiError> {
    Ok(state.current().await?.desk.channels().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn admin_create_channel(
    state: State<'_, AppState>,
    req: NewChannelRequest,
) -> Result<ChannelSecretShown, UiError> {
    Ok(state.current().await?.desk.create_channel(req).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn admin_update_channel(
    state: State<'_, AppState>,
    id: Id,
    patch: ChannelPatch,
) -> Result<ChannelAccount, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .update_channel(id, patch)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn admin_delete_channel(state: State<'_, AppState>, id: Id) -> Result<(), UiError> {
    Ok(state.current().await?.desk.delete_channel(id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn admin_rotate_channel_secret(
    state: State<'_, AppState>,
    id: Id,
) -> Result<ChannelSecretShown, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .rotate_channel_secret(id)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn change_password(
    state: State<'_, AppState>,
    current_password: String,
    new_password: String,
) -> Result<(), UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .change_password(current_password, new_password)
        .await?)
}
