//! The cache's search SQL. What the operator typed becomes an FTS5 query by the rules shared
//! with the server ([`switchboard_protocol::search::fts_query`]: quoted word prefixes, at least
//! [`MIN_CHARS`] characters).

pub use switchboard_protocol::search::{fts_query, MIN_CHARS};

/// A `WITH hits(id) AS (…)` clause naming the conversations whose client name, or one of whose
/// messages, matches the FTS expression bound as `?{param}`. Each FTS index is queried once and
/// message hits are joined to their conversation by rowid, so the list query can drive its
/// loop from the hits (`c.id IN hits`) instead of testing every cached conversation.
pub fn hits_clause(param: usize) -> String {
    format!(
        "WITH hits(id) AS (
            SELECT rowid FROM clients_fts WHERE clients_fts MATCH ?{param}
            UNION
            SELECT m.conversation_id FROM messages_fts f JOIN messages m ON m.id = f.rowid
            WHERE messages_fts MATCH ?{param}) "
    )
}
