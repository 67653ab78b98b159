//! `POST /api/v1/outgoing/whatsapp`: "Outgoing message" to a phone number.

use axum::extract::State;
use switchboard_protocol::{Conversation, ErrorBody, OutgoingWhatsappRequest};

use super::auth::Auth;
use super::extract::{ClientIp, Json};
use super::AppState;
use crate::error::ApiResult;
use crate::service::outgoing as svc;

/// Start a WhatsApp conversation with a phone number; it lands in the caller's My inbox with
/// the text as the first operator message. Needs the `outgoing_whatsapp` permission.
#[utoipa::path(post, path = "/api/v1/outgoing/whatsapp", tag = "conversations",
    request_body = OutgoingWhatsappRequest,
    security(("token" = [])),
    responses((status = 200, body = Conversation), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "No outgoing_whatsapp permission, or not one of the caller's groups", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The client's conversation is in another operator's inbox, or the caller cannot see it", body = ErrorBody),
        (status = 422, description = "No WhatsApp account, or the client is blacklisted", body = ErrorBody)))]
pub async fn whatsapp(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Json(req): Json<OutgoingWhatsappRequest>,
) -> ApiResult<Json<Conversation>> {
    svc::whatsapp(&st.db, p, ip, req).await.map(Json)
}
