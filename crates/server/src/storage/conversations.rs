//! Queries on `conversations` (always read with their client embedded), including the
//! visibility filter used by lists and the snapshot.

use crate::storage::sql::{self, params, Conn, Row};
use switchboard_protocol::{Conversation, ConversationStatus, Id};

use super::clients::{row_to_client, COLUMNS as CLIENT_COLUMNS};
use super::{id_list, optional, parse_enum};
use crate::policy::Viewer;

const COLUMNS: &str = "c.id, c.channel_account_id, c.status, c.operator_id, c.group_id,
    c.status_changed_at, c.closed_by, c.last_message_at, c.last_message_from_operator,
    c.last_message_preview, c.last_client_message_id, c.created_at, c.updated_at";
const CLIENT_FIRST: usize = 13;

fn select() -> String {
    format!(
        "SELECT {COLUMNS}, {CLIENT_COLUMNS} FROM conversations c JOIN clients cl ON cl.id = c.client_id"
    )
}

fn row_to_conversation(r: &Row<'_>) -> sql::Result<Conversation> {
    Ok(Conversation {
        id: r.get(0)?,
        channel_account_id: r.get(1)?,
        status: parse_enum(2, r.get(2)?, ConversationStatus::parse)?,
        operator_id: r.get(3)?,
        group_id: r.get(4)?,
        status_changed_at: r.get(5)?,
        closed_by: r.get(6)?,
        last_message_at: r.get(7)?,
        last_message_from_operator: r.get(8)?,
        last_message_preview: r.get(9)?,
        last_client_message_id: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
        client: row_to_client(r, CLIENT_FIRST)?,
    })
}

/// Inserts a conversation for `c.client` (whose id must exist) and returns its id.
pub fn insert(conn: &Conn<'_>, company_id: Id, c: &Conversation) -> sql::Result<Id> {
    conn.insert(
        "INSERT INTO conversations (company_id, channel_account_id, client_id, status,
            operator_id, group_id, status_changed_at, closed_by, last_message_at,
            last_message_from_operator, last_message_preview, last_client_message_id,
            created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        "id",
        params![
            company_id,
            c.channel_account_id,
            c.client.id,
            c.status.as_str(),
            c.operator_id,
            c.group_id,
            c.status_changed_at,
            c.closed_by,
            c.last_message_at,
            c.last_message_from_operator,
            c.last_message_preview,
            c.last_client_message_id,
            c.created_at,
            c.updated_at
        ],
    )
}

/// Writes every mutable field of `c` (the client is stored separately).
pub fn update(conn: &Conn<'_>, c: &Conversation) -> sql::Result<()> {
    conn.prepare_cached(
        "UPDATE conversations SET status = ?2, operator_id = ?3, group_id = ?4,
            status_changed_at = ?5, closed_by = ?6, last_message_at = ?7,
            last_message_from_operator = ?8, last_message_preview = ?9,
            last_client_message_id = ?10, updated_at = ?11
         WHERE id = ?1",
    )?
    .execute(params![
        c.id,
        c.status.as_str(),
        c.operator_id,
        c.group_id,
        c.status_changed_at,
        c.closed_by,
        c.last_message_at,
        c.last_message_from_operator,
        c.last_message_preview,
        c.last_client_message_id,
        c.updated_at
    ])?;
    Ok(())
}

/// Writes what a new message changes (`last_message_*`, `updated_at`) and nothing else. The
/// hottest write of ingest: it sets no status, operator or group, so SQLite checks no foreign
/// key and opens no statement journal for it, as it must for [`update`].
pub fn set_last_message(conn: &Conn<'_>, c: &Conversation) -> sql::Result<()> {
    conn.prepare_cached(
        "UPDATE conversations SET last_message_at = ?2, last_message_from_operator = ?3,
            last_message_preview = ?4, last_client_message_id = ?5, updated_at = ?6
         WHERE id = ?1",
    )?
    .execute(params![
        c.id,
        c.last_message_at,
        c.last_message_from_operator,
        c.last_message_preview,
        c.last_client_message_id,
        c.updated_at
    ])?;
    Ok(())
}

pub fn get(conn: &Conn<'_>, company_id: Id, id: Id) -> sql::Result<Option<Conversation>> {
    optional(conn.query_row(
        &format!("{} WHERE c.company_id = ?1 AND c.id = ?2", select()),
        params![company_id, id],
        row_to_conversation,
    ))
}

/// The company a conversation belongs to (background work knows only its id).
pub fn company_of(conn: &Conn<'_>, id: Id) -> sql::Result<Option<Id>> {
    super::optional(conn.query_row(
        "SELECT company_id FROM conversations WHERE id = ?1",
        [id],
        |r| r.get(0),
    ))
}

pub fn get_by_client(conn: &Conn<'_>, client_id: Id) -> sql::Result<Option<Conversation>> {
    // Cached: every inbound message looks its conversation up this way.
    optional(
        conn.prepare_cached(&format!("{} WHERE c.client_id = ?1", select()))?
            .query_row([client_id], row_to_conversation),
    )
}

/// SQL condition (over `c` and `cl`) equal to [`crate::policy::visible`] for this viewer.
pub fn visibility_sql(v: &Viewer) -> String {
    if v.sees_everything {
        return "TRUE".to_string();
    }
    let in_groups = if v.group_ids.is_empty() {
        "TRUE".to_string()
    } else {
        format!("c.group_id IN ({})", id_list(&v.group_ids))
    };
    let me = v.operator_id;
    let mut parts = vec![
        format!("(c.status = 'unassigned' AND cl.blacklisted = FALSE AND {in_groups})"),
        format!("(c.status = 'inbox' AND c.operator_id = {me} AND cl.blacklisted = FALSE)"),
        format!("(c.status = 'closed' AND c.closed_by = {me} AND cl.blacklisted = FALSE)"),
    ];
    if v.sees_all_tabs {
        // All tab ∪ Blacklist tab: every conversation of the viewer's groups.
        parts.push(format!("({in_groups})"));
    }
    format!("({})", parts.join(" OR "))
}

/// One page of the viewer's visible conversations in id order (the snapshot).
pub fn page_visible(
    conn: &Conn<'_>,
    company_id: Id,
    v: &Viewer,
    after_id: Id,
    limit: i64,
) -> sql::Result<Vec<Conversation>> {
    let sql = format!(
        "{} WHERE c.company_id = ?1 AND c.id > ?2 AND {} ORDER BY c.id LIMIT ?3",
        select(),
        visibility_sql(v)
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![company_id, after_id, limit], row_to_conversation)?;
    rows.collect()
}

/// One page of the viewer's visible conversations, newest activity first, strictly after the
/// cursor `(before_at, before_id)` in that order (the snapshot with `order=recent`).
pub fn page_recent(
    conn: &Conn<'_>,
    company_id: Id,
    v: &Viewer,
    (before_at, before_id): (i64, Id),
    limit: i64,
) -> sql::Result<Vec<Conversation>> {
    let sql = format!(
        "{} WHERE c.company_id = ?1
           AND (c.last_message_at < ?2 OR (c.last_message_at = ?2 AND c.id < ?3)) AND {}
         ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?4",
        select(),
        visibility_sql(v)
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(
        params![company_id, before_at, before_id, limit],
        row_to_conversation,
    )?;
    rows.collect()
}

/// The viewer's visible conversations with a change record after `seq`, in id order after
/// `after_id`: the tail of a recent-first snapshot (they may have moved while it was read).
pub fn page_changed_since(
    conn: &Conn<'_>,
    company_id: Id,
    v: &Viewer,
    seq: i64,
    after_id: Id,
    limit: i64,
) -> sql::Result<Vec<Conversation>> {
    let sql = format!(
        "{} WHERE c.company_id = ?1 AND c.id > ?3 AND {}
           AND c.id IN (SELECT conversation_id FROM changes
                        WHERE company_id = ?1 AND seq > ?2 AND conversation_id IS NOT NULL)
         ORDER BY c.id LIMIT ?4",
        select(),
        visibility_sql(v)
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(
        params![company_id, seq, after_id, limit],
        row_to_conversation,
    )?;
    rows.collect()
}

pub fn count_visible(conn: &Conn<'_>, company_id: Id, v: &Viewer) -> sql::Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM conversations c JOIN clients cl ON cl.id = c.client_id
         WHERE c.company_id = ?1 AND {}",
        visibility_sql(v)
    );
    conn.query_row(&sql, [company_id], |r| r.get(0))
}

/// Filters of the seed API's list endpoints.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<ConversationStatus>,
    pub group_id: Option<Id>,
    pub operator_id: Option<Id>,
    /// Only blacklisted (`Some(true)`) or only not blacklisted (`Some(false)`).
    pub blacklisted: Option<bool>,
    /// Newest client message not read by the responsible operator.
    pub unread: bool,
    /// Last message is the client's (no operator answer yet).
    pub not_answered: bool,
}

/// Conversations visible to `v` matching `f`, most recently updated first.
pub fn list(
    conn: &Conn<'_>,
    company_id: Id,
    v: &Viewer,
    f: &ListFilter,
    limit: i64,
) -> sql::Result<Vec<Conversation>> {
    let mut conds = vec!["c.company_id = ?1".to_string(), visibility_sql(v)];
    if let Some(s) = f.status {
        conds.push(format!("c.status = '{}'", s.as_str()));
    }
    if let Some(g) = f.group_id {
        conds.push(format!("c.group_id = {g}"));
    }
    if let Some(o) = f.operator_id {
        conds.push(format!("c.operator_id = {o}"));
    }
    if let Some(b) = f.blacklisted {
        conds.push(format!(
            "cl.blacklisted = {}",
            if b { "TRUE" } else { "FALSE" }
        ));
    }
    if f.unread {
        conds.push(
            "c.last_client_message_id IS NOT NULL AND c.last_client_message_id >
             COALESCE((SELECT rs.last_read_message_id FROM read_states rs
                       WHERE rs.conversation_id = c.id AND rs.operator_id = c.operator_id), 0)"
                .to_string(),
        );
    }
    if f.not_answered {
        conds.push(
            "c.last_message_from_operator = FALSE AND c.last_client_message_id IS NOT NULL"
                .to_string(),
        );
    }
    let sql = format!(
        "{} WHERE {} ORDER BY c.updated_at DESC, c.id DESC LIMIT ?2",
        select(),
        conds.join(" AND ")
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![company_id, limit], row_to_conversation)?;
    rows.collect()
}

/// Ids of the company's conversations in `group_id`.
pub fn ids_in_group(conn: &Conn<'_>, company_id: Id, group_id: Id) -> sql::Result<Vec<Id>> {
    let mut stmt = conn.prepare(
        "SELECT id FROM conversations WHERE company_id = ?1 AND group_id = ?2 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![company_id, group_id], |r| r.get(0))?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{visible, Scope};
    use crate::storage::Db;

    /// The SQL filter and the policy function must agree on every combination.
    #[test]
    fn visibility_sql_matches_policy() {
        let db = Db::open_in_memory().expect("db");
        db.write_blocking(|ctx| {
            let tx = ctx.tx;
            tx.execute_batch(
                "INSERT INTO companies (id, name, created_at) VALUES (1, 'c', 0);
                 INSERT INTO company_groups (id, company_id, name, color) VALUES (10, 1, 'a', '#000'), (20, 1, 'b', '#000');
                 INSERT INTO operators (id, company_id, name, email, password_hash, created_at)
                   VALUES (1, 1, 'one', 'one@x', '', 0), (2, 1, 'two', 'two@x', '', 0);
                 INSERT INTO channel_accounts (id, company_id, kind, name, created_at) VALUES (1, 1, 'custom', 'ch', 0);",
            )?;
            let statuses = ["unassigned", "inbox", "closed"];
            let ops = [None, Some(1), Some(2)];
            let groups = [None, Some(10), Some(20)];
            let mut n = 0;
            for s in statuses {
                for op in ops {
                    for g in groups {
                        for closer in ops {
                            for bl in [false, true] {
                                n += 1;
                                tx.execute(
                                    "INSERT INTO clients (id, company_id, channel_account_id, external_id, original_name, display_name, blacklisted, created_at)
                                     VALUES (?1, 1, 1, ?1, 'x', 'x', ?2, 0)",
                                    params![n, bl],
                                )?;
                                tx.execute(
                                    "INSERT INTO conversations (id, company_id, channel_account_id, client_id, status, operator_id, group_id, status_changed_at, closed_by, last_message_at, created_at, updated_at)
                                     VALUES (?1, 1, 1, ?1, ?2, ?3, ?4, 0, ?5, 0, 0, 0)",
                                    params![n, s, op, g, closer],
                                )?;
                            }
                        }
                    }
                }
            }
            Ok(())
        })
        .expect("fixture");
        let viewers = [
            Viewer {
                operator_id: 1,
                sees_everything: false,
                group_ids: vec![],
                sees_all_tabs: false,
                hidden: switchboard_protocol::HiddenClientData::NONE,
            },
            Viewer {
                operator_id: 1,
                sees_everything: false,
                group_ids: vec![10],
                sees_all_tabs: false,
                hidden: switchboard_protocol::HiddenClientData::NONE,
            },
            Viewer {
                operator_id: 1,
                sees_everything: false,
                group_ids: vec![10],
                sees_all_tabs: true,
                hidden: switchboard_protocol::HiddenClientData::NONE,
            },
            Viewer {
                operator_id: 1,
                sees_everything: false,
                group_ids: vec![],
                sees_all_tabs: true,
                hidden: switchboard_protocol::HiddenClientData::NONE,
            },
            Viewer {
                operator_id: 2,
                sees_everything: false,
                group_ids: vec![10, 20],
                sees_all_tabs: false,
                hidden: switchboard_protocol::HiddenClientData::NONE,
            },
            Viewer {
                operator_id: 2,
                sees_everything: true,
                group_ids: vec![10],
                sees_all_tabs: false,
                hidden: switchboard_protocol::HiddenClientData::NONE,
            },
        ];
        db.read_blocking(|conn| {
            let all = page_visible(conn, 1, &viewers[5], 0, 10_000)?;
            assert_eq!(all.len(), 3 * 3 * 3 * 3 * 2);
            for v in &viewers {
                let via_sql: Vec<Id> = page_visible(conn, 1, v, 0, 10_000)?
                    .iter()
                    .map(|c| c.id)
                    .collect();
                let via_policy: Vec<Id> = all
                    .iter()
                    .filter(|c| visible(v, &Scope::of(c)))
                    .map(|c| c.id)
                    .collect();
                assert_eq!(via_sql, via_policy, "viewer {v:?}");
                assert_eq!(count_visible(conn, 1, v)?, via_policy.len() as i64);
            }
            Ok(())
        })
        .expect("check");
    }
}
