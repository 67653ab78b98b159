//! `/api/v1/conversations/{id}/…`: the app's messages, actions, read positions and reads.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use switchboard_protocol::{
    ActionRequest, Conversation, ConversationDetail, ErrorBody, Id, Message, MessagesPage,
    ReadRequest, SendMessageRequest, TypingRequest,
};
use utoipa::IntoParams;

use super::auth::Auth;
use super::extract::{ClientIp, Json, Path, Query};
use super::sync::page_size;
use super::AppState;
use crate::error::ApiResult;
use crate::service::conversations::{self as svc, ActRequest, MoveOptions, SendRequest};
use crate::service::edit_ids::check_key;

/// Send an operator message or a note. Idempotent on `client_msg_id`: 201 the first time,
/// 200 with the stored message on a repeat.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "conversations",
    params(("id" = i64, Path, description = "Conversation id")),
    request_body = SendMessageRequest,
    security(("token" = [])),
    responses(
        (status = 201, description = "Stored", body = Message),
        (status = 200, description = "A repeat of client_msg_id: the message stored the first time", body = Message),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, description = "Not in an inbox: start the conversation first", body = ErrorBody),
    ))]
pub async fn send_message(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
    Json(req): Json<SendMessageRequest>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    let (msg, created) = svc::send(
        &st.db,
        p,
        ip,
        SendRequest {
            conversation_id: id,
            kind: req.kind,
            text: req.text,
            client_msg_id: Some(req.client_msg_id),
            attachment_url: None,
            attachment: None,
            acting_operator_id: None,
            disable_webhook: false,
        },
    )
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(msg)))
}

/// Start, close, unassign or assign a conversation. Idempotent on `action_id`.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/actions", tag = "conversations",
    params(("id" = i64, Path, description = "Conversation id")),
    request_body = ActionRequest,
    security(("token" = [])),
    responses(
        (status = 200, body = Conversation),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Already taken by another operator", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn action(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
    Json(req): Json<ActionRequest>,
) -> ApiResult<Json<Conversation>> {
    check_key(&req.action_id, "action_id")?;
    svc::act(
        &st.db,
        p,
        ip,
        ActRequest {
            conversation_id: id,
            action: req.action,
            acting_operator_id: None,
            opts: MoveOptions {
                action_id: Some(req.action_id),
                disable_webhook: false,
            },
        },
    )
    .await
    .map(Json)
}

/// Record that the caller has read up to a message.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/read", tag = "conversations",
    params(("id" = i64, Path, description = "Conversation id")),
    request_body = ReadRequest,
    security(("token" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(st): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Id>,
    Json(req): Json<ReadRequest>,
) -> ApiResult<StatusCode> {
    svc::mark_read(&st.db, p, id, req.last_read_message_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller is typing an answer (`typing: true`, repeated every few seconds) or stopped
/// (`false`). Ephemeral: nothing is stored. The client of a LiveChat conversation sees
/// "typing…" in the widget; other channels show nothing, and the call does nothing there.
/// Allowed to whoever may send a message in the conversation.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/typing", tag = "conversations",
    params(("id" = i64, Path, description = "Conversation id")),
    request_body = TypingRequest,
    security(("token" = [])),
    responses(
        (status = 204, description = "Told to the client's open chat widgets, if any"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, description = "Not in an inbox: start the conversation first", body = ErrorBody)))]
pub async fn typing(
    State(st): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Id>,
    Json(req): Json<TypingRequest>,
) -> ApiResult<StatusCode> {
    crate::service::typing::operator_typing(&st.db, &st.hub, p, id, req.typing).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A conversation with all its messages.
#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations",
    params(("id" = i64, Path, description = "Conversation id")),
    security(("token" = [])),
    responses((status = 200, body = ConversationDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<ConversationDetail>> {
    svc::detail(&st.db, p, id).await.map(Json)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MessagesQuery {
    /// Only messages older than this id (absent: the newest).
    pub before_id: Option<i64>,
    /// 1..=500, default 50.
    #[param(minimum = 1)]
    pub limit: Option<i64>,
}

/// A page of a conversation's history (oldest first within the page).
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", tag = "conversations",
    params(("id" = i64, Path, description = "Conversation id"), MessagesQuery),
    security(("token" = [])),
    responses((status = 200, body = MessagesPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn messages(
    State(st): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Id>,
    Query(q): Query<MessagesQuery>,
) -> ApiResult<Json<MessagesPage>> {
    let limit = page_size(q.limit, 50, 500)?;
    svc::messages_page(&st.db, p, id, q.before_id, limit)
        .await
        .map(Json)
}

/// The conversation's log: every movement, message and note, oldest first.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/log", tag = "conversations",
    params(("id" = i64, Path, description = "Conversation id")),
    security(("token" = [])),
    responses((status = 200, body = [switchboard_protocol::LogEntry]), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn log(
    State(st): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Vec<switchboard_protocol::LogEntry>>> {
    svc::log(&st.db, p, id).await.map(Json)
}
