//! `GET/PUT /api/v1/settings/ip-whitelist`: Settings › Advanced "IP address whitelist"
//! (super-admin). The rule itself is `service::ip_whitelist`.

use axum::extract::State;
use switchboard_protocol::{ErrorBody, IpWhitelistSettings, IpWhitelistUpdate};

use super::auth::Auth;
use super::extract::{ClientIp, Json};
use super::AppState;
use crate::error::ApiResult;
use crate::service::ip_whitelist as svc;

/// The company's IP whitelist and the address the server sees the caller at.
#[utoipa::path(get, path = "/api/v1/settings/ip-whitelist", tag = "settings",
    security(("token" = [])),
    responses((status = 200, body = IpWhitelistSettings), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
) -> ApiResult<Json<IpWhitelistSettings>> {
    svc::get(&st.db, p, ip).await.map(Json)
}

/// Replace the IP whitelist. While it is on, operators' sessions work only from the listed
/// addresses and ranges (API tokens are not bound). A list that excludes the caller's own
/// address is refused with 409 unless `confirm_lockout` is true.
#[utoipa::path(put, path = "/api/v1/settings/ip-whitelist", tag = "settings",
    request_body = IpWhitelistUpdate, security(("token" = [])),
    responses((status = 200, body = IpWhitelistSettings),
        (status = 400, description = "An entry is not an address or CIDR range, or more than 500 entries", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The list shuts out the caller's own address; send confirm_lockout: true to save it anyway", body = ErrorBody)))]
pub async fn set(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Json(update): Json<IpWhitelistUpdate>,
) -> ApiResult<Json<IpWhitelistSettings>> {
    svc::set(&st.db, p, ip, update).await.map(Json)
}
