//! The one object the shell holds while signed in: it owns the cache, the sync task and the
//! outbox flusher, and answers the UI's queries. Every method is cheap and reads the cache;
//! network work happens in the background tasks it starts.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use switchboard_protocol::{
    tabs, ConversationAction, ConversationStatus, Delivery, Id, Me, MessageKind,
};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

mod notices;
pub use notices::cache_rebuilt_message;

use crate::api::ApiClient;
use crate::cache::list::Viewer;
use crate::cache::{self, conversations, directory, list, messages, outbox, read_states, Cache};
use crate::error::{CoreError, ErrorKind, Result};
use crate::time::now_millis;
mod canned;
mod conversation_log;
pub(crate) mod edits;
mod email;
mod profile;
mod settings;

use crate::view::{
    Capabilities, ConnState, ConversationRow, ConversationView, IncomingMessage, ListQuery,
    OutboxState, PendingAction, TabCounts, ThreadMessage,
};

mod assign;

pub use assign::{AssignMenu, Choice, FilterOptions, PinDisplay};

/// Told about changes so the shell can forward them to the UI as events (no polling).
pub trait DeskEvents: Send + Sync + 'static {
    /// Cached conversations changed (rows, threads or counts); `ids` may be empty when only
    /// counts or many rows changed.
    fn conversations_changed(&self, ids: &[Id]);
    fn conn_state(&self, state: &ConnState);
    /// The server refused the token (revoked, expired, operator deactivated): sync and the
    /// outbox have stopped. The shell should drop the stored token and show the sign-in
    /// screen. The cache and the outbox stay on disk for the next sign-in of this operator.
    fn signed_out(&self) {}
    /// New client messages arrived live or through a `/sync` catch-up (never through the
    /// initial snapshot), in conversations this operator sees, still unread, not blacklisted.
    fn client_messages(&self, _messages: &[IncomingMessage]) {}
    /// A one-off message for the operator (e.g. the cache was damaged and is being rebuilt).
    fn notice(&self, _notice: &crate::view::Notice) {}
    /// An attachment upload moved on (see [`Desk::attach`]).
    fn upload_progress(&self, _progress: &crate::view::UploadProgress) {}
}

/// How to open a desk for one (server, operator).
#[derive(Debug, Clone)]
pub struct DeskConfig {
    /// Per-app data directory; the cache lives in a sub-folder per (server, operator).
    pub data_dir: PathBuf,
    pub server_url: String,
    pub token: String,
    pub me: Me,
}

/// Newest messages an opened conversation shows; older ones come through [`Desk::older`].
pub const OPEN_PAGE: u32 = 50;
/// Longest message text the app queues (the server has its own limit and says so).
pub const MAX_TEXT_CHARS: usize = 20_000;

/// State shared by the desk and its background tasks.
pub(crate) struct Shared {
    pub me: Me,
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
    pub uploads: std::sync::Mutex<
        std::collections::HashMap<String, (tokio::task::AbortHandle, crate::view::UploadProgress)>,
    >,
}

impl Shared {
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
        tokio::task::spawn_blocking(move || {
            let mut conn = cache.writer();
            f(&mut conn)
        })
        .await
        .map_err(|e| CoreError::Io(std::io::Error::other(format!("cache task failed: {e}"))))?
    }

    /// Tells the shell about new client messages of a batch.
    pub fn notify_incoming(&self, applied: &cache::apply::Applied) {
        if applied.new_client_messages.is_empty() {
            return;
        }
        let viewer = Viewer::of(&self.me);
        let conn = self.cache.reader();
        let mut out = Vec::new();
        for &(conv, msg) in &applied.new_client_messages {
            match list::incoming(&conn, &viewer, conv, msg) {
                Ok(Some(m)) => out.push(m),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "cannot describe a new message"),
            }
        }
        drop(conn);
        if !out.is_empty() {
            self.events.client_messages(&out);
        }
    }

    pub fn changed(&self, applied: &cache::apply::Applied) {
        if applied.directory {
            self.events.conversations_changed(&[]);
        } else if !applied.conversations.is_empty() {
            self.events.conversations_changed(&applied.ids());
        }
    }

    /// Signs out after a 401: stop and tell the shell, once.
    pub fn token_refused(&self) {
        if !self.signed_out.swap(true, Ordering::SeqCst) {
            tracing::warn!("the server refused the token; stopping sync");
            self.set_state(ConnState::Offline {
                since: now_millis(),
                reason: "signed out: token revoked".into(),
            });
            self.events.signed_out();
        }
    }
}

mod attachments;

pub struct Desk {
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

fn not_found(what: impl Into<String>) -> CoreError {
    CoreError::Api {
        kind: ErrorKind::NotFound,
        status: 404,
        code: "not_found".into(),
        message: what.into(),
        detail: None,
    }
}

impl Desk {
    /// Opens (or creates, or rebuilds when damaged) the cache and starts sync and the outbox.
    /// Works with the server down: the cache is served and sync retries in the background.
    pub async fn start(config: DeskConfig, events: Arc<dyn DeskEvents>) -> Result<Desk> {
        let api = ApiClient::new(&config.server_url, Some(config.token))?;
        let path = cache::account_dir(&config.data_dir, &config.server_url, config.me.operator.id)
            .join(cache::CACHE_FILE);
        let cache = tokio::task::spawn_blocking(move || Cache::open(&path))
            .await
            .map_err(|e| {
                CoreError::Io(std::io::Error::other(format!("cache task failed: {e}")))
            })??;
        let (conn, _) = watch::channel(ConnState::Connecting);
        let shared = Arc::new(Shared {
            me: config.me,
            cache: Arc::new(cache),
            api,
            events,
            conn,
            outbox_wake: Notify::new(),
            signed_out: AtomicBool::new(false),
            files_dir: config.data_dir.join("files"),
            uploads: Default::default(),
        });
        shared.events.conn_state(&ConnState::Connecting);
        let (shutdown, rx) = watch::channel(false);
        let tasks = vec![
            tokio::spawn(crate::sync::run(shared.clone(), rx.clone())),
            tokio::spawn(crate::outbox::run(shared.clone(), rx)),
        ];
        let desk = Desk {
            shared,
            shutdown,
            tasks,
        };
        for notice in desk.notices() {
            desk.shared.events.notice(&notice);
        }
        Ok(desk)
    }

    pub fn me(&self) -> &Me {
        &self.shared.me
    }

    fn viewer(&self) -> Viewer {
        Viewer::of(&self.shared.me)
    }

    /// The cache, for diagnostics and tests.
    #[doc(hidden)]
    pub fn cache(&self) -> &Cache {
        &self.shared.cache
    }

    pub fn list(&self, query: &ListQuery) -> Result<Vec<ConversationRow>> {
        list::list(&self.shared.cache.reader(), &self.viewer(), query)
    }

    pub fn counts(&self) -> Result<TabCounts> {
        list::counts(&self.shared.cache.reader(), &self.viewer())
    }

    /// The conversation with its newest messages; marks it read for this operator.
    pub fn open(&self, id: Id) -> Result<ConversationView> {
        let marked = self.mark_read(id)?;
        let view = {
            let conn = self.shared.cache.reader();
            self.view(&conn, id)?
        };
        if marked {
            self.shared.outbox_wake.notify_one();
            self.shared.events.conversations_changed(&[id]);
        }
        Ok(view)
    }

    /// Moves the local read position to the newest message at once (the unread mark goes away
    /// offline too) and queues the read call. Returns whether anything changed.
    fn mark_read(&self, id: Id) -> Result<bool> {
        let mut conn = self.shared.cache.writer();
        let tx = conn.transaction()?;
        let Some(conv) = conversations::get(&tx, id)? else {
            return Err(not_found(
                "This conversation is not in the local cache (it may have left your view).",
            ));
        };
        let newest = messages::newest_id(&tx, id)?;
        let target = newest.max(conv.last_client_message_id);
        let current = read_states::get(&tx, id)?;
        let Some(target) = target else {
            return Ok(false);
        };
        if current.is_some_and(|c| c >= target) {
            return Ok(false);
        }
        read_states::advance(&tx, id, target)?;
        read_states::queue_read(&tx, id, target)?;
        tx.commit()?;
        Ok(true)
    }

    fn view(&self, conn: &Connection, id: Id) -> Result<ConversationView> {
        let me = &self.shared.me;
        let conv = conversations::get(conn, id)?
            .ok_or_else(|| not_found("This conversation is not in the local cache."))?;
        let row = list::row(conn, id)?
            .ok_or_else(|| not_found("This conversation is not in the local cache."))?;
        let stored = messages::page(conn, id, None, OPEN_PAGE)?;
        let has_older = match stored.first() {
            Some(m) => messages::has_older(conn, id, m.id)?,
            None => false,
        };
        // Storing a message drops its outbox item, so both rarely exist; if they do (a reply
        // applied by another path mid-flight), show the stored one only.
        let sent_keys: std::collections::HashSet<String> = stored
            .iter()
            .filter_map(|m| m.client_msg_id.clone())
            .collect();
        let mut thread = self.thread(conn, &conv.client.display_name, stored)?;
        let mut pending_actions = Vec::new();
        for item in outbox::for_conversation(conn, id)? {
            let state = match &item.failed {
                Some(r) => OutboxState::Failed {
                    error: r.message.clone(),
                    code: r.code.clone(),
                    detail: r.detail.clone(),
                },
                None => OutboxState::Queued,
            };
            match item.payload {
                outbox::Payload::Send { text, kind } => {
                    if sent_keys.contains(&item.id) {
                        continue;
                    }
                    thread.push(ThreadMessage {
                        key: item.id,
                        id: None,
                        kind,
                        text,
                        author_name: Some(me.operator.name.clone()),
                        created_at: item.created_at,
                        delivery: Delivery::Pending,
                        outbox: Some(state),
                        attachment: None,
                    });
                }
                outbox::Payload::Action(action) => pending_actions.push(PendingAction {
                    id: item.id,
                    description: describe(conn, &action)?,
                    outbox: state,
                }),
                outbox::Payload::Edit(edit) => pending_actions.push(PendingAction {
                    id: item.id,
                    description: edits::describe(&edit),
                    outbox: state,
                }),
            }
        }
        let mine = conv.operator_id == Some(me.operator.id);
        let can = Capabilities {
            start: matches!(
                conv.status,
                ConversationStatus::Unassigned | ConversationStatus::Closed
            ),
            close: conv.status == ConversationStatus::Inbox && mine,
            unassign: conv.status == ConversationStatus::Inbox && mine,
            send: conv.status == ConversationStatus::Inbox && mine,
            note: true,
        };
        let tab = tabs::home_tab(&Viewer::of(me), &tabs::Scope::of(&conv));
        Ok(ConversationView {
            row,
            tab,
            client: conv.client,
            operator_id: conv.operator_id,
            group_id: conv.group_id,
            messages: thread,
            has_older,
            can,
            pending_actions,
        })
    }

    /// Stored messages as thread entries, keyed `m{id}`.
    fn thread(
        &self,
        conn: &Connection,
        client_name: &str,
        stored: Vec<switchboard_protocol::Message>,
    ) -> Result<Vec<ThreadMessage>> {
        let mut names = std::collections::HashMap::new();
        let mut out = Vec::with_capacity(stored.len());
        for m in stored {
            let author_name = match m.kind {
                MessageKind::Client => Some(client_name.to_owned()),
                MessageKind::System => None,
                MessageKind::Operator | MessageKind::Note => match m.operator_id {
                    Some(op) => {
                        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(op) {
                            e.insert(directory::operator_name(conn, op)?);
                        }
                        names.get(&op).cloned().flatten()
                    }
                    None => None,
                },
            };
            out.push(ThreadMessage {
                key: format!("m{}", m.id),
                id: Some(m.id),
                kind: m.kind,
                text: m.text,
                author_name,
                created_at: m.created_at,
                delivery: m.delivery,
                outbox: None,
                attachment: m.attachment,
            });
        }
        Ok(out)
    }

    /// Up to `limit` messages older than the message `before_id`, oldest first.
    pub fn older(&self, id: Id, before_id: Id, limit: u32) -> Result<Vec<ThreadMessage>> {
        let conn = self.shared.cache.reader();
        let conv = conversations::get(&conn, id)?
            .ok_or_else(|| not_found("This conversation is not in the local cache."))?;
        let stored = messages::page(&conn, id, Some(before_id), limit.clamp(1, 500))?;
        self.thread(&conn, &conv.client.display_name, stored)
    }

    /// Queues an operator message (or a note) in the outbox and returns it as pending.
    pub fn send(&self, conversation_id: Id, text: String, note: bool) -> Result<ThreadMessage> {
        if text.trim().is_empty() {
            return Err(CoreError::BadInput("Type a message before sending.".into()));
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(CoreError::BadInput(format!(
                "The message is too long; keep it under {MAX_TEXT_CHARS} characters."
            )));
        }
        let kind = if note {
            MessageKind::Note
        } else {
            MessageKind::Operator
        };
        let key = uuid::Uuid::new_v4().to_string();
        let created_at = now_millis();
        {
            let conn = self.shared.cache.writer();
            if !conversations::exists(&conn, conversation_id)? {
                return Err(not_found("This conversation is not in the local cache."));
            }
            let payload = outbox::Payload::Send {
                text: text.clone(),
                kind,
            };
            outbox::push(&conn, &key, conversation_id, &payload, created_at)?;
        }
        self.shared.outbox_wake.notify_one();
        self.shared.events.conversations_changed(&[conversation_id]);
        Ok(ThreadMessage {
            key,
            id: None,
            kind,
            text,
            author_name: Some(self.shared.me.operator.name.clone()),
            created_at,
            delivery: Delivery::Pending,
            outbox: Some(OutboxState::Queued),
            attachment: None,
        })
    }

    /// Queues a conversation movement (start, close, unassign, assign) in the outbox.
    pub fn act(&self, conversation_id: Id, action: ConversationAction) -> Result<()> {
        {
            let conn = self.shared.cache.writer();
            if !conversations::exists(&conn, conversation_id)? {
                return Err(not_found("This conversation is not in the local cache."));
            }
            let key = uuid::Uuid::new_v4().to_string();
            let payload = outbox::Payload::Action(action);
            let tx = conn.unchecked_transaction()?;
            outbox::push(&tx, &key, conversation_id, &payload, now_millis())?;
            edits::show(&tx, self.shared.me.operator.id, conversation_id, &payload)?;
            tx.commit()?;
        }
        self.shared.outbox_wake.notify_one();
        self.shared.events.conversations_changed(&[conversation_id]);
        Ok(())
    }

    /// Puts a failed outbox item (a send's key or a pending action's id) back in the queue.
    /// What it showed before the refusal is shown again.
    pub fn retry(&self, item_id: &str) -> Result<()> {
        let conv = {
            let conn = self.shared.cache.writer();
            let conv = outbox::retry(&conn, item_id)?
                .ok_or_else(|| not_found("There is no failed item with this id in the outbox."))?;
            if let Some(item) = outbox::get(&conn, item_id)? {
                edits::show(&conn, self.shared.me.operator.id, conv, &item.payload)?;
            }
            conv
        };
        self.shared.outbox_wake.notify_one();
        self.shared.events.conversations_changed(&[conv]);
        Ok(())
    }

    /// Drops an outbox item the operator gave up on. Only failed items can be discarded: a
    /// queued one may be on its way to the server already.
    pub fn discard(&self, item_id: &str) -> Result<()> {
        let conv = {
            let conn = self.shared.cache.writer();
            match outbox::get(&conn, item_id)? {
                None => return Err(not_found("There is no such item in the outbox.")),
                Some(item) if item.failed.is_none() => {
                    return Err(CoreError::BadInput(
                        "Only items the server refused can be discarded.".into(),
                    ))
                }
                Some(item) => {
                    outbox::delete(&conn, item_id)?;
                    item.conversation_id
                }
            }
        };
        self.shared.events.conversations_changed(&[conv]);
        Ok(())
    }

    pub fn conn_state(&self) -> ConnState {
        self.shared.conn.borrow().clone()
    }

    /// Stops the background tasks; the cache stays on disk.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for Desk {
    /// A desk dropped without `shutdown` still stops its tasks.
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// An action as the operator reads it in the pending list.
fn describe(conn: &Connection, action: &ConversationAction) -> Result<String> {
    Ok(match action {
        ConversationAction::Start => "Start conversation".into(),
        ConversationAction::Close => "Move to Closed".into(),
        ConversationAction::Unassign => "Return to Unassigned".into(),
        ConversationAction::AssignOperator { operator_id } => {
            match directory::operator_name(conn, *operator_id)? {
                Some(n) => format!("Assign to {n}"),
                None => format!("Assign to operator #{operator_id}"),
            }
        }
        ConversationAction::AssignGroup { group_id } => {
            let name: Option<String> = rusqlite::OptionalExtension::optional(conn.query_row(
                "SELECT name FROM groups WHERE id = ?1",
                [group_id],
                |r| r.get(0),
            ))?;
            match name {
                Some(n) => format!("Move to group {n}"),
                None => format!("Move to group #{group_id}"),
            }
        }
    })
}

/// Exchanges email and password for a token (`POST /api/v1/auth/login`).
pub async fn login(
    server_url: &str,
    email: &str,
    password: &str,
) -> Result<switchboard_protocol::LoginResponse> {
    if email.trim().is_empty() || password.is_empty() {
        return Err(CoreError::BadInput("Enter your email and password.".into()));
    }
    ApiClient::new(server_url, None)?
        .login(email.trim(), password)
        .await
}

/// Who a stored token belongs to (`GET /api/v1/me`); `Unauthorized` when it was revoked.
pub async fn whoami(server_url: &str, token: &str) -> Result<Me> {
    ApiClient::new(server_url, Some(token.to_owned()))?
        .me()
        .await
}

/// Revokes the token on the server; errors are ignored by callers signing out offline.
pub async fn logout(server_url: &str, token: &str) -> Result<()> {
    ApiClient::new(server_url, Some(token.to_owned()))?
        .logout()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::conversations::tests::sample as conv;
    use crate::cache::messages::tests::sample as msg;
    use std::sync::Mutex;
    use switchboard_protocol::{Company, Operator, Permissions};

    #[derive(Default)]
    struct Recorder {
        changed: Mutex<Vec<Vec<Id>>>,
        states: Mutex<Vec<ConnState>>,
    }

    impl DeskEvents for Recorder {
        fn conversations_changed(&self, ids: &[Id]) {
            self.changed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(ids.to_vec());
        }
        fn conn_state(&self, state: &ConnState) {
            self.states
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(state.clone());
        }
    }

    fn me() -> Me {
        Me {
            operator: Operator {
                id: 7,
                name: "Anna".into(),
                email: "anna@demo.test".into(),
                super_admin: false,
                role_id: None,
                group_ids: vec![],
                active: true,
            },
            company: Company {
                id: 1,
                name: "Demo".into(),
            },
            permissions: Permissions::default(),
        }
    }

    /// A desk whose server is unreachable, over a cache with conversation 1 (unassigned, one
    /// unread client message) and 2 (in my inbox).
    async fn offline_desk(dir: &std::path::Path) -> (Desk, Arc<Recorder>) {
        // Port 9 on loopback: nothing listens, connections are refused at once.
        let server_url = "http://127.0.0.1:9";
        let path = cache::account_dir(dir, server_url, 7).join(cache::CACHE_FILE);
        {
            let cache = Cache::open(&path).expect("cache");
            let c = cache.writer();
            let mut one = conv(1, "Zoe");
            one.last_client_message_id = Some(11);
            one.last_message_at = 110;
            conversations::upsert(&c, &one, 0).expect("conv");
            let mut two = conv(2, "Yan");
            two.status = ConversationStatus::Inbox;
            two.operator_id = Some(7);
            conversations::upsert(&c, &two, 0).expect("conv");
            for id in 1..=11 {
                messages::upsert(&c, &msg(id, 1, MessageKind::Client, "hello")).expect("msg");
            }
        }
        let events = Arc::new(Recorder::default());
        let desk = Desk::start(
            DeskConfig {
                data_dir: dir.to_owned(),
                server_url: server_url.into(),
                token: "t".into(),
                me: me(),
            },
            events.clone(),
        )
        .await
        .expect("start");
        (desk, events)
    }

    async fn wait_offline(desk: &Desk) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !matches!(desk.conn_state(), ConnState::Offline { .. }) {
            assert!(tokio::time::Instant::now() < deadline, "never went offline");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[test]
    fn the_desk_can_be_shared_across_threads() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<Desk>();
    }

    #[tokio::test]
    async fn works_offline_from_the_cache() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (desk, events) = offline_desk(dir.path()).await;
        wait_offline(&desk).await;
        let since = match desk.conn_state() {
            ConnState::Offline { since, .. } => since,
            other => panic!("{other:?}"),
        };

        let counts = desk.counts().expect("counts");
        assert_eq!(
            (counts.unassigned, counts.inbox, counts.unread_total),
            (1, 1, 1)
        );

        let view = desk.open(1).expect("open");
        assert_eq!(view.messages.len(), 11);
        assert!(!view.has_older);
        assert!(view.can.start && !view.can.send && view.can.note);
        assert_eq!(view.messages[0].key, "m1");
        assert_eq!(view.messages[0].author_name.as_deref(), Some("Zoe"));
        assert_eq!(
            desk.counts().expect("counts").unread_total,
            0,
            "read at once, offline"
        );
        assert!(events
            .changed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|ids| ids == &[1]));
        let older = desk.older(1, 5, 2).expect("older");
        assert_eq!(
            older.iter().filter_map(|m| m.id).collect::<Vec<_>>(),
            vec![3, 4]
        );

        let inbox = desk.open(2).expect("open inbox");
        assert!(inbox.can.send && inbox.can.close && inbox.can.unassign && !inbox.can.start);

        // Sends and actions queue and show as pending.
        let pending = desk.send(2, "on my way".into(), false).expect("send");
        assert_eq!(pending.delivery, Delivery::Pending);
        desk.send(2, "internal".into(), true).expect("note");
        desk.act(2, ConversationAction::Close).expect("act");
        assert!(matches!(
            desk.send(2, "  ".into(), false),
            Err(CoreError::BadInput(_))
        ));
        assert_eq!(
            desk.send(99, "x".into(), false).err().map(|e| e.kind()),
            Some(ErrorKind::NotFound)
        );
        let view = desk.open(2).expect("open");
        let queued: Vec<_> = view
            .messages
            .iter()
            .filter(|m| m.outbox.is_some())
            .collect();
        assert_eq!(queued.len(), 2);
        assert_eq!(queued[0].key, pending.key);
        assert_eq!(queued[1].kind, MessageKind::Note);
        assert_eq!(view.pending_actions.len(), 1);
        assert_eq!(view.pending_actions[0].description, "Move to Closed");
        assert_eq!(view.row.pending, 3);

        // Failed items: retry and discard (only failed ones can be discarded).
        assert!(desk.discard(&pending.key).is_err());
        outbox::mark_failed(
            &desk.cache().writer(),
            &pending.key,
            &outbox::tests::refused("Forbidden"),
        )
        .expect("fail");
        let view = desk.open(2).expect("open");
        assert!(
            matches!(view.messages.iter().find(|m| m.key == pending.key).and_then(|m| m.outbox.clone()),
            Some(OutboxState::Failed { error, .. }) if error == "Forbidden")
        );
        desk.retry(&pending.key).expect("retry");
        assert!(desk.retry(&pending.key).is_err(), "not failed any more");
        outbox::mark_failed(
            &desk.cache().writer(),
            &pending.key,
            &outbox::tests::refused("Forbidden"),
        )
        .expect("fail");
        desk.discard(&pending.key).expect("discard");
        assert_eq!(desk.open(2).expect("open").row.pending, 2);

        // Still offline, same `since` (it is the first failure's time).
        tokio::time::sleep(Duration::from_millis(1200)).await;
        match desk.conn_state() {
            ConnState::Offline { since: s, .. } => assert_eq!(s, since),
            other => panic!("{other:?}"),
        }
        desk.shutdown().await;
    }

    #[tokio::test]
    async fn outbox_survives_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (desk, _) = offline_desk(dir.path()).await;
        desk.send(2, "first".into(), false).expect("send");
        desk.send(2, "second".into(), false).expect("send");
        desk.shutdown().await;
        let (desk, _) = offline_desk(dir.path()).await;
        let texts: Vec<String> = desk
            .open(2)
            .expect("open")
            .messages
            .into_iter()
            .filter(|m| m.outbox.is_some())
            .map(|m| m.text)
            .collect();
        assert_eq!(texts, vec!["first", "second"]);
        desk.shutdown().await;
    }
}
