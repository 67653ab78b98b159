//! `/api/v1/clients/{id}/…`: rename, blacklist and pin a client. Each answers with the
//! client's conversation (the client is embedded in it).

use axum::extract::State;
use serde::Deserialize;
use switchboard_protocol::{Conversation, ErrorBody, Id};
use utoipa::ToSchema;

use super::auth::Auth;
use super::edit_ids::EditId;
use super::extract::{ClientIp, Json, Path};
use super::AppState;
use crate::error::ApiResult;
use crate::service::clients::{self as svc, ClientChange};

/// Body of `POST /api/v1/clients/{id}/rename`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RenameClientRequest {
    /// The new display name; the channel's original name is kept.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "[^\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub display_name: String,
}

/// Body of `POST /api/v1/clients/{id}/blacklist`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BlacklistRequest {
    /// `true`: send to the Blacklist; `false`: unlock (super-admin or Blacklist tab).
    pub blacklisted: bool,
}

/// Body of `POST /api/v1/clients/{id}/pin`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PinRequest {
    /// Operator to pin the client to (an operator may pin only to themself); `null` detaches.
    pub operator_id: Option<Id>,
}

/// Rename a client (display name).
#[utoipa::path(post, path = "/api/v1/clients/{id}/rename", tag = "clients",
    params(("id" = i64, Path, description = "Client id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,100}$", description = "A repeat changes nothing and answers with the current state")),
    request_body = RenameClientRequest,
    security(("token" = [])),
    responses((status = 200, body = Conversation), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The Idempotency-Key was used for another client", body = ErrorBody)))]
pub async fn rename(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    EditId(key): EditId,
    Path(id): Path<Id>,
    Json(req): Json<RenameClientRequest>,
) -> ApiResult<Json<Conversation>> {
    crate::service::edit_ids::rename(&st.db, p, ip, id, req.display_name, key)
        .await
        .map(Json)
}

/// Send a client to the Blacklist, or unlock them.
#[utoipa::path(post, path = "/api/v1/clients/{id}/blacklist", tag = "clients",
    params(("id" = i64, Path, description = "Client id")), request_body = BlacklistRequest,
    security(("token" = [])),
    responses((status = 200, body = Conversation), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn blacklist(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
    Json(req): Json<BlacklistRequest>,
) -> ApiResult<Json<Conversation>> {
    svc::update(&st.db, p, ip, id, ClientChange::Blacklist(req.blacklisted))
        .await
        .map(Json)
}

/// Pin a client to an operator (new conversations skip Unassigned), or detach.
#[utoipa::path(post, path = "/api/v1/clients/{id}/pin", tag = "clients",
    params(("id" = i64, Path, description = "Client id")), request_body = PinRequest,
    security(("token" = [])),
    responses((status = 200, body = Conversation), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Pinned to another operator", body = ErrorBody),
        (status = 422, description = "The operator is deactivated", body = ErrorBody)))]
pub async fn pin(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
    Json(req): Json<PinRequest>,
) -> ApiResult<Json<Conversation>> {
    svc::update(&st.db, p, ip, id, ClientChange::Pin(req.operator_id))
        .await
        .map(Json)
}
