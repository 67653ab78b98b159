//! Client messages by `getUpdates` long polling (or handed over by the webhook route). Each update is stored (or skipped) before the
//! offset past it is saved, so a restart asks again from the first update not yet stored, and
//! the Inbox stores each message once per `chat_id:message_id` even when one is asked again.
//!
//! Private chats only (a bot added to a group hears the group, which is no client). Text and
//! captions become the message text; the largest size of a photo, documents, voice notes,
//! audio and video become attachments (`getFile`, then a download bounded by the server's
//! file limit); an edited message changes the stored text. The client's name is their first
//! and last name with their @username.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::Value;
use switchboard_protocol::ClientContact;

use super::api::{Api, CallError, Download};
use crate::channels::{ChannelListener, Inbox, Received, ReceivedFile};
use crate::error::ApiError;

/// The listener's cursor: the next `update_id` to ask for.
const OFFSET: &str = "telegram_offset";
/// How long one `getUpdates` waits for news.
const POLL: Duration = Duration::from_secs(25);
/// Pauses after a failed poll: doubling from the first up to the second.
const PAUSES: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(60));
/// Message contents the desk cannot show, in Telegram's field names.
const UNSHOWN: &[&str] = &[
    "sticker",
    "animation",
    "video_note",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
    "game",
];

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Call(#[from] CallError),
    #[error("cannot store: {0}")]
    Store(#[from] ApiError),
}

#[derive(Deserialize)]
struct Update {
    message: Option<TgMessage>,
    edited_message: Option<TgMessage>,
}

#[derive(Deserialize)]
struct TgMessage {
    message_id: i64,
    from: Option<User>,
    chat: Chat,
    text: Option<String>,
    caption: Option<String>,
    #[serde(default)]
    photo: Vec<TgFile>,
    document: Option<TgFile>,
    voice: Option<TgFile>,
    audio: Option<TgFile>,
    video: Option<TgFile>,
    #[serde(flatten)]
    rest: serde_json::Map<String, Value>,
}

#[derive(Deserialize)]
struct User {
    first_name: String,
    last_name: Option<String>,
    username: Option<String>,
}

#[derive(Deserialize)]
struct Chat {
    id: i64,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct TgFile {
    file_id: String,
    file_size: Option<u64>,
    file_name: Option<String>,
    width: Option<u64>,
    height: Option<u64>,
}

/// `getFile`'s answer.
#[derive(Deserialize)]
struct FileInfo {
    file_path: Option<String>,
    file_size: Option<u64>,
}

impl TgMessage {
    fn platform_id(&self) -> String {
        format!("{}:{}", self.chat.id, self.message_id)
    }

    fn text(&self) -> String {
        self.text
            .clone()
            .or_else(|| self.caption.clone())
            .unwrap_or_default()
    }

    /// "Ann Lee"; "@annlee" when Telegram gives no name.
    fn sender_name(&self) -> String {
        let Some(u) = &self.from else {
            return String::new();
        };
        let mut name = u.first_name.trim().to_string();
        if let Some(last) = u
            .last_name
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            name = format!("{name} {last}");
        }
        match self.sender_username() {
            Some(user) if name.is_empty() => format!("@{user}"),
            _ => name,
        }
    }

    fn sender_username(&self) -> Option<&str> {
        self.from
            .as_ref()
            .and_then(|u| u.username.as_deref())
            .map(str::trim)
            .filter(|n| !n.is_empty())
    }

    /// The sender's username and its public profile link (Telegram tells nothing more).
    fn sender_contact(&self) -> ClientContact {
        match self.sender_username() {
            Some(user) => ClientContact {
                username: Some(format!("@{user}")),
                profile_url: Some(format!("https://t.me/{user}")),
                ..ClientContact::default()
            },
            None => ClientContact::default(),
        }
    }

    /// The files to fetch, each with the name it is stored under (Telegram gives a name only
    /// for documents, audio and video; the type check needs an extension).
    fn files(&self) -> Vec<(String, &TgFile)> {
        let id = self.message_id;
        let mut files = Vec::new();
        // Telegram sends a photo in several sizes.
        if let Some(largest) = self.photo.iter().max_by_key(|p| {
            (
                p.width.unwrap_or(0) * p.height.unwrap_or(0),
                p.file_size.unwrap_or(0),
            )
        }) {
            files.push((format!("photo-{id}.jpg"), largest));
        }
        let named = |f: &TgFile, fallback: String| f.file_name.clone().unwrap_or(fallback);
        if let Some(f) = &self.document {
            files.push((named(f, format!("document-{id}")), f));
        }
        if let Some(f) = &self.voice {
            files.push((format!("voice-{id}.ogg"), f));
        }
        if let Some(f) = &self.audio {
            files.push((named(f, format!("audio-{id}.mp3")), f));
        }
        if let Some(f) = &self.video {
            files.push((named(f, format!("video-{id}.mp4")), f));
        }
        files
    }

    /// What the client sent that the desk cannot show ("sticker"), if anything.
    fn unshown(&self) -> Option<&'static str> {
        UNSHOWN.iter().copied().find(|k| self.rest.contains_key(*k))
    }
}

/// Reads a bot's updates: by long polling (its `listen`), or as the webhook route hands them
/// over (`take`).
pub struct Reader {
    api: Api,
}

impl ChannelListener for Reader {
    fn listen(self: Box<Self>, inbox: Inbox) -> BoxFuture<'static, ()> {
        Box::pin(self.run(inbox))
    }
}

impl Reader {
    pub fn new(api: Api) -> Self {
        Self { api }
    }

    pub fn api(&self) -> &Api {
        &self.api
    }

    async fn run(self: Box<Self>, inbox: Inbox) {
        let mut pause = PAUSES.0;
        loop {
            let started = tokio::time::Instant::now();
            match self.poll(&inbox).await {
                // A Bot API server that answers an empty page at once (ignoring `timeout`)
                // must not make this loop spin.
                Ok(0) => {
                    pause = PAUSES.0;
                    tokio::time::sleep_until(started + PAUSES.0).await;
                }
                Ok(_) => pause = PAUSES.0,
                Err(e) => {
                    tracing::warn!(channel_id = inbox.channel_id(), error = %e, "reading the Telegram bot's updates failed; trying again");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(PAUSES.1);
                }
            }
        }
    }

    /// One `getUpdates`, each update stored before the offset moves past it; how many came.
    async fn poll(&self, inbox: &Inbox) -> Result<usize, ReadError> {
        let offset: Option<i64> = inbox.cursor(OFFSET).await?.and_then(|v| v.parse().ok());
        let client = self.api.client().await.map_err(CallError::from)?;
        let updates: Vec<Value> = self
            .api
            .call(
                &client,
                "getUpdates",
                &serde_json::json!({
                    "offset": offset,
                    "timeout": POLL.as_secs(),
                    "allowed_updates": ["message", "edited_message"],
                }),
                POLL,
            )
            .await?;
        let count = updates.len();
        for raw in updates {
            let Some(update_id) = raw.get("update_id").and_then(Value::as_i64) else {
                continue;
            };
            self.take(&client, inbox, raw).await?;
            inbox
                .set_cursor(OFFSET, update_id.saturating_add(1).to_string())
                .await?;
        }
        Ok(count)
    }

    /// Stores one update as Telegram sent it; one it cannot read is skipped.
    pub async fn take(
        &self,
        client: &reqwest::Client,
        inbox: &Inbox,
        raw: Value,
    ) -> Result<(), ReadError> {
        match serde_json::from_value::<Update>(raw) {
            Ok(update) => self.handle(client, inbox, update).await,
            Err(e) => {
                tracing::warn!(channel_id = inbox.channel_id(), error = %e, "skipped a Telegram update it cannot read");
                Ok(())
            }
        }
    }

    async fn handle(
        &self,
        client: &reqwest::Client,
        inbox: &Inbox,
        update: Update,
    ) -> Result<(), ReadError> {
        let stored = match (update.message, update.edited_message) {
            (Some(m), _) if m.chat.kind == "private" => self.receive(client, inbox, &m).await?,
            (None, Some(m)) if m.chat.kind == "private" => {
                let text = m.text();
                inbox.edit(m.platform_id(), text).await.map(|_| ())
            }
            _ => Ok(()),
        };
        match stored {
            // A database in trouble: the update is asked for again.
            Err(e @ (ApiError::Internal(_) | ApiError::Busy(_))) => Err(e.into()),
            Err(e) => {
                tracing::warn!(channel_id = inbox.channel_id(), error = %e, "skipped a Telegram message the desk refuses");
                Ok(())
            }
            Ok(()) => Ok(()),
        }
    }

    /// Stores one client message with its files. The outer error: Telegram could not be
    /// asked (the update is asked for again); the inner one: what the Inbox said.
    async fn receive(
        &self,
        client: &reqwest::Client,
        inbox: &Inbox,
        m: &TgMessage,
    ) -> Result<Result<(), ApiError>, ReadError> {
        let platform_id = m.platform_id();
        if inbox.has_received(&platform_id).await? {
            return Ok(Ok(()));
        }
        let mut text = m.text();
        let mut files = Vec::new();
        for (name, f) in m.files() {
            match self.fetch(client, inbox, f).await? {
                Ok(bytes) => files.push(ReceivedFile { name, bytes }),
                Err(why) => text.push_str(&crate::channels::file_not_received(&name, &why)),
            }
        }
        // Only notes about files: they need no blank first line.
        if m.text().is_empty() {
            text = text.trim_start().to_string();
        }
        if text.trim().is_empty() && files.is_empty() {
            match m.unshown() {
                Some(kind) => {
                    text = format!(
                        "[The client sent a Telegram {} the desk cannot show]",
                        kind.replace('_', " ")
                    );
                }
                // A service message (a pinned message, a changed photo …): nothing to say.
                None => return Ok(Ok(())),
            }
        }
        let received = Received {
            platform_id: Some(platform_id),
            external_id: m.chat.id.to_string(),
            name: m.sender_name(),
            contact: m.sender_contact(),
            text,
            files,
        };
        Ok(inbox.receive(received).await.map(|_| ()))
    }

    /// The bytes of `f`, or why they are not received (too large, refused by Telegram).
    async fn fetch(
        &self,
        client: &reqwest::Client,
        inbox: &Inbox,
        f: &TgFile,
    ) -> Result<Result<Vec<u8>, String>, CallError> {
        let max = inbox.files().max_bytes;
        let too_large = || inbox.files().too_large().to_string();
        if f.file_size.is_some_and(|n| n > max) {
            return Ok(Err(too_large()));
        }
        let asked = self
            .api
            .call(
                client,
                "getFile",
                &serde_json::json!({"file_id": f.file_id}),
                Duration::ZERO,
            )
            .await;
        let info: FileInfo = match refused_for_good(asked)? {
            Ok(info) => info,
            Err(why) => return Ok(Err(why)),
        };
        if info.file_size.is_some_and(|n| n > max) {
            return Ok(Err(too_large()));
        }
        let Some(path) = info.file_path else {
            return Ok(Err("Telegram gave no path to download it".into()));
        };
        Ok(
            match refused_for_good(self.api.download(client, &path, max).await)? {
                Ok(Download::Bytes(bytes)) => Ok(bytes),
                Ok(Download::TooLarge) => Err(too_large()),
                Err(why) => Err(why),
            },
        )
    }
}

/// A refusal that asking again will not change ("Bad Request: file is too big", a file that
/// is gone) as the reason the file is not received; anything else (429, 5xx, no connection)
/// stays an error, so the update is read again later.
fn refused_for_good<T>(got: Result<T, CallError>) -> Result<Result<T, String>, CallError> {
    match got {
        Ok(v) => Ok(Ok(v)),
        Err(CallError::Refused {
            code, description, ..
        }) if code != 429 && code < 500 => Ok(Err(format!(
            "Telegram would not hand it over ({description})"
        ))),
        Err(e) => Err(e),
    }
}
