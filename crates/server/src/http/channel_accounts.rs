//! `/api/v1/channels`: the company's channel accounts as an admin manages them (the super-admin
//! or "manage settings"). The rules live in `service::channel_accounts`; inbound messages are
//! `http::channels`.

use axum::extract::State;
use axum::http::StatusCode;
use switchboard_protocol::{
    ChannelAccount, ChannelPatch, ChannelSecretShown, ErrorBody, Id, NewChannelRequest,
};

use super::auth::Auth;
use super::extract::{ClientIp, Json, Path};
use super::AppState;
use crate::error::ApiResult;
use crate::service::channel_accounts as svc;

/// One channel account; never its secret or settings.
#[utoipa::path(get, path = "/api/v1/channels/{channel_id}", tag = "channels",
    params(("channel_id" = i64, Path, description = "Channel account id")), security(("token" = [])),
    responses((status = 200, body = ChannelAccount), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<ChannelAccount>> {
    svc::get(&st.db, p, id).await.map(Json)
}

/// Every channel account of the company, disabled ones too; never a secret or a setting.
#[utoipa::path(get, path = "/api/v1/channels", tag = "channels", security(("token" = [])),
    responses((status = 200, body = [ChannelAccount]), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<Vec<ChannelAccount>>> {
    svc::list(&st.db, p).await.map(Json)
}

/// Add a channel: a Custom app (default), a Telegram bot, a mailbox (Email) or a LiveChat
/// widget, with that kind's settings, checked as `channel add` checks them. Its inbound secret
/// is returned here once; the settings never are.
#[utoipa::path(post, path = "/api/v1/channels", tag = "channels", request_body = NewChannelRequest,
    security(("token" = [])),
    responses((status = 201, body = ChannelSecretShown), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "Unknown group", body = ErrorBody),
        (status = 422, description = "Settings missing, foreign to the kind or unusable (a callback URL the server cannot deliver to …), a kind the server cannot connect, or bad tags", body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Json(req): Json<NewChannelRequest>,
) -> ApiResult<(StatusCode, Json<ChannelSecretShown>)> {
    let made = svc::create(&st.db, p, ip, req).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Rename, move to a group, tag, disable (inbound messages are refused with 403; its
/// conversations stay readable) or enable, or replace its kind's settings; only the fields
/// given change.
#[utoipa::path(patch, path = "/api/v1/channels/{channel_id}", tag = "channels",
    params(("channel_id" = i64, Path, description = "Channel account id")), request_body = ChannelPatch,
    security(("token" = [])),
    responses((status = 200, body = ChannelAccount), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "Bad tags or settings", body = ErrorBody)))]
pub async fn update(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
    Json(patch): Json<ChannelPatch>,
) -> ApiResult<Json<ChannelAccount>> {
    svc::update(&st.db, p, ip, id, patch).await.map(Json)
}

/// A new secret for a Custom app channel, returned here once; the old one stops working.
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/secret", tag = "channels",
    params(("channel_id" = i64, Path, description = "Channel account id")), security(("token" = [])),
    responses((status = 200, body = ChannelSecretShown), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Not a Custom app channel", body = ErrorBody)))]
pub async fn rotate_secret(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
) -> ApiResult<Json<ChannelSecretShown>> {
    svc::rotate_secret(&st.db, p, ip, id).await.map(Json)
}

/// Delete a channel that has no conversations: its secret stops working and nothing more
/// comes in through it. One with conversations is refused (409): disable it instead, so they
/// stay readable.
#[utoipa::path(delete, path = "/api/v1/channels/{channel_id}", tag = "channels",
    params(("channel_id" = i64, Path, description = "Channel account id")), security(("token" = [])),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The channel has conversations", body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
) -> ApiResult<StatusCode> {
    svc::delete(&st.db, p, ip, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
