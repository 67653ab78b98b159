//! Settings › Advanced "Action log" read by the super-admin (or a role with "view action log"):
//! the company's log in the seed's six columns (actor, target account, action type, actor's IP,
//! date-time, note), filtered, paged newest first by an opaque cursor, and exported as CSV.
//!
//! Decisions:
//! - The cursor is the last row's id (encoded so that callers treat it as opaque): ids only
//!   grow, so rows written while someone pages land before the first page and never shift or
//!   repeat a later one.
//! - Names (actor, target, the operator or group a row mentions) are resolved when the log is
//!   read: the log shows who they are now; a deleted target shows its type and id.
//! - The CSV export is streamed a page at a time: memory stays bounded whatever the log holds.
//!   Text cells starting with `=`, `+`, `-`, `@`, tab or CR get a leading `'` so that a
//!   spreadsheet shows them as text instead of running them as formulas.

use std::collections::HashMap;

use crate::storage::sql::{self, Conn};
use axum::body::Bytes;
use base64::Engine as _;
use futures_util::Stream;
use switchboard_protocol::{
    ActionLogPage, ActionLogRow, Id, LogAction, LogDetails, LogSource, LogTarget,
};

use super::actor::{resolve_actor, Principal};
use super::webhooks;
use crate::error::{ApiError, ApiResult};
use crate::mail::transcript::iso;
use crate::storage::action_log::{self as store, Filter, NamedRow};
use crate::storage::{groups, operators, Db};

/// Rows per CSV chunk (one read transaction each).
const EXPORT_CHUNK: u32 = 500;

/// The company whose log the caller may read: super-admins (and API tokens), and operators
/// whose role has "view action log". Reading only: every Settings › Advanced change stays
/// behind `Actor::require_super_admin`.
fn authorize(conn: &Conn<'_>, principal: &Principal) -> ApiResult<Id> {
    let actor = resolve_actor(conn, principal, None, None)?;
    if actor.facts.full_rights || actor.operator.permissions.view_action_log {
        Ok(actor.company_id)
    } else {
        Err(ApiError::Forbidden(
            "Reading the action log needs the super-admin or a role with \"view action log\"."
                .into(),
        ))
    }
}

pub fn encode_cursor(id: Id) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("log:{id}"))
}

pub fn decode_cursor(cursor: &str) -> ApiResult<Id> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("log:").and_then(|n| n.parse::<Id>().ok()))
        .ok_or_else(|| {
            ApiError::InvalidState(
                "The cursor is not one this server gave out; start again without `cursor`.".into(),
            )
        })
}

/// One page, newest first, with the cursor of the next (older) one.
pub async fn page(
    db: &Db,
    principal: Principal,
    filter: Filter,
    cursor: Option<String>,
    limit: u32,
) -> ApiResult<ActionLogPage> {
    let before = cursor.as_deref().map(decode_cursor).transpose()?;
    db.read(move |conn| {
        let company_id = authorize(conn, &principal)?;
        // One more than asked: whether an older page exists.
        let mut rows = store::page(conn, company_id, &filter, before, limit + 1)?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = more
            .then(|| rows.last().map(|r| encode_cursor(r.row.id)))
            .flatten();
        let mut names = Names::new(conn, company_id);
        let rows = rows
            .into_iter()
            .map(|r| names.row(r))
            .collect::<sql::Result<Vec<_>>>()?;
        Ok(ActionLogPage { rows, next_cursor })
    })
    .await
}

/// Checks the caller may export (before any byte is sent) and returns the company.
pub async fn authorize_export(db: &Db, principal: Principal) -> ApiResult<Id> {
    db.read(move |conn| authorize(conn, &principal)).await
}

/// The filtered log as CSV (a header row, then rows newest first), a chunk at a time.
pub fn csv_export(
    db: Db,
    company_id: Id,
    filter: Filter,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    let header = csv_line(&[
        "Actor",
        "Target account",
        "Action type",
        "IP address",
        "Date and time (UTC)",
        "Note",
    ]);
    let first = futures_util::stream::once(async move { Ok(Bytes::from(header)) });
    let rest = futures_util::stream::try_unfold(Some(None::<Id>), move |state| {
        let (db, filter) = (db.clone(), filter.clone());
        async move {
            let Some(before) = state else {
                return Ok(None);
            };
            let (chunk, last) = db
                .read(move |conn| {
                    let rows = store::page(conn, company_id, &filter, before, EXPORT_CHUNK)?;
                    let last = (rows.len() == EXPORT_CHUNK as usize)
                        .then(|| rows.last().map(|r| r.row.id))
                        .flatten();
                    let mut names = Names::new(conn, company_id);
                    let mut out = String::new();
                    for r in rows {
                        let row = names.row(r)?;
                        out.push_str(&csv_line(&[
                            &actor_cell(&row),
                            &target_cell(&row),
                            row.action.as_str(),
                            row.ip.as_deref().unwrap_or(""),
                            &iso(row.created_at),
                            &row.note,
                        ]));
                    }
                    Ok((out, last))
                })
                .await
                .map_err(|e| {
                    tracing::warn!(error = %e, "action log export stopped");
                    std::io::Error::other(e.to_string())
                })?;
            if chunk.is_empty() {
                return Ok(None);
            }
            // `None` after the last chunk ends the stream on the next turn.
            let next = last.map(Some);
            Ok(Some((Bytes::from(chunk), next)))
        }
    });
    futures_util::StreamExt::chain(first, rest)
}

/// The actor column: the operator (and the API token they acted through), or where an action
/// without an operator came from.
pub fn actor_cell(r: &ActionLogRow) -> String {
    if r.via_api && r.actor_operator_id.is_some() {
        format!("{} (API)", r.actor_name)
    } else {
        r.actor_name.clone()
    }
}

/// The target column: its name, or its type and id when it no longer exists.
pub fn target_cell(r: &ActionLogRow) -> String {
    match &r.target_name {
        Some(n) => format!("{n} ({} {})", r.target_type.as_str(), r.target_id),
        None => format!("{} {} (deleted)", r.target_type.as_str(), r.target_id),
    }
}

/// One CSV record (RFC 4180: quoted when needed, quotes doubled, CRLF), every cell guarded
/// against formula injection.
pub fn csv_line(cells: &[&str]) -> String {
    let mut out = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let guarded;
        let cell = if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            guarded = format!("'{cell}");
            guarded.as_str()
        } else {
            cell
        };
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
    out
}

/// Names of the operators and groups rows mention, read once per page.
struct Names<'c> {
    conn: &'c Conn<'c>,
    company_id: Id,
    operators: HashMap<Id, Option<String>>,
    groups: HashMap<Id, Option<String>>,
}

impl<'c> Names<'c> {
    fn new(conn: &'c Conn<'c>, company_id: Id) -> Self {
        Self {
            conn,
            company_id,
            operators: HashMap::new(),
            groups: HashMap::new(),
        }
    }

    fn operator(&mut self, id: Id) -> sql::Result<String> {
        if !self.operators.contains_key(&id) {
            let n = operators::get(self.conn, self.company_id, id)?.map(|o| o.operator.name);
            self.operators.insert(id, n);
        }
        Ok(self
            .operators
            .get(&id)
            .cloned()
            .flatten()
            .unwrap_or_else(|| format!("operator {id}")))
    }

    fn group(&mut self, id: Id) -> sql::Result<String> {
        if !self.groups.contains_key(&id) {
            let n = groups::get(self.conn, self.company_id, id)?.map(|g| g.name);
            self.groups.insert(id, n);
        }
        Ok(self
            .groups
            .get(&id)
            .cloned()
            .flatten()
            .unwrap_or_else(|| format!("group {id}")))
    }

    fn row(&mut self, r: NamedRow) -> sql::Result<ActionLogRow> {
        let NamedRow {
            row,
            target,
            actor_name,
            token_name,
            target_name,
        } = r;
        let actor_name = match (&actor_name, &token_name, row.details.source) {
            (Some(op), _, _) => op.clone(),
            (None, Some(token), _) => format!("API token \"{token}\""),
            (None, None, Some(LogSource::OutgoingWhatsapp)) => "Outgoing message".into(),
            (None, None, _) => "Client".into(),
        };
        // A webhook is named by its receiver, shown as its log rows show it.
        let target_name = match target {
            Some(LogTarget::Webhook) => {
                target_name.map(|url| format!("webhook to {}", webhooks::logged_url(&url)))
            }
            _ => target_name,
        };
        let mut note = self.describe(row.action, &row.details)?;
        if row.details.webhook_disabled {
            note.push_str(" (no webhook)");
        }
        if let Some(old) = &row.note {
            note = format!("{note}: {old}");
        }
        Ok(ActionLogRow {
            id: row.id,
            actor_operator_id: row.actor_operator_id,
            actor_name,
            via_api: row.actor_token_id.is_some(),
            // Rows of a newer server's target kind are shown as the company's.
            target_type: target.unwrap_or(switchboard_protocol::LogTarget::Company),
            target_id: row.target_id,
            target_name,
            action: row.action,
            ip: row.ip,
            created_at: row.created_at,
            note,
            details: row.details,
        })
    }

    /// What a row says, in plain words.
    fn describe(&mut self, action: LogAction, d: &LogDetails) -> sql::Result<String> {
        let on_off = |b: Option<bool>| if b == Some(true) { "on" } else { "off" };
        Ok(match action {
            LogAction::Created => match d.source {
                Some(LogSource::OutgoingWhatsapp) => {
                    "Conversation started by an outgoing message".into()
                }
                _ => "Conversation created by the client's first message".into(),
            },
            LogAction::Reopened => "The client wrote into the closed conversation".into(),
            LogAction::Start => "Started the conversation".into(),
            LogAction::Close => "Closed the conversation".into(),
            LogAction::Unassign => "Moved the conversation to Unassigned".into(),
            LogAction::AssignOperator => match d.operator_id {
                Some(op) => format!("Assigned the conversation to {}", self.operator(op)?),
                None => "Assigned the conversation to an operator".into(),
            },
            LogAction::AssignGroup => match d.group_id {
                Some(g) => format!("Assigned the conversation to group {}", self.group(g)?),
                None => "Assigned the conversation to a group".into(),
            },
            LogAction::MessageSent => "Sent a message".into(),
            LogAction::FileSent => "Sent a file".into(),
            LogAction::NoteAdded => "Added an internal note".into(),
            LogAction::ClientNoteAdded => "Added a note to the client's profile".into(),
            LogAction::MessageTagged => match &d.tag {
                Some(t) => format!("Tagged a message \"{t}\""),
                None => "Tagged a message".into(),
            },
            LogAction::DeliveryRetried => "Retried a message that was not delivered".into(),
            LogAction::ConversationEmailed => format!(
                "Emailed {} message(s) to {}",
                d.message_count.unwrap_or(0),
                d.email_to.as_deref().unwrap_or("an address")
            ),
            LogAction::Rename => match &d.display_name {
                Some(n) => format!("Renamed the client to \"{n}\""),
                None => "Renamed the client".into(),
            },
            LogAction::Blacklist => "Added the client to the blacklist".into(),
            LogAction::Unblacklist => "Removed the client from the blacklist".into(),
            LogAction::Pin => match d.operator_id {
                Some(op) => format!("Fixed the client to {}", self.operator(op)?),
                None => "Fixed the client to an operator".into(),
            },
            LogAction::Unpin => "Detached the client from their operator".into(),
            LogAction::CannedCreate => "Created a canned response".into(),
            LogAction::CannedUpdate => "Changed a canned response".into(),
            LogAction::CannedDelete => "Deleted a canned response".into(),
            LogAction::EmailWhitelistChanged => {
                let list = d.whitelist_addresses.clone().unwrap_or_default().join(", ");
                if d.whitelist_restrict == Some(true) {
                    format!("Email whitelist on: only {list}")
                } else {
                    "Email whitelist off".into()
                }
            }
            LogAction::FilePolicyChanged => {
                let p = d.file_policy.unwrap_or_default();
                let what = |blocked: bool| if blocked { "blocked" } else { "allowed" };
                format!(
                    "File policy: sending files {}, receiving files {}",
                    what(p.block_send),
                    what(p.block_receive)
                )
            }
            LogAction::IframeSettingsChanged => "Changed the iframe integration settings".into(),
            LogAction::ChannelCreated => match &d.display_name {
                Some(n) => format!("Added the channel account \"{n}\""),
                None => "Added the channel account".into(),
            },
            LogAction::ChannelUpdated => "Changed the channel account".into(),
            LogAction::ChannelSecretRotated => "Issued a new secret for the channel".into(),
            LogAction::ChannelDeleted => match &d.display_name {
                Some(n) => format!("Deleted the channel account \"{n}\""),
                None => "Deleted the channel account".into(),
            },
            LogAction::WebhookCreated => format!(
                "Added a webhook to {} for {}{}",
                d.webhook_url.as_deref().unwrap_or("a URL"),
                d.webhook_events.clone().unwrap_or_default().join(", "),
                if d.webhook_active == Some(false) {
                    " (paused)"
                } else {
                    ""
                }
            ),
            LogAction::WebhookUpdated => {
                let mut changes = Vec::new();
                if let Some(url) = &d.webhook_url {
                    changes.push(format!("URL {url}"));
                }
                if let Some(events) = &d.webhook_events {
                    changes.push(format!("events {}", events.join(", ")));
                }
                if let Some(active) = d.webhook_active {
                    changes.push(if active { "active" } else { "paused" }.into());
                }
                if changes.is_empty() {
                    "Saved the webhook unchanged".into()
                } else {
                    format!("Changed the webhook: {}", changes.join("; "))
                }
            }
            LogAction::WebhookDeleted => match &d.webhook_url {
                Some(url) => format!("Deleted the webhook to {url}"),
                None => "Deleted the webhook".into(),
            },
            LogAction::WebhookSecretRotated => "Issued a new signing secret for the webhook".into(),
            LogAction::IpWhitelistChanged => {
                let list = d.ip_whitelist_entries.clone().unwrap_or_default();
                format!(
                    "IP whitelist {}: {}",
                    on_off(d.ip_whitelist_enabled),
                    if list.is_empty() {
                        "no addresses".into()
                    } else {
                        list.join(", ")
                    }
                )
            }
            LogAction::PersonalDataChanged => {
                let s = d.personal_data.clone().unwrap_or_default();
                let exempt = match s.exempt_group_ids.len() {
                    0 => "no exempt group".to_string(),
                    1 => "1 exempt group".to_string(),
                    n => format!("{n} exempt groups"),
                };
                match (s.enabled, s.hide_avatars) {
                    (false, _) => "Hide personal data off".into(),
                    (true, false) => format!("Hide personal data on, {exempt}"),
                    (true, true) => format!("Hide personal data and avatars on, {exempt}"),
                }
            }
            LogAction::OperatorCreated => "Created the operator".into(),
            LogAction::OperatorUpdated => "Changed the operator's name, role or groups".into(),
            LogAction::OperatorDeactivated => "Deactivated the operator".into(),
            LogAction::OperatorReactivated => "Reactivated the operator".into(),
            LogAction::PasswordReset => "Reset the operator's password".into(),
            LogAction::PasswordChanged => "Changed their own password".into(),
            LogAction::GroupCreated => "Created the group".into(),
            LogAction::GroupUpdated => "Changed the group".into(),
            LogAction::GroupDeleted => "Deleted the group".into(),
            LogAction::RoleCreated => "Created the role".into(),
            LogAction::RoleUpdated => "Changed the role".into(),
            LogAction::RoleDeleted => "Deleted the role".into(),
            LogAction::Unknown => "An action this server version does not know".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        assert_eq!(decode_cursor(&encode_cursor(42)).expect("cursor"), 42);
        for bad in [
            "42",
            "",
            "!!",
            &base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("log:x"),
        ] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn csv_quotes_and_guards_formulas() {
        assert_eq!(csv_line(&["a", "b c"]), "a,b c\r\n");
        assert_eq!(
            csv_line(&["Tom, \"T\"", "two\nlines"]),
            "\"Tom, \"\"T\"\"\",\"two\nlines\"\r\n"
        );
        assert_eq!(
            csv_line(&["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "x=1"]),
            "\"'=HYPERLINK(\"\"x\"\")\",'+1,'-2,'@SUM(A1),x=1\r\n"
        );
    }
}
