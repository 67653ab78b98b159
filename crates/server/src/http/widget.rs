//! The LiveChat widget's HTTP surface (`channels::livechat`): `/widget.js`, and under
//! `/api/v1/widget/{channel_id}/`: `init`, `ws` (WebSocket), `files` (upload) and
//! `files/{id}` (download). Every route under `/api/v1/widget` passes [`gate`] first: the
//! channel must be a LiveChat channel and the page's `Origin` one it allows; it answers CORS
//! preflights and adds the CORS headers. The visitor's token comes in `X-Visitor-Token` (in
//! `?token=` on the socket, which browsers open without custom headers).

use axum::body::Body;
use axum::extract::rejection::ExtensionRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{RawPathParams, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::{Deserialize, Serialize};
use switchboard_protocol::{ErrorBody, Id};
use utoipa::{IntoParams, ToSchema};

use super::assets::Script;
use super::attachments::{file_name, file_response, store_upload};
use super::extract::{ClientIp, Json, Path, Query};
use super::AppState;
use crate::channels::livechat::socket::{self, Session, MAX_FRAME};
use crate::channels::livechat::visitors::{self, Welcome, WidgetChannel};
use crate::error::{ApiError, ApiResult};

/// The widget script (hand-written, no build step: see widget/README.md).
static WIDGET_JS: Script = Script::new(include_str!("../../../../widget/widget.js"));
/// How long a browser may reuse a preflight answer.
const PREFLIGHT_MAX_AGE: &str = "600";

/// The chat widget's script, for `<script src=".../widget.js" data-channel="ID">`; cacheable
/// (ETag, 304 on `If-None-Match`).
#[utoipa::path(get, path = "/widget.js", tag = "widget",
    responses(
        (status = 200, description = "The script", content_type = "text/javascript"),
        (status = 304, description = "Unchanged since the ETag given in If-None-Match"),
    ))]
pub async fn widget_js(headers: HeaderMap) -> Response {
    WIDGET_JS.respond(&headers)
}

/// What the gate admitted: the channel, whose settings the handler uses.
#[derive(Clone)]
pub struct Admitted {
    pub channel: WidgetChannel,
}

/// Admits a request to the widget's routes (see the module docs).
pub async fn gate(
    State(st): State<AppState>,
    params: RawPathParams,
    mut req: Request,
    next: Next,
) -> Response {
    let id = params
        .iter()
        .find(|(k, _)| *k == "channel_id")
        .and_then(|(_, v)| v.parse::<Id>().ok());
    let Some(id) = id else {
        return ApiError::bad_request("The chat id in the path must be an integer.")
            .into_response();
    };
    let channel = match visitors::channel(&st.db, id).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let Some(origin) = origin.filter(|o| channel.config.allows(o)) else {
        return ApiError::Forbidden(
            "This page's origin may not use this chat; the administrator lists the sites that may embed it.".into(),
        )
        .into_response();
    };
    let preflight = req.method() == Method::OPTIONS;
    let mut resp = if preflight {
        (
            StatusCode::NO_CONTENT,
            [
                (header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST"),
                (
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    "content-type, x-visitor-token, x-file-name",
                ),
                (header::ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE),
            ],
        )
            .into_response()
    } else {
        req.extensions_mut().insert(Admitted { channel });
        next.run(req).await
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    resp
}

/// Answers a preflight (the gate adds its headers).
pub async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// The admitted channel (only missing if a route was wired without the gate).
fn admitted(ext: Result<Extension<Admitted>, ExtensionRejection>) -> ApiResult<WidgetChannel> {
    ext.map(|Extension(a)| a.channel)
        .map_err(|_| ApiError::Internal("widget route without its gate".into()))
}

fn visitor_token(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-visitor-token").and_then(|v| v.to_str().ok())
}

fn ip_of(ip: Option<String>) -> String {
    ip.unwrap_or_else(|| "unknown".into())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct InitBody {
    /// The token the browser kept, if any.
    #[serde(default)]
    pub token: Option<String>,
}

/// The chat widget starts: the visitor's token (a new visitor's when the one given is missing
/// or invalid) and the widget's settings. From a page on an origin the channel allows.
#[utoipa::path(post, path = "/api/v1/widget/{channel_id}/init", tag = "widget",
    params(("channel_id" = i64, Path, description = "The livechat channel's id"),
        ("Origin" = String, Header, description = "The embedding page's origin (browsers send it); must be one the channel allows")),
    request_body = InitBody,
    responses(
        (status = 200, body = Welcome),
        (status = 403, description = "No Origin, or one the channel does not allow", body = ErrorBody),
        (status = 404, description = "No livechat channel with this id", body = ErrorBody),
        (status = 429, description = "More than 10 new visitors from this address in 60 s (see Retry-After)", body = ErrorBody),
    ))]
pub async fn init(
    State(st): State<AppState>,
    ext: Result<Extension<Admitted>, ExtensionRejection>,
    ClientIp(ip): ClientIp,
    Json(body): Json<InitBody>,
) -> ApiResult<Json<Welcome>> {
    let channel = admitted(ext)?;
    let ip = ip_of(ip);
    visitors::welcome(&channel, body.token.as_deref(), &st.files, || {
        st.widget.new_visitor(&ip)
    })
    .map(Json)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct WsQuery {
    /// The visitor's token from `init`.
    pub token: Option<String>,
}

/// The visitor's WebSocket (`channels::livechat::socket`): `hello` with the history, then
/// `message` pushes; the widget sends `{"type":"message","id","text"}` and gets `ack` or
/// `error`. Frames over 64 KiB close it (1009).
#[utoipa::path(get, path = "/api/v1/widget/{channel_id}/ws", tag = "widget",
    params(("channel_id" = i64, Path, description = "The livechat channel's id"),
        ("Origin" = String, Header, description = "The embedding page's origin (browsers send it); must be one the channel allows"), WsQuery),
    responses(
        (status = 101, description = "WebSocket of JSON text frames"),
        (status = 400, description = "Not a WebSocket request", body = ErrorBody),
        (status = 401, description = "Missing or invalid visitor token", body = ErrorBody),
        (status = 403, description = "No Origin, or one the channel does not allow", body = ErrorBody),
        (status = 404, description = "No livechat channel with this id", body = ErrorBody),
        (status = 429, description = "20 sockets already open from this address (or the server's 2,000), or 60 opened in the last minute", body = ErrorBody),
    ))]
pub async fn ws(
    State(st): State<AppState>,
    ext: Result<Extension<Admitted>, ExtensionRejection>,
    ClientIp(ip): ClientIp,
    Query(q): Query<WsQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let channel = admitted(ext)?;
    let visitor = channel.visitor(q.token.as_deref())?;
    let upgrade = upgrade.map_err(|e| {
        ApiError::bad_request(format!("This endpoint is a WebSocket: {}", e.body_text()))
    })?;
    let ip = ip_of(ip);
    let slot = st.widget.open_socket(&ip)?;
    let session = Session {
        st,
        channel,
        visitor,
        ip,
        slot,
    };
    Ok(super::ws::accept(upgrade, MAX_FRAME).on_upgrade(move |s| socket::run(s, session)))
}

/// A stored visitor file.
#[derive(Debug, Serialize, ToSchema)]
pub struct Uploaded {
    /// The client message carrying it.
    pub message_id: Id,
}

/// The visitor sends a file (the raw bytes, named by `X-File-Name`): it becomes their
/// message. Counts as one message against the limits.
#[utoipa::path(post, path = "/api/v1/widget/{channel_id}/files", tag = "widget",
    params(("channel_id" = i64, Path, description = "The livechat channel's id"),
        ("Origin" = String, Header, description = "The embedding page's origin (browsers send it); must be one the channel allows"),
        ("X-Visitor-Token" = String, Header, description = "The visitor's token from init"),
        ("X-File-Name" = String, Header, description = "File name, percent-encoded UTF-8")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = Uploaded),
        (status = 401, description = "Missing or invalid visitor token", body = ErrorBody),
        (status = 403, description = "No Origin, or one the channel does not allow", body = ErrorBody),
        (status = 404, description = "No livechat channel with this id", body = ErrorBody),
        (status = 413, description = "Larger than the chat's file limit", body = ErrorBody),
        (status = 415, description = "Not an accepted file type", body = ErrorBody),
        (status = 429, description = "Too many messages from this visitor or address, or more than 6 files from this address, in 60 s", body = ErrorBody),
    ))]
pub async fn upload(
    State(st): State<AppState>,
    ext: Result<Extension<Admitted>, ExtensionRejection>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Uploaded>)> {
    let channel = admitted(ext)?;
    let visitor = channel.visitor(visitor_token(&headers))?;
    let ip = ip_of(ip);
    st.widget.file(&ip)?;
    st.widget.message(channel.id(), &visitor.id, &ip)?;
    let name = file_name(&headers)?;
    let file = store_upload(
        &st.files,
        name,
        &headers,
        body,
        visitors::max_file(&st.files),
    )
    .await?;
    let accepted = visitors::receive_file(&st.db, &channel, &visitor, file).await?;
    Ok((
        StatusCode::CREATED,
        Json(Uploaded {
            message_id: accepted.message_id,
        }),
    ))
}

/// A file of the visitor's own conversation (theirs or an operator's answer).
#[utoipa::path(get, path = "/api/v1/widget/{channel_id}/files/{id}", tag = "widget",
    params(("channel_id" = i64, Path, description = "The livechat channel's id"), ("id" = i64, Path, description = "The file's id (from a message)"), ("Origin" = String, Header, description = "The embedding page's origin (browsers send it); must be one the channel allows"),
        ("X-Visitor-Token" = String, Header, description = "The visitor's token from init")),
    responses(
        (status = 200, description = "The file, with its Content-Type and Content-Disposition", content_type = "application/octet-stream"),
        (status = 401, description = "Missing or invalid visitor token", body = ErrorBody),
        (status = 403, description = "No Origin, or one the channel does not allow", body = ErrorBody),
        (status = 404, description = "No such file in the visitor's conversation, or no such channel", body = ErrorBody),
    ))]
pub async fn download(
    State(st): State<AppState>,
    ext: Result<Extension<Admitted>, ExtensionRejection>,
    Path(ids): Path<(Id, Id)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let id = ids.1;
    let channel = admitted(ext)?;
    let visitor = channel.visitor(visitor_token(&headers))?;
    let reference = visitors::open_file(&st.db, &channel, &visitor, id).await?;
    file_response(&st.files, &reference, id).await
}
