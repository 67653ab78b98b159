//! `/api/v1` attachments: upload into a conversation, download, and the group file policy.
//!
//! The upload body is the raw file (any Content-Type; the server decides the type from the
//! name and the bytes), named by the `X-File-Name` header (percent-encoded UTF-8 allowed). It
//! is streamed to the file store while hashed; it is never held whole in memory.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Deserialize;
use switchboard_protocol::{AttachmentRef, ErrorBody, GroupFilePolicy, GroupFiles, Id, Message};
use utoipa::IntoParams;

use super::auth::Auth;
use super::extract::{discard_body, ClientIp, Json, Path, Query};
use super::AppState;
use crate::error::{ApiError, ApiResult};
use crate::files::{kind, sanitize_name, FileStore};
use crate::service::attachments::{self as svc, FileSend, StoredFile};
use crate::service::edit_ids::check_key;

#[derive(Debug, Deserialize, IntoParams)]
pub struct UploadQuery {
    /// The app's idempotency key (a UUID): a repeat returns the message stored the first time.
    #[param(min_length = 1, max_length = 100)]
    pub client_msg_id: String,
}

/// The `X-File-Name` header, decoded and sanitized.
pub fn file_name(headers: &HeaderMap) -> ApiResult<String> {
    let raw = headers
        .get("x-file-name")
        .ok_or_else(|| ApiError::bad_request("Name the file in the `X-File-Name` header."))?
        .to_str()
        .map_err(|_| {
            ApiError::bad_request("`X-File-Name` must be ASCII; percent-encode other characters.")
        })?;
    let decoded = percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| ApiError::bad_request("`X-File-Name` is not percent-encoded UTF-8."))?;
    Ok(sanitize_name(&decoded))
}

/// Upload a file into a conversation: creates an operator message carrying it. Idempotent on
/// `client_msg_id`: 201 the first time, 200 with the stored message on a repeat.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/attachments", tag = "attachments",
    params(("id" = i64, Path, description = "Conversation id"), UploadQuery,
        ("X-File-Name" = String, Header, description = "File name, percent-encoded UTF-8")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    security(("token" = [])),
    responses(
        (status = 201, description = "Stored", body = Message),
        (status = 200, description = "A repeat of client_msg_id", body = Message),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "Not allowed, or the group blocks sending files", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, description = "Larger than the limit", body = ErrorBody),
        (status = 415, description = "Not an accepted file type", body = ErrorBody),
        (status = 422, description = "Not in an inbox", body = ErrorBody),
    ))]
pub async fn upload(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Message>)> {
    check_key(&q.client_msg_id, "client_msg_id")?;
    let name = file_name(&headers)?;
    let req = FileSend {
        conversation_id: id,
        client_msg_id: Some(q.client_msg_id),
        acting_operator_id: None,
        attachment_url: None,
        disable_webhook: false,
    };
    if let Some(existing) = svc::precheck(&st.db, p.clone(), req.clone(), name.clone()).await? {
        return Ok((StatusCode::OK, Json(existing)));
    }
    let file = store_upload(&st.files, name, &headers, body, st.files.max_bytes).await?;
    let (msg, created) = svc::send_file(&st.db, p, ip, req, file).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(msg)))
}

/// Streams an upload body into the file store (never whole in memory), at most `max` bytes
/// (413 beyond, before reading when `Content-Length` says so), typed by its name and bytes.
pub async fn store_upload(
    files: &crate::files::FileStore,
    name: String,
    headers: &HeaderMap,
    body: Body,
    max: u64,
) -> ApiResult<StoredFile> {
    let too_large = || crate::files::too_large(max);
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // Refused unread, the rest of the body is still taken in (up to `max` more bytes), so the
    // answer reaches a sender that is still writing rather than a broken connection.
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    if declared.is_some_and(|n| n > max) {
        discard_body(body, limit).await;
        return Err(too_large());
    }
    let mut writer = files.writer().await?;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(format!("The upload broke off: {e}.")))?;
        if writer.size() + chunk.len() as u64 > max {
            discard_body(Body::from_stream(stream), limit).await;
            return Err(too_large());
        }
        writer.write(&chunk).await?;
    }
    if writer.size() == 0 {
        return Err(ApiError::bad_request("The file is empty."));
    }
    let content_type = kind::classify(&name, writer.head())?;
    let size = writer.size();
    let sha256 = writer.commit().await?;
    Ok(StoredFile {
        name,
        content_type: content_type.to_string(),
        sha256,
        size,
    })
}

/// `Content-Disposition: attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266).
fn disposition(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = utf8_percent_encode(name, NON_ALPHANUMERIC);
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// Download an attachment (only from conversations the caller can see).
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "attachments",
    params(("id" = i64, Path, description = "Attachment id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The file, with its Content-Type and Content-Disposition", content_type = "application/octet-stream"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The group blocks receiving files", body = ErrorBody),
        (status = 404, description = "No such attachment the caller can see, or its file is missing on the server", body = ErrorBody),
    ))]
pub async fn download(
    State(st): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Id>,
) -> ApiResult<Response> {
    let reference = svc::open(&st.db, p, id).await?;
    file_response(&st.files, &reference, id).await
}

/// The bytes of attachment `id` from the file store, with its type and name.
pub async fn file_response(
    files: &FileStore,
    reference: &AttachmentRef,
    id: Id,
) -> ApiResult<Response> {
    let Some(blob) = files.open_blob(&reference.sha256).await? else {
        // The row outlived its bytes (a restored database, a cleaned disk or bucket): say so,
        // it is not a fault of the request.
        return Err(ApiError::not_found(format!(
            "The file of attachment {id} is missing on the server; ask the administrator to restore it."
        )));
    };
    let content_type = HeaderValue::from_str(&reference.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_LENGTH, HeaderValue::from(reference.size)),
            (header::CONTENT_DISPOSITION, disposition(&reference.name)),
            (
                header::HeaderName::from_static("x-content-sha256"),
                HeaderValue::from_str(&reference.sha256)
                    .unwrap_or_else(|_| HeaderValue::from_static("")),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        Body::from_stream(blob),
    )
        .into_response())
}

/// Settings › Advanced: every group's file policy (super-admin).
#[utoipa::path(get, path = "/api/v1/settings/groups/files", tag = "settings",
    security(("token" = [])),
    responses((status = 200, body = [GroupFiles]), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn group_files(
    State(st): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<Vec<GroupFiles>>> {
    Ok(Json(svc::group_policies(&st.db, p).await?))
}

/// Settings › Advanced: block sending and/or receiving files for a group (super-admin).
#[utoipa::path(put, path = "/api/v1/settings/groups/{id}/files", tag = "settings",
    params(("id" = i64, Path, description = "Group id")),
    request_body = GroupFilePolicy,
    security(("token" = [])),
    responses((status = 200, body = GroupFilePolicy), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_group_files(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
    Json(policy): Json<GroupFilePolicy>,
) -> ApiResult<Json<GroupFilePolicy>> {
    Ok(Json(
        svc::set_group_policy(&st.db, p, ip, id, policy).await?,
    ))
}
