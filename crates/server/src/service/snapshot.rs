//! The recent-first snapshot (`GET /api/v1/snapshot?order=recent`): an app filling an empty
//! cache gets the conversations with the newest activity first, so its list fills from the top.
//!
//! Last activity only grows, so a conversation that gets a message while the snapshot is being
//! read would jump over the cursor and never be sent. The pages therefore cover what was last
//! active before the snapshot began (`as_of`, fixed by the first page and carried in the
//! cursor), newest first, and end with a tail of everything active since, in id order. A
//! conversation may come twice (once in each part); the app's upserts make that harmless.

use rusqlite::Connection;
use switchboard_protocol::{Conversation, Id, SnapshotPage};

use super::actor::Principal;
use super::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::storage::{changes, conversations, messages, read_states, Db};

/// How far before the first page `as_of` is set. A writer takes its timestamp inside its
/// transaction and commits milliseconds later; anything that could still be in flight when
/// the first page is read lands in the tail instead of being missed.
const AS_OF_MARGIN_MS: i64 = 5_000;

/// Where the next page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// In the main part: conversations last active before `as_of`, strictly after
    /// `(at, id)` in newest-first order.
    Recent { as_of: i64, at: i64, id: Id },
    /// In the tail: conversations active since `as_of`, with ids above `after_id`.
    Tail { as_of: i64, after_id: Id },
}

impl Cursor {
    fn first() -> Cursor {
        Cursor::Recent {
            as_of: now_ms() - AS_OF_MARGIN_MS,
            at: i64::MAX,
            id: Id::MAX,
        }
    }

    pub fn encode(&self) -> String {
        match self {
            Cursor::Recent { as_of, at, id } => format!("r.{as_of}.{at}.{id}"),
            Cursor::Tail { as_of, after_id } => format!("t.{as_of}.{after_id}"),
        }
    }

    pub fn parse(s: &str) -> ApiResult<Cursor> {
        let bad = || ApiError::bad_request("`cursor` must be a `next_cursor` of an earlier page.");
        let parts: Vec<&str> = s.split('.').collect();
        let num = |i: usize| -> ApiResult<i64> {
            parts.get(i).and_then(|p| p.parse().ok()).ok_or_else(bad)
        };
        match (parts.first().copied(), parts.len()) {
            (Some("r"), 4) => Ok(Cursor::Recent {
                as_of: num(1)?,
                at: num(2)?,
                id: num(3)?,
            }),
            (Some("t"), 3) => Ok(Cursor::Tail {
                as_of: num(1)?,
                after_id: num(2)?,
            }),
            _ => Err(bad()),
        }
    }
}

/// One page of the recent-first snapshot; `cursor` is `None` for the first page.
pub async fn snapshot_recent(
    db: &Db,
    principal: Principal,
    cursor: Option<Cursor>,
    limit: i64,
) -> ApiResult<SnapshotPage> {
    db.read(move |conn| {
        let company_id = principal.company_id();
        let viewer = principal.viewer();
        // Read first: records after this seq are replayed by /sync and are idempotent.
        let seq = changes::current_seq(conn, company_id)?;
        let total = conversations::count_visible(conn, company_id, &viewer)?;
        let (convs, next) = match cursor.unwrap_or_else(Cursor::first) {
            Cursor::Recent { as_of, at, id } => {
                let mut convs = conversations::page_recent(
                    conn,
                    company_id,
                    &viewer,
                    as_of,
                    (at, id),
                    limit + 1,
                )?;
                if convs.len() as i64 > limit {
                    convs.truncate(limit as usize);
                    let next = convs.last().map(|c| Cursor::Recent {
                        as_of,
                        at: c.last_message_at,
                        id: c.id,
                    });
                    (convs, next)
                } else {
                    // The main part ends here: fill the rest of the page from the tail, which
                    // is usually empty, to save a round trip.
                    let room = limit - convs.len() as i64;
                    let next = add_tail(conn, &principal, as_of, 0, room, &mut convs)?;
                    (convs, next)
                }
            }
            Cursor::Tail { as_of, after_id } => {
                let mut convs = Vec::new();
                let next = add_tail(conn, &principal, as_of, after_id, limit, &mut convs)?;
                (convs, next)
            }
        };
        let (messages, read_states) = threads(conn, viewer.operator_id, &convs)?;
        Ok(SnapshotPage {
            seq,
            total,
            conversations: convs,
            messages,
            read_states,
            next_after_id: None,
            next_cursor: next.map(|c| c.encode()),
        })
    })
    .await
}

/// Appends up to `room` tail conversations after `after_id`; the cursor of what is left.
fn add_tail(
    conn: &Connection,
    principal: &Principal,
    as_of: i64,
    after_id: Id,
    room: i64,
    out: &mut Vec<Conversation>,
) -> ApiResult<Option<Cursor>> {
    let mut tail = conversations::page_active_since(
        conn,
        principal.company_id(),
        &principal.viewer(),
        as_of,
        after_id,
        room + 1,
    )?;
    let more = tail.len() as i64 > room;
    tail.truncate(room.max(0) as usize);
    let last = tail.last().map_or(after_id, |c| c.id);
    out.extend(tail);
    Ok(more.then_some(Cursor::Tail {
        as_of,
        after_id: last,
    }))
}

/// The messages and this operator's read states of a page's conversations.
pub fn threads(
    conn: &Connection,
    operator_id: Id,
    convs: &[Conversation],
) -> ApiResult<(Vec<switchboard_protocol::Message>, Vec<switchboard_protocol::ReadState>)> {
    let ids: Vec<Id> = convs.iter().map(|c| c.id).collect();
    Ok((
        messages::list_for_conversations(conn, &ids)?,
        read_states::list_for(conn, operator_id, &ids)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        for c in [
            Cursor::Recent {
                as_of: 17,
                at: 16,
                id: 3,
            },
            Cursor::Tail {
                as_of: 17,
                after_id: 9,
            },
        ] {
            assert_eq!(Cursor::parse(&c.encode()).expect("parse"), c);
        }
        for bad in ["", "r.1.2", "t.1.x", "x.1.2", "r.1.2.3.4"] {
            assert!(Cursor::parse(bad).is_err(), "{bad}");
        }
    }
}
