//! The OpenAPI 3 document (`GET /api/openapi.json`), generated from the handlers' annotations.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::extract::Json;
use super::{
    attachments, auth, canned, channels, clients, conversations, email, events, message_tags,
    outgoing, profile, search, seed, sync,
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
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Switchboard server", description = "Seed Conversation API and the app's /api/v1."),
    modifiers(&TokenScheme),
    paths(
        seed::start, seed::close, seed::unassign, seed::assign_operator, seed::assign_group,
        seed::send_message, seed::send_file_message, seed::send_note,
        seed::unassigned, seed::unread, seed::not_answered, seed::get,
        auth::login, auth::logout, auth::me,
        sync::sync_changes, sync::snapshot, sync::directory, events::events,
        conversations::send_message, conversations::action, conversations::read,
        conversations::get, conversations::messages, conversations::log,
        channels::inbound,
        clients::rename, clients::blacklist, clients::pin,
        outgoing::whatsapp,
        canned::list, canned::create, canned::update, canned::delete,
        profile::notes, profile::add_note, profile::tags, profile::tag_messages,
        profile::tag_counts, profile::retry, message_tags::page,
        attachments::upload, attachments::download, attachments::set_group_files, attachments::group_files,
        email::send, email::whitelist, email::set_whitelist,
        search::search,
    ),
    components(schemas(
        switchboard_protocol::ChangeRecord, switchboard_protocol::ConversationAction,
        switchboard_protocol::Entity, switchboard_protocol::ChangeOp,
    )),
    tags(
        (name = "seed", description = "The seed Conversation API (exact paths and parameters)"),
        (name = "auth"), (name = "sync"), (name = "conversations"), (name = "channels"), (name = "clients"), (name = "canned"), (name = "tags"),
        (name = "auth"), (name = "sync"), (name = "conversations"), (name = "channels"), (name = "clients"),
        (name = "attachments"), (name = "settings"),
    )
)]
pub struct ApiDoc;

/// The document itself; public.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
