//! The authorization matrix: every route of the server × every kind of caller → the expected
//! answer, against the real binary.
//!
//! The routes come from the router's own tables (`http::router::{SEED_ROUTES, V1_ROUTES,
//! OTHER_ROUTES, …}`, from which the router is built), and [`ROWS`] must have exactly one row per
//! route: a route added without its row here fails `every_route_has_a_row`.
//!
//! A caller is "allowed" when the answer is a success or a business refusal (409, 422: the
//! request got past authorization and was judged on its content); otherwise the matrix names
//! the exact status (401 no or dead token, 403 a missing right, 404 a resource the caller may
//! not see, which must be indistinguishable from one that does not exist). Each allowed call
//! that changes something runs on its own fresh server, so no caller's call changes what the
//! next one finds.

mod common;

use std::collections::BTreeSet;

use common::{session, Fx};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard_protocol::ChannelKind;
use switchboard_protocol::{
    ClientContact, Delivery, Id, Message, MessageKind, Permissions, PersonalDataSettings,
};
use switchboard_server::auth::token_hash;
use switchboard_server::channels::ChannelOptions;
use switchboard_server::http::router::{
    EMBED_ROUTES, HEALTH_ROUTES, OTHER_ROUTES, SEED_ROUTES, UPDATE_ROUTES, V1_ROUTES, WIDGET_ROUTES,
};
use switchboard_server::service::admin;
use switchboard_server::storage::operators::{self, NewOperator};
use switchboard_server::storage::{clients, ip_whitelist, messages, personal_data, roles, tokens};

/// Who may call a route.
#[derive(Clone, Copy, Debug)]
enum Rule {
    /// Anyone, without a token.
    Public,
    /// The Prometheus scraper's own token (`serve --metrics-token`), which no caller of the
    /// matrix has: 401 for everyone, an API token or a super-admin's session included.
    MetricsToken,
    /// Signing in: public, but an operator outside the company's IP whitelist gets 403.
    SignIn,
    /// By the channel's secret (`X-Channel-Secret`), not by a bearer token.
    ChannelSecret,
    /// The embedded conversation view: its signed link opens it, a bearer token opens nothing
    /// (a forged link: 404 for everyone; tests/embed.rs covers real links).
    EmbedLinkOnly,
    /// A Telegram bot's webhook, by the secret token Telegram sends, never by a bearer token:
    /// without it 401 for everyone.
    TelegramWebhook,
    /// The LiveChat widget's routes: only a page of an origin the channel allows gets in, and a
    /// bearer token opens nothing (these calls carry no `Origin`: 403 for everyone). What an
    /// allowed page may do is `tests/livechat.rs::authorization_matrix_of_the_widget_routes`.
    WidgetOrigin,
    /// Any live caller of a company; the answer is about the caller's own company.
    Company,
    /// Any live caller who may see the 1st line's unassigned conversation `{c1}` (or its
    /// client, message or file): operators of another group get 404, as do other companies.
    Conversation,
    /// App sessions only (logging out an API token is revoking it: 403).
    Session,
    /// One of Acme's directory entries (a group, a role), readable by all of Acme.
    CompanyResource,
    /// [`Rule::Company`], and a non-super-admin needs this permission.
    Permission(&'static str),
    /// [`Rule::Permission`] over one of Acme's entries: the other company gets 404.
    PermissionOver(&'static str),
    /// [`Rule::Conversation`] for a caller whose role has this permission; without it 403
    /// first, whether or not they see `{c1}` (the refusal is about the caller alone).
    ConversationWith(&'static str),
    /// [`Rule::Conversation`], and the Blacklist tab: conversations management or the All tab.
    BlacklistTab,
    /// `{c1}` is in Sue's inbox: moving it out needs conversations management. Who sees it
    /// without managing (the All tab) gets 403, who does not see it 404.
    ManagesInbox,
    /// Settings › Advanced of the caller's company: super-admins (and API tokens, which act as
    /// one) only.
    SuperAdmin,
    /// An Acme resource that only a super-admin may change (a group's file policy, a global
    /// canned response): the other company gets 404.
    SuperAdminOver,
}

/// What a row needs made before its call (by the admin, on the fresh server).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Setup {
    None,
    /// `{att}`: a file the admin uploaded into `{c1}`.
    Attachment,
    /// `{msg}`: an operator message of `{c1}` whose delivery failed.
    FailedMessage,
    /// `{canned}`: a canned response of the admin's (global).
    Canned,
    /// Sue started `{c1}`: it is in her inbox.
    SuesInbox,
    /// `{hook}`: a webhook of Acme's.
    Webhook,
}

struct Row {
    method: &'static str,
    /// The route as the router's table spells it.
    route: &'static str,
    /// The request path with placeholders (`{c1}`, `{client}`, `{g1}` …) and query.
    request: &'static str,
    body: Option<fn(&Ctx) -> Value>,
    rule: Rule,
    setup: Setup,
}

const fn row(method: &'static str, route: &'static str, request: &'static str, rule: Rule) -> Row {
    Row {
        method,
        route,
        request,
        body: None,
        rule,
        setup: Setup::None,
    }
}

const fn with_body(mut r: Row, body: fn(&Ctx) -> Value) -> Row {
    r.body = Some(body);
    r
}

const fn with_setup(mut r: Row, setup: Setup) -> Row {
    r.setup = setup;
    r
}

const SEED: &str = "/api/conversations";
const V1: &str = "/api/v1";

use Rule::{
    BlacklistTab, ChannelSecret, Company, CompanyResource, Conversation, ConversationWith,
    EmbedLinkOnly, ManagesInbox, MetricsToken, Permission, PermissionOver, Public, Session, SignIn,
    SuperAdmin, SuperAdminOver, TelegramWebhook, WidgetOrigin,
};

const MANAGE: &str = "manage_operators";
const SETTINGS: &str = "manage_settings";

/// One row per route, in the router's order.
const ROWS: &[Row] = &[
    // The seed Conversation API (parameters in the query string).
    row("POST", "/start", "/api/conversations/start?conversation_id={c1}", Conversation),
    with_setup(
        row("POST", "/close", "/api/conversations/close?conversation_id={c1}", ManagesInbox),
        Setup::SuesInbox,
    ),
    with_setup(
        row("POST", "/unassign", "/api/conversations/unassign?conversation_id={c1}", ManagesInbox),
        Setup::SuesInbox,
    ),
    with_setup(
        row(
            "POST",
            "/assign-operator",
            "/api/conversations/assign-operator?conversation_id={c1}&operator_id={anna}",
            ManagesInbox,
        ),
        Setup::SuesInbox,
    ),
    row(
        "POST",
        "/assign-group",
        "/api/conversations/assign-group?conversation_id={c1}&group_id={g2}",
        Conversation,
    ),
    row(
        "POST",
        "/send-message",
        "/api/conversations/send-message?conversation_id={c1}&text=Hello",
        Conversation,
    ),
    row(
        "POST",
        "/send-file-message",
        "/api/conversations/send-file-message?conversation_id={c1}&file_url=http%3A%2F%2F127.0.0.1%3A9%2Fx.png",
        Conversation,
    ),
    row("POST", "/send-note", "/api/conversations/send-note?conversation_id={c1}&text=Note", Conversation),
    row("GET", "/unassigned", "/api/conversations/unassigned", Company),
    row("GET", "/unread", "/api/conversations/unread", Company),
    row("GET", "/not-answered", "/api/conversations/not-answered", Company),
    row("GET", "/get", "/api/conversations/get?conversation_id={c1}", Conversation),
    // The app's API.
    with_body(
        row("POST", "/auth/login", "/api/v1/auth/login", SignIn),
        |_| json!({"email": "anna@acme.test", "password": common::PASSWORD}),
    ),
    row("POST", "/auth/logout", "/api/v1/auth/logout", Session),
    row("GET", "/me", "/api/v1/me", Company),
    // The matrix's callers have no known password: allowed callers get 422 (wrong current
    // password), API tokens 403 (no password). tests/channel_accounts.rs changes one for real.
    with_body(
        row("PUT", "/me/password", "/api/v1/me/password", Session),
        |_| json!({"current_password": "not-it", "new_password": "a-new-password"}),
    ),
    row("GET", "/sync", "/api/v1/sync?after=1", Company),
    row("GET", "/snapshot", "/api/v1/snapshot?order=recent&limit=5", Company),
    row("GET", "/directory", "/api/v1/directory", Company),
    // Called with a real WebSocket handshake (`call`).
    row("GET", "/events", "/api/v1/events", Company),
    row("GET", "/conversations/{id}", "/api/v1/conversations/{c1}", Conversation),
    row("GET", "/conversations/{id}/messages", "/api/v1/conversations/{c1}/messages", Conversation),
    with_body(
        row("POST", "/conversations/{id}/messages", "/api/v1/conversations/{c1}/messages", Conversation),
        |_| json!({"client_msg_id": "matrix-1", "text": "Hello from the matrix", "kind": "note"}),
    ),
    with_body(
        row("POST", "/conversations/{id}/actions", "/api/v1/conversations/{c1}/actions", Conversation),
        |_| json!({"action_id": "matrix-start", "action": "start"}),
    ),
    with_body(
        row("POST", "/conversations/{id}/read", "/api/v1/conversations/{c1}/read", Conversation),
        |_| json!({"last_read_message_id": 1}),
    ),
    // Checked like sending: who sees the unassigned `{c1}` gets 422 (start it first).
    with_body(
        row("POST", "/conversations/{id}/typing", "/api/v1/conversations/{c1}/typing", Conversation),
        |_| json!({"typing": true}),
    ),
    row("GET", "/conversations/{id}/log", "/api/v1/conversations/{c1}/log", Conversation),
    with_body(
        row(
            "POST",
            "/conversations/{id}/email",
            "/api/v1/conversations/{c1}/email",
            ConversationWith("download_conversations"),
        ),
        |_| json!({"to": "claims@partner.test", "subject": "Matrix"}),
    ),
    row("GET", "/settings/email-whitelist", "/api/v1/settings/email-whitelist", SuperAdmin),
    with_body(
        row("PUT", "/settings/email-whitelist", "/api/v1/settings/email-whitelist", SuperAdmin),
        |_| json!({"restrict": true, "addresses": ["claims@partner.test"]}),
    ),
    row("GET", "/settings/ip-whitelist", "/api/v1/settings/ip-whitelist", SuperAdmin),
    with_body(
        row("PUT", "/settings/ip-whitelist", "/api/v1/settings/ip-whitelist", SuperAdmin),
        |_| json!({"enabled": true, "entries": ["127.0.0.0/8", "::1"]}),
    ),
    row("GET", "/settings/personal-data", "/api/v1/settings/personal-data", SuperAdmin),
    with_body(
        row("PUT", "/settings/personal-data", "/api/v1/settings/personal-data", SuperAdmin),
        |_| json!({"enabled": true, "hide_avatars": true, "exempt_group_ids": []}),
    ),
    // All of Settings › Advanced in one document; the body is valid for any company (no group
    // ids), and its IP list keeps the caller's loopback address.
    row("GET", "/settings/advanced", "/api/v1/settings/advanced", SuperAdmin),
    with_body(
        row("PUT", "/settings/advanced", "/api/v1/settings/advanced", SuperAdmin),
        |_| {
            json!({
                "email_whitelist": {"restrict": true, "addresses": ["claims@partner.test"]},
                "personal_data": {"enabled": true, "hide_avatars": false, "exempt_group_ids": []},
                "ip_whitelist": {"enabled": true, "entries": ["127.0.0.0/8", "::1"]},
                "iframe": {"enabled": true, "origins": ["https://crm.test"], "link_minutes": 30},
            })
        },
    ),
    // Reading the log: "view action log"; changing any Advanced function stays SuperAdmin.
    row("GET", "/action-log", "/api/v1/action-log?limit=5", Permission("view_action_log")),
    row(
        "POST",
        "/conversations/{id}/attachments",
        "/api/v1/conversations/{c1}/attachments?client_msg_id=matrix-file&name=a.txt",
        Conversation,
    ),
    with_setup(
        row("GET", "/attachments/{id}", "/api/v1/attachments/{att}", Conversation),
        Setup::Attachment,
    ),
    row("GET", "/settings/groups/files", "/api/v1/settings/groups/files", SuperAdmin),
    with_body(
        row("PUT", "/settings/groups/{id}/files", "/api/v1/settings/groups/{g1}/files", SuperAdminOver),
        |_| json!({"block_send": true, "block_receive": false}),
    ),
    with_body(
        row("POST", "/channels/{channel_id}/inbound", "/api/v1/channels/{tg}/inbound", ChannelSecret),
        |_| json!({"external_id": "matrix-client", "name": "Matrix", "text": "Hi"}),
    ),
    // A Telegram webhook: by the channel's secret in X-Telegram-Bot-Api-Secret-Token
    // (tests/telegram.rs covers the webhook's own answers).
    with_body(
        row("POST", "/channels/{channel_id}/telegram", "/api/v1/channels/{tg}/telegram", TelegramWebhook),
        |_| json!({"update_id": 1}),
    ),
    // Channel accounts: the super-admin or "manage settings" (service/channel_accounts.rs).
    row("GET", "/channels", "/api/v1/channels", Permission(SETTINGS)),
    with_body(
        row("POST", "/channels", "/api/v1/channels", Permission(SETTINGS)),
        |_| json!({"name": "Matrix app"}),
    ),
    with_body(
        row("PATCH", "/channels/{channel_id}", "/api/v1/channels/{tg}", PermissionOver(SETTINGS)),
        |_| json!({"disabled": true}),
    ),
    // {chat} has no conversations: it is deleted (tests/channel_accounts.rs: one with
    // conversations is refused with 409).
    row("GET", "/channels/{channel_id}", "/api/v1/channels/{tg}", PermissionOver(SETTINGS)),
    row("DELETE", "/channels/{channel_id}", "/api/v1/channels/{chat}", PermissionOver(SETTINGS)),
    // {tg} is a Telegram channel: its secret is not rotated here (422, a business refusal).
    row("POST", "/channels/{channel_id}/secret", "/api/v1/channels/{tg}/secret", PermissionOver(SETTINGS)),
    with_body(
        row("POST", "/clients/{id}/rename", "/api/v1/clients/{client}/rename", Conversation),
        |_| json!({"display_name": "Tom T."}),
    ),
    with_body(
        row("POST", "/clients/{id}/blacklist", "/api/v1/clients/{client}/blacklist", BlacklistTab),
        |_| json!({"blacklisted": true}),
    ),
    with_body(
        row("POST", "/clients/{id}/pin", "/api/v1/clients/{client}/pin", Conversation),
        |_| json!({"operator_id": null}),
    ),
    with_body(
        row("POST", "/outgoing/whatsapp", "/api/v1/outgoing/whatsapp", Permission("outgoing_whatsapp")),
        |_| json!({"phone": "+49 170 1234567", "text": "Hello", "client_msg_id": "matrix-wa"}),
    ),
    row("GET", "/canned-responses", "/api/v1/canned-responses", Company),
    with_body(
        row("POST", "/canned-responses", "/api/v1/canned-responses", Company),
        |_| json!({"title": "Hi", "text": "Hello there"}),
    ),
    with_setup(
        with_body(
            row("PUT", "/canned-responses/{id}", "/api/v1/canned-responses/{canned}", SuperAdminOver),
            |_| json!({"title": "Hi", "text": "Hello again"}),
        ),
        Setup::Canned,
    ),
    with_setup(
        row("DELETE", "/canned-responses/{id}", "/api/v1/canned-responses/{canned}", SuperAdminOver),
        Setup::Canned,
    ),
    row("GET", "/clients/{id}/notes", "/api/v1/clients/{client}/notes", Conversation),
    with_body(
        row("POST", "/clients/{id}/notes", "/api/v1/clients/{client}/notes", Conversation),
        |_| json!({"text": "Prefers email"}),
    ),
    row("GET", "/tags", "/api/v1/tags", Company),
    with_setup(
        with_body(
            row("POST", "/messages/tags", "/api/v1/messages/tags", Conversation),
            |c| json!({"message_ids": [c.made], "tag": "matrix"}),
        ),
        Setup::FailedMessage,
    ),
    row("GET", "/message-tags", "/api/v1/message-tags", Company),
    row("GET", "/analytics/tags", "/api/v1/analytics/tags", Permission("view_analytics")),
    with_setup(
        row("POST", "/messages/{id}/retry", "/api/v1/messages/{msg}/retry", Conversation),
        Setup::FailedMessage,
    ),
    row("GET", "/search", "/api/v1/search?q=order", Company),
    row("GET", "/operators", "/api/v1/operators", Permission(MANAGE)),
    with_body(
        // The body names Acme's group: the other company gets 404.
        row("POST", "/operators", "/api/v1/operators", PermissionOver(MANAGE)),
        |c| json!({"email": "new@acme.test", "name": "New", "group_ids": [c.fx.g1]}),
    ),
    row("GET", "/operators/{id}", "/api/v1/operators/{anna}", PermissionOver(MANAGE)),
    with_body(
        row("PATCH", "/operators/{id}", "/api/v1/operators/{anna}", PermissionOver(MANAGE)),
        |_| json!({"name": "Anna A."}),
    ),
    row("DELETE", "/operators/{id}", "/api/v1/operators/{anna}", PermissionOver(MANAGE)),
    with_body(
        row("POST", "/operators/{id}/password", "/api/v1/operators/{anna}/password", PermissionOver(MANAGE)),
        |_| json!({}),
    ),
    row("GET", "/groups", "/api/v1/groups", Company),
    with_body(
        row("POST", "/groups", "/api/v1/groups", Permission(MANAGE)),
        |_| json!({"name": "Matrix group", "color": "#123456"}),
    ),
    row("GET", "/groups/{id}", "/api/v1/groups/{g1}", CompanyResource),
    with_body(
        row("PATCH", "/groups/{id}", "/api/v1/groups/{g1}", PermissionOver(MANAGE)),
        |_| json!({"color": "#654321"}),
    ),
    row("DELETE", "/groups/{id}", "/api/v1/groups/{g2}?move_to={g1}", PermissionOver(MANAGE)),
    row("GET", "/roles", "/api/v1/roles", Company),
    with_body(
        row("POST", "/roles", "/api/v1/roles", Permission(MANAGE)),
        |_| json!({"name": "Matrix role", "permissions": {"conversations_management": false,
            "show_all_tab": false, "manage_operators": false, "manage_settings": false,
            "view_analytics": false, "outgoing_whatsapp": false, "view_action_log": false,
            "download_conversations": false}}),
    ),
    row("GET", "/roles/{id}", "/api/v1/roles/{role}", CompanyResource),
    with_body(
        row("PATCH", "/roles/{id}", "/api/v1/roles/{role}", PermissionOver(MANAGE)),
        |_| json!({"name": "Agent"}),
    ),
    row("DELETE", "/roles/{id}", "/api/v1/roles/{role}", PermissionOver(MANAGE)),
    row("GET", "/webhooks", "/api/v1/webhooks", SuperAdmin),
    with_body(
        row("POST", "/webhooks", "/api/v1/webhooks", SuperAdmin),
        |_| json!({"url": "https://crm.example.com/hook", "events": ["message.created"]}),
    ),
    with_setup(row("GET", "/webhooks/{id}", "/api/v1/webhooks/{hook}", SuperAdminOver), Setup::Webhook),
    with_setup(
        with_body(
            row("PATCH", "/webhooks/{id}", "/api/v1/webhooks/{hook}", SuperAdminOver),
            |_| json!({"active": false}),
        ),
        Setup::Webhook,
    ),
    with_setup(row("DELETE", "/webhooks/{id}", "/api/v1/webhooks/{hook}", SuperAdminOver), Setup::Webhook),
    with_setup(
        row("POST", "/webhooks/{id}/secret", "/api/v1/webhooks/{hook}/secret", SuperAdminOver),
        Setup::Webhook,
    ),
    with_setup(
        row("GET", "/webhooks/{id}/deliveries", "/api/v1/webhooks/{hook}/deliveries", SuperAdminOver),
        Setup::Webhook,
    ),
    with_setup(
        row("POST", "/webhooks/{id}/test", "/api/v1/webhooks/{hook}/test", SuperAdminOver),
        Setup::Webhook,
    ),
    row("POST", "/api/v1/widget/{channel_id}/init", "/api/v1/widget/{chat}/init", WidgetOrigin),
    row("OPTIONS", "/api/v1/widget/{channel_id}/init", "/api/v1/widget/{chat}/init", WidgetOrigin),
    row("GET", "/api/v1/widget/{channel_id}/ws", "/api/v1/widget/{chat}/ws", WidgetOrigin),
    row("POST", "/api/v1/widget/{channel_id}/files", "/api/v1/widget/{chat}/files", WidgetOrigin),
    row("OPTIONS", "/api/v1/widget/{channel_id}/files", "/api/v1/widget/{chat}/files", WidgetOrigin),
    row("GET", "/api/v1/widget/{channel_id}/files/{id}", "/api/v1/widget/{chat}/files/1", WidgetOrigin),
    row(
        "OPTIONS",
        "/api/v1/widget/{channel_id}/files/{id}",
        "/api/v1/widget/{chat}/files/1",
        WidgetOrigin,
    ),
    row("GET", "/settings/iframe", "/api/v1/settings/iframe", SuperAdmin),
    with_body(
        row("PUT", "/settings/iframe", "/api/v1/settings/iframe", SuperAdmin),
        |_| json!({"enabled": true, "origins": ["https://crm.test"], "link_minutes": 30}),
    ),
    // 422 while the integration is off (the fixture's): past authorization.
    row("POST", "/conversations/{id}/embed", "/api/v1/conversations/{c1}/embed", SuperAdminOver),
    row("GET", "/embed.js", "/embed.js", Public),
    row("GET", "/embed/{link}", "/embed/1-1-1-9999999999999-00", EmbedLinkOnly),
    row("GET", "/embed/{link}/conversation", "/embed/1-1-1-9999999999999-00/conversation", EmbedLinkOnly),
    with_body(
        row("POST", "/embed/{link}/messages", "/embed/1-1-1-9999999999999-00/messages", EmbedLinkOnly),
        |_| json!({"text": "Hi", "client_msg_id": "matrix-embed"}),
    ),
    row("GET", "/api/openapi.json", "/api/openapi.json", Public),
    row("GET", "/widget.js", "/widget.js", Public),
    // App updates: public (the updater asks before anyone signs in), the same for everyone.
    row(
        "GET",
        "/updates/{target}/{arch}/{current_version}",
        "/updates/linux/x86_64/0.1.0",
        Public,
    ),
    row("GET", "/updates/files/{name}", "/updates/files/app.AppImage", Public),
    // Probes: public, the same for everyone.
    row("GET", "/healthz", "/healthz", Public),
    row("GET", "/readyz", "/readyz", Public),
    row("GET", "/metrics", "/metrics", MetricsToken),
];

/// The kinds of caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    NoToken,
    ApiToken,
    SuperAdmin,
    /// Anna: 1st line, a role without permissions.
    Operator,
    /// An operator of the 1st line whose role has only this permission.
    WithPermission(&'static str),
    /// Dave: 2nd line.
    OtherGroup,
    /// The other company's super-admin.
    OtherCompany,
    /// Bob, deactivated (his session was not revoked: deactivation alone must lock him out).
    Deactivated,
    /// Acme's super-admin, through a trusted proxy that saw them at 203.0.113.9: outside
    /// Acme's IP whitelist (127.0.0.0/8 and ::1, which every other caller is inside).
    OutsideWhitelist,
}

/// The address [`Who::OutsideWhitelist`] comes from.
const OUTSIDE: &str = "203.0.113.9";

/// Every role permission: one caller each ([`Who::WithPermission`]).
const PERMISSIONS: [&str; 8] = [
    "conversations_management",
    "show_all_tab",
    "manage_operators",
    "manage_settings",
    "view_analytics",
    "outgoing_whatsapp",
    "view_action_log",
    "download_conversations",
];

fn callers() -> Vec<Who> {
    let mut all = vec![
        Who::NoToken,
        Who::Deactivated,
        Who::OutsideWhitelist,
        Who::OtherCompany,
        Who::OtherGroup,
        Who::Operator,
    ];
    all.extend(PERMISSIONS.iter().map(|p| Who::WithPermission(p)));
    all.extend([Who::SuperAdmin, Who::ApiToken]);
    all
}

/// The expected answer: `None` = allowed.
fn expected(rule: Rule, who: Who) -> Option<u16> {
    // The other company's caller is its super-admin: full rights over its own company.
    let full = matches!(who, Who::SuperAdmin | Who::ApiToken | Who::OtherCompany);
    let has = |p: &'static str| full || who == Who::WithPermission(p);
    match (rule, who) {
        (Public | ChannelSecret, _) => None,
        (WidgetOrigin, _) => Some(403),
        (TelegramWebhook | MetricsToken, _) => Some(401),
        (EmbedLinkOnly, _) => Some(404),
        // Every route an operator's session opens, and signing in, refuse the address.
        (_, Who::OutsideWhitelist) => Some(403),
        (SignIn, _) => None,
        (_, Who::NoToken | Who::Deactivated) => Some(401),
        // Acme's resources do not exist for the other company.
        (
            Conversation | ConversationWith(_) | BlacklistTab | ManagesInbox | SuperAdminOver
            | CompanyResource | PermissionOver(_),
            Who::OtherCompany,
        ) => Some(404),
        (Session, Who::ApiToken) => Some(403),
        (Company | Session | SuperAdmin, _) if full => None,
        (Company | Session | CompanyResource, _) => None,
        (Permission(p) | PermissionOver(p) | ConversationWith(p), _) if !has(p) => Some(403),
        (Permission(_) | PermissionOver(_), _) => None,
        (Conversation | ConversationWith(_) | BlacklistTab, Who::OtherGroup) => Some(404),
        (Conversation | ConversationWith(_), _) => None,
        (BlacklistTab, _) => {
            (!has("conversations_management") && !has("show_all_tab")).then_some(403)
        }
        (ManagesInbox, _) if has("conversations_management") => None,
        (ManagesInbox, _) if has("show_all_tab") => Some(403),
        (ManagesInbox, _) => Some(404),
        (SuperAdmin | SuperAdminOver, _) => (!full).then_some(403),
    }
}

/// Ids of one fresh server's fixture and what the row's setup made.
struct Ctx {
    fx: Fx,
    /// `serve --updates-dir`: a release with one bundle.
    _updates: tempfile::TempDir,
    tokens: Vec<(Who, String)>,
    client: Id,
    /// The fixture's role "Operator" (Anna's).
    role: Id,
    /// A LiveChat channel of Acme's that allows `https://shop.test`.
    chat: Id,
    made: Option<Id>,
}

/// A fresh server with the extra callers (one operator per permission, Bob deactivated) and
/// the row's setup done by the admin.
async fn fresh(setup: Setup) -> Ctx {
    // 127.0.0.1 is a trusted proxy, so that one caller can come from outside the whitelist.
    let updates = tempfile::tempdir().expect("updates dir");
    std::fs::write(updates.path().join("app.AppImage"), b"bundle").expect("bundle");
    std::fs::write(
        updates.path().join("latest.json"),
        r#"{"version": "9.0.0", "platforms": {"linux-x86_64": {"url": "app.AppImage", "signature": "sig"}}}"#,
    )
    .expect("manifest");
    let updates_dir = updates.path().to_string_lossy().into_owned();
    let fx = Fx::with_server_args(&[
        "--trusted-proxy",
        "127.0.0.1",
        "--updates-dir",
        &updates_dir,
        "--metrics-token",
        "matrix-scraper-0123456789",
    ]);
    let (g1, c1, bob) = (fx.g1, fx.c1, fx.bob);
    let db = fx.db();
    let (extra, client, role) = db
        .write_blocking(move |ctx| {
            let company = operators::by_email(ctx.tx, "boss@acme.test")?
                .expect("Acme's admin")
                .0
                .company_id;
            let mut extra = Vec::new();
            for (i, p) in PERMISSIONS.iter().enumerate() {
                let mut flags = serde_json::to_value(Permissions::default()).expect("flags");
                flags[*p] = true.into();
                let perms: Permissions = serde_json::from_value(flags).expect("perms");
                let role = roles::insert(ctx.tx, company, &format!("Only {p}"), &perms)?;
                let email = format!("perm{i}@acme.test");
                let id = operators::insert(
                    ctx.tx,
                    &NewOperator {
                        company_id: company,
                        name: p,
                        email: &email,
                        password_hash: "x",
                        super_admin: false,
                        role_id: Some(role),
                    },
                    0,
                )?;
                operators::add_to_group(ctx.tx, id, g1)?;
                let token = format!("sbs_matrix_{p}");
                tokens::insert_session(
                    ctx.tx,
                    id,
                    &token_hash(&token),
                    switchboard_server::service::now_ms(),
                )?;
                extra.push((Who::WithPermission(p), token));
            }
            operators::set_active(ctx.tx, bob, false)?;
            ip_whitelist::set(ctx.tx, company, true, &["127.0.0.0/8".into(), "::1".into()])?;
            let client = switchboard_server::storage::conversations::get(ctx.tx, company, c1)?
                .expect("c1")
                .client
                .id;
            // Hide personal data is on for every operator: no answer to one may carry the
            // phone of `{c1}`'s client, whatever the route (checked on every allowed call).
            clients::set_contact(
                ctx.tx,
                client,
                &ClientContact {
                    phone: Some(HIDDEN_PHONE.into()),
                    ..ClientContact::default()
                },
            )?;
            personal_data::set(
                ctx.tx,
                company,
                &PersonalDataSettings {
                    enabled: true,
                    hide_avatars: true,
                    exempt_group_ids: Vec::new(),
                },
            )?;
            let role = roles::list(ctx.tx, company)?
                .into_iter()
                .find(|r| r.name == "Operator")
                .expect("the Operator role")
                .id;
            Ok((extra, client, role))
        })
        .expect("matrix callers");
    let mut tokens = vec![
        (Who::ApiToken, fx.api.clone()),
        (Who::SuperAdmin, session(fx.admin)),
        (Who::Operator, session(fx.anna)),
        (Who::OtherGroup, session(fx.dave)),
        (Who::OtherCompany, fx.other_admin_token.clone()),
        (Who::Deactivated, session(fx.bob)),
        (Who::OutsideWhitelist, session(fx.admin)),
    ];
    tokens.extend(extra);
    let admin = session(fx.admin);
    let made = match setup {
        Setup::None => None,
        // Tom (the client of `{c1}`) sends a file: `{c1}` stays unassigned, seen by its group.
        Setup::Attachment => {
            use base64::Engine as _;
            let resp = fx
                .http
                .post(fx.url(&format!("/api/v1/channels/{}/inbound", fx.tg)))
                .header("X-Channel-Secret", "tg-secret")
                .json(&json!({"external_id": "t1", "name": "Tom", "text": "",
                    "attachment": {"name": "receipt.txt",
                        "data_base64": base64::engine::general_purpose::STANDARD.encode(b"receipt")}}))
                .send()
                .await
                .expect("inbound file");
            let (st, acc) = common::decode(resp).await;
            assert_eq!(st, StatusCode::OK, "{acc}");
            let message_id = acc["message_id"].as_i64().expect("message id");
            let msg = fx
                .db()
                .read_blocking(move |conn| Ok(messages::get(conn, c1, message_id)?))
                .expect("read")
                .expect("the file message");
            Some(msg.attachment.expect("attachment").id)
        }
        // An answer of the admin's that failed, stored as the worker would leave it.
        Setup::FailedMessage => {
            let admin_id = fx.admin;
            let stored = fx
                .db()
                .write_blocking(move |ctx| {
                    Ok(messages::insert(
                        ctx.tx,
                        &Message {
                            id: 0,
                            conversation_id: c1,
                            kind: MessageKind::Operator,
                            text: "Will fail".into(),
                            operator_id: Some(admin_id),
                            created_at: switchboard_server::service::now_ms(),
                            delivery: Delivery::Failed,
                            client_msg_id: None,
                            attachment: None,
                            delivery_error: Some("Matrix".into()),
                        },
                        None,
                    )?)
                })
                .expect("a failed message");
            Some(stored.id)
        }
        Setup::SuesInbox => {
            let sue = session(fx.sue);
            let (st, body) = fx
                .post_json(
                    &sue,
                    &format!("/api/conversations/start?conversation_id={c1}"),
                    json!({}),
                )
                .await;
            assert_eq!(st, StatusCode::OK, "{body}");
            None
        }
        Setup::Canned => {
            let (st, c) = fx
                .post_json(
                    &admin,
                    "/api/v1/canned-responses",
                    json!({"title": "T", "text": "Text"}),
                )
                .await;
            assert_eq!(st, StatusCode::CREATED, "{c}");
            Some(c["id"].as_i64().expect("canned id"))
        }
        Setup::Webhook => {
            let (st, w) = fx
                .post_json(
                    &admin,
                    "/api/v1/webhooks",
                    json!({"url": "https://crm.example.com/hook", "events": ["conversation.closed"]}),
                )
                .await;
            assert_eq!(st, StatusCode::CREATED, "{w}");
            Some(w["webhook"]["id"].as_i64().expect("webhook id"))
        }
    };
    let chat = admin::add_channel(
        &fx.db(),
        &admin::ChannelSpec {
            kind: ChannelKind::Livechat,
            name: "Shop chat".into(),
            options: ChannelOptions {
                origins: vec!["https://shop.test".into()],
                ..ChannelOptions::default()
            },
            group: None,
            company_id: None,
        },
    )
    .expect("a livechat channel")
    .id;
    Ctx {
        fx,
        _updates: updates,
        tokens,
        client,
        role,
        chat,
        made,
    }
}

fn fill(template: &str, ctx: &Ctx) -> String {
    let fx = &ctx.fx;
    let made = ctx.made.map_or_else(String::new, |m| m.to_string());
    template
        .replace("{c1}", &fx.c1.to_string())
        .replace("{g1}", &fx.g1.to_string())
        .replace("{g2}", &fx.g2.to_string())
        .replace("{tg}", &fx.tg.to_string())
        .replace("{anna}", &fx.anna.to_string())
        .replace("{client}", &ctx.client.to_string())
        .replace("{role}", &ctx.role.to_string())
        .replace("{chat}", &ctx.chat.to_string())
        .replace("{att}", &made)
        .replace("{msg}", &made)
        .replace("{canned}", &made)
        .replace("{hook}", &made)
}

async fn call(ctx: &Ctx, r: &Row, who: Who) -> (u16, String) {
    let fx = &ctx.fx;
    if r.route == "/events" {
        return handshake(ctx, r, who).await;
    }
    let method = Method::from_bytes(r.method.as_bytes()).expect("method");
    let mut req = fx.http.request(method, fx.url(&fill(r.request, ctx)));
    if let Some((_, token)) = ctx.tokens.iter().find(|(w, _)| *w == who) {
        req = req.header("Authorization", format!("Bearer {token}"));
    }
    if who == Who::OutsideWhitelist {
        req = req.header("X-Forwarded-For", OUTSIDE);
    }
    if matches!(r.rule, ChannelSecret) {
        req = req.header("X-Channel-Secret", "tg-secret");
    }
    if r.route == "/conversations/{id}/attachments" {
        req = req
            .header("Content-Type", "application/octet-stream")
            .header("X-File-Name", "matrix.txt")
            .body(b"matrix bytes".to_vec());
    } else if let Some(body) = r.body {
        req = req.json(&body(ctx));
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap_or_default())
}

/// The start of an answer, for a failure message.
fn head(body: &str) -> String {
    body.chars().take(300).collect()
}

/// A client's phone the company hides from operators (set on `{c1}`'s client in [`fresh`]).
const HIDDEN_PHONE: &str = "+49 151 2345 9876";

/// Whether an answer to `who` carries the hidden phone, though `who` is no super-admin.
fn leaks_hidden_phone(who: Who, body: &str) -> bool {
    !matches!(who, Who::SuperAdmin | Who::ApiToken) && body.contains(HIDDEN_PHONE)
}

/// The events route, called as the app does: a WebSocket handshake (101 when accepted).
async fn handshake(ctx: &Ctx, r: &Row, who: Who) -> (u16, String) {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    use tokio_tungstenite::tungstenite::Error;
    let url = ctx.fx.url(&fill(r.request, ctx)).replacen("http", "ws", 1);
    let mut req = url.into_client_request().expect("ws request");
    if let Some((_, token)) = ctx.tokens.iter().find(|(w, _)| *w == who) {
        req.headers_mut().insert(
            "Authorization",
            format!("Bearer {token}").parse().expect("header"),
        );
    }
    if who == Who::OutsideWhitelist {
        req.headers_mut()
            .insert("X-Forwarded-For", OUTSIDE.parse().expect("header"));
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((_, resp)) => (resp.status().as_u16(), String::new()),
        Err(Error::Http(resp)) => (
            resp.status().as_u16(),
            String::from_utf8_lossy(resp.body().as_deref().unwrap_or_default()).into_owned(),
        ),
        Err(e) => panic!("events handshake as {who:?}: {e}"),
    }
}

fn allowed(status: u16) -> bool {
    (200..300).contains(&status) || matches!(status, 101 | 409 | 422)
}

#[test]
fn every_route_has_a_row() {
    let routes: BTreeSet<(String, String)> = SEED_ROUTES
        .iter()
        .chain(V1_ROUTES)
        .chain(WIDGET_ROUTES)
        .chain(EMBED_ROUTES)
        .chain(OTHER_ROUTES)
        .chain(UPDATE_ROUTES)
        .chain(HEALTH_ROUTES)
        .map(|(m, p)| ((*m).to_string(), (*p).to_string()))
        .collect();
    let rows: BTreeSet<(String, String)> = ROWS
        .iter()
        .map(|r| (r.method.to_string(), r.route.to_string()))
        .collect();
    let missing: Vec<_> = routes.difference(&rows).collect();
    let stale: Vec<_> = rows.difference(&routes).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the matrix: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "rows of routes that do not exist: {stale:?}"
    );
    assert_eq!(ROWS.len(), routes.len(), "one row per route");
    for r in ROWS {
        let listed =
            |table: &[(&str, &str)]| table.iter().any(|(m, p)| *m == r.method && *p == r.route);
        // The two APIs are nested under their prefix; the other tables hold full paths.
        let prefix = if listed(SEED_ROUTES) {
            SEED
        } else if listed(V1_ROUTES) {
            V1
        } else {
            ""
        };
        assert!(
            r.request.starts_with(prefix),
            "{} {}: the request {} is not under {prefix}",
            r.method,
            r.route,
            r.request
        );
    }
}

/// A permission added to `Permissions` without its caller here would never be checked.
#[test]
fn every_permission_has_a_caller() {
    let fields: BTreeSet<String> = serde_json::to_value(Permissions::default())
        .expect("permissions")
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect();
    let callers: BTreeSet<String> = PERMISSIONS.iter().map(|p| (*p).to_string()).collect();
    assert_eq!(
        callers, fields,
        "PERMISSIONS must list every field of Permissions"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_caller_as_the_matrix_says() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for r in ROWS {
        let reads = r.method == "GET";
        // Refusals first, on one server: a refused call must change nothing.
        let ctx = fresh(r.setup).await;
        let (refused, allowed_callers): (Vec<Who>, Vec<Who>) = callers()
            .into_iter()
            .partition(|w| expected(r.rule, *w).is_some());
        for who in refused {
            let want = expected(r.rule, who).unwrap_or_default();
            let (got, body) = call(&ctx, r, who).await;
            checked += 1;
            if got != want {
                failures.push(format!(
                    "{} {} as {who:?}: {got} (want {want}) {}",
                    r.method,
                    r.route,
                    head(&body)
                ));
            }
        }
        let mut ctx = Some(ctx);
        for who in allowed_callers {
            // A change made by one allowed caller must not decide the next one's answer.
            let here = match ctx.take() {
                Some(c) if reads => c,
                _ => fresh(r.setup).await,
            };
            let (got, body) = call(&here, r, who).await;
            checked += 1;
            if !allowed(got) {
                failures.push(format!(
                    "{} {} as {who:?}: {got} (want allowed) {}",
                    r.method,
                    r.route,
                    head(&body)
                ));
            }
            if leaks_hidden_phone(who, &body) {
                failures.push(format!(
                    "{} {} as {who:?}: the answer carries a client's hidden phone",
                    r.method, r.route
                ));
            }
            if reads {
                ctx = Some(here);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} calls differ from the matrix:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
