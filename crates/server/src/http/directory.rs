//! `/api/v1/operators`, `/api/v1/groups` and `/api/v1/roles`: the directory as an admin manages
//! it. The rules live in `service::directory`.

use axum::extract::State;
use axum::http::StatusCode;
use switchboard_protocol::{
    DeleteGroupQuery, ErrorBody, Group, GroupPatch, Id, NewGroupRequest, NewOperatorRequest,
    NewRoleRequest, Operator, OperatorCreated, OperatorPatch, PasswordReset, Role, RolePatch,
};

use super::auth::Auth;
use super::extract::{ClientIp, Json, Path, Query};
use super::AppState;
use crate::error::ApiResult;
use crate::service::directory as svc;

/// Every operator of the company, deactivated ones too (manage operators).
#[utoipa::path(get, path = "/api/v1/operators", tag = "directory", security(("token" = [])),
    responses((status = 200, body = [Operator]), (status = 403, body = ErrorBody)))]
pub async fn list_operators(
    State(st): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<Vec<Operator>>> {
    svc::list_operators_for(&st.db, p).await.map(Json)
}

/// Add an operator; without a password a one-time password is made and returned once.
#[utoipa::path(post, path = "/api/v1/operators", tag = "directory", request_body = NewOperatorRequest,
    security(("token" = [])),
    responses((status = 201, body = OperatorCreated), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_operator(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Json(req): Json<NewOperatorRequest>,
) -> ApiResult<(StatusCode, Json<OperatorCreated>)> {
    let made = svc::create_operator(&st.db, p, ip, req).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(get, path = "/api/v1/operators/{id}", tag = "directory",
    params(("id" = i64, Path, description = "Operator id")), security(("token" = [])),
    responses((status = 200, body = Operator), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_operator(
    State(st): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Operator>> {
    svc::get_operator(&st.db, p, id).await.map(Json)
}

/// Rename, give a role, set the groups, deactivate (`active: false`, every session ends) or
/// reactivate; only the fields given change.
#[utoipa::path(patch, path = "/api/v1/operators/{id}", tag = "directory",
    params(("id" = i64, Path, description = "Operator id")), request_body = OperatorPatch,
    security(("token" = [])),
    responses((status = 200, body = Operator), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_operator(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
    Json(patch): Json<OperatorPatch>,
) -> ApiResult<Json<Operator>> {
    svc::update_operator(&st.db, p, ip, id, patch)
        .await
        .map(Json)
}

/// Deactivate: operators are never erased (their messages name them).
#[utoipa::path(delete, path = "/api/v1/operators/{id}", tag = "directory",
    params(("id" = i64, Path, description = "Operator id")), security(("token" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn deactivate_operator(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
) -> ApiResult<StatusCode> {
    svc::deactivate_operator(&st.db, p, ip, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reset an operator's password (they are signed out everywhere); without a password a
/// one-time password is made and returned once.
#[utoipa::path(post, path = "/api/v1/operators/{id}/password", tag = "directory",
    params(("id" = i64, Path, description = "Operator id")), request_body = PasswordReset,
    security(("token" = [])),
    responses((status = 200, body = OperatorCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reset_password(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
    Json(req): Json<PasswordReset>,
) -> ApiResult<Json<OperatorCreated>> {
    svc::reset_password(&st.db, p, ip, id, req).await.map(Json)
}

#[utoipa::path(get, path = "/api/v1/groups", tag = "directory", security(("token" = [])),
    responses((status = 200, body = [Group])))]
pub async fn list_groups(State(st): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<Group>>> {
    svc::list::<Group>(&st.db, p).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/groups", tag = "directory", request_body = NewGroupRequest,
    security(("token" = [])),
    responses((status = 201, body = Group), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_group(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Json(input): Json<NewGroupRequest>,
) -> ApiResult<(StatusCode, Json<Group>)> {
    let made = svc::create::<Group>(&st.db, p, ip, input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(get, path = "/api/v1/groups/{id}", tag = "directory",
    params(("id" = i64, Path, description = "Group id")), security(("token" = [])),
    responses((status = 200, body = Group), (status = 404, body = ErrorBody)))]
pub async fn get_group(
    State(st): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Group>> {
    svc::get::<Group>(&st.db, p, id).await.map(Json)
}

/// Rename or recolour; only the fields given change.
#[utoipa::path(patch, path = "/api/v1/groups/{id}", tag = "directory",
    params(("id" = i64, Path, description = "Group id")), request_body = GroupPatch,
    security(("token" = [])),
    responses((status = 200, body = Group), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_group(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
    Json(input): Json<GroupPatch>,
) -> ApiResult<Json<Group>> {
    svc::update::<Group>(&st.db, p, ip, id, input)
        .await
        .map(Json)
}

/// Delete a group; its conversations and channels move to `move_to` (409 without it while it
/// has any), its operators leave it.
#[utoipa::path(delete, path = "/api/v1/groups/{id}", tag = "directory",
    params(("id" = i64, Path, description = "Group id"), DeleteGroupQuery), security(("token" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn delete_group(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
    Query(q): Query<DeleteGroupQuery>,
) -> ApiResult<StatusCode> {
    svc::delete::<Group>(&st.db, p, ip, id, q.move_to).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/roles", tag = "directory", security(("token" = [])),
    responses((status = 200, body = [Role])))]
pub async fn list_roles(State(st): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<Role>>> {
    svc::list::<Role>(&st.db, p).await.map(Json)
}

/// Add a role: a name and permissions (none beyond the caller's own).
#[utoipa::path(post, path = "/api/v1/roles", tag = "directory", request_body = NewRoleRequest,
    security(("token" = [])),
    responses((status = 201, body = Role), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_role(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Json(input): Json<NewRoleRequest>,
) -> ApiResult<(StatusCode, Json<Role>)> {
    let made = svc::create::<Role>(&st.db, p, ip, input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(get, path = "/api/v1/roles/{id}", tag = "directory",
    params(("id" = i64, Path, description = "Role id")), security(("token" = [])),
    responses((status = 200, body = Role), (status = 404, body = ErrorBody)))]
pub async fn get_role(
    State(st): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Role>> {
    svc::get::<Role>(&st.db, p, id).await.map(Json)
}

/// Rename a role or change its permissions: its operators' apps apply it at once.
#[utoipa::path(patch, path = "/api/v1/roles/{id}", tag = "directory",
    params(("id" = i64, Path, description = "Role id")), request_body = RolePatch,
    security(("token" = [])),
    responses((status = 200, body = Role), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_role(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
    Json(input): Json<RolePatch>,
) -> ApiResult<Json<Role>> {
    svc::update::<Role>(&st.db, p, ip, id, input)
        .await
        .map(Json)
}

/// Delete a role nobody has (409 while operators have it).
#[utoipa::path(delete, path = "/api/v1/roles/{id}", tag = "directory",
    params(("id" = i64, Path, description = "Role id")), security(("token" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn delete_role(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
) -> ApiResult<StatusCode> {
    svc::delete::<Role>(&st.db, p, ip, id, ()).await?;
    Ok(StatusCode::NO_CONTENT)
}
