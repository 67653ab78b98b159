//! The seed Conversation API (`seeds/conversation-api.txt`): exact paths and parameter names,
//! parameters from the query string, a form body or a JSON body; every answer is
//! `{"data": …}`. The work is done by `service::conversations`, shared with `/api/v1`.

use axum::extract::State;
use serde::Serialize;
use switchboard_protocol::{
    Conversation, ConversationAction, ConversationDetail, ErrorBody, Message, MessageKind,
};
use utoipa::ToSchema;

use super::auth::Auth;
use super::extract::{ClientIp, Json, Params};
use super::AppState;
use crate::error::ApiResult;
use crate::files::fetch;
use crate::service::attachments::{self, FileSend, StoredFile};
use crate::service::conversations::{self as svc, ActRequest, MoveOptions, SeedList, SendRequest};

/// `{"data": Conversation}`
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationData {
    pub data: Conversation,
}

/// `{"data": [Conversation]}`
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationListData {
    pub data: Vec<Conversation>,
}

/// `{"data": Message}`
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageData {
    pub data: Message,
}

/// `{"data": ConversationDetail}`
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationDetailData {
    pub data: ConversationDetail,
}

async fn movement(
    st: &AppState,
    p: crate::service::Principal,
    ip: Option<String>,
    params: &Params,
    action: ConversationAction,
    acting_operator_id: Option<i64>,
) -> ApiResult<Json<ConversationData>> {
    let conversation_id = params.required_int("conversation_id")?;
    let disable_webhook = params.flag("disable_webhook")?;
    let conv = svc::act(
        &st.db,
        p,
        ip,
        ActRequest {
            conversation_id,
            action,
            acting_operator_id,
            opts: MoveOptions {
                action_id: None,
                disable_webhook,
            },
        },
    )
    .await?;
    Ok(Json(ConversationData { data: conv }))
}

/// Start the conversation: Unassigned or Closed → inbox of `operator_id` (default: admin).
#[utoipa::path(post, path = "/api/conversations/start", tag = "seed",
    params(
        ("conversation_id" = i64, Query, description = "Conversation id (query, form or JSON body)"),
        ("operator_id" = Option<i64>, Query, description = "Default - Admin"),
        ("disable_webhook" = Option<i64>, Query, minimum = 0, maximum = 1, description = "Default - 0"),
    ),
    security(("token" = [])),
    responses((status = 200, body = ConversationData), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Already taken by another operator", body = ErrorBody)))]
pub async fn start(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    params: Params,
) -> ApiResult<Json<ConversationData>> {
    let op = params.int("operator_id")?;
    movement(&st, p, ip, &params, ConversationAction::Start, op).await
}

/// Close the conversation (from an inbox).
#[utoipa::path(post, path = "/api/conversations/close", tag = "seed",
    params(
        ("conversation_id" = i64, Query, description = "Conversation id"),
        ("operator_id" = Option<i64>, Query, description = "Default - Admin"),
        ("disable_webhook" = Option<i64>, Query, minimum = 0, maximum = 1, description = "Default - 0"),
    ),
    security(("token" = [])),
    responses((status = 200, body = ConversationData), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, description = "Not in an inbox", body = ErrorBody)))]
pub async fn close(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    params: Params,
) -> ApiResult<Json<ConversationData>> {
    let op = params.int("operator_id")?;
    movement(&st, p, ip, &params, ConversationAction::Close, op).await
}

/// Move the conversation back to Unassigned (its group stays).
#[utoipa::path(post, path = "/api/conversations/unassign", tag = "seed",
    params(
        ("conversation_id" = i64, Query, description = "Conversation id"),
        ("operator_id" = Option<i64>, Query, description = "Default - Admin"),
        ("disable_webhook" = Option<i64>, Query, minimum = 0, maximum = 1, description = "Default - 0"),
    ),
    security(("token" = [])),
    responses((status = 200, body = ConversationData), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn unassign(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    params: Params,
) -> ApiResult<Json<ConversationData>> {
    let op = params.int("operator_id")?;
    movement(&st, p, ip, &params, ConversationAction::Unassign, op).await
}

/// Assign the conversation to an operator (into their inbox).
#[utoipa::path(post, path = "/api/conversations/assign-operator", tag = "seed",
    params(
        ("conversation_id" = i64, Query, description = "Conversation id"),
        ("operator_id" = i64, Query, description = "The operator to assign"),
        ("disable_webhook" = Option<i64>, Query, minimum = 0, maximum = 1, description = "Default - 0"),
    ),
    security(("token" = [])),
    responses((status = 200, body = ConversationData), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn assign_operator(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    params: Params,
) -> ApiResult<Json<ConversationData>> {
    params.required_int("conversation_id")?;
    let operator_id = params.required_int("operator_id")?;
    movement(
        &st,
        p,
        ip,
        &params,
        ConversationAction::AssignOperator { operator_id },
        None,
    )
    .await
}

/// Assign the conversation to a group (into that group's Unassigned).
#[utoipa::path(post, path = "/api/conversations/assign-group", tag = "seed",
    params(
        ("conversation_id" = i64, Query, description = "Conversation id"),
        ("group_id" = i64, Query, description = "The group to assign"),
    ),
    security(("token" = [])),
    responses((status = 200, body = ConversationData), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn assign_group(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    params: Params,
) -> ApiResult<Json<ConversationData>> {
    params.required_int("conversation_id")?;
    let group_id = params.required_int("group_id")?;
    movement(
        &st,
        p,
        ip,
        &params,
        ConversationAction::AssignGroup { group_id },
        None,
    )
    .await
}

async fn store_message(
    st: &AppState,
    p: crate::service::Principal,
    ip: Option<String>,
    params: &Params,
    kind: MessageKind,
    text: String,
) -> ApiResult<Json<MessageData>> {
    let conversation_id = params.required_int("conversation_id")?;
    let acting_operator_id = params.int("operator_id")?;
    let disable_webhook = params.flag("disable_webhook")?;
    let (msg, _) = svc::send(
        &st.db,
        p,
        ip,
        SendRequest {
            conversation_id,
            kind,
            text,
            client_msg_id: None,
            attachment_url: None,
            attachment: None,
            acting_operator_id,
            disable_webhook,
        },
    )
    .await?;
    Ok(Json(MessageData { data: msg }))
}

/// Send a message to the client (the conversation must be in the operator's inbox).
#[utoipa::path(post, path = "/api/conversations/send-message", tag = "seed",
    params(
        ("conversation_id" = i64, Query, description = "Conversation id"),
        ("text" = String, Query, min_length = 1, max_length = 20000, pattern = "[^\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]", description = "Message text"),
        ("operator_id" = Option<i64>, Query, description = "Default - Admin"),
        ("disable_webhook" = Option<i64>, Query, minimum = 0, maximum = 1, description = "Default - 0"),
    ),
    security(("token" = [])),
    responses((status = 200, body = MessageData), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn send_message(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    params: Params,
) -> ApiResult<Json<MessageData>> {
    params.required_int("conversation_id")?;
    let text = params.required_text("text")?;
    store_message(&st, p, ip, &params, MessageKind::Operator, text).await
}

/// Send a file by URL: the server fetches `file_url` (http/https, public addresses only unless
/// `serve --allow-private-fetch`, size and type limits, timeouts) and sends it as an attachment.
#[utoipa::path(post, path = "/api/conversations/send-file-message", tag = "seed",
    params(
        ("conversation_id" = i64, Query, description = "Conversation id"),
        ("file_url" = String, Query, description = "http(s) URL of the file"),
        ("operator_id" = Option<i64>, Query, description = "Default - Admin"),
        ("disable_webhook" = Option<i64>, Query, minimum = 0, maximum = 1, description = "Default - 0"),
    ),
    security(("token" = [])),
    responses((status = 200, body = MessageData), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, description = "Not in an inbox, or the file cannot be fetched", body = ErrorBody)))]
pub async fn send_file_message(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    params: Params,
) -> ApiResult<Json<MessageData>> {
    let conversation_id = params.required_int("conversation_id")?;
    let url = fetch::parse_file_url(&params.required_text("file_url")?)?;
    let req = FileSend {
        conversation_id,
        client_msg_id: None,
        acting_operator_id: params.int("operator_id")?,
        attachment_url: Some(url.to_string()),
        disable_webhook: params.flag("disable_webhook")?,
    };
    // Refuse what does not depend on the file before fetching it; the extension is only known
    // after the fetch, so "file" stands in for the name here.
    attachments::precheck(&st.db, p.clone(), req.clone(), "file.txt".into()).await?;
    let fetched = fetch::fetch(&st.files, &url).await?;
    let file = StoredFile {
        name: fetched.name,
        content_type: fetched.content_type.to_string(),
        sha256: fetched.sha256,
        size: fetched.size,
    };
    let (msg, _) = attachments::send_file(&st.db, p, ip, req, file).await?;
    Ok(Json(MessageData { data: msg }))
}

/// Add an internal note (the client never sees it).
#[utoipa::path(post, path = "/api/conversations/send-note", tag = "seed",
    params(
        ("conversation_id" = i64, Query, description = "Conversation id"),
        ("text" = String, Query, min_length = 1, max_length = 20000, pattern = "[^\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]", description = "Note text"),
        ("operator_id" = Option<i64>, Query, description = "Default - Admin"),
    ),
    security(("token" = [])),
    responses((status = 200, body = MessageData), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn send_note(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    params: Params,
) -> ApiResult<Json<MessageData>> {
    params.required_int("conversation_id")?;
    let text = params.required_text("text")?;
    store_message(&st, p, ip, &params, MessageKind::Note, text).await
}

async fn seed_list(
    st: &AppState,
    p: crate::service::Principal,
    params: &Params,
    which: SeedList,
) -> ApiResult<Json<ConversationListData>> {
    let group_id = params.int("group_id")?;
    let operator_id = match which {
        SeedList::Unassigned => None,
        _ => params.int("operator_id")?,
    };
    let data = svc::list(&st.db, p, which, operator_id, group_id).await?;
    Ok(Json(ConversationListData { data }))
}

/// Unassigned conversations, most recently updated first (limit 1000).
#[utoipa::path(get, path = "/api/conversations/unassigned", tag = "seed",
    params(("group_id" = Option<i64>, Query, description = "Only this group")),
    security(("token" = [])),
    responses((status = 200, body = ConversationListData), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, description = "No such group or operator", body = ErrorBody)))]
pub async fn unassigned(
    State(st): State<AppState>,
    Auth(p): Auth,
    params: Params,
) -> ApiResult<Json<ConversationListData>> {
    seed_list(&st, p, &params, SeedList::Unassigned).await
}

/// Inbox conversations with a client message the operator has not read (limit 1000).
#[utoipa::path(get, path = "/api/conversations/unread", tag = "seed",
    params(("operator_id" = Option<i64>, Query, description = "Only this operator's inbox"),
           ("group_id" = Option<i64>, Query, description = "Only this group")),
    security(("token" = [])),
    responses((status = 200, body = ConversationListData), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, description = "No such group or operator", body = ErrorBody)))]
pub async fn unread(
    State(st): State<AppState>,
    Auth(p): Auth,
    params: Params,
) -> ApiResult<Json<ConversationListData>> {
    seed_list(&st, p, &params, SeedList::Unread).await
}

/// Inbox conversations whose last message is the client's (limit 1000).
#[utoipa::path(get, path = "/api/conversations/not-answered", tag = "seed",
    params(("operator_id" = Option<i64>, Query, description = "Only this operator's inbox"),
           ("group_id" = Option<i64>, Query, description = "Only this group")),
    security(("token" = [])),
    responses((status = 200, body = ConversationListData), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, description = "No such group or operator", body = ErrorBody)))]
pub async fn not_answered(
    State(st): State<AppState>,
    Auth(p): Auth,
    params: Params,
) -> ApiResult<Json<ConversationListData>> {
    seed_list(&st, p, &params, SeedList::NotAnswered).await
}

/// Conversation info with its messages.
#[utoipa::path(get, path = "/api/conversations/get", tag = "seed",
    params(("conversation_id" = i64, Query, description = "Conversation id")),
    security(("token" = [])),
    responses((status = 200, body = ConversationDetailData), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    Auth(p): Auth,
    params: Params,
) -> ApiResult<Json<ConversationDetailData>> {
    let id = params.required_int("conversation_id")?;
    let data = svc::detail(&st.db, p, id).await?;
    Ok(Json(ConversationDetailData { data }))
}
