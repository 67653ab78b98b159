//! "Start at login": a thin adapter over tauri-plugin-autostart, which keeps the OS's own
//! autostart entry (Linux: `~/.config/autostart/switchboard.desktop`; macOS: a Launch Agent;
//! Windows: the Run key). The entry is the setting: nothing else stores it, so it cannot
//! disagree with what the OS will do. Off until the operator turns it on.

use switchboard_core::ErrorKind;
use tauri::AppHandle;
#[cfg(target_os = "linux")]
use tauri::Manager;
use tauri_plugin_autostart::ManagerExt;

use crate::UiError;

/// Does the app start when the operator logs in?
#[tauri::command]
#[specta::specta]
pub fn autostart_enabled(app: AppHandle) -> Result<bool, UiError> {
    app.autolaunch().is_enabled().map_err(refused)
}

/// Turns "Start at login" on or off; answers what the OS now has.
#[tauri::command]
#[specta::specta]
pub fn set_autostart(app: AppHandle, enabled: bool) -> Result<bool, UiError> {
    let launcher = app.autolaunch();
    if enabled {
        #[cfg(target_os = "linux")]
        ensure_config_dir(&app)?;
        launcher.enable()
    } else {
        launcher.disable()
    }
    .map_err(refused)?;
    launcher.is_enabled().map_err(refused)
}

/// The plugin (auto-launch 0.5) makes `~/.config/autostart` with `create_dir`, which fails in a
/// home that has no `~/.config` yet (a fresh account): make the parent first.
#[cfg(target_os = "linux")]
fn ensure_config_dir(app: &AppHandle) -> Result<(), UiError> {
    let home = app.path().home_dir().map_err(refused)?;
    std::fs::create_dir_all(home.join(".config")).map_err(refused)
}

fn refused(err: impl std::fmt::Display) -> UiError {
    tracing::warn!(%err, "start at login");
    UiError::new(
        ErrorKind::InvalidState,
        format!("Start at login could not be changed: {err}"),
    )
}
