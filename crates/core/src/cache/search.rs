//! Turns what the operator typed into an FTS5 query: every word becomes a quoted prefix term
//! (`"word"*`), so search starts at word beginnings (seed: "Search starts at the beginning of a
//! word") and FTS5 operators in the input are plain text.

/// Fewer characters than this (after trimming) do not search (seed: "At least 3 characters").
pub const MIN_CHARS: usize = 3;

/// The FTS5 MATCH expression for `input`, or `None` when it is too short to search.
pub fn fts_query(input: &str) -> Option<String> {
    let input = input.trim();
    if input.chars().count() < MIN_CHARS {
        return None;
    }
    let terms: Vec<String> = input
        .split_whitespace()
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    if terms.is_empty() {
        return None;
    }
    Some(terms.join(" "))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_quoted_prefixes() {
        assert_eq!(fts_query("hel").as_deref(), Some("\"hel\"*"));
        assert_eq!(
            fts_query("  hello  wor ").as_deref(),
            Some("\"hello\"* \"wor\"*")
        );
        assert_eq!(fts_query("a\"b OR").as_deref(), Some("\"a\"\"b\"* \"OR\"*"));
        assert_eq!(fts_query("NEAR(x"), Some("\"NEAR(x\"*".into()));
    }

    #[test]
    fn short_input_does_not_search() {
        assert_eq!(fts_query(""), None);
        assert_eq!(fts_query("  he "), None);
        assert_eq!(fts_query("зоя").as_deref(), Some("\"зоя\"*"));
        assert_eq!(fts_query("a b").as_deref(), Some("\"a\"* \"b\"*"));
    }
}
