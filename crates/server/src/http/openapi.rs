//! The OpenAPI 3 document (`GET /api/openapi.json`), generated from the handlers' annotations.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::extract::Json;
use super::{
    action_log, advanced, attachments, auth, canned, channel_accounts, channels, clients,
    conversations, directory, email, embed, events, health, ip_whitelist, message_tags, metrics,
    outgoing, personal_data, profile, search, seed, sync, updates, webhooks, widget,
};

struct TokenScheme;

impl Modify for TokenScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authentication",
                "API token (`token create`) or session token (login). `Authorization: Bearer TOKEN` works too.",
            ))),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The scraper's token: `serve --metrics-token`"))
                    .build(),
            ),
        );
    }
}

/// Statuses every operation of a kind can answer because of the shared extractors and the
/// authentication, documented here once instead of on each handler: 400 (a path, query or
/// body that does not parse), 401 (operations that need a token), 413 and 415 (operations
/// with a JSON body, see `extract::Json`), 422 (operations acting as the `operator_id` given,
/// who may be deactivated).
struct CommonResponses;

impl CommonResponses {
    fn error(description: &str) -> RefOr<Response> {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                )
                .build(),
        )
    }

    fn add(op: &mut Operation, status: &str, description: &str) {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| Self::error(description));
    }
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                Self::add(op, "400", "A path, query or body value that is not valid");
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    Self::add(op, "401", "No token, or an unknown, expired or revoked one");
                }
                let json_body = op
                    .request_body
                    .as_ref()
                    .is_some_and(|b| b.content.contains_key("application/json"));
                if json_body {
                    Self::add(op, "413", "The body is larger than the endpoint accepts");
                    Self::add(op, "415", "The body is not `application/json`");
                }
                // Acting as another operator (`service::actor::resolve_actor`).
                let acts_as = op
                    .parameters
                    .as_ref()
                    .is_some_and(|ps| ps.iter().any(|p| p.name == "operator_id"));
                if acts_as {
                    Self::add(op, "422", "The operator acted as is deactivated");
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Switchboard server", description = "Seed Conversation API and the app's /api/v1."),
    modifiers(&TokenScheme, &CommonResponses),
    paths(
        seed::start, seed::close, seed::unassign, seed::assign_operator, seed::assign_group,
        seed::send_message, seed::send_file_message, seed::send_note,
        seed::unassigned, seed::unread, seed::not_answered, seed::get,
        auth::login, auth::logout, auth::me, auth::change_password,
        sync::sync_changes, sync::snapshot, sync::directory, events::events,
        conversations::send_message, conversations::action, conversations::read, conversations::typing,
        conversations::get, conversations::messages, conversations::log,
        channels::inbound, channels::telegram,
        channel_accounts::list, channel_accounts::get, channel_accounts::create, channel_accounts::update,
        channel_accounts::rotate_secret, channel_accounts::delete,
        clients::rename, clients::blacklist, clients::pin,
        outgoing::whatsapp,
        canned::list, canned::create, canned::update, canned::delete,
        profile::notes, profile::add_note, profile::tags, profile::tag_messages,
        profile::tag_counts, profile::retry, message_tags::page,
        attachments::upload, attachments::download, attachments::set_group_files, attachments::group_files,
        email::send, email::whitelist, email::set_whitelist,
        ip_whitelist::get, ip_whitelist::set, personal_data::get, personal_data::set,
        advanced::get, advanced::set,
        action_log::list,
        search::search,
        directory::list_operators, directory::create_operator, directory::get_operator,
        directory::update_operator, directory::deactivate_operator, directory::reset_password,
        directory::list_groups, directory::create_group, directory::get_group,
        directory::update_group, directory::delete_group,
        directory::list_roles, directory::create_role, directory::get_role,
        directory::update_role, directory::delete_role,
        embed::settings, embed::set_settings, embed::make_link, embed::script, embed::page,
        embed::conversation, embed::answer,
        webhooks::list, webhooks::create, webhooks::get, webhooks::update, webhooks::delete,
        webhooks::rotate_secret, webhooks::deliveries, webhooks::test,
        widget::widget_js, widget::init, widget::ws, widget::upload, widget::download,
        updates::check, updates::file,
        health::live, health::ready, metrics::scrape,
    ),
    components(schemas(
        switchboard_protocol::ChangeRecord, switchboard_protocol::ConversationAction,
        switchboard_protocol::Entity, switchboard_protocol::ChangeOp,
        // What the server POSTs to webhook receivers (docs/features/webhooks.md).
        switchboard_protocol::WebhookEventName,
        switchboard_protocol::MessageCreatedEvent, switchboard_protocol::ConversationStartedEvent,
        switchboard_protocol::ConversationClosedEvent,
        switchboard_protocol::ConversationUnassignedEvent,
        switchboard_protocol::ConversationAssignedOperatorEvent,
        switchboard_protocol::ConversationAssignedGroupEvent,
        switchboard_protocol::ClientUpdatedEvent, switchboard_protocol::TagAddedEvent,
        switchboard_protocol::WebhookTestEvent,
        // The update check's `bundle_type` (a query parameter, which utoipa does not collect).
        crate::service::updates::BundleType,
    )),
    tags(
        (name = "seed", description = "The seed Conversation API (exact paths and parameters)"),
        (name = "auth"), (name = "sync"), (name = "conversations"), (name = "channels"), (name = "clients"), (name = "canned"), (name = "tags"),
        (name = "attachments"), (name = "settings"), (name = "directory"),
        (name = "embed", description = "Settings › Advanced › Iframe integration: the embeddable conversation view, opened by its signed link"),
        (name = "webhooks", description = "Settings › Advanced \"Manage Webhooks\" (super-admin only). Each event is POSTed as JSON (schemas `MessageCreatedEvent` … `WebhookTestEvent`) with `X-Switchboard-Event`, `X-Switchboard-Event-Id` and `X-Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\" keyed by the webhook's secret>`; delivery is at least once (drop repeats by `id`), in order per conversation, retried with exponential backoff"),
        (name = "widget", description = "The LiveChat widget: called from the pages of the origins a livechat channel allows"),
        (name = "updates", description = "App updates from the company's own server (serve --updates-dir): Tauri's dynamic update server contract"),
        (name = "operations", description = "Probes for load balancers and orchestrators (liveness, readiness) and Prometheus metrics for the scraper with `serve --metrics-token`"),
    )
)]
pub struct ApiDoc;

/// The document itself; public.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
