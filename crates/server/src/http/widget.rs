//! The LiveChat widget's HTTP surface (`channels::livechat`): `/widget.js`, and under
//! `/api/v1/widget/{channel_id}/`: `init`, `ws` (WebSocket), `files` (upload) and
//! `files/{id}` (download). Every route under `/api/v1/widget` passes [`gate`] first: the
//! channel must be a LiveChat channel and the page's `Origin` one it allows; it answers CORS
//! preflights and adds the CORS headers. The visitor's token comes in `X-Visitor-Token` (in
//! `?token=` on the socket, which browsers open without custom headers).

use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::rejection::ExtensionRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{RawPathParams, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use switchboard_protocol::Id;

use super::attachments::{file_name, file_response, store_upload};
use super::extract::{ClientIp, Json, Path, Query};
use super::AppState;
use crate::channels::livechat::socket::{self, Session, MAX_FRAME};
use crate::channels::livechat::visitors::{self, Welcome, WidgetChannel};
use crate::error::{ApiError, ApiResult};

/// The widget script (hand-written, no build step: see widget/README.md).
const WIDGET_JS: &str = include_str!("../../../../widget/widget.js");
/// Browsers may reuse the script this long before asking again (then a 304 is cheap).
const WIDGET_CACHE: &str = "public, max-age=300";
/// How long a browser may reuse a preflight answer.
const PREFLIGHT_MAX_AGE: &str = "600";

fn widget_etag() -> &'static str {
    static ETAG: OnceLock<String> = OnceLock::new();
    ETAG.get_or_init(|| {
        format!(
            "\"{}\"",
            &hex::encode(Sha256::digest(WIDGET_JS.as_bytes()))[..32]
        )
    })
}

/// `GET /widget.js`: the widget, cacheable (ETag; 304 on a match).
pub async fn widget_js(headers: HeaderMap) -> Response {
    let etag = widget_etag();
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let common = [
        (header::ETAG, HeaderValue::from_static(etag)),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(WIDGET_CACHE),
        ),
        // Sites that isolate themselves (COEP) may still load it.
        (
            header::HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        ),
    ];
    if cached {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/javascript; charset=utf-8"),
        )],
        WIDGET_JS,
    )
        .into_response()
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

#[derive(Debug, Default, Deserialize)]
pub struct InitBody {
    /// The token the browser kept, if any.
    #[serde(default)]
    pub token: Option<String>,
}

/// `POST /api/v1/widget/{channel_id}/init`: the visitor's token (a new visitor's when the one
/// given is missing or invalid) and the widget's settings.
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

#[derive(Debug, Deserialize)]
pub struct WsQuery {
    pub token: Option<String>,
}

/// `GET /api/v1/widget/{channel_id}/ws?token=…`: the visitor's WebSocket
/// (`channels::livechat::socket`).
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
    Ok(upgrade
        .max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .on_upgrade(move |s| socket::run(s, session)))
}

/// `POST /api/v1/widget/{channel_id}/files`: the raw file, named by `X-File-Name`; becomes
/// the visitor's message. Counts as one message against the limits.
pub async fn upload(
    State(st): State<AppState>,
    ext: Result<Extension<Admitted>, ExtensionRejection>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let channel = admitted(ext)?;
    let visitor = channel.visitor(visitor_token(&headers))?;
    st.widget.message(channel.id(), &visitor.id, &ip_of(ip))?;
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
        Json(serde_json::json!({ "message_id": accepted.message_id })),
    ))
}

/// `GET /api/v1/widget/{channel_id}/files/{id}`: a file of the visitor's own conversation.
pub async fn download(
    State(st): State<AppState>,
    ext: Result<Extension<Admitted>, ExtensionRejection>,
    Path((_, id)): Path<(Id, Id)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let channel = admitted(ext)?;
    let visitor = channel.visitor(visitor_token(&headers))?;
    let (reference, path) = visitors::open_file(&st.db, &st.files, &channel, &visitor, id).await?;
    file_response(&reference, &path, id).await
}
