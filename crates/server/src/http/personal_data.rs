//! `GET/PUT /api/v1/settings/personal-data`: Settings › Advanced "Hide personal data from
//! operators" (super-admin). What it hides is `switchboard_protocol::personal_data`.

use axum::extract::State;
use switchboard_protocol::{ErrorBody, PersonalDataSettings};

use super::auth::Auth;
use super::extract::{ClientIp, Json};
use super::AppState;
use crate::error::ApiResult;
use crate::service::personal_data as svc;

/// Whether clients' contact data (and avatars) are hidden from operators, and which groups are
/// exempt.
#[utoipa::path(get, path = "/api/v1/settings/personal-data", tag = "settings",
    security(("token" = [])),
    responses((status = 200, body = PersonalDataSettings), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<PersonalDataSettings>> {
    svc::get(&st.db, p).await.map(Json)
}

/// Save "Hide personal data". While `enabled`, operators outside the exempt groups get no
/// phone, email, username, profile link or channel id of any client on any path (and no
/// avatar with `hide_avatars`); their apps drop what they had. Super-admins see everything.
#[utoipa::path(put, path = "/api/v1/settings/personal-data", tag = "settings",
    request_body = PersonalDataSettings, security(("token" = [])),
    responses((status = 200, body = PersonalDataSettings),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, description = "An exempt group is not one of the company's", body = ErrorBody)))]
pub async fn set(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Json(update): Json<PersonalDataSettings>,
) -> ApiResult<Json<PersonalDataSettings>> {
    svc::set(&st.db, p, ip, update).await.map(Json)
}
