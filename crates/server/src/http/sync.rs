//! `/api/v1/sync`, `/api/v1/snapshot` and `/api/v1/directory`.

use axum::extract::State;
use serde::Deserialize;
use switchboard_protocol::{Directory, ErrorBody, SnapshotPage, SyncPage};
use utoipa::IntoParams;

use super::auth::Auth;
use super::extract::{Json, Query};
use super::AppState;
use crate::error::{ApiError, ApiResult};
use crate::service::snapshot::{self, Cursor};
use crate::service::{seen, sync};

#[derive(Debug, Deserialize, IntoParams)]
pub struct SyncQuery {
    /// Last seq the app applied (0: none yet → `reset`).
    pub after: Option<i64>,
    /// Records per page, 1..=5000 (default 500).
    #[param(minimum = 1)]
    pub limit: Option<i64>,
}

/// Limits a page size to `1..=max`, `default` when absent.
pub fn page_size(limit: Option<i64>, default: i64, max: i64) -> ApiResult<i64> {
    match limit {
        None => Ok(default),
        Some(n) if n >= 1 => Ok(n.min(max)),
        Some(n) => Err(ApiError::bad_request(format!(
            "`limit` must be at least 1, got {n}."
        ))),
    }
}

/// Change records after `after` that the caller may see.
#[utoipa::path(get, path = "/api/v1/sync", tag = "sync", params(SyncQuery),
    security(("token" = [])),
    responses((status = 200, body = SyncPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn sync_changes(
    State(st): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<SyncQuery>,
) -> ApiResult<Json<SyncPage>> {
    let limit = page_size(q.limit, 500, 5000)?;
    sync::sync_page(&st.db, p, q.after.unwrap_or(0), limit as usize)
        .await
        .map(Json)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SnapshotQuery {
    /// `next_after_id` of the previous page (absent or 0: first page).
    pub after_id: Option<i64>,
    /// Conversations per page, 1..=2000 (default 200).
    #[param(minimum = 1)]
    pub limit: Option<i64>,
    /// `recent`: newest activity first, paged by `cursor` (default: by id).
    #[param(pattern = "^(id|recent)$")]
    pub order: Option<String>,
    /// `next_cursor` of the previous page with `order=recent` (absent: first page); a cursor
    /// continues the recent-first order it came from.
    #[param(
        pattern = "^(r\\.-?[0-9]{1,18}\\.-?[0-9]{1,18}\\.-?[0-9]{1,18}|t\\.-?[0-9]{1,18}\\.-?[0-9]{1,18})$"
    )]
    pub cursor: Option<String>,
}

/// The caller's visible conversations with their messages and read states, by id (or newest
/// activity first with `order=recent`).
#[utoipa::path(get, path = "/api/v1/snapshot", tag = "sync", params(SnapshotQuery),
    security(("token" = [])),
    responses((status = 200, body = SnapshotPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn snapshot(
    State(st): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<SnapshotQuery>,
) -> ApiResult<Json<SnapshotPage>> {
    let limit = page_size(q.limit, 200, 2000)?;
    let hidden = p.hidden();
    match (q.order.as_deref(), q.cursor.as_deref()) {
        (Some(other), _) if other != "id" && other != "recent" => Err(ApiError::bad_request(
            format!("`order` must be `id` or `recent`, got `{other}`."),
        )),
        // A cursor only comes from a recent-first page, and continues it.
        (_, Some(cursor)) => {
            let cursor = Cursor::parse(cursor)?;
            snapshot::snapshot_recent(&st.db, p, Some(cursor), limit).await
        }
        (Some("recent"), None) => snapshot::snapshot_recent(&st.db, p, None, limit).await,
        _ => sync::snapshot(&st.db, p, q.after_id.unwrap_or(0), limit).await,
    }
    .map(seen(hidden))
    .map(Json)
}

/// Company, operators, groups, channel accounts and roles.
#[utoipa::path(get, path = "/api/v1/directory", tag = "sync",
    security(("token" = [])),
    responses((status = 200, body = Directory), (status = 401, body = ErrorBody)))]
pub async fn directory(State(st): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Directory>> {
    sync::directory(&st.db, p).await.map(Json)
}
