//! `GET /api/v1/message-tags`.

use axum::extract::State;
use switchboard_protocol::{ErrorBody, MessageTagsPage};

use super::auth::Auth;
use super::extract::{Json, Query};
use super::sync::{page_size, SnapshotQuery};
use super::AppState;
use crate::error::ApiResult;
use crate::service::message_tags as svc;

/// The tags of the messages of the caller's visible conversations, paged by conversation id
/// like `/api/v1/snapshot` (same `after_id` / `limit`).
#[utoipa::path(get, path = "/api/v1/message-tags", tag = "tags", params(SnapshotQuery),
    security(("token" = [])),
    responses((status = 200, body = MessageTagsPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn page(
    State(st): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<SnapshotQuery>,
) -> ApiResult<Json<MessageTagsPage>> {
    let limit = page_size(q.limit, 200, 1000)?;
    svc::page(&st.db, p, q.after_id.unwrap_or(0), limit)
        .await
        .map(Json)
}
