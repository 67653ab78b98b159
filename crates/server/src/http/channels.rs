//! Channel ingest, authenticated by the channel's secret: `POST
//! /api/v1/channels/{channel_id}/inbound` (Custom app channel and test harnesses) and `POST
//! /api/v1/channels/{channel_id}/telegram` (a Telegram bot's webhook).

use axum::extract::{FromRequest, Request, State};
use switchboard_protocol::{ErrorBody, Id, InboundAccepted, InboundMessage};

use super::extract::{discard_body, ClientIp, Json, Path, BODY_LIMIT};
use super::AppState;
use crate::channels::telegram;
use crate::error::{ApiError, ApiResult};
use crate::service::ingest;
use crate::storage::channels;

/// Store a client's message arriving through this channel.
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/inbound", tag = "channels",
    params(("channel_id" = i64, Path, description = "Channel account id"),
           ("X-Channel-Secret" = String, Header, description = "The channel's secret")),
    request_body = InboundMessage,
    responses(
        (status = 200, body = InboundAccepted),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Missing or wrong secret", body = ErrorBody),
        (status = 403, description = "An admin disabled the channel", body = ErrorBody),
        (status = 404, description = "Unknown channel", body = ErrorBody),
        (status = 413, description = "Body or attachment too large", body = ErrorBody),
        (status = 415, description = "Not JSON, or an attachment type that is not accepted", body = ErrorBody),
        (status = 429, description = "Too many wrong secrets or channel ids from this address in 60 s (see Retry-After)", body = ErrorBody),
    ))]
pub async fn inbound(
    State(st): State<AppState>,
    Path(channel_id): Path<Id>,
    ClientIp(ip): ClientIp,
    req: Request,
) -> ApiResult<Json<InboundAccepted>> {
    let (secret, req) = admitted(&st, channel_id, ip, "x-channel-secret", req).await?;
    let Json(msg) = Json::<InboundMessage>::from_request(req, &st).await?;
    ingest::ingest(&st.db, &st.files, channel_id, secret, msg)
        .await
        .map(Json)
}

/// The secret in `header` first: a stranger's body is neither parsed nor stored, and an
/// address that fails too often is refused for a while (`ingest::admit`).
async fn admitted(
    st: &AppState,
    channel_id: Id,
    ip: Option<String>,
    header: &str,
    req: Request,
) -> ApiResult<(Option<String>, Request)> {
    let secret = req
        .headers()
        .get(header)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // No secret at all guesses nothing: refused at once, without a look at the database and
    // without counting against the address (the limiter is for wrong secrets).
    if secret.is_none() {
        discard_body(req.into_body(), BODY_LIMIT).await;
        return Err(ApiError::Unauthorized(
            "Missing or wrong X-Channel-Secret for this channel.".into(),
        ));
    }
    let ip = ip.unwrap_or_else(|| "unknown".into());
    let admitted = ingest::admit(
        &st.db,
        &st.inbound_failures,
        &st.inbound_opened,
        channel_id,
        secret.as_deref(),
        &ip,
    );
    if let Err(refused) = admitted {
        discard_body(req.into_body(), BODY_LIMIT).await;
        return Err(refused);
    }
    Ok((secret, req))
}

/// A Telegram update, POSTed by Telegram to a bot channel in webhook mode (`channel add --kind
/// telegram … --webhook-url`). Stored before the answer, so an update sent again is stored once.
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/telegram", tag = "channels",
    params(("channel_id" = i64, Path, description = "Channel account id"),
           ("X-Telegram-Bot-Api-Secret-Token" = String, Header, description = "The channel's secret, given to Telegram as the webhook's secret_token")),
    request_body(content = Object, description = "A Telegram Update"),
    responses(
        (status = 200, description = "Stored (or skipped: not a private chat's message)"),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Missing or wrong secret", body = ErrorBody),
        (status = 403, description = "An admin disabled the channel", body = ErrorBody),
        (status = 404, description = "Unknown channel, or one that takes no Telegram webhook", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 429, description = "Too many wrong secrets or channel ids from this address in 60 s (see Retry-After)", body = ErrorBody),
        (status = 502, description = "Telegram could not be asked for a file; Telegram sends the update again", body = ErrorBody),
    ))]
pub async fn telegram(
    State(st): State<AppState>,
    Path(channel_id): Path<Id>,
    ClientIp(ip): ClientIp,
    req: Request,
) -> ApiResult<Json<serde_json::Value>> {
    let (_, req) = admitted(&st, channel_id, ip, "x-telegram-bot-api-secret-token", req)
        .await
        .map_err(|e| match e {
            ApiError::Unauthorized(_) => ApiError::Unauthorized(
                "Missing or wrong X-Telegram-Bot-Api-Secret-Token for this channel.".into(),
            ),
            other => other,
        })?;
    let Json(update) = Json::<serde_json::Value>::from_request(req, &st).await?;
    let channel = st
        .db
        .read(move |conn| Ok(channels::get_any(conn, channel_id)?))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Channel {channel_id} not found.")))?;
    ingest::refuse_if_disabled(&channel)?;
    telegram::take_update(
        st.db.clone(),
        st.files.clone(),
        &channel,
        st.channels.clone(),
        update,
    )
    .await?;
    // No `method` in the answer: Telegram would run it as a Bot API call.
    Ok(Json(serde_json::json!({"ok": true})))
}
