//! The company directory: operators, groups and channel accounts whose names the lists show.

use rusqlite::{params, Connection, OptionalExtension};
use switchboard_protocol::{ChannelAccount, Directory, Group, Id, Operator};

use crate::error::{CoreError, Result};

pub fn upsert_operator(conn: &Connection, o: &Operator) -> Result<()> {
    let data = serde_json::to_string(o).map_err(|e| CoreError::Protocol(e.to_string()))?;
    conn.prepare_cached(
        "INSERT INTO operators (id, name, email, data) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, email = excluded.email,
                                       data = excluded.data",
    )?
    .execute(params![o.id, o.name, o.email, data])?;
    Ok(())
}

pub fn upsert_group(conn: &Connection, g: &Group) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO groups (id, name, color) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, color = excluded.color",
    )?
    .execute(params![g.id, g.name, g.color])?;
    Ok(())
}

pub fn upsert_channel_account(conn: &Connection, a: &ChannelAccount) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO channel_accounts (id, kind, name, group_id) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, name = excluded.name,
                                       group_id = excluded.group_id",
    )?
    .execute(params![a.id, a.kind.as_str(), a.name, a.group_id])?;
    Ok(())
}

pub fn remove_operator(conn: &Connection, id: Id) -> Result<()> {
    conn.execute("DELETE FROM operators WHERE id = ?1", [id])?;
    Ok(())
}

pub fn remove_group(conn: &Connection, id: Id) -> Result<()> {
    conn.execute("DELETE FROM groups WHERE id = ?1", [id])?;
    Ok(())
}

pub fn remove_channel_account(conn: &Connection, id: Id) -> Result<()> {
    conn.execute("DELETE FROM channel_accounts WHERE id = ?1", [id])?;
    Ok(())
}

/// Replaces the whole directory with the server's (rows it no longer lists are dropped).
pub fn replace(conn: &Connection, d: &Directory) -> Result<()> {
    conn.execute_batch("DELETE FROM operators; DELETE FROM groups; DELETE FROM channel_accounts;")?;
    for o in &d.operators {
        upsert_operator(conn, o)?;
    }
    for g in &d.groups {
        upsert_group(conn, g)?;
    }
    for a in &d.channel_accounts {
        upsert_channel_account(conn, a)?;
    }
    Ok(())
}

pub fn operator_name(conn: &Connection, id: Id) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT name FROM operators WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Cache;
    use switchboard_protocol::{ChannelKind, Company};

    #[test]
    fn replace_and_live_updates() {
        let cache = Cache::open_in_memory().expect("cache");
        let c = cache.writer();
        let op = |id, name: &str| Operator {
            id,
            name: name.into(),
            email: format!("{name}@x.test"),
            super_admin: false,
            role_id: None,
            group_ids: vec![],
            active: true,
        };
        let dir = Directory {
            company: Company {
                id: 1,
                name: "Co".into(),
            },
            operators: vec![op(1, "anna"), op(2, "bob")],
            groups: vec![Group {
                id: 1,
                name: "Sales".into(),
                color: "#fff".into(),
            }],
            channel_accounts: vec![ChannelAccount {
                id: 1,
                kind: ChannelKind::Telegram,
                name: "tg".into(),
                group_id: Some(1),
                disabled: false,
                tags: Vec::new(),
            }],
            roles: vec![],
        };
        replace(&c, &dir).expect("replace");
        upsert_operator(&c, &op(2, "bobby")).expect("rename");
        assert_eq!(
            operator_name(&c, 2).expect("name").as_deref(),
            Some("bobby")
        );
        remove_operator(&c, 1).expect("rm");
        assert_eq!(operator_name(&c, 1).expect("name"), None);
        replace(
            &c,
            &Directory {
                operators: vec![],
                ..dir
            },
        )
        .expect("replace");
        assert_eq!(operator_name(&c, 2).expect("name"), None);
    }
}
