//! App updates from the server the operator signed in to (`switchboard-server --updates-dir`):
//! "is there a newer release?" and "install it". The bundle's signature is checked against the
//! release key built into the app (`plugins.updater.pubkey` in tauri.conf.json), so the
//! company's server only hosts what the vendor signed.

use serde::Serialize;
use tauri::{AppHandle, State};
use tauri_plugin_updater::{Update, UpdaterExt};

use crate::error::UiError;
use crate::state::AppState;
use switchboard_core::ErrorKind;

/// A newer release the server offers.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct UpdateOffer {
    pub version: String,
    pub current_version: String,
    /// The release notes, if the release has any.
    pub notes: Option<String>,
}

fn failed(what: &str, e: &tauri_plugin_updater::Error) -> UiError {
    UiError::new(ErrorKind::Server, format!("{what}: {e}"))
}

/// Asks the signed-in server for a newer release of this app, for how it was installed: a desk
/// installed from a `.deb` gets a `.deb` (which the updater installs with `dpkg`), not the
/// AppImage.
async fn find(app: &AppHandle, state: &AppState) -> Result<Option<Update>, UiError> {
    let server = state.current().await?.info.server_url.clone();
    let endpoint = format!(
        "{}/updates/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}?bundle_type={{{{bundle_type}}}}",
        server.trim_end_matches('/')
    );
    let url = endpoint
        .parse()
        .map_err(|e| UiError::new(ErrorKind::BadInput, format!("{endpoint}: {e}")))?;
    let builder = app
        .updater_builder()
        .endpoints(vec![url])
        .map_err(|e| failed("Cannot ask the server for updates", &e))?;
    // Tests sign their releases with their own key; a release build trusts only its own.
    #[cfg(debug_assertions)]
    let builder = match std::env::var("SWITCHBOARD_UPDATER_PUBKEY") {
        Ok(key) => builder.pubkey(key),
        Err(_) => builder,
    };
    builder
        .build()
        .map_err(|e| failed("Cannot ask the server for updates", &e))?
        .check()
        .await
        .map_err(|e| failed("Cannot ask the server for updates", &e))
}

#[tauri::command]
#[specta::specta]
pub async fn check_update(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<UpdateOffer>, UiError> {
    Ok(find(&app, &state).await?.map(|u| UpdateOffer {
        version: u.version.clone(),
        current_version: u.current_version.clone(),
        notes: u.body.clone(),
    }))
}

/// Downloads the newer release, checks its signature, installs it and restarts the app.
#[tauri::command]
#[specta::specta]
pub async fn install_update(app: AppHandle, state: State<'_, AppState>) -> Result<(), UiError> {
    let update = find(&app, &state).await?.ok_or_else(|| {
        UiError::new(
            ErrorKind::NotFound,
            "The server no longer offers a newer version.",
        )
    })?;
    update
        .download_and_install(|_, _| {}, || {})
        .await
        .map_err(|e| failed("The update was not installed", &e))?;
    app.restart()
}
