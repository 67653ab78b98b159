//! `/api/v1` "Send to Email" and the email whitelist setting.

use axum::extract::State;
use switchboard_protocol::{EmailConversationRequest, EmailSent, EmailWhitelist, ErrorBody, Id};

use super::auth::Auth;
use super::extract::{ClientIp, Json, Path};
use super::AppState;
use crate::error::ApiResult;
use crate::service::email as svc;

/// Mail the conversation (or the selected messages) to one address, as HTML and plain text.
/// Without `message_ids` internal notes are left out; selected notes are labelled.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/email", tag = "conversations",
    params(("id" = i64, Path, description = "Conversation id")),
    request_body = EmailConversationRequest, security(("token" = [])),
    responses(
        (status = 200, description = "The SMTP server accepted the mail", body = EmailSent),
        (status = 400, description = "Bad address, subject or message ids", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "No \"download conversations\" permission, or the address is not whitelisted", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "No mail server configured (--smtp-url)", body = ErrorBody),
        (status = 502, description = "The mail server failed, refused or did not answer", body = ErrorBody),
    ))]
pub async fn send(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<Id>,
    Json(req): Json<EmailConversationRequest>,
) -> ApiResult<Json<EmailSent>> {
    svc::send_conversation(&st.db, st.mailer.as_deref(), p, ip, id, req)
        .await
        .map(Json)
}

/// Settings › Advanced "Email whitelist for downloading conversations" (manage settings).
#[utoipa::path(get, path = "/api/v1/settings/email-whitelist", tag = "settings",
    security(("token" = [])),
    responses((status = 200, body = EmailWhitelist), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn whitelist(
    State(st): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<EmailWhitelist>> {
    svc::whitelist(&st.db, p).await.map(Json)
}

/// Replace the email whitelist; addresses are validated and stored lowercase.
#[utoipa::path(put, path = "/api/v1/settings/email-whitelist", tag = "settings",
    request_body = EmailWhitelist, security(("token" = [])),
    responses((status = 200, body = EmailWhitelist), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn set_whitelist(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Json(w): Json<EmailWhitelist>,
) -> ApiResult<Json<EmailWhitelist>> {
    svc::set_whitelist(&st.db, p, ip, w).await.map(Json)
}
