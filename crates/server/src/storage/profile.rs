//! Queries on `client_notes`, `tags` and `message_tags`.

use crate::storage::sql::{self, params, Conn, Row};
use switchboard_protocol::{ClientNote, Id, Tag, TagCount};

use super::optional;

fn row_to_note(r: &Row<'_>) -> sql::Result<ClientNote> {
    Ok(ClientNote {
        id: r.get(0)?,
        client_id: r.get(1)?,
        conversation_id: r.get(2)?,
        operator_id: r.get(3)?,
        operator_name: r.get(6)?,
        text: r.get(4)?,
        created_at: r.get(5)?,
    })
}

const NOTE_SELECT: &str = "SELECT n.id, n.client_id, c.id, n.operator_id, n.text, n.created_at,
        o.name
    FROM client_notes n JOIN conversations c ON c.client_id = n.client_id
    JOIN operators o ON o.id = n.operator_id";

pub fn insert_note(
    conn: &Conn<'_>,
    company_id: Id,
    client_id: Id,
    operator_id: Id,
    text: &str,
    now: i64,
) -> sql::Result<Option<ClientNote>> {
    let id = conn.insert(
        "INSERT INTO client_notes (company_id, client_id, operator_id, text, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        "id",
        params![company_id, client_id, operator_id, text, now],
    )?;
    note(conn, id)
}

pub fn note(conn: &Conn<'_>, id: Id) -> sql::Result<Option<ClientNote>> {
    optional(conn.query_row(&format!("{NOTE_SELECT} WHERE n.id = ?1"), [id], row_to_note))
}

/// A client's notes, oldest first.
pub fn notes_of(conn: &Conn<'_>, client_id: Id) -> sql::Result<Vec<ClientNote>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{NOTE_SELECT} WHERE n.client_id = ?1 ORDER BY n.id"
    ))?;
    let rows = stmt.query_map([client_id], row_to_note)?;
    rows.collect()
}

pub fn tags(conn: &Conn<'_>, company_id: Id) -> sql::Result<Vec<Tag>> {
    let mut stmt = conn
        .prepare_cached("SELECT id, name FROM tags WHERE company_id = ?1 ORDER BY lower(name)")?;
    let rows = stmt.query_map([company_id], |r| {
        Ok(Tag {
            id: r.get(0)?,
            name: r.get(1)?,
        })
    })?;
    rows.collect()
}

/// The tag named `name` (any case), created if missing; `true` when it was created.
pub fn tag_by_name_or_insert(
    conn: &Conn<'_>,
    company_id: Id,
    name: &str,
    operator_id: Id,
    now: i64,
) -> sql::Result<(Tag, bool)> {
    let found = optional(conn.query_row(
        "SELECT id, name FROM tags WHERE company_id = ?1 AND lower(name) = lower(?2)",
        params![company_id, name],
        |r| {
            Ok(Tag {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        },
    ))?;
    if let Some(tag) = found {
        return Ok((tag, false));
    }
    let id = conn.insert(
        "INSERT INTO tags (company_id, name, created_by, created_at) VALUES (?1, ?2, ?3, ?4)",
        "id",
        params![company_id, name, operator_id, now],
    )?;
    let tag = Tag {
        id,
        name: name.to_string(),
    };
    Ok((tag, true))
}

/// Tags a message; `false` when it already had the tag.
pub fn tag_message(
    conn: &Conn<'_>,
    message_id: Id,
    tag_id: Id,
    operator_id: Id,
    now: i64,
) -> sql::Result<bool> {
    let n = conn.execute(
        "INSERT INTO message_tags (message_id, tag_id, operator_id, created_at)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        params![message_id, tag_id, operator_id, now],
    )?;
    Ok(n > 0)
}

/// Tag names of one message, alphabetical.
pub fn tags_of_message(conn: &Conn<'_>, message_id: Id) -> sql::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.name FROM message_tags mt JOIN tags t ON t.id = mt.tag_id
         WHERE mt.message_id = ?1 ORDER BY lower(t.name)",
    )?;
    let rows = stmt.query_map([message_id], |r| r.get(0))?;
    rows.collect()
}

/// Tagged messages per tag (tags never used count 0), most used first.
pub fn tag_counts(conn: &Conn<'_>, company_id: Id) -> sql::Result<Vec<TagCount>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.name, COUNT(mt.message_id) AS n FROM tags t
         LEFT JOIN message_tags mt ON mt.tag_id = t.id
         WHERE t.company_id = ?1 GROUP BY t.id ORDER BY n DESC, lower(t.name)",
    )?;
    let rows = stmt.query_map([company_id], |r| {
        Ok(TagCount {
            tag: r.get(0)?,
            count: r.get(1)?,
        })
    })?;
    rows.collect()
}
