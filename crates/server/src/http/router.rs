//! All routes, the body limit, panic catching and JSON fallbacks.

use std::any::Any;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use super::extract::{BODY_LIMIT, LOGIN_BODY_LIMIT};
use super::{
    attachments, auth, canned, channels, clients, conversations, email, events, message_tags,
    openapi, outgoing, profile, search, seed, sync, AppState,
};
use crate::error::ApiError;

pub fn router(state: AppState) -> Router {
    let seed_api = Router::new()
        .route("/start", post(seed::start))
        .route("/close", post(seed::close))
        .route("/unassign", post(seed::unassign))
        .route("/assign-operator", post(seed::assign_operator))
        .route("/assign-group", post(seed::assign_group))
        .route("/send-message", post(seed::send_message))
        .route("/send-file-message", post(seed::send_file_message))
        .route("/send-note", post(seed::send_note))
        .route("/unassigned", get(seed::unassigned))
        .route("/unread", get(seed::unread))
        .route("/not-answered", get(seed::not_answered))
        .route("/get", get(seed::get));
    let v1 = Router::new()
        // Unauthenticated: a small body is all a login needs.
        .route(
            "/auth/login",
            post(auth::login).layer(DefaultBodyLimit::max(LOGIN_BODY_LIMIT)),
        )
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/sync", get(sync::sync_changes))
        .route("/snapshot", get(sync::snapshot))
        .route("/directory", get(sync::directory))
        .route("/events", get(events::events))
        .route("/conversations/{id}", get(conversations::get))
        .route(
            "/conversations/{id}/messages",
            get(conversations::messages).post(conversations::send_message),
        )
        .route("/conversations/{id}/actions", post(conversations::action))
        .route("/conversations/{id}/read", post(conversations::read))
        .route("/conversations/{id}/log", get(conversations::log))
        .route("/conversations/{id}/email", post(email::send))
        .route(
            "/settings/email-whitelist",
            get(email::whitelist).put(email::set_whitelist),
        )
        .route(
            "/conversations/{id}/attachments",
            // The upload is streamed and limited by the file store, not by the JSON body limit.
            post(attachments::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/attachments/{id}", get(attachments::download))
        .route("/settings/groups/files", get(attachments::group_files))
        .route(
            "/settings/groups/{id}/files",
            put(attachments::set_group_files),
        )
        .route("/channels/{channel_id}/inbound", post(channels::inbound))
        .route("/channels/{channel_id}/telegram", post(channels::telegram))
        .route("/clients/{id}/rename", post(clients::rename))
        .route("/clients/{id}/blacklist", post(clients::blacklist))
        .route("/clients/{id}/pin", post(clients::pin))
        .route("/outgoing/whatsapp", post(outgoing::whatsapp))
        .route("/canned-responses", get(canned::list).post(canned::create))
        .route(
            "/canned-responses/{id}",
            put(canned::update).delete(canned::delete),
        )
        .route(
            "/clients/{id}/notes",
            get(profile::notes).post(profile::add_note),
        )
        .route("/tags", get(profile::tags))
        .route("/messages/tags", post(profile::tag_messages))
        .route("/message-tags", get(message_tags::page))
        .route("/analytics/tags", get(profile::tag_counts))
        .route("/messages/{id}/retry", post(profile::retry))
        .route("/search", get(search::search));
    Router::new()
        .nest("/api/conversations", seed_api)
        .nest("/api/v1", v1)
        .route("/api/openapi.json", get(openapi::openapi_json))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(panic_response))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("No such endpoint; see /api/openapi.json.")
}

async fn method_not_allowed() -> Response {
    let mut resp = ApiError::bad_request(
        "This endpoint does not accept that HTTP method; see /api/openapi.json.",
    )
    .into_response();
    *resp.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    resp
}

/// Last resort: a panic in a handler becomes a JSON 500 instead of a dropped connection.
fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    ApiError::Internal(format!("handler panicked: {detail}")).into_response()
}
