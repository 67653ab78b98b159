//! `GET /api/v1/action-log`: Settings › Advanced "Action log" (super-admin or "view action
//! log"), as JSON pages or
//! `?format=csv`.

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use switchboard_protocol::{ActionLogPage, ErrorBody, Id, LogAction, LogTarget};
use utoipa::{IntoParams, ToSchema};

use super::auth::Auth;
use super::extract::{Json, Query};
use super::sync::page_size;
use super::AppState;
use crate::error::{ApiError, ApiResult};
use crate::service::action_log as svc;
use crate::storage::action_log::Filter;

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Json,
    Csv,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ActionLogQuery {
    /// Only actions of this operator.
    pub actor: Option<Id>,
    /// Only actions on this kind of target (with `target_id`: on this one).
    pub target_type: Option<LogTarget>,
    pub target_id: Option<Id>,
    /// Only this type of action.
    pub action: Option<LogAction>,
    /// Only actions at or after this time (Unix ms).
    pub from: Option<i64>,
    /// Only actions at or before this time (Unix ms).
    pub to: Option<i64>,
    /// `next_cursor` of the previous page (absent: the newest page).
    pub cursor: Option<String>,
    /// Rows per page, 1..=200 (default 50); not used by the CSV export.
    #[param(minimum = 1)]
    pub limit: Option<i64>,
    /// `csv`: every matching row as one CSV file (header row; streamed).
    pub format: Option<LogFormat>,
}

/// The company's action log, newest first: who did what to which account, from which address,
/// when, with a note in plain words. Super-admins (and API tokens), and operators whose role
/// has `view_action_log`.
#[utoipa::path(get, path = "/api/v1/action-log", tag = "settings", params(ActionLogQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "A page of rows (JSON), or with `format=csv` the whole filtered log as CSV: Actor, Target account, Action type, IP address, Date and time (UTC), Note",
            content((ActionLogPage = "application/json"), (String = "text/csv"))),
        (status = 400, description = "A filter or limit of the wrong type", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Neither a super-admin nor a role with `view_action_log`, or outside the IP whitelist", body = ErrorBody),
        (status = 422, description = "`target_id` without `target_type`, `from` after `to`, or a cursor this server did not give out", body = ErrorBody),
    ))]
pub async fn list(
    State(st): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<ActionLogQuery>,
) -> ApiResult<Response> {
    // Well-formed but meaningless filters are 422 (the schema cannot say them).
    if q.target_id.is_some() && q.target_type.is_none() {
        return Err(ApiError::InvalidState(
            "`target_id` needs `target_type` (operator, group, role, client, conversation, canned_response, company, channel or webhook).".into(),
        ));
    }
    // `LogAction` reads names it does not know as `Unknown` (for rows of newer servers); as a
    // filter such a name is a typo.
    if q.action == Some(LogAction::Unknown) {
        return Err(ApiError::InvalidState(
            "`action` is not an action type this server writes; see ActionLogRow.action in /api/openapi.json.".into(),
        ));
    }
    if let (Some(from), Some(to)) = (q.from, q.to) {
        if from > to {
            return Err(ApiError::InvalidState("`from` is after `to`.".into()));
        }
    }
    let filter = Filter {
        actor_operator_id: q.actor,
        target: q.target_type,
        target_id: q.target_id,
        action: q.action,
        from: q.from,
        to: q.to,
    };
    match q.format.unwrap_or_default() {
        LogFormat::Json => {
            let limit = page_size(q.limit, 50, 200)?;
            let limit = u32::try_from(limit).unwrap_or(50);
            let cursor = q.cursor.filter(|c| !c.is_empty());
            let page = svc::page(&st.db, p, filter, cursor, limit).await?;
            Ok(Json(page).into_response())
        }
        LogFormat::Csv => {
            let company_id = svc::authorize_export(&st.db, p).await?;
            let body = Body::from_stream(svc::csv_export(st.db.clone(), company_id, filter));
            Ok((
                [
                    (CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        CONTENT_DISPOSITION,
                        "attachment; filename=\"action-log.csv\"",
                    ),
                ],
                body,
            )
                .into_response())
        }
    }
}
