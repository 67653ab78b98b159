//! Queries on `roles` (named permission sets).

use crate::storage::sql::{self, params, Conn, Row};
use switchboard_protocol::{Id, Permissions, Role};

use super::optional;

const COLUMNS: &str = "id, name, conversations_management, show_all_tab, manage_operators,
    manage_settings, view_analytics, outgoing_whatsapp, view_action_log, download_conversations";

fn row_to_role(r: &Row<'_>) -> sql::Result<Role> {
    Ok(Role {
        id: r.get(0)?,
        name: r.get(1)?,
        permissions: Permissions {
            conversations_management: r.get(2)?,
            show_all_tab: r.get(3)?,
            manage_operators: r.get(4)?,
            manage_settings: r.get(5)?,
            view_analytics: r.get(6)?,
            outgoing_whatsapp: r.get(7)?,
            view_action_log: r.get(8)?,
            download_conversations: r.get(9)?,
        },
    })
}

pub fn insert(conn: &Conn<'_>, company_id: Id, name: &str, p: &Permissions) -> sql::Result<Id> {
    conn.insert(
        "INSERT INTO roles (company_id, name, conversations_management, show_all_tab,
            manage_operators, manage_settings, view_analytics, outgoing_whatsapp,
            view_action_log, download_conversations)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        "id",
        params![
            company_id,
            name,
            p.conversations_management,
            p.show_all_tab,
            p.manage_operators,
            p.manage_settings,
            p.view_analytics,
            p.outgoing_whatsapp,
            p.view_action_log,
            p.download_conversations
        ],
    )
}

pub fn get(conn: &Conn<'_>, company_id: Id, id: Id) -> sql::Result<Option<Role>> {
    optional(conn.query_row(
        &format!("SELECT {COLUMNS} FROM roles WHERE company_id = ?1 AND id = ?2"),
        params![company_id, id],
        row_to_role,
    ))
}

pub fn list(conn: &Conn<'_>, company_id: Id) -> sql::Result<Vec<Role>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM roles WHERE company_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([company_id], row_to_role)?;
    rows.collect()
}

pub fn update(conn: &Conn<'_>, role: &Role) -> sql::Result<()> {
    let p = &role.permissions;
    conn.execute(
        "UPDATE roles SET name = ?2, conversations_management = ?3, show_all_tab = ?4,
            manage_operators = ?5, manage_settings = ?6, view_analytics = ?7,
            outgoing_whatsapp = ?8, view_action_log = ?9, download_conversations = ?10
         WHERE id = ?1",
        params![
            role.id,
            role.name,
            p.conversations_management,
            p.show_all_tab,
            p.manage_operators,
            p.manage_settings,
            p.view_analytics,
            p.outgoing_whatsapp,
            p.view_action_log,
            p.download_conversations
        ],
    )?;
    Ok(())
}

pub fn delete(conn: &Conn<'_>, id: Id) -> sql::Result<()> {
    conn.execute("DELETE FROM roles WHERE id = ?1", [id])?;
    Ok(())
}
