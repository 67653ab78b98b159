//! State shared by the desk and its background tasks (sync, outbox), and the one way they all
//! reach the cache: [`Shared::read`] and [`Shared::write`] run the SQLite work on Tokio's
//! blocking pool. A cache connection is a mutex that a sync batch may hold for a whole snapshot
//! page, so taking it on an async worker thread would stall every other task on that thread.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use switchboard_protocol::Me;
use tokio::sync::{watch, Notify};

use crate::api::ApiClient;
use crate::cache::list::{self, Viewer};
use crate::cache::{self, Cache};
use crate::error::{CoreError, Result};
use crate::events::DeskEvents;
use crate::time::now_millis;
use crate::view::{ConnState, UploadProgress};

pub(crate) struct Shared {
    /// Who is signed in; replaced when the server says their role, groups or flags changed
    /// ([`Shared::refresh_me`]), so the tabs, buttons and visibility follow without a restart.
    me: std::sync::RwLock<Me>,
    pub cache: Arc<Cache>,
    pub api: ApiClient,
    pub events: Arc<dyn DeskEvents>,
    pub conn: watch::Sender<ConnState>,
    /// Wakes the outbox flusher: something was queued, or the server is reachable again.
    pub outbox_wake: Notify,
    pub signed_out: AtomicBool,
    /// Downloaded attachments by SHA-256 (`<data dir>/files/<sha256>`).
    pub files_dir: PathBuf,
    /// Uploads in progress, by upload id, so they can be cancelled.
    pub uploads: Mutex<HashMap<String, (tokio::task::AbortHandle, UploadProgress)>>,
}

impl Shared {
    pub fn new(
        me: Me,
        cache: Arc<Cache>,
        api: ApiClient,
        events: Arc<dyn DeskEvents>,
        files_dir: PathBuf,
    ) -> Self {
        let (conn, _) = watch::channel(ConnState::Connecting);
        Self {
            me: std::sync::RwLock::new(me),
            cache,
            api,
            events,
            conn,
            outbox_wake: Notify::new(),
            signed_out: AtomicBool::new(false),
            files_dir,
            uploads: Mutex::default(),
        }
    }

    pub fn me(&self) -> Me {
        self.me
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Asks the server who we are now and tells the shell when it changed (a role, the
    /// groups or the flags of this operator changed: the server sent their record). `true`
    /// when what they may see changed (groups, all tabs, super-admin): the cache must then be
    /// rebuilt, since the server sends no record for conversations that were there all along.
    pub async fn refresh_me(&self) -> Result<bool> {
        let fresh = self.api.me().await?;
        let (changed, sees_otherwise) = {
            let mut me = self
                .me
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let changed = *me != fresh;
            let sees_otherwise = Viewer::of(&me) != Viewer::of(&fresh);
            *me = fresh.clone();
            (changed, sees_otherwise)
        };
        if changed {
            tracing::info!("who I am changed on the server; the desk follows");
            self.events.me_changed(&fresh);
            // The tabs and the rows to show follow the new `me`.
            self.events.conversations_changed(&[]);
        }
        Ok(sees_otherwise)
    }

    pub fn set_state(&self, state: ConnState) {
        let changed = self.conn.send_if_modified(|cur| {
            if *cur == state {
                false
            } else {
                *cur = state.clone();
                true
            }
        });
        if changed {
            self.events.conn_state(&state);
        }
    }

    /// Runs `f` with the write connection on the blocking pool, so a big batch never stalls
    /// the async runtime.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let cache = self.cache.clone();
        blocking(move || {
            let result = f(&mut cache.writer());
            cache.observe(&result);
            result
        })
        .await
    }

    /// Runs `f` with the read connection on the blocking pool: a UI query never waits on an
    /// async worker thread for a connection (in-memory caches share one with the writer).
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let cache = self.cache.clone();
        blocking(move || {
            let result = f(&cache.reader());
            cache.observe(&result);
            result
        })
        .await
    }

    /// Tells the shell about new client messages of a batch.
    pub async fn notify_incoming(&self, applied: &cache::apply::Applied) {
        if applied.new_client_messages.is_empty() {
            return;
        }
        let viewer = Viewer::of(&self.me());
        let new = applied.new_client_messages.clone();
        let described = self
            .read(move |conn| {
                let mut out = Vec::new();
                for (conv, msg) in new {
                    match list::incoming(conn, &viewer, conv, msg) {
                        Ok(Some(m)) => out.push(m),
                        Ok(None) => {}
                        Err(e) => tracing::warn!(error = %e, "cannot describe a new message"),
                    }
                }
                Ok(out)
            })
            .await;
        match described {
            Ok(out) if !out.is_empty() => self.events.client_messages(&out),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot describe new messages"),
        }
    }

    pub fn changed(&self, applied: &cache::apply::Applied) {
        if applied.directory {
            self.events.conversations_changed(&[]);
        } else if !applied.conversations.is_empty() {
            self.events.conversations_changed(&applied.ids());
        }
    }

    /// Signs out after the server ended the session (a 401, or the IP whitelist): stop and
    /// tell the shell, once, why.
    pub fn session_ended(&self, reason: &str) {
        if !self.signed_out.swap(true, Ordering::SeqCst) {
            tracing::warn!(reason, "the server ended the session; stopping sync");
            self.set_state(ConnState::Offline {
                since: now_millis(),
                reason: format!("signed out: {reason}"),
            });
            self.events.signed_out(reason);
        }
    }
}

/// Runs SQLite work on the blocking pool and waits for it without blocking the runtime.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CoreError::Io(std::io::Error::other(format!("cache task failed: {e}"))))?
}
