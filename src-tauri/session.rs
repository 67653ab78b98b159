//! The signed-in session's lifecycle: opening a desk (after a sign-in or from the remembered
//! account), signing out, and ending a session the server refused. The IPC commands in
//! `commands/session.rs` and the desk's `signed_out` event both come here, so each step of
//! starting and ending a session is written once.

use std::sync::Arc;

use switchboard_core::account::{self, RememberedAccount};
use switchboard_core::{Desk, DeskConfig, DeskEvents, SessionInfo};
use switchboard_protocol::Me;
use tauri::{AppHandle, Manager};

use crate::creds;
use crate::state::{AppState, Session};
use crate::UiError;

/// Who to open a desk for.
pub struct Credentials {
    pub server_url: String,
    pub email: String,
    pub token: String,
    pub me: Me,
}

/// Opens the remembered account's desk when the keychain still has its token; `None` when
/// nothing is remembered or the token is gone (the UI shows sign-in).
pub async fn restore(
    state: &AppState,
    events: Arc<dyn DeskEvents>,
) -> Result<Option<SessionInfo>, UiError> {
    let remembered = account::load_remembered(&state.data_dir).unwrap_or_else(|err| {
        tracing::warn!(%err, "ignoring the remembered account");
        None
    });
    let Some(RememberedAccount {
        server_url,
        email,
        me,
    }) = remembered
    else {
        return Ok(None);
    };
    match creds::load(&server_url, &email).await {
        Ok(Some(token)) => {
            let who = Credentials {
                server_url,
                email,
                token,
                me,
            };
            open_desk(state, events, who, true).await.map(Some)
        }
        Ok(None) => {
            tracing::info!("no token in the keychain; showing sign-in");
            Ok(None)
        }
        Err(err) => {
            tracing::warn!(%err, "keychain unavailable; showing sign-in");
            Ok(None)
        }
    }
}

/// Signs in; with `remember` the token goes to the OS keychain (a keychain failure is
/// returned as kind `keychain` so the UI can offer a session-only sign-in).
pub async fn sign_in(
    state: &AppState,
    events: Arc<dyn DeskEvents>,
    server_url: &str,
    email: &str,
    password: &str,
    remember: bool,
) -> Result<SessionInfo, UiError> {
    let server_url = normalize_server_url(server_url);
    let email = email.trim().to_string();
    let reply = switchboard_core::login(&server_url, &email, password).await?;
    if remember {
        creds::store(&server_url, &email, &reply.token).await?;
        account::save_remembered(
            &state.data_dir,
            &RememberedAccount {
                server_url: server_url.clone(),
                email: email.clone(),
                me: reply.me.clone(),
            },
        )?;
    }
    let who = Credentials {
        server_url,
        email,
        token: reply.token,
        me: reply.me,
    };
    open_desk(state, events, who, remember).await
}

/// Revokes the token on the server (best effort: offline it is only forgotten here) and ends
/// the session.
pub async fn sign_out(app: &AppHandle, state: &AppState) -> Result<(), UiError> {
    let Some(session) = state.session.write().await.take() else {
        return Ok(());
    };
    if let Err(err) = switchboard_core::logout(&session.info.server_url, &session.token).await {
        tracing::warn!(%err, "could not revoke the token on the server (signing out locally)");
    }
    end_session(app, state, session).await
}

/// The server refused the stored token: forget it (the UI is told to show sign-in).
pub async fn token_refused(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Some(session) = state.session.write().await.take() else {
        return;
    };
    if let Err(err) = end_session(app, &state, session).await {
        tracing::warn!(kind = ?err.kind, message = %err.message, "could not fully forget the refused session");
    }
}

/// Ends a session on this machine: its keychain entry, the remembered account, its
/// background tasks and the unread count in the window title, badge and tray (a sign-out and
/// a refused token both come here, so neither leaves the old count showing). Every step runs
/// even when an earlier one fails; the first error is kept.
async fn end_session(
    app: &AppHandle,
    state: &AppState,
    session: Arc<Session>,
) -> Result<(), UiError> {
    let forgot_token = creds::delete(&session.info.server_url, &session.email)
        .await
        .map_err(UiError::from);
    let forgot_account = account::forget(&state.data_dir).map_err(UiError::from);
    close(session).await;
    crate::tray::show_unread(app, 0);
    forgot_token.and(forgot_account)
}

/// An exit was asked for (Quit, the session manager's SIGTERM at logout): the exit waits while
/// the session closes, with the event loop still running — a command that holds the session
/// may need the main thread to finish — and is asked again once it is closed. An update's
/// restart cannot wait: [`close_at_exit`] closes it then.
pub fn exit_requested(app: &AppHandle, api: &tauri::ExitRequestApi, code: Option<i32>) {
    if code == Some(tauri::RESTART_EXIT_CODE) {
        return;
    }
    let state = app.state::<AppState>();
    // The second request is the one made below, once the session is closed (or one more made
    // meanwhile): it goes through.
    if state
        .exiting
        .swap(true, std::sync::atomic::Ordering::SeqCst)
    {
        return;
    }
    api.prevent_exit();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        close_session(&app.state::<AppState>()).await;
        app.exit(code.unwrap_or(0));
    });
}

/// Closes what is still open as the app exits (an update's restart, or an exit that did not
/// wait for [`exit_requested`]), blocking the main thread: the last chance before the process
/// ends.
pub fn close_at_exit(app: &AppHandle) {
    tauri::async_runtime::block_on(close_session(&app.state::<AppState>()));
}

/// Closes the session for an exit: its tasks stop and its cache closes cleanly, so the next
/// start trusts the file instead of reading it whole to check it (`cache/clean_close.rs`).
/// Bounded: an exit never hangs on a stuck task.
async fn close_session(state: &AppState) {
    let Some(mut session) = state.session.write().await.take() else {
        return;
    };
    let closed = tokio::time::timeout(EXIT_GRACE, async {
        // A command still running holds the session (and the cache): let it finish, so
        // the cache closes last.
        let session = loop {
            match Arc::try_unwrap(session) {
                Ok(session) => break session,
                Err(held) => session = held,
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        };
        session.desk.shutdown().await;
    })
    .await;
    if closed.is_err() {
        tracing::warn!("the session did not close in time; the next start checks its cache");
    }
}

const EXIT_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// Stops a session's sync and outbox; a command still holding it lets the last drop stop it.
async fn close(session: Arc<Session>) {
    if let Ok(session) = Arc::try_unwrap(session) {
        session.desk.shutdown().await;
    }
}

/// Starts the desk of `who` and makes it the current session (closing any previous one).
async fn open_desk(
    state: &AppState,
    events: Arc<dyn DeskEvents>,
    who: Credentials,
    remembered: bool,
) -> Result<SessionInfo, UiError> {
    let mut slot = state.session.write().await;
    if let Some(old) = slot.take() {
        close(old).await;
    }
    let config = DeskConfig {
        data_dir: state.data_dir.clone(),
        server_url: who.server_url.clone(),
        token: who.token.clone(),
        me: who.me.clone(),
    };
    let desk = Desk::start(config, events).await?;
    let info = SessionInfo::new(who.server_url, who.me, remembered);
    *slot = Some(Arc::new(Session {
        desk,
        info: info.clone(),
        email: who.email,
        token: who.token,
    }));
    Ok(info)
}

/// Accepts what people type: surrounding spaces, a missing scheme, a trailing slash.
fn normalize_server_url(input: &str) -> String {
    let trimmed = input.trim().trim_end_matches('/');
    if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("http://{trimmed}")
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_server_url;

    #[test]
    fn server_urls_are_normalized() {
        assert_eq!(
            normalize_server_url(" localhost:8080/ "),
            "http://localhost:8080"
        );
        assert_eq!(
            normalize_server_url("https://desk.example.com"),
            "https://desk.example.com"
        );
    }
}
