//! Queries on `company_groups` (operator groups such as "1st line").

use crate::storage::sql::{self, params, Conn, Row};
use switchboard_protocol::{Group, Id};

use super::optional;

fn row_to_group(r: &Row<'_>) -> sql::Result<Group> {
    Ok(Group {
        id: r.get(0)?,
        name: r.get(1)?,
        color: r.get(2)?,
    })
}

pub fn insert(conn: &Conn<'_>, company_id: Id, name: &str, color: &str) -> sql::Result<Id> {
    conn.insert(
        "INSERT INTO company_groups (company_id, name, color) VALUES (?1, ?2, ?3)",
        "id",
        params![company_id, name, color],
    )
}

pub fn get(conn: &Conn<'_>, company_id: Id, id: Id) -> sql::Result<Option<Group>> {
    optional(conn.query_row(
        "SELECT id, name, color FROM company_groups WHERE company_id = ?1 AND id = ?2",
        params![company_id, id],
        row_to_group,
    ))
}

pub fn list(conn: &Conn<'_>, company_id: Id) -> sql::Result<Vec<Group>> {
    let mut stmt = conn
        .prepare("SELECT id, name, color FROM company_groups WHERE company_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([company_id], row_to_group)?;
    rows.collect()
}

pub fn update(conn: &Conn<'_>, g: &Group) -> sql::Result<()> {
    conn.execute(
        "UPDATE company_groups SET name = ?2, color = ?3 WHERE id = ?1",
        params![g.id, g.name, g.color],
    )?;
    Ok(())
}

/// How many conversations and channel accounts still name the group.
pub fn usage(conn: &Conn<'_>, id: Id) -> sql::Result<(i64, i64)> {
    conn.query_row(
        "SELECT (SELECT COUNT(*) FROM conversations WHERE group_id = ?1),
                (SELECT COUNT(*) FROM channel_accounts WHERE group_id = ?1)",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Moves the group's channel accounts to `to`; returns their ids.
pub fn move_channels(conn: &Conn<'_>, from: Id, to: Id) -> sql::Result<Vec<Id>> {
    let mut stmt =
        conn.prepare("UPDATE channel_accounts SET group_id = ?2 WHERE group_id = ?1 RETURNING id")?;
    let rows = stmt.query_map(params![from, to], |r| r.get(0))?;
    rows.collect()
}

/// Deletes the group with its memberships and file policy (nothing may name it any more).
pub fn delete(conn: &Conn<'_>, id: Id) -> sql::Result<()> {
    conn.execute("DELETE FROM operator_groups WHERE group_id = ?1", [id])?;
    conn.execute("DELETE FROM group_file_policies WHERE group_id = ?1", [id])?;
    conn.execute(
        "DELETE FROM personal_data_exempt_groups WHERE group_id = ?1",
        [id],
    )?;
    conn.execute("DELETE FROM company_groups WHERE id = ?1", [id])?;
    Ok(())
}
