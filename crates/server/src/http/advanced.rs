//! `GET/PUT /api/v1/settings/advanced`: all of Settings › Advanced in one document
//! (super-admin). The rules are each function's own (`service::advanced`).

use axum::extract::State;
use switchboard_protocol::{AdvancedSettings, AdvancedSettingsUpdate, ErrorBody};

use super::auth::Auth;
use super::extract::{ClientIp, Json};
use super::AppState;
use crate::error::ApiResult;
use crate::service::advanced as svc;

/// The seven Settings › Advanced functions in the seed's order: the action log (always on;
/// read at `/api/v1/action-log`), file blocks per group, the email whitelist, hide personal
/// data, the IP whitelist (with the address the server sees the caller at), the iframe
/// integration, and the webhooks (read-only here; managed at `/api/v1/webhooks`).
#[utoipa::path(get, path = "/api/v1/settings/advanced", tag = "settings",
    security(("token" = [])),
    responses((status = 200, body = AdvancedSettings), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
) -> ApiResult<Json<AdvancedSettings>> {
    svc::get(&st.db, p, ip).await.map(Json)
}

/// Save any of file blocks, email whitelist, personal data, IP whitelist and iframe at once.
/// Only the sections given change, and all of them are saved or none is: a refusal names its
/// section ("iframe: …") with that section's status. Answers the whole document after the save.
#[utoipa::path(put, path = "/api/v1/settings/advanced", tag = "settings",
    request_body = AdvancedSettingsUpdate, security(("token" = [])),
    responses((status = 200, body = AdvancedSettings),
        (status = 400, description = "A section's value is not valid (an address, an entry, an origin, a group listed twice)", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "file_blocks names a group that is not the company's", body = ErrorBody),
        (status = 409, description = "The IP whitelist shuts out the caller's own address; send ip_whitelist.confirm_lockout: true to save it anyway", body = ErrorBody),
        (status = 422, description = "An exempt group is not the company's, or the iframe integration is turned on without an origin", body = ErrorBody)))]
pub async fn set(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Json(update): Json<AdvancedSettingsUpdate>,
) -> ApiResult<Json<AdvancedSettings>> {
    svc::set(&st.db, p, ip, update).await.map(Json)
}
