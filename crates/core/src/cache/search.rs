//! The cache's search: which conversations a search shows, newest first by the list's order.
//! What the operator typed becomes an FTS5 query by the rules shared with the server
//! ([`switchboard_protocol::search::fts_query`]: quoted word prefixes, at least [`MIN_CHARS`]
//! characters). A conversation matches when its client's name (or contact the server sent)
//! matches, or one of its messages (notes included) does.
//!
//! Each FTS5 index is read once, into sorted rowid lists. Then one of two plans finds the page:
//! - **walk**: the conversations in list order, each checked against the hits until the page
//!   is full. Its cost grows with the conversations it examines, so it is tiny when hits are
//!   common (a common word: the newest conversations nearly all match).
//! - **map**: every message hit mapped to its conversation, the matches sorted by the list's
//!   order. Its cost grows with the hits, so it is the cheap one when they are few.
//!
//! The walk is tried when there are more hits than the page holds, and gives up after
//! examining as many conversations as there are hits (about what mapping them costs); the map
//! then answers. So a search never costs much more than the cheaper plan.

use std::sync::Arc;

use rusqlite::functions::FunctionFlags;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};
use switchboard_protocol::Id;

pub use switchboard_protocol::search::{fts_query, MIN_CHARS};

use crate::error::Result;

/// SQL functions answering "is this rowid a hit" from the lists read out of the FTS indexes,
/// registered for one walk.
const CLIENT_HIT: &str = "search_client_hit";
const MESSAGE_HIT: &str = "search_message_hit";

/// A search's rows before they are built: which conversations, in list order.
pub struct Page<'a> {
    /// The list's WHERE condition on `c` (tab and filters), with `?1`…`?n` bound to `args`.
    pub filter: &'a str,
    pub args: &'a [Value],
    /// The list's ORDER BY on `c`.
    pub order: &'a str,
    pub limit: i64,
}

impl Page<'_> {
    /// The ids of the first `limit` conversations matching the FTS expression `fts`.
    pub fn ids(&self, conn: &Connection, fts: &str) -> Result<Vec<Id>> {
        let hits = Hits {
            clients: Arc::new(rowids(conn, "clients_fts", fts)?),
            messages: Arc::new(rowids(conn, "messages_fts", fts)?),
        };
        let count = hits.clients.len() + hits.messages.len();
        if count == 0 {
            return Ok(Vec::new());
        }
        if count as i64 > self.limit {
            if let Some(ids) = self.walk(conn, &hits, count as i64)? {
                return Ok(ids);
            }
        }
        self.map(conn, &hits)
    }

    /// The walk: conversations in list order, at most `cap` of them examined. `None` when
    /// the cap was reached before the page filled.
    fn walk(&self, conn: &Connection, hits: &Hits, cap: i64) -> Result<Option<Vec<Id>>> {
        let flags = FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_DIRECTONLY;
        for (name, list) in [(CLIENT_HIT, &hits.clients), (MESSAGE_HIT, &hits.messages)] {
            let list = Arc::clone(list);
            conn.create_scalar_function(name, 1, flags, move |ctx| {
                Ok(list.binary_search(&ctx.get::<Id>(0)?).is_ok())
            })?;
        }
        let walked = self.walk_rows(conn, cap);
        // The functions hold the lists (megabytes for a common word): drop them now.
        for name in [CLIENT_HIT, MESSAGE_HIT] {
            conn.remove_function(name, 1)?;
        }
        walked
    }

    fn walk_rows(&self, conn: &Connection, cap: i64) -> Result<Option<Vec<Id>>> {
        let sql = format!(
            "SELECT c.id, {CLIENT_HIT}(c.id) OR EXISTS (SELECT 1 FROM messages m
                 WHERE m.conversation_id = c.id AND {MESSAGE_HIT}(m.id))
             FROM conversations c WHERE {filter} ORDER BY {order} LIMIT ?{cap_param}",
            filter = self.filter,
            order = self.order,
            cap_param = self.args.len() + 1,
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let args = self.args.iter().cloned().chain([Value::Integer(cap)]);
        let mut rows = stmt.query(params_from_iter(args))?;
        let (mut ids, mut examined) = (Vec::new(), 0);
        while let Some(row) = rows.next()? {
            examined += 1;
            if row.get(1)? {
                ids.push(row.get(0)?);
                if ids.len() as i64 == self.limit {
                    return Ok(Some(ids));
                }
            }
        }
        Ok((examined < cap).then_some(ids))
    }

    /// The map: every hit's conversation, then the list's order.
    fn map(&self, conn: &Connection, hits: &Hits) -> Result<Vec<Id>> {
        let (clients, messages) = (self.args.len() + 1, self.args.len() + 2);
        let sql = format!(
            "WITH hits(id) AS (
                SELECT value FROM json_each(?{clients})
                UNION
                SELECT m.conversation_id FROM json_each(?{messages}) h
                JOIN messages m ON m.id = h.value)
             SELECT c.id FROM conversations c WHERE {filter} AND c.id IN hits
             ORDER BY {order} LIMIT {limit}",
            filter = self.filter,
            order = self.order,
            limit = self.limit,
        );
        let args = self.args.iter().cloned().chain([
            Value::Text(json_array(&hits.clients)),
            Value::Text(json_array(&hits.messages)),
        ]);
        let ids = conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(args), |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }
}

/// The rowids each FTS5 index matched, sorted.
struct Hits {
    /// Conversation ids (the client name index is keyed by conversation).
    clients: Arc<Vec<Id>>,
    messages: Arc<Vec<Id>>,
}

/// `[1,2,3]`: ids handed to SQL's `json_each` (one bound text instead of a statement per count).
pub fn json_array(ids: &[Id]) -> String {
    let ids: Vec<String> = ids.iter().map(Id::to_string).collect();
    format!("[{}]", ids.join(","))
}

/// The rowids an FTS5 index matches for `fts`, sorted.
fn rowids(conn: &Connection, table: &str, fts: &str) -> Result<Vec<Id>> {
    let sql = format!("SELECT rowid FROM {table} WHERE {table} MATCH ?1");
    let mut ids: Vec<Id> = conn
        .prepare_cached(&sql)?
        .query_map([fts], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    // FTS5 answers in rowid order already; sorting sorted input is one pass.
    ids.sort_unstable();
    Ok(ids)
}
