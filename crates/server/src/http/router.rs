//! All routes, the body limit, panic catching and JSON fallbacks.

use std::any::Any;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, on, MethodFilter};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use super::extract::{BODY_LIMIT, LOGIN_BODY_LIMIT};
use super::{
    action_log, advanced, attachments, auth, canned, channel_accounts, channels, clients,
    conversations, directory, email, embed, events, health, ip_whitelist, message_tags, metrics,
    openapi, outgoing, personal_data, profile, search, seed, sync, updates, webhooks, widget,
    AppState,
};
use crate::error::ApiError;

/// Declares a list of routes: the `const` table of (method, path) that the authorization
/// matrix test (`tests/authorization.rs`) reads, and the function building those routes. The
/// router is built only from these lists, so a route cannot exist without its table row, and
/// a row without its line in the matrix fails that test.
macro_rules! routes {
    ($table:ident, $build:ident: $( $method:ident $path:literal => $handler:path $(, layer $layer:expr)? ;)*) => {
        pub const $table: &[(&str, &str)] = &[ $( (stringify!($method), $path) ),* ];

        fn $build() -> Router<AppState> {
            Router::new() $( .route($path, on(MethodFilter::$method, $handler) $(.layer($layer))?) )*
        }
    };
}

routes! { SEED_ROUTES, seed_api:
    POST "/start" => seed::start;
    POST "/close" => seed::close;
    POST "/unassign" => seed::unassign;
    POST "/assign-operator" => seed::assign_operator;
    POST "/assign-group" => seed::assign_group;
    POST "/send-message" => seed::send_message;
    POST "/send-file-message" => seed::send_file_message;
    POST "/send-note" => seed::send_note;
    GET "/unassigned" => seed::unassigned;
    GET "/unread" => seed::unread;
    GET "/not-answered" => seed::not_answered;
    GET "/get" => seed::get;
}

routes! { V1_ROUTES, v1_api:
    // Unauthenticated: a small body is all a login needs.
    POST "/auth/login" => auth::login, layer DefaultBodyLimit::max(LOGIN_BODY_LIMIT);
    POST "/auth/logout" => auth::logout;
    GET "/me" => auth::me;
    PUT "/me/password" => auth::change_password;
    GET "/sync" => sync::sync_changes;
    GET "/snapshot" => sync::snapshot;
    GET "/directory" => sync::directory;
    GET "/events" => events::events;
    GET "/conversations/{id}" => conversations::get;
    GET "/conversations/{id}/messages" => conversations::messages;
    POST "/conversations/{id}/messages" => conversations::send_message;
    POST "/conversations/{id}/actions" => conversations::action;
    POST "/conversations/{id}/read" => conversations::read;
    POST "/conversations/{id}/typing" => conversations::typing;
    GET "/conversations/{id}/log" => conversations::log;
    POST "/conversations/{id}/email" => email::send;
    GET "/settings/email-whitelist" => email::whitelist;
    PUT "/settings/email-whitelist" => email::set_whitelist;
    GET "/settings/ip-whitelist" => ip_whitelist::get;
    PUT "/settings/ip-whitelist" => ip_whitelist::set;
    GET "/settings/personal-data" => personal_data::get;
    PUT "/settings/personal-data" => personal_data::set;
    GET "/settings/advanced" => advanced::get;
    PUT "/settings/advanced" => advanced::set;
    GET "/action-log" => action_log::list;
    // The upload is streamed and limited by the file store, not by the JSON body limit.
    POST "/conversations/{id}/attachments" => attachments::upload, layer DefaultBodyLimit::disable();
    GET "/attachments/{id}" => attachments::download;
    GET "/settings/groups/files" => attachments::group_files;
    PUT "/settings/groups/{id}/files" => attachments::set_group_files;
    POST "/channels/{channel_id}/inbound" => channels::inbound;
    POST "/channels/{channel_id}/telegram" => channels::telegram;
    GET "/channels" => channel_accounts::list;
    POST "/channels" => channel_accounts::create;
    GET "/channels/{channel_id}" => channel_accounts::get;
    PATCH "/channels/{channel_id}" => channel_accounts::update;
    DELETE "/channels/{channel_id}" => channel_accounts::delete;
    POST "/channels/{channel_id}/secret" => channel_accounts::rotate_secret;
    POST "/clients/{id}/rename" => clients::rename;
    POST "/clients/{id}/blacklist" => clients::blacklist;
    POST "/clients/{id}/pin" => clients::pin;
    POST "/outgoing/whatsapp" => outgoing::whatsapp;
    GET "/canned-responses" => canned::list;
    POST "/canned-responses" => canned::create;
    PUT "/canned-responses/{id}" => canned::update;
    DELETE "/canned-responses/{id}" => canned::delete;
    GET "/clients/{id}/notes" => profile::notes;
    POST "/clients/{id}/notes" => profile::add_note;
    GET "/tags" => profile::tags;
    POST "/messages/tags" => profile::tag_messages;
    GET "/message-tags" => message_tags::page;
    GET "/analytics/tags" => profile::tag_counts;
    POST "/messages/{id}/retry" => profile::retry;
    GET "/search" => search::search;
    GET "/settings/iframe" => embed::settings;
    PUT "/settings/iframe" => embed::set_settings;
    POST "/conversations/{id}/embed" => embed::make_link;
    GET "/operators" => directory::list_operators;
    POST "/operators" => directory::create_operator;
    GET "/operators/{id}" => directory::get_operator;
    PATCH "/operators/{id}" => directory::update_operator;
    DELETE "/operators/{id}" => directory::deactivate_operator;
    POST "/operators/{id}/password" => directory::reset_password;
    GET "/groups" => directory::list_groups;
    POST "/groups" => directory::create_group;
    GET "/groups/{id}" => directory::get_group;
    PATCH "/groups/{id}" => directory::update_group;
    DELETE "/groups/{id}" => directory::delete_group;
    GET "/roles" => directory::list_roles;
    POST "/roles" => directory::create_role;
    GET "/roles/{id}" => directory::get_role;
    PATCH "/roles/{id}" => directory::update_role;
    DELETE "/roles/{id}" => directory::delete_role;
    GET "/webhooks" => webhooks::list;
    POST "/webhooks" => webhooks::create;
    GET "/webhooks/{id}" => webhooks::get;
    PATCH "/webhooks/{id}" => webhooks::update;
    DELETE "/webhooks/{id}" => webhooks::delete;
    POST "/webhooks/{id}/secret" => webhooks::rotate_secret;
    GET "/webhooks/{id}/deliveries" => webhooks::deliveries;
    POST "/webhooks/{id}/test" => webhooks::test;
}

// The LiveChat widget: called from other sites' pages, each request through the gate
// (`widget::gate`: a livechat channel, an allowed origin, CORS).
routes! { WIDGET_ROUTES, widget_api:
    POST "/api/v1/widget/{channel_id}/init" => widget::init;
    OPTIONS "/api/v1/widget/{channel_id}/init" => widget::preflight;
    GET "/api/v1/widget/{channel_id}/ws" => widget::ws;
    // Streamed into the file store, limited there (the widget's own file limit).
    POST "/api/v1/widget/{channel_id}/files" => widget::upload, layer DefaultBodyLimit::disable();
    OPTIONS "/api/v1/widget/{channel_id}/files" => widget::preflight;
    GET "/api/v1/widget/{channel_id}/files/{id}" => widget::download;
    OPTIONS "/api/v1/widget/{channel_id}/files/{id}" => widget::preflight;
}

// Settings › Advanced › Iframe integration: the embeddable view, opened by its link alone.
routes! { EMBED_ROUTES, embed_view:
    GET "/embed.js" => embed::script;
    GET "/embed/{link}" => embed::page;
    GET "/embed/{link}/conversation" => embed::conversation;
    POST "/embed/{link}/messages" => embed::answer;
}

// App updates from the company's own server (`serve --updates-dir`), public: the updater asks
// before anyone signs in.
routes! { UPDATE_ROUTES, updates_api:
    GET "/updates/{target}/{arch}/{current_version}" => updates::check;
    GET "/updates/files/{name}" => updates::file;
}

// Probes for load balancers and orchestrators, public and cheap; the metrics for the
// scraper with `serve --metrics-token`.
routes! { HEALTH_ROUTES, health_probes:
    GET "/healthz" => health::live;
    GET "/readyz" => health::ready;
    GET "/metrics" => metrics::scrape;
}

/// The public routes outside the APIs.
pub const OTHER_ROUTES: &[(&str, &str)] = &[("GET", "/api/openapi.json"), ("GET", "/widget.js")];

pub fn router(state: AppState) -> Router {
    Router::new()
        .nest("/api/conversations", seed_api())
        .nest("/api/v1", v1_api())
        .merge(
            widget_api().route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                widget::gate,
            )),
        )
        .route("/widget.js", get(widget::widget_js))
        .merge(embed_view())
        .merge(updates_api())
        .merge(health_probes())
        .route("/api/openapi.json", get(openapi::openapi_json))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(panic_response))
        // Outermost: what the panic catcher and the body limit answer is counted too.
        .layer(axum::middleware::from_fn(metrics::track))
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
