//! The tray icon and the window chrome that shows unread work: the tray's tooltip and title,
//! the window title "(3) Switchboard" and the badge where the platform has one. Closing the
//! window hides it to the tray; the tray's Quit ends the app.

use serde::{Deserialize, Serialize};
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

use crate::notify::NotifySettingsChanged;
use crate::state::AppState;

const TRAY_ID: &str = "main";
const APP_TITLE: &str = "Switchboard";

/// The operator chose Sign out in the tray; the UI runs its usual sign-out.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct SignOutRequested;

pub fn build(app: &AppHandle) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Switchboard", true, None::<&str>)?;
    let dnd = CheckMenuItem::with_id(app, "dnd", "Do not disturb", true, false, None::<&str>)?;
    let sign_out = MenuItem::with_id(app, "sign-out", "Sign out", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let sep = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &dnd, &sep, &sign_out, &quit])?;
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip(APP_TITLE)
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => crate::window::show_window(app),
            "dnd" => toggle_dnd(app),
            "sign-out" => {
                crate::window::show_window(app);
                if let Err(err) = SignOutRequested.emit(app) {
                    tracing::warn!(%err, "could not emit sign-out-requested");
                }
            }
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    // The check item follows the settings, whoever changed them (the UI, this menu, another
    // account's sign-in).
    NotifySettingsChanged::listen(app, move |event| {
        let _ = dnd.set_checked(event.payload.settings.do_not_disturb);
    });
    Ok(())
}

fn toggle_dnd(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let result = crate::notify::update(&app, |s| s.do_not_disturb = !s.do_not_disturb).await;
        if let Err(err) = result {
            tracing::warn!(message = %err.message, "could not toggle do-not-disturb");
        }
    });
}

/// Shows `unread` in the window title, the badge and the tray. Posted to the main thread, never
/// waited for there: those calls block the caller until the main thread runs them, and a
/// runtime worker blocked so cannot run the command futures that hold the session. An
/// update's restart closes the session on the main thread (`session::close_at_exit`), waiting
/// for those: the two would wait on each other until the grace ran out, leaving the cache
/// unstamped for a full check at the next start.
pub fn show_unread(app: &AppHandle, unread: i64) {
    let handle = app.clone();
    if let Err(err) = app.run_on_main_thread(move || paint_unread(&handle, unread)) {
        tracing::debug!(%err, "the unread count was not shown (the app is exiting)");
    }
}

fn paint_unread(app: &AppHandle, unread: i64) {
    let title = match unread {
        0 => APP_TITLE.to_owned(),
        n => format!("({n}) {APP_TITLE}"),
    };
    if let Some(window) = app.get_webview_window("main") {
        if let Err(err) = window.set_title(&title) {
            tracing::warn!(%err, "could not set the window title");
        }
        // Only some platforms have badges (macOS, some Linux docks); elsewhere this fails.
        if let Err(err) = window.set_badge_count((unread > 0).then_some(unread)) {
            tracing::debug!(%err, "no window badge on this platform");
        }
    }
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let tip = match unread {
            0 => format!("{APP_TITLE}: no unread conversations"),
            n => format!("{APP_TITLE}: {n} unread"),
        };
        let _ = tray.set_tooltip(Some(&tip));
        let _ = tray.set_title((unread > 0).then(|| unread.to_string()));
    }
}

/// Recounts unread conversations from the cache and shows the count (0 when signed out).
pub fn refresh_unread(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let session = app.state::<AppState>().session.read().await.clone();
        let unread = match session {
            Some(session) => match session.desk.counts().await {
                Ok(counts) => counts.unread_total,
                Err(err) => {
                    tracing::warn!(%err, "cannot count unread conversations");
                    return;
                }
            },
            None => 0,
        };
        show_unread(&app, unread);
    });
}
