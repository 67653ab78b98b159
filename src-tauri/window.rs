//! The main window brought back to the front (tray Open, a notification click, a second
//! launch).

use tauri::{AppHandle, Manager};

/// Shows, restores and focuses the main window (tray Open, a notification click, a second
/// launch).
pub fn show_window(app: &AppHandle) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let _ = window.unminimize();
    if let Err(err) = window.show() {
        tracing::warn!(%err, "could not show the window");
        return;
    }
    // On Linux `show` is only queued on the event loop, and `set_focus` ignores a window that
    // is not visible yet: called right after `show` on the main thread (the tray menu's
    // handler) the window came back without focus. Focus it once the show has happened.
    tauri::async_runtime::spawn(async move {
        for _ in 0..FOCUS_TRIES {
            if window.is_visible().unwrap_or(false) {
                break;
            }
            tokio::time::sleep(FOCUS_RETRY).await;
        }
        if let Err(err) = window.set_focus() {
            tracing::warn!(%err, "could not focus the window");
        }
    });
}

/// How long `show_window` waits for the shown window before focusing it anyway (50 × 20 ms).
const FOCUS_TRIES: u32 = 50;
const FOCUS_RETRY: std::time::Duration = std::time::Duration::from_millis(20);
