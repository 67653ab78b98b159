//! `/api/v1/webhooks`: Settings › Advanced "Manage Webhooks" (super-admin only). The rules
//! live in `service::webhooks`, the delivery in `service::webhook_delivery`.

use axum::extract::State;
use axum::http::StatusCode;
use switchboard_protocol::{
    ErrorBody, Id, NewWebhook, Webhook, WebhookAttemptsPage, WebhookDeliveriesQuery, WebhookPatch,
    WebhookTestQueued, WebhookWithSecret,
};

use super::auth::Auth;
use super::extract::{ClientIp, Json, Path, Query};
use super::AppState;
use crate::error::ApiResult;
use crate::service::webhooks as svc;

/// The company's webhooks (without their secrets).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("token" = [])),
    responses((status = 200, body = [Webhook]), (status = 403, body = ErrorBody)))]
pub async fn list(State(st): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<Webhook>>> {
    svc::list(&st.db, p).await.map(Json)
}

/// Subscribe a URL to events. The signing secret is in the answer, and never shown again
/// (rotate it with `POST /api/v1/webhooks/{id}/secret`).
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewWebhook,
    security(("token" = [])),
    responses((status = 201, body = WebhookWithSecret),
        (status = 400, description = "Not an http(s) URL, a local or private address without --allow-private-callbacks, or an unknown event", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, description = "Too many webhooks", body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Json(req): Json<NewWebhook>,
) -> ApiResult<(StatusCode, Json<WebhookWithSecret>)> {
    let made = svc::create(&st.db, p, ip, st.channels.allow_private, req).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")), security(("token" = [])),
    responses((status = 200, body = Webhook), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Webhook>> {
    svc::get(&st.db, p, id).await.map(Json)
}

/// Change the URL, the events or `active`; only the fields given change.
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")), request_body = WebhookPatch,
    security(("token" = [])),
    responses((status = 200, body = Webhook), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
    Json(patch): Json<WebhookPatch>,
) -> ApiResult<Json<Webhook>> {
    svc::update(&st.db, p, ip, st.channels.allow_private, id, patch)
        .await
        .map(Json)
}

/// Delete the webhook with its queue and delivery log.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")), security(("token" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
) -> ApiResult<StatusCode> {
    svc::delete(&st.db, p, ip, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new signing secret, shown once; the old one signs nothing from now on.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/secret", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")), security(("token" = [])),
    responses((status = 200, body = WebhookWithSecret), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn rotate_secret(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
) -> ApiResult<Json<WebhookWithSecret>> {
    svc::rotate_secret(&st.db, p, ip, id).await.map(Json)
}

/// The delivery log: one row per attempt (event, status code or error, attempt number,
/// time), newest first.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id"), WebhookDeliveriesQuery), security(("token" = [])),
    responses((status = 200, body = WebhookAttemptsPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn deliveries(
    State(st): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Id>,
    Query(q): Query<WebhookDeliveriesQuery>,
) -> ApiResult<Json<WebhookAttemptsPage>> {
    svc::deliveries(&st.db, p, id, q.before, q.limit)
        .await
        .map(Json)
}

/// "Send test event": a `webhook.test` event is queued for this webhook; its attempts show
/// in the delivery log.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")), security(("token" = [])),
    responses((status = 202, body = WebhookTestQueued), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn test(
    State(st): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<Id>,
) -> ApiResult<(StatusCode, Json<WebhookTestQueued>)> {
    let queued = svc::send_test(&st.db, p, id).await?;
    Ok((StatusCode::ACCEPTED, Json(queued)))
}
