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

/// Words a snippet shows.
const SNIPPET_WORDS: usize = 12;

/// The words of `text` with their byte ranges: runs of letters and digits, as the search
/// indexes split text into words.
fn words(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// Up to a dozen words of `text` around the first word that starts with one of the words
/// of `input` (case aside), with "…" where text is left out; the whole text when it is that
/// short. One rule for every backend the server stores messages in, so the same message
/// gives the same snippet everywhere.
pub fn snippet(text: &str, input: &str) -> String {
    let spans = words(text);
    if spans.len() <= SNIPPET_WORDS {
        return text.trim().to_owned();
    }
    let terms: Vec<String> = words(input)
        .into_iter()
        .map(|(a, b)| input[a..b].to_lowercase())
        .collect();
    let hit = spans
        .iter()
        .position(|&(a, b)| {
            let word = text[a..b].to_lowercase();
            terms.iter().any(|t| word.starts_with(t.as_str()))
        })
        .unwrap_or(0);
    // A word of context before the match, as long as the window stays full.
    let first = hit.saturating_sub(1).min(spans.len() - SNIPPET_WORDS);
    let last = first + SNIPPET_WORDS - 1;
    let from = if first == 0 { 0 } else { spans[first].0 };
    let to = if last + 1 == spans.len() {
        text.len()
    } else {
        spans[last].1
    };
    format!(
        "{}{}{}",
        if first == 0 { "" } else { "…" },
        text[from..to].trim(),
        if last + 1 == spans.len() { "" } else { "…" }
    )
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
    fn snippets_show_a_dozen_words_around_the_first_match() {
        let long = "Hello! I've checked: your parcel left our warehouse yesterday and should arrive within 2 days.";
        assert_eq!(
            snippet(long, "parc"),
            "…your parcel left our warehouse yesterday and should arrive within 2 days."
        );
        assert_eq!(
            snippet(long, "hello"),
            "Hello! I've checked: your parcel left our warehouse yesterday and should…"
        );
        let short = "Sim, pode parcelar em até 6 vezes sem juros no cartão.";
        assert_eq!(snippet(short, "parcel"), short);
        // No word matches (a match through folded accents): the text from its start.
        assert_eq!(
            snippet(long, "zzz"),
            "Hello! I've checked: your parcel left our warehouse yesterday and should…"
        );
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
