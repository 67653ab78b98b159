//! Authentication: the bearer-token extractor and the login, logout and `me` endpoints.

use axum::extract::{FromRequestParts, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use switchboard_protocol::{ChangePassword, ErrorBody, LoginRequest, LoginResponse, Me};

use super::extract::{ClientIp, Json};
use super::AppState;
use crate::error::{ApiError, ApiResult};
use crate::service::actor::authenticate;
use crate::service::{admin, ip_whitelist, now_ms, Principal};
use crate::storage::tokens;

/// The authenticated caller of a request: the token is live, and an operator's session comes
/// from an address the company's IP whitelist admits (403 otherwise).
pub struct Auth(pub Principal);

/// The token from `Authentication: TOKEN` (seed style) or `Authorization: Bearer TOKEN`.
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let strip = |v: &str| -> Option<String> {
        let v = v.trim();
        let v = match v.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
            _ => v,
        };
        (!v.is_empty()).then(|| v.to_string())
    };
    headers
        .get("authentication")
        .and_then(|v| v.to_str().ok())
        .and_then(strip)
        .or_else(|| {
            headers
                .get(AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(strip)
        })
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers).ok_or_else(|| {
            ApiError::Unauthorized(
                "Send your token in the `Authentication` header (or `Authorization: Bearer …`)."
                    .into(),
            )
        })?;
        let lifetime = state.sessions;
        let now = now_ms();
        let Ok(ClientIp(ip)) = ClientIp::from_request_parts(parts, state).await;
        // Every authenticated route comes through here: the IP whitelist binds them all.
        let principal = state
            .db
            .read(move |conn| {
                let principal = authenticate(conn, &token, &lifetime, now)?;
                ip_whitelist::admit(conn, &principal, ip.as_deref())?;
                Ok(principal)
            })
            .await?;
        if let Principal::Session {
            token_hash,
            last_used_at,
            ..
        } = &principal
        {
            if lifetime.needs_touch(*last_used_at, now) {
                // Use slides the idle window; a failure here must not fail the request.
                let hash = token_hash.clone();
                if let Err(e) = state
                    .db
                    .write(move |ctx| Ok(tokens::touch_session(ctx.tx, &hash, now)?))
                    .await
                {
                    tracing::warn!(error = %e, "cannot record a session's use");
                }
            }
        }
        Ok(Auth(principal))
    }
}

/// Log in with email and password; returns a session token for the app.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, description = "Email longer than 254 bytes or password longer than 1024 bytes", body = ErrorBody),
        (status = 401, description = "Wrong email or password", body = ErrorBody),
        (status = 403, description = "Right password, but the address is outside the company's IP whitelist (the message says which address)", body = ErrorBody),
        (status = 413, description = "Body larger than 8 KiB", body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 429, description = "More than 5 attempts for this email and IP in 60 s (see Retry-After)", body = ErrorBody),
        (status = 503, description = "The server runs and queues as many password checks as it can (Retry-After: 1)", body = ErrorBody),
    ))]
pub async fn login(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let ip = ip.unwrap_or_else(|| "unknown".into());
    admin::login(
        &st.db,
        &st.passwords,
        st.sessions,
        req.email,
        req.password,
        ip,
    )
    .await
    .map(Json)
}

/// Revoke the caller's session token.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    security(("token" = [])),
    responses((status = 204), (status = 401, body = ErrorBody),
        (status = 403, description = "An API token: revoke it instead", body = ErrorBody)))]
pub async fn logout(State(st): State<AppState>, Auth(p): Auth) -> ApiResult<StatusCode> {
    admin::logout(&st.db, p).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who the token belongs to and what they may do.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    security(("token" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(State(st): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Me>> {
    st.db.read(move |conn| admin::me(conn, &p)).await.map(Json)
}

/// Change one's own password; every other session of the caller ends, this one stays.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "auth", request_body = ChangePassword,
    security(("token" = [])),
    responses((status = 204), (status = 400, description = "A new password too short or too long", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "An API token has no password", body = ErrorBody),
        (status = 422, description = "The current password is not right", body = ErrorBody),
        (status = 503, description = "The server is busy checking other passwords", body = ErrorBody)))]
pub async fn change_password(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Json(req): Json<ChangePassword>,
) -> ApiResult<StatusCode> {
    admin::change_own_password(
        &st.db,
        &st.passwords,
        p,
        ip,
        req.current_password,
        req.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
