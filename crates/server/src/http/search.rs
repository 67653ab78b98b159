//! `GET /api/v1/search`.

use axum::extract::State;
use serde::Deserialize;
use switchboard_protocol::{ErrorBody, SearchResults};
use utoipa::IntoParams;

use super::auth::Auth;
use super::extract::{Json, Query};
use super::sync::page_size;
use super::AppState;
use crate::error::ApiResult;
use crate::service::search as svc;

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// What to find: words matched at the start of words in client names and message text
    /// (notes included); at least 3 characters, at most 200.
    #[param(min_length = 3, max_length = 200)]
    pub q: Option<String>,
    /// Most conversations to return, 1..=200 (default 50).
    #[param(minimum = 1)]
    pub limit: Option<i64>,
}

/// The caller's visible conversations whose client name or message text matches `q`, newest
/// activity first, each with its newest matching message when the hit was in a message.
#[utoipa::path(get, path = "/api/v1/search", tag = "conversations", params(SearchQuery),
    security(("token" = [])),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 422, description = "Fewer than 3 or more than 200 characters", body = ErrorBody)))]
pub async fn search(
    State(st): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    let limit = page_size(q.limit, 50, 200)?;
    svc::search(&st.db, p, q.q.as_deref().unwrap_or(""), limit)
        .await
        .map(Json)
}
