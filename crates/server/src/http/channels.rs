//! Channel ingest: `POST /api/v1/channels/{channel_id}/inbound` (Custom app channel and test
//! harnesses), authenticated by the channel's secret.

use axum::extract::{FromRequest, Request, State};
use switchboard_protocol::{ErrorBody, Id, InboundAccepted, InboundMessage};

use super::extract::{discard_body, ClientIp, Json, Path, BODY_LIMIT};
use super::AppState;
use crate::error::ApiResult;
use crate::service::ingest;

/// Store a client's message arriving through this channel.
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/inbound", tag = "channels",
    params(("channel_id" = i64, Path, description = "Channel account id"),
           ("X-Channel-Secret" = String, Header, description = "The channel's secret")),
    request_body = InboundMessage,
    responses(
        (status = 200, body = InboundAccepted),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Missing or wrong secret", body = ErrorBody),
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
    let secret = req
        .headers()
        .get("x-channel-secret")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // The secret first: a stranger's body is neither parsed nor stored.
    let ip = ip.unwrap_or_else(|| "unknown".into());
    let admitted = ingest::admit(
        &st.db,
        &st.inbound_failures,
        channel_id,
        secret.clone(),
        &ip,
    )
    .await;
    if let Err(refused) = admitted {
        discard_body(req.into_body(), BODY_LIMIT).await;
        return Err(refused);
    }
    let Json(msg) = Json::<InboundMessage>::from_request(req, &st).await?;
    ingest::ingest(&st.db, &st.files, channel_id, secret, msg)
        .await
        .map(Json)
}
