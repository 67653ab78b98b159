//! Queries on `action_log` (every movement of a conversation and every admin action) and on
//! `processed_actions` (idempotency keys of app actions and offline edits).

use crate::storage::sql::{self, params, Conn, Row};
use switchboard_protocol::{Id, LogAction, LogDetails, LogTarget};

use super::optional;

/// One log row to write.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub company_id: Id,
    pub actor_operator_id: Option<Id>,
    pub actor_token_id: Option<Id>,
    pub target: LogTarget,
    pub target_id: Id,
    pub action: LogAction,
    pub ip: Option<&'a str>,
    pub details: &'a LogDetails,
    pub created_at: i64,
}

/// A stored log row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedAction {
    pub id: Id,
    pub actor_operator_id: Option<Id>,
    pub actor_token_id: Option<Id>,
    pub target_id: Id,
    pub action: LogAction,
    pub ip: Option<String>,
    pub details: LogDetails,
    /// Free text of rows written before migration 0010.
    pub note: Option<String>,
    pub created_at: i64,
}

pub fn insert(conn: &Conn<'_>, e: &Entry<'_>) -> sql::Result<Id> {
    let details = (*e.details != LogDetails::default())
        .then(|| serde_json::to_string(e.details))
        .transpose()
        .map_err(sql::Error::encode)?;
    conn.insert(
        "INSERT INTO action_log (company_id, actor_operator_id, actor_token_id, target_type,
            target_id, action, ip, details, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        "id",
        params![
            e.company_id,
            e.actor_operator_id,
            e.actor_token_id,
            e.target.as_str(),
            e.target_id,
            e.action.as_str(),
            e.ip,
            details,
            e.created_at
        ],
    )
}

/// A row as stored; names this version does not know and unreadable details are logged and
/// shown as `Unknown` / empty rather than hiding the row.
fn row_to_logged(r: &Row<'_>) -> sql::Result<LoggedAction> {
    let id: Id = r.get(0)?;
    let action: String = r.get(4)?;
    let details: Option<String> = r.get(6)?;
    Ok(LoggedAction {
        id,
        actor_operator_id: r.get(1)?,
        actor_token_id: r.get(2)?,
        target_id: r.get(3)?,
        action: LogAction::parse(&action).unwrap_or_else(|| {
            tracing::warn!(id, action, "action log row with an unknown action");
            LogAction::Unknown
        }),
        ip: r.get(5)?,
        details: details
            .map(|d| {
                serde_json::from_str(&d).unwrap_or_else(|e| {
                    tracing::warn!(id, error = %e, "action log row with unreadable details");
                    LogDetails::default()
                })
            })
            .unwrap_or_default(),
        note: r.get(7)?,
        created_at: r.get(8)?,
    })
}

/// How many rows the company's log holds.
pub fn count(conn: &Conn<'_>, company_id: Id) -> sql::Result<i64> {
    conn.query_row(
        "SELECT COUNT(*) FROM action_log WHERE company_id = ?1",
        [company_id],
        |r| r.get(0),
    )
}

pub fn list_for_target(
    conn: &Conn<'_>,
    company_id: Id,
    target: LogTarget,
    target_id: Id,
) -> sql::Result<Vec<LoggedAction>> {
    let mut stmt = conn.prepare(
        "SELECT id, actor_operator_id, actor_token_id, target_id, action, ip, details, note,
            created_at
         FROM action_log WHERE company_id = ?1 AND target_type = ?2 AND target_id = ?3 ORDER BY id",
    )?;
    let rows = stmt.query_map(
        params![company_id, target.as_str(), target_id],
        row_to_logged,
    )?;
    rows.collect()
}

/// Which rows of a company's log to list (every field optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub actor_operator_id: Option<Id>,
    pub target: Option<LogTarget>,
    pub target_id: Option<Id>,
    pub action: Option<LogAction>,
    /// Inclusive bounds on `created_at`, ms.
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// A listed row with the names it is shown with (as they are when the log is read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedRow {
    pub row: LoggedAction,
    pub target: Option<LogTarget>,
    pub actor_name: Option<String>,
    pub token_name: Option<String>,
    pub target_name: Option<String>,
}

/// Up to `limit` rows of the company matching `f`, newest first, with ids below `before` (the
/// cursor: ids only grow, so rows written while someone pages never shift a later page).
pub fn page(
    conn: &Conn<'_>,
    company_id: Id,
    f: &Filter,
    before: Option<Id>,
    limit: u32,
) -> sql::Result<Vec<NamedRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.actor_operator_id, a.actor_token_id, a.target_id, a.action, a.ip,
            a.details, a.note, a.created_at, a.target_type,
            (SELECT name FROM operators WHERE id = a.actor_operator_id),
            (SELECT name FROM api_tokens WHERE id = a.actor_token_id),
            CASE a.target_type
                WHEN 'operator' THEN (SELECT name FROM operators
                    WHERE id = a.target_id AND company_id = a.company_id)
                WHEN 'group' THEN (SELECT name FROM company_groups
                    WHERE id = a.target_id AND company_id = a.company_id)
                WHEN 'role' THEN (SELECT name FROM roles
                    WHERE id = a.target_id AND company_id = a.company_id)
                WHEN 'client' THEN (SELECT display_name FROM clients
                    WHERE id = a.target_id AND company_id = a.company_id)
                WHEN 'conversation' THEN (SELECT cl.display_name FROM conversations c
                    JOIN clients cl ON cl.id = c.client_id
                    WHERE c.id = a.target_id AND c.company_id = a.company_id)
                WHEN 'canned_response' THEN (SELECT title FROM canned_responses
                    WHERE id = a.target_id AND company_id = a.company_id)
                WHEN 'company' THEN (SELECT name FROM companies WHERE id = a.company_id)
                WHEN 'webhook' THEN (SELECT url FROM webhooks
                    WHERE id = a.target_id AND company_id = a.company_id)
            END
         FROM action_log a
         -- The casts name the type of a filter left out (NULL) for PostgreSQL.
         WHERE a.company_id = ?1 AND (CAST(?2 AS BIGINT) IS NULL OR a.id < ?2)
           AND (CAST(?3 AS BIGINT) IS NULL OR a.actor_operator_id = ?3)
           AND (CAST(?4 AS TEXT) IS NULL OR a.target_type = ?4) AND (CAST(?5 AS BIGINT) IS NULL OR a.target_id = ?5)
           AND (CAST(?6 AS TEXT) IS NULL OR a.action = ?6)
           AND (CAST(?7 AS BIGINT) IS NULL OR a.created_at >= ?7) AND (CAST(?8 AS BIGINT) IS NULL OR a.created_at <= ?8)
         ORDER BY a.id DESC LIMIT ?9",
    )?;
    let rows = stmt.query_map(
        params![
            company_id,
            before,
            f.actor_operator_id,
            f.target.map(LogTarget::as_str),
            f.target_id,
            f.action.map(LogAction::as_str),
            f.from,
            f.to,
            limit
        ],
        |r| {
            let target: String = r.get(9)?;
            Ok(NamedRow {
                row: row_to_logged(r)?,
                target: LogTarget::parse(&target),
                actor_name: r.get(10)?,
                token_name: r.get(11)?,
                target_name: r.get(12)?,
            })
        },
    )?;
    rows.collect()
}

/// An idempotency key already used (a conversation action's `action_id`, or an edit's
/// `Idempotency-Key`): the conversation it was applied to and the row it created (a client
/// note), if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Processed {
    pub conversation_id: Id,
    pub result_id: Option<Id>,
}

/// What a key was already applied to, if it was.
pub fn processed(conn: &Conn<'_>, company_id: Id, key: &str) -> sql::Result<Option<Processed>> {
    optional(conn.query_row(
        "SELECT conversation_id, result_id FROM processed_actions
         WHERE company_id = ?1 AND action_id = ?2",
        params![company_id, key],
        |r| {
            Ok(Processed {
                conversation_id: r.get(0)?,
                result_id: r.get(1)?,
            })
        },
    ))
}

pub fn mark_processed(
    conn: &Conn<'_>,
    company_id: Id,
    key: &str,
    done: Processed,
    now: i64,
) -> sql::Result<()> {
    conn.execute(
        "INSERT INTO processed_actions
             (company_id, action_id, conversation_id, result_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        params![company_id, key, done.conversation_id, done.result_id, now],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{companies, Db};

    /// Rows written before the log was typed (free-text `note`, no `details`) and rows of a
    /// newer server (an action this version does not know) are still listed.
    #[test]
    fn older_and_newer_rows_stay_readable() {
        let db = Db::open_in_memory().expect("db");
        let rows = db
            .write_blocking(|ctx| {
                let company = companies::insert(ctx.tx, "Acme", 0)?;
                ctx.tx.execute(
                    "INSERT INTO action_log (company_id, target_type, target_id, action, note,
                        created_at)
                     VALUES (?1, 'conversation', 7, 'assign_operator', 'operator_id=5; disable_webhook=1', 1),
                            (?1, 'conversation', 7, 'teleported', NULL, 2)",
                    [company],
                )?;
                let details = LogDetails {
                    operator_id: Some(5),
                    ..LogDetails::default()
                };
                insert(
                    ctx.tx,
                    &Entry {
                        company_id: company,
                        actor_operator_id: None,
                        actor_token_id: None,
                        target: LogTarget::Conversation,
                        target_id: 7,
                        action: LogAction::AssignOperator,
                        ip: Some("203.0.113.9"),
                        details: &details,
                        created_at: 3,
                    },
                )?;
                Ok(list_for_target(ctx.tx, company, LogTarget::Conversation, 7)?)
            })
            .expect("rows");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].action, LogAction::AssignOperator);
        assert_eq!(rows[0].details, LogDetails::default());
        assert_eq!(
            rows[0].note.as_deref(),
            Some("operator_id=5; disable_webhook=1")
        );
        assert_eq!(rows[1].action, LogAction::Unknown);
        assert_eq!(rows[2].details.operator_id, Some(5));
        assert_eq!(rows[2].note, None);
        assert_eq!(rows[2].ip.as_deref(), Some("203.0.113.9"));
    }
}
