//! `GET /api/v1/message-tags`.

use axum::extract::State;
use serde::Deserialize;
use switchboard_protocol::{ErrorBody, MessageTagsPage};
use utoipa::IntoParams;

use super::auth::Auth;
use super::extract::{Json, Query};
use super::sync::page_size;
use super::AppState;
use crate::error::ApiResult;
use crate::service::message_tags as svc;

#[derive(Debug, Deserialize, IntoParams)]
pub struct MessageTagsQuery {
    /// `next_after_id` of the previous page (absent or 0: first page).
    pub after_id: Option<i64>,
    /// Conversations per page, 1..=1000 (default 200).
    #[param(minimum = 1)]
    pub limit: Option<i64>,
}

/// The tags of the messages of the caller's visible conversations, paged by conversation id
/// like `/api/v1/snapshot` (same `after_id` / `limit`).
#[utoipa::path(get, path = "/api/v1/message-tags", tag = "tags", params(MessageTagsQuery),
    security(("token" = [])),
    responses((status = 200, body = MessageTagsPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn page(
    State(st): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<MessageTagsQuery>,
) -> ApiResult<Json<MessageTagsPage>> {
    let limit = page_size(q.limit, 200, 1000)?;
    svc::page(&st.db, p, q.after_id.unwrap_or(0), limit)
        .await
        .map(Json)
}
