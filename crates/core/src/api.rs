//! `ApiClient`: the typed HTTP and WebSocket calls of the server's `/api/v1/` that the app uses,
//! and the mapping of their failures onto [`CoreError`] (no answer → `Offline`, a JSON error
//! reply → `Api` with the server's own message).

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;
use switchboard_protocol::{
    ActionLogFilter, ActionLogPage, ActionRequest, AddNoteRequest, CannedResponse,
    CannedResponseInput, ClientNote, Conversation, ConversationDetail, Directory,
    EmailConversationRequest, EmailSent, EmailWhitelist, ErrorBody, EventFrame, GroupFilePolicy,
    GroupFiles, Id, IframeSettings, IpWhitelistSettings, IpWhitelistUpdate, LogEntry, LoginRequest,
    LoginResponse, Me, Message, MessageTags, MessagesPage, NewWebhook, OutgoingWhatsappRequest,
    PersonalDataSettings, ReadRequest, SendMessageRequest, SnapshotPage, SyncPage, Tag,
    TagMessagesRequest, TypingRequest, Webhook, WebhookAttemptsPage, WebhookPatch,
    WebhookTestQueued, WebhookWithSecret,
};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::{CoreError, ErrorKind, Result};

mod admin;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Whole-transfer limit of attachment uploads and downloads (25 MiB on a slow line).
pub const TRANSFER_TIMEOUT: Duration = Duration::from_secs(600);

/// The HTTP caller of one server, with or without a token.
#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: Url,
    token: Option<String>,
}

impl std::fmt::Debug for ApiClient {
    // Never print the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base", &self.base.as_str())
            .field("token", &self.token.as_ref().map(|_| "…"))
            .finish()
    }
}

/// Checks and normalizes a server address typed by a person: `http(s)://host[:port][/path]`.
pub fn parse_server_url(server_url: &str) -> Result<Url> {
    let trimmed = server_url.trim().trim_end_matches('/');
    let url = Url::parse(trimmed).map_err(|e| {
        CoreError::BadInput(format!(
            "“{trimmed}” is not a server address ({e}); enter it like https://desk.example.com"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(CoreError::BadInput(format!(
            "“{trimmed}” is not a server address; enter it like https://desk.example.com"
        )));
    }
    Ok(url)
}

impl ApiClient {
    pub fn new(server_url: &str, token: Option<String>) -> Result<Self> {
        let base = parse_server_url(server_url)?;
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("switchboard-app/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CoreError::Protocol(format!("cannot set up HTTP: {e}")))?;
        Ok(Self { http, base, token })
    }

    pub fn server_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// `/api/v1/…` under the server address (which may itself have a path prefix).
    fn url(&self, path: &str) -> Result<Url> {
        let full = format!(
            "{}/api/v1/{}",
            self.server_url(),
            path.trim_start_matches('/')
        );
        Url::parse(&full).map_err(|e| CoreError::BadInput(format!("bad request address: {e}")))
    }

    fn offline(&self, detail: impl std::fmt::Display) -> CoreError {
        CoreError::Offline {
            url: self.server_url().to_owned(),
            detail: detail.to_string(),
        }
    }

    async fn call<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<reqwest::Response> {
        self.call_keyed(method, path, body, None).await
    }

    /// `call` with an `Idempotency-Key` header (edits queued in the outbox).
    async fn call_keyed<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        key: Option<&str>,
    ) -> Result<reqwest::Response> {
        let mut req = self.http.request(method, self.url(path)?);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| self.offline(error_chain(&e)))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        Err(self.error_reply(resp).await)
    }

    async fn json<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T> {
        self.json_keyed(method, path, body, None).await
    }

    async fn json_keyed<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        key: Option<&str>,
    ) -> Result<T> {
        let resp = self.call_keyed(method, path, body, key).await?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| self.offline(error_chain(&e)))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| CoreError::Protocol(format!("reply of {path} could not be read: {e}")))
    }

    async fn error_reply(&self, resp: reqwest::Response) -> CoreError {
        let status = resp.status();
        let body = resp.bytes().await.unwrap_or_default();
        let later = if status.is_server_error() {
            "; try again later"
        } else {
            ""
        };
        api_error(
            status,
            &body,
            format!("The server answered {status}{later}."),
        )
    }

    pub async fn login(&self, email: &str, password: &str) -> Result<LoginResponse> {
        let body = LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
        };
        self.json(Method::POST, "auth/login", Some(&body)).await
    }

    pub async fn logout(&self) -> Result<()> {
        self.call::<()>(Method::POST, "auth/logout", None).await?;
        Ok(())
    }

    pub async fn me(&self) -> Result<Me> {
        self.json::<_, ()>(Method::GET, "me", None).await
    }

    pub async fn directory(&self) -> Result<Directory> {
        self.json::<_, ()>(Method::GET, "directory", None).await
    }

    pub async fn snapshot(&self, after_id: Option<Id>, limit: u32) -> Result<SnapshotPage> {
        let path = match after_id {
            Some(a) => format!("snapshot?after_id={a}&limit={limit}"),
            None => format!("snapshot?limit={limit}"),
        };
        self.json::<_, ()>(Method::GET, &path, None).await
    }

    /// Tags of the visible messages, a page of conversations at a time (see `snapshot`).
    pub async fn message_tags(
        &self,
        after_id: Id,
        limit: u32,
    ) -> Result<switchboard_protocol::MessageTagsPage> {
        let path = format!("message-tags?after_id={after_id}&limit={limit}");
        self.json::<_, ()>(Method::GET, &path, None).await
    }

    /// A page of the recent-first snapshot: `cursor` is the previous page's `next_cursor`.
    pub async fn snapshot_recent(&self, cursor: Option<&str>, limit: u32) -> Result<SnapshotPage> {
        let mut path = format!("snapshot?order=recent&limit={limit}");
        if let Some(c) = cursor {
            // Server-made: letters, digits, '.' and '-' only, nothing to escape.
            path.push_str("&cursor=");
            path.push_str(c);
        }
        self.json::<_, ()>(Method::GET, &path, None).await
    }

    pub async fn sync(&self, after: i64, limit: u32) -> Result<SyncPage> {
        self.json::<_, ()>(
            Method::GET,
            &format!("sync?after={after}&limit={limit}"),
            None,
        )
        .await
    }

    /// Uploads a file into a conversation (streamed `body` of `len` bytes); idempotent on
    /// `client_msg_id`. File transfers get [`TRANSFER_TIMEOUT`] instead of the usual limit.
    pub async fn upload_attachment(
        &self,
        conversation_id: Id,
        client_msg_id: &str,
        file_name: &str,
        len: u64,
        body: reqwest::Body,
    ) -> Result<Message> {
        let mut url = self.url(&format!("conversations/{conversation_id}/attachments"))?;
        url.query_pairs_mut()
            .append_pair("client_msg_id", client_msg_id);
        let name =
            percent_encoding::utf8_percent_encode(file_name, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let mut req = self
            .http
            .post(url)
            .timeout(TRANSFER_TIMEOUT)
            .header("X-File-Name", name)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .header(reqwest::header::CONTENT_LENGTH, len)
            .body(body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| self.offline(error_chain(&e)))?;
        if !resp.status().is_success() {
            return Err(self.error_reply(resp).await);
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| self.offline(error_chain(&e)))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| CoreError::Protocol(format!("reply of the upload could not be read: {e}")))
    }

    /// Starts downloading attachment `id`; the caller streams the body.
    pub async fn download_attachment(&self, id: Id) -> Result<reqwest::Response> {
        self.get_stream(&format!("attachments/{id}")).await
    }

    /// Settings › Advanced "Action log": one page, newest first (super-admin).
    pub async fn action_log(
        &self,
        filter: &ActionLogFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<ActionLogPage> {
        let mut q = filter.query_pairs();
        if let Some(c) = cursor {
            q.push(("cursor", c.to_owned()));
        }
        q.push(("limit", limit.to_string()));
        self.json::<_, ()>(Method::GET, &with_query("action-log", &q), None)
            .await
    }

    /// Starts the CSV export of the filtered log; the caller streams the body.
    pub async fn export_action_log(&self, filter: &ActionLogFilter) -> Result<reqwest::Response> {
        let mut q = filter.query_pairs();
        q.push(("format", "csv".into()));
        self.get_stream(&with_query("action-log", &q)).await
    }

    /// Settings › Advanced "IP address whitelist" (super-admin).
    pub async fn ip_whitelist(&self) -> Result<IpWhitelistSettings> {
        self.json::<_, ()>(Method::GET, "settings/ip-whitelist", None)
            .await
    }

    pub async fn set_ip_whitelist(&self, u: &IpWhitelistUpdate) -> Result<IpWhitelistSettings> {
        self.json(Method::PUT, "settings/ip-whitelist", Some(u))
            .await
    }

    /// Settings › Advanced "Iframe integration" (super-admin).
    pub async fn iframe_settings(&self) -> Result<IframeSettings> {
        self.json::<_, ()>(Method::GET, "settings/iframe", None)
            .await
    }

    pub async fn set_iframe_settings(&self, s: &IframeSettings) -> Result<IframeSettings> {
        self.json(Method::PUT, "settings/iframe", Some(s)).await
    }

    pub async fn personal_data(&self) -> Result<PersonalDataSettings> {
        self.json::<_, ()>(Method::GET, "settings/personal-data", None)
            .await
    }

    pub async fn set_personal_data(
        &self,
        s: &PersonalDataSettings,
    ) -> Result<PersonalDataSettings> {
        self.json(Method::PUT, "settings/personal-data", Some(s))
            .await
    }

    /// A GET whose body the caller streams (files, exports): the transfer timeout, not the
    /// request timeout.
    async fn get_stream(&self, path: &str) -> Result<reqwest::Response> {
        let mut req = self.http.get(self.url(path)?).timeout(TRANSFER_TIMEOUT);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| self.offline(error_chain(&e)))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        Err(self.error_reply(resp).await)
    }

    /// A network failure in the middle of a transfer, as the operator should read it.
    pub fn transfer_failed(&self, e: &reqwest::Error) -> CoreError {
        self.offline(error_chain(e))
    }

    pub async fn send_message(
        &self,
        conversation_id: Id,
        req: &SendMessageRequest,
    ) -> Result<Message> {
        self.json(
            Method::POST,
            &format!("conversations/{conversation_id}/messages"),
            Some(req),
        )
        .await
    }

    pub async fn act(&self, conversation_id: Id, req: &ActionRequest) -> Result<Conversation> {
        self.json(
            Method::POST,
            &format!("conversations/{conversation_id}/actions"),
            Some(req),
        )
        .await
    }

    pub async fn mark_read(&self, conversation_id: Id, last_read_message_id: Id) -> Result<()> {
        let body = ReadRequest {
            last_read_message_id,
        };
        self.call(
            Method::POST,
            &format!("conversations/{conversation_id}/read"),
            Some(&body),
        )
        .await?;
        Ok(())
    }

    /// The operator is or stopped typing an answer (ephemeral; the server keeps nothing).
    pub async fn typing(&self, conversation_id: Id, typing: bool) -> Result<()> {
        self.call(
            Method::POST,
            &format!("conversations/{conversation_id}/typing"),
            Some(&TypingRequest { typing }),
        )
        .await?;
        Ok(())
    }

    /// Pins the client to `operator_id`, or detaches it (`None`).
    pub async fn pin_client(&self, client_id: Id, operator_id: Option<Id>) -> Result<Conversation> {
        let body = serde_json::json!({ "operator_id": operator_id });
        self.json(
            Method::POST,
            &format!("clients/{client_id}/pin"),
            Some(&body),
        )
        .await
    }

    /// Sends the client to the black list, or unlocks it.
    pub async fn blacklist_client(&self, client_id: Id, blacklisted: bool) -> Result<Conversation> {
        let body = serde_json::json!({ "blacklisted": blacklisted });
        self.json(
            Method::POST,
            &format!("clients/{client_id}/blacklist"),
            Some(&body),
        )
        .await
    }

    pub async fn outgoing_whatsapp(&self, req: &OutgoingWhatsappRequest) -> Result<Conversation> {
        self.json(Method::POST, "outgoing/whatsapp", Some(req))
            .await
    }

    /// A page of history, oldest first, before `before_id` (the newest page when `None`).
    pub async fn messages(
        &self,
        conversation_id: Id,
        before_id: Option<Id>,
        limit: u32,
    ) -> Result<MessagesPage> {
        let path = match before_id {
            Some(b) => {
                format!("conversations/{conversation_id}/messages?before_id={b}&limit={limit}")
            }
            None => format!("conversations/{conversation_id}/messages?limit={limit}"),
        };
        self.json::<_, ()>(Method::GET, &path, None).await
    }

    pub async fn canned_responses(&self) -> Result<Vec<CannedResponse>> {
        self.json::<_, ()>(Method::GET, "canned-responses", None)
            .await
    }

    pub async fn create_canned(&self, input: &CannedResponseInput) -> Result<CannedResponse> {
        self.json(Method::POST, "canned-responses", Some(input))
            .await
    }

    pub async fn update_canned(
        &self,
        id: Id,
        input: &CannedResponseInput,
    ) -> Result<CannedResponse> {
        self.json(Method::PUT, &format!("canned-responses/{id}"), Some(input))
            .await
    }

    pub async fn delete_canned(&self, id: Id) -> Result<()> {
        self.call::<()>(Method::DELETE, &format!("canned-responses/{id}"), None)
            .await?;
        Ok(())
    }

    pub async fn client_notes(&self, client_id: Id) -> Result<Vec<ClientNote>> {
        self.json::<_, ()>(Method::GET, &format!("clients/{client_id}/notes"), None)
            .await
    }

    /// Adds a note; a repeat of `key` answers with the note the first request made.
    pub async fn add_client_note(
        &self,
        client_id: Id,
        text: &str,
        key: Option<&str>,
    ) -> Result<ClientNote> {
        let body = AddNoteRequest {
            text: text.to_owned(),
        };
        self.json_keyed(
            Method::POST,
            &format!("clients/{client_id}/notes"),
            Some(&body),
            key,
        )
        .await
    }

    /// Renames a client; a repeat of `key` changes nothing.
    pub async fn rename_client(
        &self,
        client_id: Id,
        display_name: &str,
        key: Option<&str>,
    ) -> Result<Conversation> {
        let body = serde_json::json!({ "display_name": display_name });
        self.json_keyed(
            Method::POST,
            &format!("clients/{client_id}/rename"),
            Some(&body),
            key,
        )
        .await
    }

    pub async fn tags(&self) -> Result<Vec<Tag>> {
        self.json::<_, ()>(Method::GET, "tags", None).await
    }

    pub async fn tag_messages(&self, req: &TagMessagesRequest) -> Result<Vec<MessageTags>> {
        self.json(Method::POST, "messages/tags", Some(req)).await
    }

    pub async fn retry_delivery(&self, message_id: Id) -> Result<Message> {
        self.json::<_, ()>(Method::POST, &format!("messages/{message_id}/retry"), None)
            .await
    }

    /// The conversation's movements (seed: "this will be indicated in the conversation log").
    pub async fn conversation_log(&self, conversation_id: Id) -> Result<Vec<LogEntry>> {
        self.json::<_, ()>(
            Method::GET,
            &format!("conversations/{conversation_id}/log"),
            None,
        )
        .await
    }

    /// "Send to Email": the server mails the conversation or the selected messages.
    pub async fn email_conversation(
        &self,
        conversation_id: Id,
        req: &EmailConversationRequest,
    ) -> Result<EmailSent> {
        self.json(
            Method::POST,
            &format!("conversations/{conversation_id}/email"),
            Some(req),
        )
        .await
    }

    pub async fn email_whitelist(&self) -> Result<EmailWhitelist> {
        self.json::<_, ()>(Method::GET, "settings/email-whitelist", None)
            .await
    }

    pub async fn set_email_whitelist(&self, w: &EmailWhitelist) -> Result<EmailWhitelist> {
        self.json(Method::PUT, "settings/email-whitelist", Some(w))
            .await
    }

    /// Settings › Advanced: every group's file policy (super-admin).
    pub async fn group_files(&self) -> Result<Vec<GroupFiles>> {
        self.json::<_, ()>(Method::GET, "settings/groups/files", None)
            .await
    }

    pub async fn set_group_files(
        &self,
        group_id: Id,
        policy: &GroupFilePolicy,
    ) -> Result<GroupFilePolicy> {
        self.json(
            Method::PUT,
            &format!("settings/groups/{group_id}/files"),
            Some(policy),
        )
        .await
    }

    /// Settings › Advanced "Manage Webhooks" (super-admin).
    pub async fn webhooks(&self) -> Result<Vec<Webhook>> {
        self.json::<_, ()>(Method::GET, "webhooks", None).await
    }

    pub async fn create_webhook(&self, w: &NewWebhook) -> Result<WebhookWithSecret> {
        self.json(Method::POST, "webhooks", Some(w)).await
    }

    pub async fn update_webhook(&self, id: Id, patch: &WebhookPatch) -> Result<Webhook> {
        self.json(Method::PATCH, &format!("webhooks/{id}"), Some(patch))
            .await
    }

    pub async fn delete_webhook(&self, id: Id) -> Result<()> {
        self.call::<()>(Method::DELETE, &format!("webhooks/{id}"), None)
            .await?;
        Ok(())
    }

    pub async fn rotate_webhook_secret(&self, id: Id) -> Result<WebhookWithSecret> {
        self.json::<_, ()>(Method::POST, &format!("webhooks/{id}/secret"), None)
            .await
    }

    /// The newest page of the delivery log (`before`: the previous page's `next_before`).
    pub async fn webhook_deliveries(
        &self,
        id: Id,
        before: Option<Id>,
    ) -> Result<WebhookAttemptsPage> {
        let query = before.map_or_else(String::new, |b| format!("?before={b}"));
        self.json::<_, ()>(
            Method::GET,
            &format!("webhooks/{id}/deliveries{query}"),
            None,
        )
        .await
    }

    pub async fn test_webhook(&self, id: Id) -> Result<WebhookTestQueued> {
        self.json::<_, ()>(Method::POST, &format!("webhooks/{id}/test"), None)
            .await
    }

    pub async fn conversation(&self, conversation_id: Id) -> Result<ConversationDetail> {
        self.json::<_, ()>(
            Method::GET,
            &format!("conversations/{conversation_id}"),
            None,
        )
        .await
    }

    /// Opens the events WebSocket resuming after `after`, with the bearer token on the upgrade
    /// request.
    pub async fn events(&self, after: i64) -> Result<EventStream> {
        let mut url = self.url(&format!("events?after={after}"))?;
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        url.set_scheme(scheme)
            .map_err(|()| CoreError::BadInput("cannot build the events address".into()))?;
        let mut req = url
            .as_str()
            .into_client_request()
            .map_err(|e| CoreError::BadInput(format!("bad events address: {e}")))?;
        if let Some(t) = &self.token {
            let value = HeaderValue::from_str(&format!("Bearer {t}")).map_err(|_| {
                CoreError::BadInput("the token has characters a header cannot carry".into())
            })?;
            req.headers_mut().insert(AUTHORIZATION, value);
        }
        let connect = tokio_tungstenite::connect_async(req);
        let (ws, _resp) = match tokio::time::timeout(REQUEST_TIMEOUT, connect).await {
            Err(_) => return Err(self.offline("the events connection timed out")),
            Ok(Err(tungstenite::Error::Http(resp))) => {
                let status = resp.status();
                let body = resp.body().as_deref().unwrap_or_default();
                return Err(api_error(
                    status,
                    body,
                    format!("The server answered {status}."),
                ));
            }
            Ok(Err(e)) => return Err(self.offline(e)),
            Ok(Ok(ok)) => ok,
        };
        Ok(EventStream {
            ws,
            url: self.server_url().to_owned(),
        })
    }
}

/// A reqwest error with its causes ("error sending request: … connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// A JSON error reply as a [`CoreError`], keeping the server's code, sentence and facts;
/// `fallback` is the sentence when the body is not the server's error JSON.
fn api_error(status: StatusCode, body: &[u8], fallback: String) -> CoreError {
    let (code, message, detail) = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => (b.error.code, b.error.message, b.error.detail),
        Err(_) => (status.as_str().to_owned(), fallback, None),
    };
    CoreError::Api {
        kind: kind_of(status),
        status: status.as_u16(),
        code,
        message,
        detail,
    }
}

/// `path?k=v&…` with each value percent-encoded.
fn with_query(path: &str, pairs: &[(&str, String)]) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    let q: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
        .collect();
    if q.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", q.join("&"))
    }
}

pub fn kind_of(status: StatusCode) -> ErrorKind {
    match status.as_u16() {
        401 => ErrorKind::Unauthorized,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        422 => ErrorKind::InvalidState,
        429 => ErrorKind::RateLimited,
        400 | 405 | 413 | 415 => ErrorKind::BadInput,
        _ => ErrorKind::Server,
    }
}

/// The open events socket.
/// Close code of the events socket whose token died (the server's `CLOSE_TOKEN_DEAD`).
const TOKEN_DEAD: u16 = 4401;

pub struct EventStream {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    url: String,
}

/// What reading the socket gave.
#[derive(Debug)]
pub enum Incoming {
    Frame(EventFrame),
    /// A control frame or something we ignore; the connection is alive.
    Idle,
}

impl EventStream {
    /// The next frame; `Offline` when the connection ends.
    pub async fn next(&mut self) -> Result<Incoming> {
        let offline = |detail: String| CoreError::Offline {
            url: self.url.clone(),
            detail,
        };
        match self.ws.next().await {
            None => Err(offline("the events connection closed".into())),
            Some(Err(e)) => Err(offline(format!("the events connection failed: {e}"))),
            Some(Ok(WsMessage::Text(t))) => match serde_json::from_str::<EventFrame>(t.as_str()) {
                Ok(f) => Ok(Incoming::Frame(f)),
                Err(e) => {
                    // An unknown frame type from a newer server is not fatal.
                    tracing::warn!(error = %e, "ignoring an unreadable event frame");
                    Ok(Incoming::Idle)
                }
            },
            // The server closes with 4401 when the token died (signed out elsewhere, revoked,
            // the operator deactivated): the reason is its sentence for the operator.
            Some(Ok(WsMessage::Close(Some(f)))) if u16::from(f.code) == TOKEN_DEAD => {
                Err(CoreError::Api {
                    kind: ErrorKind::Unauthorized,
                    status: 401,
                    code: "unauthorized".into(),
                    message: if f.reason.is_empty() {
                        "The server no longer accepts your sign-in. Please sign in again.".into()
                    } else {
                        f.reason.to_string()
                    },
                    detail: None,
                })
            }
            Some(Ok(WsMessage::Close(frame))) => Err(offline(match frame {
                Some(f) => format!("the server closed the events connection ({})", f.reason),
                None => "the server closed the events connection".into(),
            })),
            Some(Ok(_)) => Ok(Incoming::Idle),
        }
    }

    /// A keep-alive ping; the pong (or any frame) proves the connection still works.
    pub async fn ping(&mut self) -> Result<()> {
        use futures_util::SinkExt;
        self.ws
            .send(WsMessage::Ping(tungstenite::Bytes::new()))
            .await
            .map_err(|e| CoreError::Offline {
                url: self.url.clone(),
                detail: format!("the events connection failed: {e}"),
            })
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_are_checked() {
        assert!(parse_server_url("https://desk.example.com/").is_ok());
        assert!(parse_server_url("http://127.0.0.1:8080").is_ok());
        assert!(matches!(
            parse_server_url("desk.example.com"),
            Err(CoreError::BadInput(_))
        ));
        assert!(matches!(
            parse_server_url("ftp://x"),
            Err(CoreError::BadInput(_))
        ));
    }

    #[test]
    fn urls_keep_a_path_prefix() {
        let api = ApiClient::new("https://x.test/desk/", None).expect("client");
        assert_eq!(
            api.url("sync?after=1&limit=5").expect("url").as_str(),
            "https://x.test/desk/api/v1/sync?after=1&limit=5"
        );
    }

    #[test]
    fn statuses_map_to_kinds() {
        assert_eq!(kind_of(StatusCode::UNAUTHORIZED), ErrorKind::Unauthorized);
        assert_eq!(
            kind_of(StatusCode::UNPROCESSABLE_ENTITY),
            ErrorKind::InvalidState
        );
        assert_eq!(
            kind_of(StatusCode::TOO_MANY_REQUESTS),
            ErrorKind::RateLimited
        );
        assert_eq!(kind_of(StatusCode::BAD_GATEWAY), ErrorKind::Server);
        assert_eq!(kind_of(StatusCode::PAYLOAD_TOO_LARGE), ErrorKind::BadInput);
    }

    #[tokio::test]
    async fn nothing_listening_is_offline() {
        // Port 9 (discard) on loopback is closed on any sane test machine.
        let api = ApiClient::new("http://127.0.0.1:9", Some("t".into())).expect("client");
        let err = api.me().await.expect_err("no server");
        assert_eq!(err.kind(), ErrorKind::Offline, "{err}");
        let err = api.events(0).await.err().expect("no server");
        assert_eq!(err.kind(), ErrorKind::Offline, "{err}");
    }
}
