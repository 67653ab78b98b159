//! Queries on `attachments` and `group_file_policies`.

use crate::storage::sql::{self, params, Conn};
use switchboard_protocol::{AttachmentRef, GroupFilePolicy, Id};

use super::optional;

/// A stored attachment with what access checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRecord {
    pub reference: AttachmentRef,
    pub company_id: Id,
    pub conversation_id: Id,
    /// `None` when the client sent the file.
    pub created_by: Option<Id>,
}

/// What [`insert`] stores.
#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    pub company_id: Id,
    pub conversation_id: Id,
    pub sha256: &'a str,
    pub size: i64,
    pub content_type: &'a str,
    pub file_name: &'a str,
    pub created_by: Option<Id>,
    pub created_at: i64,
}

pub fn insert(conn: &Conn<'_>, a: &NewAttachment<'_>) -> sql::Result<AttachmentRef> {
    let id = conn.insert(
        "INSERT INTO attachments (company_id, conversation_id, sha256, size, content_type,
            file_name, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        "id",
        params![
            a.company_id,
            a.conversation_id,
            a.sha256,
            a.size,
            a.content_type,
            a.file_name,
            a.created_by,
            a.created_at
        ],
    )?;
    Ok(AttachmentRef {
        id,
        name: a.file_name.to_string(),
        size: a.size,
        content_type: a.content_type.to_string(),
        sha256: a.sha256.to_string(),
    })
}

/// The attachment `id` of `company_id` (other companies' ids are unknown).
pub fn get(conn: &Conn<'_>, company_id: Id, id: Id) -> sql::Result<Option<AttachmentRecord>> {
    optional(conn.query_row(
        "SELECT id, file_name, size, content_type, sha256, company_id, conversation_id, created_by
         FROM attachments WHERE company_id = ?1 AND id = ?2",
        params![company_id, id],
        |r| {
            Ok(AttachmentRecord {
                reference: AttachmentRef {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    size: r.get(2)?,
                    content_type: r.get(3)?,
                    sha256: r.get(4)?,
                },
                company_id: r.get(5)?,
                conversation_id: r.get(6)?,
                created_by: r.get(7)?,
            })
        },
    ))
}

/// The group's policy; everything allowed when none was set.
pub fn policy(conn: &Conn<'_>, group_id: Id) -> sql::Result<GroupFilePolicy> {
    Ok(optional(conn.query_row(
        "SELECT block_send, block_receive FROM group_file_policies WHERE group_id = ?1",
        [group_id],
        |r| {
            Ok(GroupFilePolicy {
                block_send: r.get(0)?,
                block_receive: r.get(1)?,
            })
        },
    ))?
    .unwrap_or_default())
}

pub fn set_policy(conn: &Conn<'_>, group_id: Id, p: GroupFilePolicy) -> sql::Result<()> {
    conn.execute(
        "INSERT INTO group_file_policies (group_id, block_send, block_receive) VALUES (?1, ?2, ?3)
         ON CONFLICT(group_id) DO UPDATE SET
            block_send = excluded.block_send, block_receive = excluded.block_receive",
        params![group_id, p.block_send, p.block_receive],
    )?;
    Ok(())
}
