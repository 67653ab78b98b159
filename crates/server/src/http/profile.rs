//! Client notes (`/api/v1/clients/{id}/notes`), message tags (`/api/v1/tags`,
//! `/api/v1/messages/tags`, `/api/v1/analytics/tags`) and `/api/v1/messages/{id}/retry`.

use axum::extract::State;
use axum::http::StatusCode;
use switchboard_protocol::{
    AddNoteRequest, ClientNote, ErrorBody, Id, Message, MessageTags, Tag, TagCount,
    TagMessagesRequest,
};

use super::auth::Auth;
use super::edit_ids::EditId;
use super::extract::{ClientIp, Json, Path};
use super::AppState;
use crate::error::ApiResult;
use crate::service::profile as svc;

/// A client's notes, oldest first.
#[utoipa::path(get, path = "/api/v1/clients/{id}/notes", tag = "clients",
    params(("id" = i64, Path, description = "Client id")), security(("token" = [])),
    responses((status = 200, body = [ClientNote]), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn notes(
    State(st): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Vec<ClientNote>>> {
    svc::notes(&st.db, p, id).await.map(Json)
}

/// Add a note to a client's profile (operators only; the client never sees it).
#[utoipa::path(post, path = "/api/v1/clients/{id}/notes", tag = "clients",
    params(("id" = i64, Path, description = "Client id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,100}$", description = "A repeat answers with the note the first request made")),
    request_body = AddNoteRequest,
    security(("token" = [])),
    responses((status = 201, body = ClientNote), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The Idempotency-Key was used for another client or edit", body = ErrorBody)))]
pub async fn add_note(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    EditId(key): EditId,
    Path(id): Path<Id>,
    Json(req): Json<AddNoteRequest>,
) -> ApiResult<(StatusCode, Json<ClientNote>)> {
    let note = crate::service::edit_ids::add_note(&st.db, p, ip, id, req.text, key).await?;
    Ok((StatusCode::CREATED, Json(note)))
}

/// The company's tags (the "Add Tag" list).
#[utoipa::path(get, path = "/api/v1/tags", tag = "tags", security(("token" = [])),
    responses((status = 200, body = [Tag]), (status = 401, body = ErrorBody)))]
pub async fn tags(State(st): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<Tag>>> {
    svc::tags(&st.db, p).await.map(Json)
}

/// Tag messages with an existing tag or a new one. Tags cannot be edited or deleted.
#[utoipa::path(post, path = "/api/v1/messages/tags", tag = "tags",
    request_body = TagMessagesRequest, security(("token" = [])),
    responses((status = 200, body = [MessageTags]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn tag_messages(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Json(req): Json<TagMessagesRequest>,
) -> ApiResult<Json<Vec<MessageTags>>> {
    svc::tag_messages(&st.db, p, ip, req.message_ids, req.tag)
        .await
        .map(Json)
}

/// Tagged messages per tag (`view_analytics` or super-admin).
#[utoipa::path(get, path = "/api/v1/analytics/tags", tag = "tags", security(("token" = [])),
    responses((status = 200, body = [TagCount]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn tag_counts(
    State(st): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<Vec<TagCount>>> {
    svc::tag_counts(&st.db, p).await.map(Json)
}

/// Retry a failed delivery of an operator message.
#[utoipa::path(post, path = "/api/v1/messages/{id}/retry", tag = "conversations",
    params(("id" = i64, Path, description = "Message id")), security(("token" = [])),
    responses((status = 200, body = Message), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, description = "Not a failed operator message", body = ErrorBody)))]
pub async fn retry(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
) -> ApiResult<Json<Message>> {
    svc::retry_delivery(&st.db, p, ip, id).await.map(Json)
}
