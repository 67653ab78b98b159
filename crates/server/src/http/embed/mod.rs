//! Settings › Advanced › Iframe integration over HTTP (`service::embed`): the settings and the
//! link-making route under `/api/v1`, and the view itself under `/embed/{link}`: the page,
//! its script (`/embed.js`), the conversation (JSON) and answers. Every answer of the view
//! carries `Content-Security-Policy: frame-ancestors` with the company's origins (`'none'`
//! when the link does not open), so browsers let only those sites frame it.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use switchboard_protocol::{ConversationDetail, EmbedLink, ErrorBody, Id, IframeSettings, Message};
use utoipa::ToSchema;

use super::assets::Script;
use super::auth::Auth;
use super::extract::{ClientIp, Json, Path};
use super::AppState;
use crate::error::ApiResult;
use crate::service::embed as svc;

static EMBED_JS: Script = Script::new(include_str!("embed.js"));
const PAGE: &str = include_str!("page.html");

/// The view's policy: who may frame it, and that it loads nothing but its own script.
fn policy(origins: Option<&[String]>) -> HeaderValue {
    let ancestors = match origins {
        Some(o) if !o.is_empty() => o.join(" "),
        _ => "'none'".into(),
    };
    HeaderValue::from_str(&format!(
        "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    ))
    .unwrap_or(HeaderValue::from_static("frame-ancestors 'none'"))
}

/// `resp` with the view's headers.
fn framed(origins: Option<&[String]>, resp: impl IntoResponse) -> Response {
    let mut resp = resp.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, policy(origins));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

/// Settings › Advanced › Iframe integration (super-admin).
#[utoipa::path(get, path = "/api/v1/settings/iframe", tag = "settings", security(("token" = [])),
    responses((status = 200, body = IframeSettings), (status = 403, body = ErrorBody)))]
pub async fn settings(
    State(st): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<IframeSettings>> {
    svc::settings(&st.db, p).await.map(Json)
}

/// Turn the iframe integration on or off, list the origins that may frame conversations, and
/// set how long a link lives (super-admin).
#[utoipa::path(put, path = "/api/v1/settings/iframe", tag = "settings", request_body = IframeSettings,
    security(("token" = [])),
    responses((status = 200, body = IframeSettings), (status = 403, body = ErrorBody),
        (status = 422, description = "Turned on without an origin", body = ErrorBody)))]
pub async fn set_settings(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Json(s): Json<IframeSettings>,
) -> ApiResult<Json<IframeSettings>> {
    svc::set_settings(&st.db, p, ip, s).await.map(Json)
}

/// A signed, expiring link to the conversation's embeddable view (a super-admin or an API
/// token; 422 while the integration is off).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/embed", tag = "conversations",
    params(("id" = i64, Path, description = "Conversation id")), security(("token" = [])),
    responses((status = 200, body = EmbedLink), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn make_link(
    State(st): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<EmbedLink>> {
    svc::make_link(&st.db, p, id).await.map(Json)
}

/// The view's script.
#[utoipa::path(get, path = "/embed.js", tag = "embed",
    responses((status = 200, description = "The script", content_type = "text/javascript"),
        (status = 304, description = "Unchanged since the ETag given in If-None-Match")))]
pub async fn script(headers: HeaderMap) -> Response {
    EMBED_JS.respond(&headers)
}

/// The embeddable view of one conversation (HTML), for `<iframe src="{server}/embed/{link}">`.
#[utoipa::path(get, path = "/embed/{link}", tag = "embed",
    params(("link" = String, Path, description = "The link from POST /api/v1/conversations/{id}/embed")),
    responses((status = 200, description = "The page", content_type = "text/html"),
        (status = 404, description = "Unknown, expired or switched-off link", body = ErrorBody)))]
pub async fn page(State(st): State<AppState>, Path(link): Path<String>) -> Response {
    match svc::open(&st.db, link).await {
        Ok((_, _, origins)) => framed(
            Some(&origins),
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE),
        ),
        Err(e) => framed(None, e),
    }
}

/// The conversation the link opens: its client and newest messages, without internal notes.
#[utoipa::path(get, path = "/embed/{link}/conversation", tag = "embed",
    params(("link" = String, Path, description = "The embed link")),
    responses((status = 200, body = ConversationDetail),
        (status = 404, description = "Unknown, expired or switched-off link", body = ErrorBody)))]
pub async fn conversation(State(st): State<AppState>, Path(link): Path<String>) -> Response {
    let opened = svc::open(&st.db, link).await;
    match opened {
        Ok((principal, id, origins)) => {
            let view = svc::view(&st.db, principal, id).await.map(Json);
            framed(Some(&origins), view)
        }
        Err(e) => framed(None, e),
    }
}

/// An answer typed in the view.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EmbedAnswer {
    #[schema(min_length = 1, max_length = 20000, pattern = "[^\\s]")]
    pub text: String,
    /// Idempotency key (a UUID the page makes): a repeat stores nothing new.
    #[schema(min_length = 1, max_length = 100)]
    pub client_msg_id: String,
}

/// Answer the client from the view, as the operator who made the link (the app's rules: the
/// conversation must be in that operator's inbox, or the link is a super-admin's).
#[utoipa::path(post, path = "/embed/{link}/messages", tag = "embed",
    params(("link" = String, Path, description = "The embed link")), request_body = EmbedAnswer,
    responses((status = 201, body = Message),
        (status = 404, description = "Unknown, expired or switched-off link", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(st): State<AppState>,
    Path(link): Path<String>,
    ClientIp(ip): ClientIp,
    Json(req): Json<EmbedAnswer>,
) -> Response {
    match svc::open(&st.db, link).await {
        Ok((principal, id, origins)) => {
            let sent = svc::answer(&st.db, principal, ip, id, req.text, req.client_msg_id)
                .await
                .map(|m| (StatusCode::CREATED, Json(m)));
            framed(Some(&origins), sent)
        }
        Err(e) => framed(None, e),
    }
}
