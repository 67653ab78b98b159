//! `/api/v1/canned-responses`: list, create, edit and delete canned responses. The rules live
//! in `service::canned`.

use axum::extract::State;
use axum::http::StatusCode;
use switchboard_protocol::{CannedResponse, CannedResponseInput, ErrorBody, Id};

use super::auth::Auth;
use super::extract::{ClientIp, Json, Path};
use super::AppState;
use crate::error::ApiResult;
use crate::service::canned as svc;

/// The company's global canned responses and the caller's private ones, by title.
#[utoipa::path(get, path = "/api/v1/canned-responses", tag = "canned",
    security(("token" = [])),
    responses((status = 200, body = [CannedResponse]), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<Vec<CannedResponse>>> {
    svc::list(&st.db, p).await.map(Json)
}

/// Add an answer: global when the caller is a super-admin, else private to the caller.
#[utoipa::path(post, path = "/api/v1/canned-responses", tag = "canned",
    request_body = CannedResponseInput, security(("token" = [])),
    responses((status = 201, body = CannedResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Json(req): Json<CannedResponseInput>,
) -> ApiResult<(StatusCode, Json<CannedResponse>)> {
    let created = svc::create(&st.db, p, ip, req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Edit a canned response (its author; a super-admin for global ones).
#[utoipa::path(put, path = "/api/v1/canned-responses/{id}", tag = "canned",
    params(("id" = i64, Path, description = "Canned response id")),
    request_body = CannedResponseInput, security(("token" = [])),
    responses((status = 200, body = CannedResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
    Json(req): Json<CannedResponseInput>,
) -> ApiResult<Json<CannedResponse>> {
    svc::update(&st.db, p, ip, id, req).await.map(Json)
}

/// Delete a canned response (its author; a super-admin for global ones).
#[utoipa::path(delete, path = "/api/v1/canned-responses/{id}", tag = "canned",
    params(("id" = i64, Path, description = "Canned response id")), security(("token" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
) -> ApiResult<StatusCode> {
    svc::delete(&st.db, p, ip, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
