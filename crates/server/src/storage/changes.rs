//! The change log (`changes` table): append records with their audience, read them back in
//! `seq` order.

use crate::storage::sql::{self, params, Conn, Row};
use switchboard_protocol::{Change, ChangeOp, ConversationStatus, Id};

use super::{parse_enum, WriteCtx};
use crate::error::ApiResult;
use crate::policy::Scope;

/// Who may receive a change record.
#[derive(Debug, Clone, PartialEq)]
pub enum Audience {
    /// Directory entities: everyone in the company.
    Company,
    /// Read states: only this operator.
    Operator(Id),
    /// Conversation and message records: decided by the conversation's scope before and after.
    Conversation {
        conversation_id: Id,
        before: Option<Scope>,
        after: Scope,
    },
}

impl Audience {
    /// Whether `v` may receive what is addressed to this audience now (for a conversation:
    /// whether `v` sees it as it is after the change). Change records (`service::sync::
    /// for_viewer`) and typing signals (`http::events`) both ask this.
    pub fn reaches(&self, v: &crate::policy::Viewer) -> bool {
        match self {
            Audience::Company => true,
            Audience::Operator(op) => *op == v.operator_id,
            Audience::Conversation { after, .. } => crate::policy::visible(v, after),
        }
    }
}

/// A change record as stored: the full record plus its audience. Filtered per caller by
/// `service::sync::for_viewer`.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredChange {
    pub seq: i64,
    pub company_id: Id,
    pub entity_id: Id,
    /// The typed state after an upsert, or which entity a remove drops.
    pub change: Change,
    pub audience: Audience,
}

fn op_str(op: ChangeOp) -> &'static str {
    match op {
        ChangeOp::Upsert => "upsert",
        ChangeOp::Remove => "remove",
    }
}

fn parse_op(s: &str) -> Option<ChangeOp> {
    match s {
        "upsert" => Some(ChangeOp::Upsert),
        "remove" => Some(ChangeOp::Remove),
        _ => None,
    }
}

/// Appends the record of `change` (an upsert with its state, or a [`Change::Removed`]) inside
/// the write transaction; it is published when the transaction commits.
pub fn append(
    ctx: &mut WriteCtx<'_>,
    company_id: Id,
    entity_id: Id,
    change: Change,
    audience: Audience,
    now: i64,
) -> ApiResult<i64> {
    let Some(entity) = change.entity() else {
        return Err(crate::error::ApiError::Internal(
            "an unknown change cannot be recorded".into(),
        ));
    };
    let op = change.op();
    let text = if change.has_data() {
        Some(serde_json::to_string(&change)?)
    } else {
        None
    };
    let (conversation_id, before, after, only) = match &audience {
        Audience::Company => (None, None, None, None),
        Audience::Operator(op) => (None, None, None, Some(*op)),
        Audience::Conversation {
            conversation_id,
            before,
            after,
        } => (Some(*conversation_id), before.as_ref(), Some(after), None),
    };
    let status = |s: Option<&Scope>| s.map(|s| s.status.as_str());
    ctx.tx
        .once_on_postgres(crate::storage::postgres::NOTIFY_CHANGES)?;
    let seq = ctx.tx.insert(
        "INSERT INTO changes (company_id, entity, entity_id, op, data, conversation_id,
            before_status, before_operator_id, before_group_id, before_closed_by, before_blacklisted,
            after_status, after_operator_id, after_group_id, after_closed_by, after_blacklisted,
            only_operator_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        "seq",
        params![
            company_id,
            entity.as_str(),
            entity_id,
            op_str(op),
            text,
            conversation_id,
            status(before),
            before.and_then(|s| s.operator_id),
            before.and_then(|s| s.group_id),
            before.and_then(|s| s.closed_by),
            before.map(|s| s.blacklisted),
            status(after),
            after.and_then(|s| s.operator_id),
            after.and_then(|s| s.group_id),
            after.and_then(|s| s.closed_by),
            after.map(|s| s.blacklisted),
            only,
            now,
        ],
    )?;

    ctx.push_change(StoredChange {
        seq,
        company_id,
        entity_id,
        change,
        audience,
    });
    Ok(seq)
}

/// The company's newest seq (0 when it has none).
pub fn current_seq(conn: &Conn<'_>, company_id: Id) -> sql::Result<i64> {
    conn.query_row(
        "SELECT COALESCE(MAX(seq), 0) FROM changes WHERE company_id = ?1",
        [company_id],
        |r| r.get(0),
    )
}

/// Whether the company has a record after `seq`.
pub fn exists_after(conn: &Conn<'_>, company_id: Id, seq: i64) -> sql::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM changes WHERE company_id = ?1 AND seq > ?2)",
        params![company_id, seq],
        |r| r.get(0),
    )
}

/// The columns [`row_to_change`] reads.
macro_rules! change_columns {
    () => {
        "SELECT seq, company_id, entity, entity_id, op, data, conversation_id,
            before_status, before_operator_id, before_group_id, before_closed_by, before_blacklisted,
            after_status, after_operator_id, after_group_id, after_closed_by, after_blacklisted,
            only_operator_id
         FROM changes"
    };
}

/// Up to `limit` records of the company after `seq`, oldest first.
pub fn list_after(
    conn: &Conn<'_>,
    company_id: Id,
    seq: i64,
    limit: i64,
) -> sql::Result<Vec<StoredChange>> {
    let mut stmt = conn.prepare_cached(concat!(
        change_columns!(),
        " WHERE company_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![company_id, seq, limit], row_to_change)?;
    rows.collect()
}

/// Up to `limit` records of every company after `seq`, oldest first (PostgreSQL's feed).
pub fn all_after(conn: &Conn<'_>, seq: i64, limit: i64) -> sql::Result<Vec<StoredChange>> {
    let mut stmt = conn.prepare_cached(concat!(
        change_columns!(),
        " WHERE seq > ?1 ORDER BY seq LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![seq, limit], row_to_change)?;
    rows.collect()
}

/// The newest seq of all companies (0 when there is none).
pub fn newest(conn: &Conn<'_>) -> sql::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM changes", (), |r| {
        r.get(0)
    })
}

fn scope_at(r: &Row<'_>, first: usize) -> sql::Result<Option<Scope>> {
    let status: Option<String> = r.get(first)?;
    let Some(status) = status else {
        return Ok(None);
    };
    Ok(Some(Scope {
        status: parse_enum(first, status, ConversationStatus::parse)?,
        operator_id: r.get(first + 1)?,
        group_id: r.get(first + 2)?,
        closed_by: r.get(first + 3)?,
        blacklisted: r.get::<Option<bool>>(first + 4)?.unwrap_or(false),
    }))
}

fn row_to_change(r: &Row<'_>) -> sql::Result<StoredChange> {
    let data: Option<String> = r.get(5)?;
    let data = match data {
        Some(text) => Some(serde_json::from_str(&text).map_err(|e| sql::Error::decode(5, e))?),
        None => None,
    };
    let conversation_id: Option<Id> = r.get(6)?;
    let only: Option<Id> = r.get(17)?;
    let audience = match (conversation_id, only) {
        (Some(conversation_id), _) => {
            let after = scope_at(r, 12)?
                .ok_or_else(|| sql::Error::decode(12, "conversation change without scope"))?;
            Audience::Conversation {
                conversation_id,
                before: scope_at(r, 7)?,
                after,
            }
        }
        (None, Some(op)) => Audience::Operator(op),
        (None, None) => Audience::Company,
    };
    let entity: String = r.get(2)?;
    let op = parse_enum(4, r.get(4)?, parse_op)?;
    Ok(StoredChange {
        seq: r.get(0)?,
        company_id: r.get(1)?,
        entity_id: r.get(3)?,
        change: Change::decode(&entity, op, data),
        audience,
    })
}
