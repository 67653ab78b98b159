//! Native notifications for new client messages (notify-rust over D-Bus on Linux).
//!
//! The decision is the core's [`NotifyPolicy`]; this module adds what only the shell knows
//! (open conversation, window focus) and talks to the daemon. One worker thread owns every
//! D-Bus call, so notifications keep their order and a slow or absent daemon never blocks sync.
//! A burst in one conversation reuses the conversation's notification id as `replaces_id`, so
//! the daemon updates one popup instead of stacking several. Clicking the popup ("default"
//! action) shows the window and emits [`OpenConversation`]. When the daemon cannot be reached the
//! UI gets a [`NotifyFailed`] toast and the log a warning, never a crash.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use switchboard_core::cache::account_dir;
use switchboard_core::notify_policy::{
    self, BurstGate, Notice, NotifyPolicy, NotifySettings, WindowContext,
};
use switchboard_core::IncomingMessage;
use switchboard_protocol::Id;
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

use crate::state::{AppState, Session};
use crate::UiError;

/// Open this conversation (the operator clicked its notification).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct OpenConversation {
    pub id: Id,
}

/// A notification could not be shown natively; the UI shows this as a toast instead.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct NotifyFailed {
    pub summary: String,
    pub body: String,
    pub error: String,
}

/// The settings changed (from the tray menu, the UI, or another account's sign-in); the tray's
/// do-not-disturb item follows it too.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct NotifySettingsChanged {
    pub settings: NotifySettings,
}

/// The policy of the signed-in account, keyed by its settings file.
struct Account {
    path: PathBuf,
    policy: NotifyPolicy,
}

enum Job {
    Show(Notice),
    /// The popup with this id was closed (or clicked): the next message opens a new one.
    Closed {
        conversation_id: Id,
        id: u32,
    },
}

pub struct Notifier {
    app: AppHandle,
    account: Mutex<Option<Account>>,
    window: Mutex<WindowContext>,
    jobs: mpsc::Sender<Job>,
}

impl Notifier {
    pub fn start(app: AppHandle) -> Self {
        let (jobs, rx) = mpsc::channel();
        let tx = jobs.clone();
        let worker_app = app.clone();
        std::thread::Builder::new()
            .name("notify".into())
            .spawn(move || worker(worker_app, rx, tx))
            .map_err(|e| tracing::warn!(error = %e, "cannot start the notification thread"))
            .ok();
        Self {
            app,
            account: Mutex::new(None),
            window: Mutex::new(WindowContext {
                open_conversation: None,
                focused: true,
            }),
            jobs,
        }
    }

    /// Runs `f` on the policy of the account whose settings live at `path`, loading them when
    /// the account changed (another sign-in: its settings are announced).
    pub fn with_policy<T>(&self, path: PathBuf, f: impl FnOnce(&mut NotifyPolicy) -> T) -> T {
        let mut guard = self.account.lock().unwrap_or_else(|e| e.into_inner());
        let (account, loaded) = match guard.take() {
            Some(a) if a.path == path => (guard.insert(a), false),
            _ => {
                let policy = NotifyPolicy::new(notify_policy::load_settings(&path));
                (guard.insert(Account { policy, path }), true)
            }
        };
        let loaded = loaded.then(|| account.policy.settings.clone());
        let out = f(&mut account.policy);
        drop(guard);
        if let Some(settings) = loaded {
            announce(&self.app, settings);
        }
        out
    }

    /// The signed-in operator's settings.
    pub fn settings(&self, path: PathBuf) -> NotifySettings {
        self.with_policy(path, |p| p.settings.clone())
    }

    pub fn set_focused(&self, focused: bool) {
        self.window
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .focused = focused;
    }

    pub fn set_open(&self, path: PathBuf, id: Option<Id>) {
        self.window
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .open_conversation = id;
        if let Some(id) = id {
            self.with_policy(path, |p| p.opened(id));
        }
    }

    /// Decides and queues notifications for a batch of new client messages.
    pub fn incoming(&self, path: PathBuf, messages: &[IncomingMessage]) {
        let window = *self.window.lock().unwrap_or_else(|e| e.into_inner());
        self.with_policy(path, |policy| {
            for msg in messages {
                match policy.decide(msg, window) {
                    Ok(notice) => {
                        let _ = self.jobs.send(Job::Show(notice));
                    }
                    Err(skip) => tracing::debug!(
                        conversation = msg.conversation_id,
                        ?skip,
                        "no notification"
                    ),
                }
            }
        });
    }
}

/// Where the signed-in operator's notification settings live.
pub fn settings_path(state: &AppState, session: &Session) -> PathBuf {
    notify_policy::settings_path(&account_dir(
        &state.data_dir,
        &session.info.server_url,
        session.info.me.operator.id,
    ))
}

/// Changes the signed-in operator's settings, saves them and announces them (to the UI and
/// the tray).
pub async fn update(
    app: &AppHandle,
    change: impl FnOnce(&mut NotifySettings),
) -> Result<NotifySettings, UiError> {
    let state = app.state::<AppState>();
    let session = state.current().await?;
    let path = settings_path(&state, &session);
    let settings = app.state::<Notifier>().with_policy(
        path.clone(),
        |p| -> Result<NotifySettings, UiError> {
            let mut next = p.settings.clone();
            change(&mut next);
            notify_policy::save_settings(&path, &next)?;
            p.settings = next.clone();
            Ok(next)
        },
    )?;
    announce(app, settings.clone());
    Ok(settings)
}

fn announce(app: &AppHandle, settings: NotifySettings) {
    if let Err(err) = (NotifySettingsChanged { settings }).emit(app) {
        tracing::warn!(%err, "could not emit notify-settings-changed");
    }
}

fn worker(app: AppHandle, rx: mpsc::Receiver<Job>, tx: mpsc::Sender<Job>) {
    // The daemon's id of each conversation's current popup.
    let mut shown: HashMap<Id, u32> = HashMap::new();
    let mut gate = BurstGate::default();
    while let Ok(job) = rx.recv() {
        match job {
            Job::Closed {
                conversation_id,
                id,
            } => {
                if shown.get(&conversation_id) == Some(&id) {
                    shown.remove(&conversation_id);
                }
            }
            Job::Show(notice) => {
                if !REPLACES_IN_PLACE
                    && !gate.admit(notice.conversation_id, std::time::Instant::now())
                {
                    tracing::debug!(
                        conversation = notice.conversation_id,
                        "burst held: this platform cannot update the popup"
                    );
                    continue;
                }
                let replaces = shown.get(&notice.conversation_id).copied();
                match show(&app, &notice, replaces, &tx) {
                    Ok(id) => {
                        shown.insert(notice.conversation_id, id);
                    }
                    Err(error) => {
                        tracing::warn!(%error, "native notification failed; showing it in the app");
                        let event = NotifyFailed {
                            summary: notice.summary,
                            body: notice.body,
                            error,
                        };
                        if let Err(err) = event.emit(&app) {
                            tracing::warn!(%err, "could not emit notify-failed");
                        }
                    }
                }
            }
        }
    }
}

/// Whether [`show`] updates a conversation's popup in place (freedesktop `replaces_id`); where
/// it cannot, the worker's [`BurstGate`] keeps a burst from becoming one popup per message.
const REPLACES_IN_PLACE: bool = cfg!(all(unix, not(target_os = "macos")));

/// Shows (or replaces) one popup and returns the daemon's id for it.
#[cfg(all(unix, not(target_os = "macos")))]
fn show(
    app: &AppHandle,
    notice: &Notice,
    replaces: Option<u32>,
    tx: &mpsc::Sender<Job>,
) -> Result<u32, String> {
    let mut n = notify_rust::Notification::new();
    n.appname("Switchboard")
        .summary(&notice.summary)
        .body(&escape_markup(&notice.body))
        .icon("mail-message-new")
        .action("default", "Open")
        .hint(notify_rust::Hint::Category("im.received".into()));
    if let Some(sound) = notice.sound {
        n.sound_name(sound);
    }
    if let Some(id) = replaces {
        // The popup is still up and its click is still awaited by the thread that opened it.
        n.id(id);
        return n.show().map(|h| h.id()).map_err(|e| e.to_string());
    }
    // A D-Bus handle cannot move between threads, so a new popup is shown by the thread that
    // then waits for its click; it hands the id back first.
    let (id_tx, id_rx) = mpsc::sync_channel(1);
    let app = app.clone();
    let tx = tx.clone();
    let conversation_id = notice.conversation_id;
    std::thread::Builder::new()
        .name("notify-action".into())
        .spawn(move || {
            let handle = match n.show() {
                Ok(handle) => handle,
                Err(e) => {
                    let _ = id_tx.send(Err(e.to_string()));
                    return;
                }
            };
            let id = handle.id();
            let _ = id_tx.send(Ok(id));
            handle.wait_for_action(|action| {
                if action == "default" {
                    open_conversation(&app, conversation_id);
                }
            });
            let _ = tx.send(Job::Closed {
                conversation_id,
                id,
            });
        })
        .map_err(|e| format!("cannot start a notification thread: {e}"))?;
    id_rx
        .recv()
        .map_err(|_| "the notification thread ended early".to_owned())?
}

/// Daemons with the "body-markup" capability (dunst, GNOME) read the body as a small subset of
/// HTML; a client's text must show as typed, never as markup.
#[cfg(all(unix, not(target_os = "macos")))]
fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Other platforms: no replace ids or click callbacks through notify-rust; show a fresh popup.
#[cfg(not(all(unix, not(target_os = "macos"))))]
fn show(
    _app: &AppHandle,
    notice: &Notice,
    _replaces: Option<u32>,
    _tx: &mpsc::Sender<Job>,
) -> Result<u32, String> {
    notify_rust::Notification::new()
        .appname("Switchboard")
        .summary(&notice.summary)
        .body(&notice.body)
        .show()
        .map(|_| 0)
        .map_err(|e| e.to_string())
}

/// Brings the window back and asks the UI to open the conversation.
pub fn open_conversation(app: &AppHandle, id: Id) {
    crate::window::show_window(app);
    if let Err(err) = (OpenConversation { id }).emit(app) {
        tracing::warn!(%err, "could not emit open-conversation");
    }
}
