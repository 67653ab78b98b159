//! Runs one listener per channel that has one (`channels::listener_for`: a mailbox watched
//! over IMAP, a Telegram bot polled with `getUpdates` …) and gives each an [`Inbox`] to hand
//! client messages to. Channels are looked at again every [`RESCAN`]: one added with `channel
//! add` (another process) starts listening, one whose settings changed restarts, one that is
//! gone stops, and a listener that ended is started again.

use std::collections::HashMap;
use std::time::Duration;

use switchboard_protocol::{ClientContact, Id, InboundAccepted, InboundMessage};
use tokio::task::AbortHandle;

use super::attachments::StoredFile;
use super::ingest::{edit_client_message_in, store_client_message_in, store_file};
use crate::channels::{self, AdapterSettings};
use crate::error::{ApiError, ApiResult};
use crate::files::FileStore;
use crate::storage::{channel_cursors, channels as channel_store, inbound_refs, Db};

/// How often the channels are looked at again.
const RESCAN: Duration = Duration::from_secs(2);

/// A client message read by a listener.
#[derive(Debug, Clone, Default)]
pub struct Received {
    /// The platform's id of the message; one already stored is not stored again.
    pub platform_id: Option<String>,
    /// The client's id in the channel (a mail address, a Telegram chat id …).
    pub external_id: String,
    /// The client's display name (empty: the external id is shown).
    pub name: String,
    /// What the channel tells of the client's contact (an email address, a username …).
    pub contact: ClientContact,
    pub text: String,
    /// Each file becomes a message of its own, after the text (a message holds one file).
    pub files: Vec<ReceivedFile>,
}

#[derive(Debug, Clone)]
pub struct ReceivedFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Where one channel's listener hands what it reads.
#[derive(Clone)]
pub struct Inbox {
    db: Db,
    files: FileStore,
    channel_id: Id,
}

impl Inbox {
    pub fn new(db: Db, files: FileStore, channel_id: Id) -> Self {
        Self {
            db,
            files,
            channel_id,
        }
    }

    pub fn channel_id(&self) -> Id {
        self.channel_id
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The file store and its limits (a listener checks a file's size before fetching it).
    pub fn files(&self) -> &FileStore {
        &self.files
    }

    /// Whether a message with `platform_id` was stored before (a listener can skip fetching
    /// its files again).
    pub async fn has_received(&self, platform_id: &str) -> ApiResult<bool> {
        let (channel_id, pid) = (self.channel_id, platform_id.to_string());
        self.db
            .read(move |conn| Ok(inbound_refs::find(conn, channel_id, &pid)?.is_some()))
            .await
    }

    /// Stores `msg` (its text, then each file) in one transaction. `Ok(None)`: its
    /// `platform_id` was stored before, nothing is stored again. A file the server refuses
    /// (too large, a blocked type) becomes a line in the text instead, so the client's words
    /// are never lost with it.
    pub async fn receive(&self, msg: Received) -> ApiResult<Option<Vec<InboundAccepted>>> {
        let channel_id = self.channel_id;
        if let Some(pid) = &msg.platform_id {
            if self.has_received(pid).await? {
                return Ok(None);
            }
        }
        let mut text = msg.text.clone();
        let mut stored = Vec::new();
        for f in &msg.files {
            match store_file(&self.files, &f.name, &f.bytes).await {
                Ok(file) => stored.push(file),
                Err(e) => {
                    tracing::info!(channel_id, file = %f.name, error = %e, "a client's file was refused");
                    text.push_str(&file_not_received(&f.name, &e));
                }
            }
        }
        self.db
            .write_grouped(move |ctx| {
                let channel = channel_store::get_any(ctx.tx, channel_id)?.ok_or_else(|| {
                    ApiError::not_found(format!("Channel {channel_id} not found."))
                })?;
                if let Some(pid) = &msg.platform_id {
                    // Checked again inside the transaction: two fetches may race.
                    if inbound_refs::find(ctx.tx, channel_id, pid)?.is_some() {
                        return Ok(None);
                    }
                }
                let mut parts: Vec<(String, Option<&StoredFile>)> = Vec::new();
                if !text.trim().is_empty() || stored.is_empty() {
                    parts.push((text.clone(), None));
                }
                parts.extend(stored.iter().map(|f| (String::new(), Some(f))));
                let mut accepted = Vec::new();
                for (part_text, file) in parts {
                    let inbound = InboundMessage {
                        external_id: msg.external_id.clone(),
                        name: msg.name.clone(),
                        text: part_text,
                        attachment: None,
                        contact: Some(msg.contact.clone()),
                    };
                    accepted.push(store_client_message_in(ctx, &channel, &inbound, file)?);
                }
                if let (Some(pid), Some(first)) = (&msg.platform_id, accepted.first()) {
                    inbound_refs::insert(ctx.tx, channel_id, pid, first.message_id)?;
                }
                Ok(Some(accepted))
            })
            .await
    }

    /// The client changed the message stored for `platform_id` (Telegram's edited messages):
    /// its text becomes `text` (a file's message without words keeps the file's name), the
    /// conversation's preview follows when it is the last message, and whoever sees the
    /// conversation is told. `Ok(false)`: no message was stored for `platform_id` (written
    /// before the channel was connected), nothing changes.
    pub async fn edit(&self, platform_id: String, text: String) -> ApiResult<bool> {
        let channel_id = self.channel_id;
        self.db
            .write(move |ctx| {
                let Some(message_id) = inbound_refs::find(ctx.tx, channel_id, &platform_id)? else {
                    return Ok(false);
                };
                let Some(channel) = channel_store::get_any(ctx.tx, channel_id)? else {
                    return Ok(false);
                };
                edit_client_message_in(ctx, channel.company_id, message_id, &text)?;
                Ok(true)
            })
            .await
    }

    /// The listener's saved position `name`.
    pub async fn cursor(&self, name: &'static str) -> ApiResult<Option<String>> {
        let channel_id = self.channel_id;
        self.db
            .read(move |conn| Ok(channel_cursors::get(conn, channel_id, name)?))
            .await
    }

    pub async fn set_cursor(&self, name: &'static str, value: String) -> ApiResult<()> {
        let channel_id = self.channel_id;
        self.db
            .write(move |ctx| Ok(channel_cursors::set(ctx.tx, channel_id, name, &value)?))
            .await
    }
}

/// The line added to a client's text for a file that was not stored.
pub fn file_not_received(name: &str, why: &dyn std::fmt::Display) -> String {
    format!("\n[File {name:?} not received: {why}]")
}

/// A running listener and the settings it was started with.
struct Running {
    fingerprint: String,
    task: AbortHandle,
}

/// Keeps one listener running per channel that has one, until the process ends.
pub async fn run(db: Db, files: FileStore, settings: AdapterSettings) {
    let mut running: HashMap<Id, Running> = HashMap::new();
    loop {
        match db.read(|conn| Ok(channel_store::list_all(conn)?)).await {
            Ok(all) => {
                let mut wanted = HashMap::new();
                // A disabled channel's listener stops (and one enabled again starts).
                for channel in all.into_iter().filter(|c| !c.account.disabled) {
                    if let Some(listener) = channels::listener_for(&channel, &settings) {
                        let fingerprint =
                            format!("{}:{}", channel.account.kind.as_str(), channel.config);
                        wanted.insert(channel.account.id, (fingerprint, listener));
                    }
                }
                running.retain(|id, r| {
                    let keep = !r.task.is_finished()
                        && wanted.get(id).is_some_and(|(f, _)| *f == r.fingerprint);
                    if !keep {
                        r.task.abort();
                    }
                    keep
                });
                for (id, (fingerprint, listener)) in wanted {
                    if running.contains_key(&id) {
                        continue;
                    }
                    tracing::info!(channel_id = id, "listening for client messages");
                    let inbox = Inbox::new(db.clone(), files.clone(), id);
                    let task = tokio::spawn(listener.listen(inbox)).abort_handle();
                    running.insert(id, Running { fingerprint, task });
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read the channels to listen to"),
        }
        tokio::time::sleep(RESCAN).await;
    }
}
