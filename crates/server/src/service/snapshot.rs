//! The recent-first snapshot (`GET /api/v1/snapshot?order=recent`): an app filling an empty
//! cache gets the conversations with the newest activity first, so its list fills from the top.
//!
//! Last activity moves, so a conversation that gets a message while the snapshot is being read
//! may jump over the cursor and never come in the main part. The first page fixes the company
//! seq the snapshot started at (carried in the cursor); after the main part, newest first, a
//! tail sends every visible conversation with a change record after that seq, in id order.
//! Whatever moved is in the tail (it has such a record), with all its messages. A conversation
//! may come twice (once in each part); the app's upserts make that harmless.

use crate::storage::sql::Conn;
use switchboard_protocol::{Conversation, Id, SnapshotPage};

use super::actor::Principal;
use crate::error::{ApiError, ApiResult};
use crate::storage::{changes, conversations, messages, read_states, Db};

/// Where the next page starts; `since` is the company seq read by the first page, `total` the
/// visible conversations it counted (counting them costs a pass over the company's
/// conversations, on every page before; cursors of earlier versions have none and count again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// In the main part: conversations strictly after `(at, id)` in newest-first order.
    Recent {
        since: i64,
        at: i64,
        id: Id,
        total: Option<i64>,
    },
    /// In the tail: conversations changed after `since`, with ids above `after_id`.
    Tail {
        since: i64,
        after_id: Id,
        total: Option<i64>,
    },
}

impl Cursor {
    pub fn encode(&self) -> String {
        let total = |t: &Option<i64>| t.map(|t| format!(".{t}")).unwrap_or_default();
        match self {
            Cursor::Recent {
                since,
                at,
                id,
                total: t,
            } => format!("r.{since}.{at}.{id}{}", total(t)),
            Cursor::Tail {
                since,
                after_id,
                total: t,
            } => format!("t.{since}.{after_id}{}", total(t)),
        }
    }

    pub fn parse(s: &str) -> ApiResult<Cursor> {
        let bad = || ApiError::bad_request("`cursor` must be a `next_cursor` of an earlier page.");
        let parts: Vec<&str> = s.split('.').collect();
        let num = |i: usize| -> ApiResult<i64> {
            parts.get(i).and_then(|p| p.parse().ok()).ok_or_else(bad)
        };
        let total = |at: usize| -> ApiResult<Option<i64>> {
            match parts.len() {
                n if n == at => Ok(None),
                n if n == at + 1 => num(at).map(Some),
                _ => Err(bad()),
            }
        };
        match parts.first().copied() {
            Some("r") => Ok(Cursor::Recent {
                since: num(1)?,
                at: num(2)?,
                id: num(3)?,
                total: total(4)?,
            }),
            Some("t") => Ok(Cursor::Tail {
                since: num(1)?,
                after_id: num(2)?,
                total: total(3)?,
            }),
            _ => Err(bad()),
        }
    }

    fn total(&self) -> Option<i64> {
        match self {
            Cursor::Recent { total, .. } | Cursor::Tail { total, .. } => *total,
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
        let total = match cursor.and_then(|c| c.total()) {
            Some(total) => total,
            None => conversations::count_visible(conn, company_id, &viewer)?,
        };
        let cursor = cursor.unwrap_or(Cursor::Recent {
            since: seq,
            at: i64::MAX,
            id: Id::MAX,
            total: None,
        });
        let (convs, next) = match cursor {
            Cursor::Recent { since, at, id, .. } => {
                let mut convs =
                    conversations::page_recent(conn, company_id, &viewer, (at, id), limit + 1)?;
                if convs.len() as i64 > limit {
                    convs.truncate(limit as usize);
                    let next = convs.last().map(|c| Cursor::Recent {
                        since,
                        at: c.last_message_at,
                        id: c.id,
                        total: Some(total),
                    });
                    (convs, next)
                } else {
                    // The main part ends here: fill the rest of the page from the tail, which
                    // is usually short, to save a round trip.
                    let room = limit - convs.len() as i64;
                    let next = add_tail(conn, &principal, (since, 0), room, total, &mut convs)?;
                    (convs, next)
                }
            }
            Cursor::Tail {
                since, after_id, ..
            } => {
                let mut convs = Vec::new();
                let next = add_tail(
                    conn,
                    &principal,
                    (since, after_id),
                    limit,
                    total,
                    &mut convs,
                )?;
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

/// Appends up to `room` tail conversations changed after `since` with ids after `after_id`;
/// the cursor of what is left (carrying `total`).
fn add_tail(
    conn: &Conn<'_>,
    principal: &Principal,
    (since, after_id): (i64, Id),
    room: i64,
    total: i64,
    out: &mut Vec<Conversation>,
) -> ApiResult<Option<Cursor>> {
    let mut tail = conversations::page_changed_since(
        conn,
        principal.company_id(),
        &principal.viewer(),
        since,
        after_id,
        room + 1,
    )?;
    let more = tail.len() as i64 > room;
    tail.truncate(room.max(0) as usize);
    let last = tail.last().map_or(after_id, |c| c.id);
    out.extend(tail);
    Ok(more.then_some(Cursor::Tail {
        since,
        after_id: last,
        total: Some(total),
    }))
}

/// The messages and this operator's read states of a page's conversations.
pub fn threads(
    conn: &Conn<'_>,
    operator_id: Id,
    convs: &[Conversation],
) -> ApiResult<(
    Vec<switchboard_protocol::Message>,
    Vec<switchboard_protocol::ReadState>,
)> {
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
        for total in [None, Some(100_000)] {
            for c in [
                Cursor::Recent {
                    since: 17,
                    at: 16,
                    id: 3,
                    total,
                },
                Cursor::Tail {
                    since: 17,
                    after_id: 9,
                    total,
                },
            ] {
                assert_eq!(Cursor::parse(&c.encode()).expect("parse"), c);
            }
        }
        // Cursors of earlier versions (no total) still read.
        assert_eq!(Cursor::parse("r.1.2.3").expect("old cursor").total(), None);
        for bad in [
            "",
            "r.1.2",
            "t.1.x",
            "x.1.2",
            "r.1.2.3.4.5",
            "t.1.2.3.4",
            "r.1.2.3.x",
        ] {
            assert!(Cursor::parse(bad).is_err(), "{bad}");
        }
    }
}
