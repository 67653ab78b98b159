//! Typed events from the backend to the UI, and the bridge that turns the core's change
//! notifications into them.

use serde::{Deserialize, Serialize};
use switchboard_core::{
    ConnState, DeskEvents, IncomingMessage, Notice, SessionInfo, UploadProgress,
};
use switchboard_protocol::{ClientTyping, Id};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

/// Cached conversations changed; `ids` empty means "reload what you show".
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ConversationsChanged {
    pub ids: Vec<Id>,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ConnStateChanged {
    pub state: ConnState,
}

/// The session ended without the operator asking (token revoked or expired).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct SignedOut {
    pub reason: String,
}

/// Who the operator is changed on the server (role, groups): the tabs, buttons and
/// visibility follow without a restart.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct SessionChanged {
    pub info: SessionInfo,
}

/// A one-off message for the operator, shown as a banner (e.g. the cache was rebuilt).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct NoticeRaised {
    pub notice: Notice,
}

/// An attachment upload moved on (progress, done, failed with the reason, cancelled).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct UploadProgressChanged {
    pub progress: UploadProgress,
}

/// The client of a conversation the operator sees is typing (or stopped); ephemeral.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ClientTypingChanged {
    pub typing: ClientTyping,
}

pub struct TauriEvents(pub AppHandle);

impl DeskEvents for TauriEvents {
    fn conversations_changed(&self, ids: &[Id]) {
        crate::tray::refresh_unread(&self.0);
        let event = ConversationsChanged { ids: ids.to_vec() };
        if let Err(err) = event.emit(&self.0) {
            tracing::warn!(%err, "could not emit conversations-changed");
        }
    }

    fn conn_state(&self, state: &ConnState) {
        let event = ConnStateChanged {
            state: state.clone(),
        };
        if let Err(err) = event.emit(&self.0) {
            tracing::warn!(%err, "could not emit conn-state-changed");
        }
    }

    fn notice(&self, notice: &Notice) {
        let event = NoticeRaised {
            notice: notice.clone(),
        };
        if let Err(err) = event.emit(&self.0) {
            tracing::warn!(%err, "could not emit notice-raised");
        }
    }

    fn upload_progress(&self, progress: &UploadProgress) {
        let event = UploadProgressChanged {
            progress: progress.clone(),
        };
        if let Err(err) = event.emit(&self.0) {
            tracing::warn!(%err, "could not emit upload-progress-changed");
        }
    }

    fn client_typing(&self, typing: &ClientTyping) {
        let event = ClientTypingChanged {
            typing: typing.clone(),
        };
        if let Err(err) = event.emit(&self.0) {
            tracing::warn!(%err, "could not emit client-typing-changed");
        }
    }

    fn signed_out(&self, reason: &str) {
        let app = self.0.clone();
        let reason = reason.to_owned();
        tauri::async_runtime::spawn(async move {
            crate::session::token_refused(&app).await;
            let event = SignedOut { reason };
            if let Err(err) = event.emit(&app) {
                tracing::warn!(%err, "could not emit signed-out");
            }
        });
    }

    fn me_changed(&self, me: &switchboard_protocol::Me) {
        let app = self.0.clone();
        let me = me.clone();
        tauri::async_runtime::spawn(async move {
            let state = app.state::<crate::state::AppState>();
            let Ok(session) = state.current().await else {
                return;
            };
            // The next start (offline too) opens as who they are now.
            if session.info.remembered {
                let remembered = switchboard_core::account::RememberedAccount {
                    server_url: session.info.server_url.clone(),
                    email: session.email.clone(),
                    me,
                };
                if let Err(err) =
                    switchboard_core::account::save_remembered(&state.data_dir, &remembered)
                {
                    tracing::warn!(%err, "could not remember the operator's new role");
                }
            }
            let event = SessionChanged {
                info: session.live_info(),
            };
            if let Err(err) = event.emit(&app) {
                tracing::warn!(%err, "could not emit session-changed");
            }
        });
    }

    fn client_messages(&self, messages: &[IncomingMessage]) {
        let app = self.0.clone();
        let messages = messages.to_vec();
        tauri::async_runtime::spawn(async move {
            let state = app.state::<crate::state::AppState>();
            let Ok(session) = state.current().await else {
                return;
            };
            let path = crate::notify::settings_path(&state, &session);
            app.state::<crate::notify::Notifier>()
                .incoming(path, &messages);
        });
    }
}
