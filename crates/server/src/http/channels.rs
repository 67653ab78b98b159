//! Channel ingest: `POST /api/v1/channels/{channel_id}/inbound` (Custom app channel and test
//! harnesses), authenticated by the channel's secret.

use axum::extract::State;
use axum::http::HeaderMap;
use switchboard_protocol::{ErrorBody, Id, InboundAccepted, InboundMessage};

use super::extract::{Json, Path};
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
    ))]
pub async fn inbound(
    State(st): State<AppState>,
    Path(channel_id): Path<Id>,
    headers: HeaderMap,
    Json(msg): Json<InboundMessage>,
) -> ApiResult<Json<InboundAccepted>> {
    let secret = headers
        .get("x-channel-secret")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    ingest::ingest(&st.db, &st.files, channel_id, secret, msg)
        .await
        .map(Json)
}
