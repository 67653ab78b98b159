//! Search for `GET /api/v1/search`: the app's word-prefix rules
//! ([`switchboard_protocol::search::fts_query`]) over the server's search indexes, limited to
//! the caller's visible conversations (DESIGN.md: whatever the REST API hides, search hides
//! too).

use switchboard_protocol::search::{snippet, MIN_CHARS};
use switchboard_protocol::{SearchHit, SearchResults};

use super::actor::Principal;
use super::seen;
use crate::error::{ApiError, ApiResult};
use crate::storage::{conversations, search, Db};

/// Longest query, in characters: enough for any name or phrase, and it bounds the number of
/// FTS5 terms a request can make the server evaluate.
pub const MAX_CHARS: usize = 200;

pub async fn search(
    db: &Db,
    principal: Principal,
    q: &str,
    limit: i64,
) -> ApiResult<SearchResults> {
    let chars = q.trim().chars().count();
    if chars > MAX_CHARS {
        return Err(ApiError::InvalidState(format!(
            "The search text is too long ({chars} characters); use at most {MAX_CHARS}."
        )));
    }
    let terms = search::Terms::new(q).ok_or_else(|| {
        ApiError::InvalidState(format!("Type at least {MIN_CHARS} characters to search."))
    })?;
    let hidden = principal.hidden();
    db.read(move |conn| {
        let company_id = principal.company_id();
        let found = search::find(conn, company_id, &principal.viewer(), &terms, limit)?;
        let mut hits = Vec::with_capacity(found.len());
        for h in found {
            // Read in the same transaction as the hit list, so the row is there.
            let Some(conversation) = conversations::get(conn, company_id, h.conversation_id)?
            else {
                continue;
            };
            // Found only by a name that is a hidden identifier (a client named by their
            // address or number): the reader may not search by it.
            if h.message_id.is_none() && conversation.client.named_by_identifier(hidden) {
                continue;
            }
            let snippet = match h.message_id {
                Some(m) => search::text(conn, m)?.map(|t| snippet(&t, &terms.text)),
                None => None,
            };
            hits.push(SearchHit {
                conversation,
                message_id: h.message_id,
                snippet,
            });
        }
        Ok(SearchResults { hits })
    })
    .await
    .map(seen(hidden))
}
