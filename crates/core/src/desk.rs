//! The one object the shell holds while signed in: it owns the cache, the sync task and the
//! outbox flusher, and answers the UI's queries. Queries read the cache and queued work writes
//! it, always on the blocking pool (`Shared::read` / `Shared::write`), so no method blocks the
//! async runtime; network work happens in the background tasks it starts.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use switchboard_protocol::{
    tabs, ConversationAction, ConversationStatus, Delivery, Id, Me, MessageKind,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::api::ApiClient;
use crate::cache::list::Viewer;
use crate::cache::{self, conversations, directory, list, messages, outbox, read_states, Cache};
use crate::error::{CoreError, ErrorKind, Result};
use crate::events::DeskEvents;
use crate::shared::{blocking, Shared};
use crate::time::now_millis;
use crate::view::{
    Capabilities, ConnState, ConversationRow, ConversationView, ListPage, ListQuery, OutboxState,
    PendingAction, TabCounts, ThreadMessage,
};

mod admin;
mod advanced;
mod assign;
mod attachments;
mod canned;
mod conversation_log;
mod edits;
mod email;
mod landing;
mod notices;
mod profile;
mod settings;
mod typing;
mod webhooks;

pub use assign::{AssignMenu, Choice, FilterOptions, PinDisplay};
pub use landing::FIRST_PAGE;
pub use notices::cache_rebuilt_message;

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
        let cache = blocking(move || Cache::open(&path)).await?;
        let shared = Arc::new(Shared::new(
            config.me,
            Arc::new(cache),
            api,
            events,
            config.data_dir.join("files"),
        ));
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

    /// Who is signed in, as the server last said (kept current by sync).
    pub fn me(&self) -> Me {
        self.shared.me()
    }

    fn viewer(&self) -> Viewer {
        Viewer::of(&self.shared.me())
    }

    /// The cache, for diagnostics and tests.
    #[doc(hidden)]
    pub fn cache(&self) -> &Cache {
        &self.shared.cache
    }

    pub async fn list(&self, query: &ListQuery) -> Result<Vec<ConversationRow>> {
        Ok(self.list_page(query, None).await?.rows)
    }

    /// The first `limit` rows of a list and its length (see [`list::page`]).
    pub async fn list_page(&self, query: &ListQuery, limit: Option<u32>) -> Result<ListPage> {
        let (viewer, query) = (self.viewer(), query.clone());
        self.shared
            .read(move |c| list::page(c, &viewer, &query, limit))
            .await
    }

    pub async fn counts(&self) -> Result<TabCounts> {
        let viewer = self.viewer();
        self.shared.read(move |c| list::counts(c, &viewer)).await
    }

    /// The conversation with its newest messages; marks it read for this operator.
    pub async fn open(&self, id: Id) -> Result<ConversationView> {
        let marked = self.shared.write(move |c| mark_read(c, id)).await?;
        let me = self.shared.me();
        let view = self.shared.read(move |c| view(c, &me, id)).await?;
        if marked {
            self.shared.outbox_wake.notify_one();
            self.shared.events.conversations_changed(&[id]);
        }
        Ok(view)
    }

    /// Up to `limit` messages older than the message `before_id`, oldest first.
    pub async fn older(&self, id: Id, before_id: Id, limit: u32) -> Result<Vec<ThreadMessage>> {
        self.shared
            .read(move |conn| {
                let conv = conversations::get(conn, id)?
                    .ok_or_else(|| not_found("This conversation is not in the local cache."))?;
                let stored = messages::page(conn, id, Some(before_id), limit.clamp(1, 500))?;
                thread(conn, &conv.client.display_name, stored)
            })
            .await
    }

    /// Queues an operator message (or a note) in the outbox and returns it as pending.
    pub async fn send(
        &self,
        conversation_id: Id,
        text: String,
        note: bool,
    ) -> Result<ThreadMessage> {
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
        let payload = outbox::Payload::Send {
            text: text.clone(),
            kind,
        };
        let queued = key.clone();
        self.shared
            .write(move |conn| {
                if !conversations::exists(conn, conversation_id)? {
                    return Err(not_found("This conversation is not in the local cache."));
                }
                outbox::push(conn, &queued, conversation_id, &payload, created_at)
            })
            .await?;
        self.shared.outbox_wake.notify_one();
        self.shared.events.conversations_changed(&[conversation_id]);
        Ok(ThreadMessage {
            key,
            id: None,
            kind,
            text,
            author_name: Some(self.shared.me().operator.name.clone()),
            created_at,
            delivery: Delivery::Pending,
            delivery_error: None,
            outbox: Some(OutboxState::Queued),
            attachment: None,
        })
    }

    /// Queues a conversation movement (start, close, unassign, assign) in the outbox.
    pub async fn act(&self, conversation_id: Id, action: ConversationAction) -> Result<()> {
        let me = self.shared.me().operator.id;
        self.shared
            .write(move |conn| {
                if !conversations::exists(conn, conversation_id)? {
                    return Err(not_found("This conversation is not in the local cache."));
                }
                let key = uuid::Uuid::new_v4().to_string();
                let payload = outbox::Payload::Action(action);
                let tx = conn.transaction()?;
                outbox::push(&tx, &key, conversation_id, &payload, now_millis())?;
                edits::show(&tx, me, conversation_id, &payload)?;
                Ok(tx.commit()?)
            })
            .await?;
        self.shared.outbox_wake.notify_one();
        self.shared.events.conversations_changed(&[conversation_id]);
        Ok(())
    }

    /// Puts a failed outbox item (a send's key or a pending action's id) back in the queue.
    /// What it showed before the refusal is shown again.
    pub async fn retry(&self, item_id: &str) -> Result<()> {
        let me = self.shared.me().operator.id;
        let item_id = item_id.to_owned();
        let conv = self
            .shared
            .write(move |conn| {
                let conv = outbox::retry(conn, &item_id)?.ok_or_else(|| {
                    not_found("There is no failed item with this id in the outbox.")
                })?;
                if let Some(item) = outbox::get(conn, &item_id)? {
                    edits::show(conn, me, conv, &item.payload)?;
                }
                Ok(conv)
            })
            .await?;
        self.shared.outbox_wake.notify_one();
        self.shared.events.conversations_changed(&[conv]);
        Ok(())
    }

    /// Drops an outbox item the operator gave up on. Only failed items can be discarded: a
    /// queued one may be on its way to the server already.
    pub async fn discard(&self, item_id: &str) -> Result<()> {
        let item_id = item_id.to_owned();
        let conv = self
            .shared
            .write(move |conn| match outbox::get(conn, &item_id)? {
                None => Err(not_found("There is no such item in the outbox.")),
                Some(item) if item.failed.is_none() => Err(CoreError::BadInput(
                    "Only items the server refused can be discarded.".into(),
                )),
                Some(item) => {
                    outbox::delete(conn, &item_id)?;
                    Ok(item.conversation_id)
                }
            })
            .await?;
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

/// Moves the local read position to the newest message at once (the unread mark goes away
/// offline too) and queues the read call. Returns whether anything changed.
fn mark_read(conn: &mut Connection, id: Id) -> Result<bool> {
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

fn view(conn: &Connection, me: &Me, id: Id) -> Result<ConversationView> {
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
    let mut thread = thread(conn, &conv.client.display_name, stored)?;
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
                    delivery_error: None,
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
            delivery_error: m.delivery_error,
            outbox: None,
            attachment: m.attachment,
        });
    }
    Ok(out)
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
    use switchboard_protocol::{Company, Operator, Permissions, Tab};

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
            hidden_client_data: switchboard_protocol::HiddenClientData::NONE,
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

    /// The tab chosen last is what the next start lands on, read with its first rows; a tab
    /// the operator lost (a role change) or a damaged value lands where work waits.
    #[tokio::test]
    async fn a_start_lands_on_the_tab_chosen_last_with_its_first_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (desk, _) = offline_desk(dir.path()).await;
        assert_eq!(desk.first_screen().await.expect("first screen"), None);
        desk.remember_tab(Tab::Inbox).await.expect("remember");
        desk.shutdown().await;

        let (desk, _) = offline_desk(dir.path()).await;
        let first = desk
            .first_screen()
            .await
            .expect("first screen")
            .expect("remembered");
        assert_eq!(first.tab, Tab::Inbox);
        assert_eq!(
            first.page.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            [2]
        );
        assert_eq!(first.page.total, 1);
        assert_eq!((first.counts.unassigned, first.counts.inbox), (1, 1));

        desk.remember_tab(Tab::All).await.expect("remember");
        assert_eq!(
            desk.first_screen().await.expect("first screen"),
            None,
            "Anna's role has no All tab"
        );
        desk.shared
            .write(|c| cache::meta::set_text(c, "last_tab", "nonsense"))
            .await
            .expect("damage");
        assert_eq!(desk.first_screen().await.expect("first screen"), None);
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

        let counts = desk.counts().await.expect("counts");
        assert_eq!(
            (counts.unassigned, counts.inbox, counts.unread_total),
            (1, 1, 1)
        );

        let view = desk.open(1).await.expect("open");
        assert_eq!(view.messages.len(), 11);
        assert!(!view.has_older);
        assert!(view.can.start && !view.can.send && view.can.note);
        assert_eq!(view.messages[0].key, "m1");
        assert_eq!(view.messages[0].author_name.as_deref(), Some("Zoe"));
        assert_eq!(
            desk.counts().await.expect("counts").unread_total,
            0,
            "read at once, offline"
        );
        assert!(events
            .changed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|ids| ids == &[1]));
        let older = desk.older(1, 5, 2).await.expect("older");
        assert_eq!(
            older.iter().filter_map(|m| m.id).collect::<Vec<_>>(),
            vec![3, 4]
        );

        let inbox = desk.open(2).await.expect("open inbox");
        assert!(inbox.can.send && inbox.can.close && inbox.can.unassign && !inbox.can.start);

        // Sends and actions queue and show as pending.
        let pending = desk.send(2, "on my way".into(), false).await.expect("send");
        assert_eq!(pending.delivery, Delivery::Pending);
        desk.send(2, "internal".into(), true).await.expect("note");
        desk.act(2, ConversationAction::Close).await.expect("act");
        assert!(matches!(
            desk.send(2, "  ".into(), false).await,
            Err(CoreError::BadInput(_))
        ));
        assert_eq!(
            desk.send(99, "x".into(), false)
                .await
                .err()
                .map(|e| e.kind()),
            Some(ErrorKind::NotFound)
        );
        let view = desk.open(2).await.expect("open");
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
        assert!(desk.discard(&pending.key).await.is_err());
        outbox::mark_failed(
            &desk.cache().writer(),
            &pending.key,
            &outbox::tests::refused("Forbidden"),
        )
        .expect("fail");
        let view = desk.open(2).await.expect("open");
        assert!(
            matches!(view.messages.iter().find(|m| m.key == pending.key).and_then(|m| m.outbox.clone()),
            Some(OutboxState::Failed { error, .. }) if error == "Forbidden")
        );
        desk.retry(&pending.key).await.expect("retry");
        assert!(
            desk.retry(&pending.key).await.is_err(),
            "not failed any more"
        );
        outbox::mark_failed(
            &desk.cache().writer(),
            &pending.key,
            &outbox::tests::refused("Forbidden"),
        )
        .expect("fail");
        desk.discard(&pending.key).await.expect("discard");
        assert_eq!(desk.open(2).await.expect("open").row.pending, 2);

        // Still offline, same `since` (it is the first failure's time).
        tokio::time::sleep(Duration::from_millis(1200)).await;
        match desk.conn_state() {
            ConnState::Offline { since: s, .. } => assert_eq!(s, since),
            other => panic!("{other:?}"),
        }
        desk.shutdown().await;
    }

    /// The sync task holds the cache writer for a whole snapshot page. Meanwhile the runtime
    /// must keep running: an `open` (which marks read, so it needs the writer) waits on the
    /// blocking pool, while timers fire, other tasks run and reads are answered. On one
    /// thread, an `open` that took the writer's lock itself would stop all of that until the
    /// writer was released.
    #[tokio::test(flavor = "current_thread")]
    async fn a_busy_cache_writer_does_not_block_the_runtime() {
        use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
        let dir = tempfile::tempdir().expect("tempdir");
        let (desk, _) = offline_desk(dir.path()).await;
        let held = Arc::new(AtomicBool::new(false));
        let (locked_tx, locked_rx) = tokio::sync::oneshot::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let holder = {
            let (cache, held) = (desk.shared.cache.clone(), held.clone());
            std::thread::spawn(move || {
                let writer = cache.writer();
                held.store(true, SeqCst);
                let _ = locked_tx.send(());
                // Released by the test; the limit only keeps a regression from hanging forever.
                let _ = release_rx.recv_timeout(Duration::from_secs(60));
                held.store(false, SeqCst);
                drop(writer);
            })
        };
        locked_rx.await.expect("the writer is held");

        let mut open = Box::pin(desk.open(1));
        tokio::select! {
            biased;
            r = &mut open => panic!("open finished while the writer was held (ok: {})", r.is_ok()),
            () = tokio::task::yield_now() => {}
        }
        tokio::spawn(tokio::time::sleep(Duration::from_millis(1)))
            .await
            .expect("another task ran");
        let unassigned = ListQuery {
            tab: Some(crate::view::Tab::Unassigned),
            ..Default::default()
        };
        let rows = desk.list(&unassigned).await.expect("list");
        let counts = desk.counts().await.expect("counts");
        assert!(
            held.load(SeqCst),
            "the other task and the reads finished while the writer was still held"
        );
        assert_eq!(rows.len(), 1, "Unassigned holds conversation 1");
        assert_eq!(
            counts.unread_total, 1,
            "not read yet: open is still waiting"
        );

        release_tx.send(()).expect("release");
        let view = open.await.expect("open");
        assert_eq!(view.row.id, 1);
        assert_eq!(desk.counts().await.expect("counts").unread_total, 0);
        holder.join().expect("holder");
        desk.shutdown().await;
    }

    #[tokio::test]
    async fn outbox_survives_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (desk, _) = offline_desk(dir.path()).await;
        desk.send(2, "first".into(), false).await.expect("send");
        desk.send(2, "second".into(), false).await.expect("send");
        desk.shutdown().await;
        let (desk, _) = offline_desk(dir.path()).await;
        let texts: Vec<String> = desk
            .open(2)
            .await
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
