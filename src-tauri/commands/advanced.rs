//! Settings › Advanced in the "Company settings" dialog: the action log (with its CSV export
//! saved where the admin chooses in the native save dialog), the IP address whitelist and the
//! iframe integration.
//!
//! Test hook: WebDriver cannot drive the native save dialog, so when the environment variable
//! `SWITCHBOARD_E2E_SAVE_FILE` is set, [`export_action_log`] writes there instead of asking.

use switchboard_protocol::{
    ActionLogFilter, ActionLogPage, IframeSettings, IpWhitelistSettings, IpWhitelistUpdate,
    PersonalDataSettings,
};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use crate::state::AppState;
use crate::UiError;

#[tauri::command]
#[specta::specta]
pub async fn action_log(
    state: State<'_, AppState>,
    filter: ActionLogFilter,
    cursor: Option<String>,
) -> Result<ActionLogPage, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .action_log(filter, cursor)
        .await?)
}

/// Asks where to save the CSV of the filtered log, then streams it there; the path written,
/// or `None` when the admin cancelled the dialog.
#[tauri::command]
#[specta::specta]
pub async fn export_action_log(
    app: AppHandle,
    state: State<'_, AppState>,
    filter: ActionLogFilter,
) -> Result<Option<String>, UiError> {
    let target = match std::env::var_os("SWITCHBOARD_E2E_SAVE_FILE") {
        Some(p) => Some(std::path::PathBuf::from(p)),
        None => {
            let (tx, rx) = tokio::sync::oneshot::channel();
            app.dialog()
                .file()
                .set_file_name("action-log.csv")
                .add_filter("CSV", &["csv"])
                .save_file(move |picked| {
                    let _ = tx.send(picked.and_then(|p| p.into_path().ok()));
                });
            rx.await.ok().flatten()
        }
    };
    let Some(target) = target else {
        return Ok(None);
    };
    state
        .current()
        .await?
        .desk
        .export_action_log(filter, &target)
        .await?;
    Ok(Some(target.to_string_lossy().into_owned()))
}

#[tauri::command]
#[specta::specta]
pub async fn ip_whitelist(state: State<'_, AppState>) -> Result<IpWhitelistSettings, UiError> {
    Ok(state.current().await?.desk.ip_whitelist().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_ip_whitelist(
    state: State<'_, AppState>,
    update: IpWhitelistUpdate,
) -> Result<IpWhitelistSettings, UiError> {
    Ok(state.current().await?.desk.set_ip_whitelist(update).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn iframe_settings(state: State<'_, AppState>) -> Result<IframeSettings, UiError> {
    Ok(state.current().await?.desk.iframe_settings().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_iframe_settings(
    state: State<'_, AppState>,
    settings: IframeSettings,
) -> Result<IframeSettings, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .set_iframe_settings(settings)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn personal_data(state: State<'_, AppState>) -> Result<PersonalDataSettings, UiError> {
    Ok(state.current().await?.desk.personal_data().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_personal_data(
    state: State<'_, AppState>,
    settings: PersonalDataSettings,
) -> Result<PersonalDataSettings, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .set_personal_data(settings)
        .await?)
}
