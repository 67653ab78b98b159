//! Queries on `operators` and their group memberships (`operator_groups`).

use crate::storage::sql::{self, params, Conn, Row};
use switchboard_protocol::{HiddenClientData, Id, Operator, Permissions};

use super::optional;
use crate::policy::Viewer;

/// An operator with what the server needs beyond the wire type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorRecord {
    pub operator: Operator,
    pub company_id: Id,
    /// Effective permissions: all of them for a super-admin, else the role's.
    pub permissions: Permissions,
    /// What of clients the company hides from them (Hide personal data), for their groups.
    pub hidden: HiddenClientData,
}

pub struct NewOperator<'a> {
    pub company_id: Id,
    pub name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub super_admin: bool,
    pub role_id: Option<Id>,
}

const COLUMNS: &str = "o.id, o.name, o.email, o.super_admin, o.role_id, o.active, o.company_id,
        r.conversations_management, r.show_all_tab, r.manage_operators, r.manage_settings,
        r.view_analytics, r.outgoing_whatsapp, r.view_action_log, r.download_conversations";
/// How many columns `COLUMNS` selects: the index of a column selected after them.
const COLUMN_COUNT: usize = 15;
const FROM: &str = "FROM operators o LEFT JOIN roles r ON r.id = o.role_id";

fn row_to_record(r: &Row<'_>) -> sql::Result<OperatorRecord> {
    let super_admin: bool = r.get(3)?;
    let flag = |i: usize| -> sql::Result<bool> { Ok(r.get::<Option<bool>>(i)?.unwrap_or(false)) };
    let permissions = if super_admin {
        Permissions::all()
    } else {
        Permissions {
            conversations_management: flag(7)?,
            show_all_tab: flag(8)?,
            manage_operators: flag(9)?,
            manage_settings: flag(10)?,
            view_analytics: flag(11)?,
            outgoing_whatsapp: flag(12)?,
            view_action_log: flag(13)?,
            download_conversations: flag(14)?,
        }
    };
    Ok(OperatorRecord {
        operator: Operator {
            id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            super_admin,
            role_id: r.get(4)?,
            group_ids: Vec::new(),
            active: r.get(5)?,
        },
        company_id: r.get(6)?,
        permissions,
        // Known with the groups: `with_groups`.
        hidden: HiddenClientData::NONE,
    })
}

impl OperatorRecord {
    /// What this operator sees: everything as a super-admin, else their groups' and role's
    /// share, without what the company hides from them.
    pub fn viewer(&self) -> Viewer {
        Viewer {
            operator_id: self.operator.id,
            sees_everything: self.operator.super_admin,
            group_ids: self.operator.group_ids.clone(),
            sees_all_tabs: self.permissions.sees_all_tabs(),
            hidden: self.hidden,
        }
    }
}

/// Completes a record with what depends on its groups.
fn with_groups(conn: &Conn<'_>, mut rec: OperatorRecord) -> sql::Result<OperatorRecord> {
    rec.operator.group_ids = group_ids(conn, rec.operator.id)?;
    rec.hidden = HiddenClientData::for_operator(
        &super::personal_data::get(conn, rec.company_id)?,
        rec.operator.super_admin,
        &rec.operator.group_ids,
    );
    Ok(rec)
}

pub fn insert(conn: &Conn<'_>, o: &NewOperator<'_>, now: i64) -> sql::Result<Id> {
    conn.insert(
        "INSERT INTO operators (company_id, name, email, password_hash, super_admin, role_id,
            active, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, TRUE, ?7)",
        "id",
        params![
            o.company_id,
            o.name,
            o.email,
            o.password_hash,
            o.super_admin,
            o.role_id,
            now
        ],
    )
}

pub fn email_exists(conn: &Conn<'_>, email: &str) -> sql::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM operators WHERE lower(email) = lower(?1))",
        [email],
        |r| r.get(0),
    )
}

/// The operator of `company_id` with this id, with groups.
pub fn get(conn: &Conn<'_>, company_id: Id, id: Id) -> sql::Result<Option<OperatorRecord>> {
    let rec = optional(conn.query_row(
        &format!("SELECT {COLUMNS} {FROM} WHERE o.company_id = ?1 AND o.id = ?2"),
        params![company_id, id],
        row_to_record,
    ))?;
    rec.map(|r| with_groups(conn, r)).transpose()
}

/// Login lookup: the operator with this email (any company) and their password hash.
pub fn by_email(conn: &Conn<'_>, email: &str) -> sql::Result<Option<(OperatorRecord, String)>> {
    let found = optional(conn.query_row(
        &format!("SELECT {COLUMNS}, o.password_hash {FROM} WHERE lower(o.email) = lower(?1)"),
        [email],
        |r| Ok((row_to_record(r)?, r.get::<String>(COLUMN_COUNT)?)),
    ))?;
    match found {
        Some((rec, hash)) => Ok(Some((with_groups(conn, rec)?, hash))),
        None => Ok(None),
    }
}

/// The company's first super-admin: the "Admin" the seed API defaults `operator_id` to.
pub fn first_super_admin(conn: &Conn<'_>, company_id: Id) -> sql::Result<Option<OperatorRecord>> {
    let rec = optional(conn.query_row(
        &format!("SELECT {COLUMNS} {FROM} WHERE o.company_id = ?1 AND o.super_admin = TRUE ORDER BY o.id LIMIT 1"),
        [company_id],
        row_to_record,
    ))?;
    rec.map(|r| with_groups(conn, r)).transpose()
}

pub fn list(conn: &Conn<'_>, company_id: Id) -> sql::Result<Vec<Operator>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} {FROM} WHERE o.company_id = ?1 ORDER BY o.id"
    ))?;
    let recs = stmt
        .query_map([company_id], row_to_record)?
        .collect::<sql::Result<Vec<_>>>()?;
    let mut memberships = conn.prepare(
        "SELECT og.operator_id, og.group_id FROM operator_groups og
         JOIN operators o ON o.id = og.operator_id WHERE o.company_id = ?1
         ORDER BY og.operator_id, og.group_id",
    )?;
    let pairs = memberships
        .query_map([company_id], |r| Ok((r.get::<Id>(0)?, r.get::<Id>(1)?)))?
        .collect::<sql::Result<Vec<_>>>()?;
    Ok(recs
        .into_iter()
        .map(|rec| {
            let mut op = rec.operator;
            op.group_ids = pairs
                .iter()
                .filter(|(o, _)| *o == op.id)
                .map(|(_, g)| *g)
                .collect();
            op
        })
        .collect())
}

pub fn group_ids(conn: &Conn<'_>, operator_id: Id) -> sql::Result<Vec<Id>> {
    let mut stmt = conn.prepare_cached(
        "SELECT group_id FROM operator_groups WHERE operator_id = ?1 ORDER BY group_id",
    )?;
    let rows = stmt.query_map([operator_id], |r| r.get(0))?;
    rows.collect()
}

pub fn add_to_group(conn: &Conn<'_>, operator_id: Id, group_id: Id) -> sql::Result<()> {
    conn.execute(
        "INSERT INTO operator_groups (operator_id, group_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        params![operator_id, group_id],
    )?;
    Ok(())
}

/// Display name of an operator for messages like "already taken by NAME".
pub fn name_of(conn: &Conn<'_>, id: Id) -> sql::Result<Option<String>> {
    optional(
        conn.query_row("SELECT name FROM operators WHERE id = ?1", [id], |r| {
            r.get(0)
        }),
    )
}

pub fn set_active(conn: &Conn<'_>, id: Id, active: bool) -> sql::Result<()> {
    conn.execute(
        "UPDATE operators SET active = ?2 WHERE id = ?1",
        params![id, active],
    )?;
    Ok(())
}

pub fn set_name(conn: &Conn<'_>, id: Id, name: &str) -> sql::Result<()> {
    conn.execute(
        "UPDATE operators SET name = ?2 WHERE id = ?1",
        params![id, name],
    )?;
    Ok(())
}

pub fn set_role(conn: &Conn<'_>, id: Id, role_id: Option<Id>) -> sql::Result<()> {
    conn.execute(
        "UPDATE operators SET role_id = ?2 WHERE id = ?1",
        params![id, role_id],
    )?;
    Ok(())
}

pub fn set_password_hash(conn: &Conn<'_>, id: Id, hash: &str) -> sql::Result<()> {
    conn.execute(
        "UPDATE operators SET password_hash = ?2 WHERE id = ?1",
        params![id, hash],
    )?;
    Ok(())
}

/// Replaces the operator's groups.
pub fn set_groups(conn: &Conn<'_>, id: Id, group_ids: &[Id]) -> sql::Result<()> {
    conn.execute("DELETE FROM operator_groups WHERE operator_id = ?1", [id])?;
    for g in group_ids {
        add_to_group(conn, id, *g)?;
    }
    Ok(())
}

/// Ids of the operators who have `role_id`.
pub fn with_role(conn: &Conn<'_>, role_id: Id) -> sql::Result<Vec<Id>> {
    let mut stmt = conn.prepare("SELECT id FROM operators WHERE role_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([role_id], |r| r.get(0))?;
    rows.collect()
}

/// Ids of the operators in `group_id`.
pub fn in_group(conn: &Conn<'_>, group_id: Id) -> sql::Result<Vec<Id>> {
    let mut stmt = conn.prepare(
        "SELECT operator_id FROM operator_groups WHERE group_id = ?1 ORDER BY operator_id",
    )?;
    let rows = stmt.query_map([group_id], |r| r.get(0))?;
    rows.collect()
}
