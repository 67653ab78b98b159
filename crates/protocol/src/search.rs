//! Search: the query rules shared by the app's cache and the server (seed: "Search starts at
//! the beginning of a word", "At least 3 characters"), and `GET /api/v1/search`'s answer.
//!
//! The rules live here, not in the cache, so both FTS5 indexes get the same MATCH expression
//! from the same input; this crate stays free of SQLite (it only builds a string).

use serde::{Deserialize, Serialize};

use crate::{Conversation, Id};

/// Fewer characters than this (after trimming) do not search (seed: "At least 3 characters").
pub const MIN_CHARS: usize = 3;

/// The FTS5 MATCH expression for `input`, or `None` when it is too short to search: every word
/// becomes a quoted prefix term (`"word"*`), so matches start at word beginnings and FTS5
/// operators in the input (`"`, `*`, `NEAR(`, `OR`, `-`, parentheses) are plain text.
pub fn fts_query(input: &str) -> Option<String> {
    let input = input.trim();
    if input.chars().count() < MIN_CHARS {
        return None;
    }
    let terms: Vec<String> = input
        .split_whitespace()
        // FTS5 reads its query as a C string: a NUL would end it inside a quoted term.
        .map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    if terms.is_empty() {
        return None;
    }
    Some(terms.join(" "))
}

/// One conversation found by `GET /api/v1/search`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub conversation: Conversation,
    /// The newest matching message, when the hit was in message text (absent when only the
    /// client's name matched).
    pub message_id: Option<Id>,
    /// That message's text around the match.
    pub snippet: Option<String>,
}

/// The answer of `GET /api/v1/search`: newest activity first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
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
        assert_eq!(fts_query("\u{0}\u{1}\u{2}"), None);
        assert_eq!(fts_query("to\u{0}m").as_deref(), Some("\"tom\"*"));
    }
}
