//! The sync protocol's reads: filtering change records for one caller, `/sync` pages, the
//! snapshot, and the directory.

use crate::storage::sql::Conn;
use switchboard_protocol::{
    Change, ChangeRecord, Directory, Entity, Id, Redact, SnapshotPage, SyncPage,
};

use super::actor::Principal;
use crate::error::{ApiError, ApiResult};
use crate::policy::{visible, Viewer};
use crate::storage::changes::{self, Audience, StoredChange};
use crate::storage::{channels, companies, conversations, groups, operators, retention, roles, Db};

/// Records examined per `/sync` call at most, so a caller who may see little of a busy
/// company still gets a bounded answer (it advances `next` and says `has_more`).
const MAX_EXAMINED: usize = 20_000;

/// The record as `v` may see it: the upsert itself, a `remove` of the conversation it left,
/// or nothing.
pub fn for_viewer(ch: &StoredChange, v: &Viewer) -> Option<ChangeRecord> {
    let upsert = || {
        let mut change = ch.change.clone();
        change.redact(v.hidden);
        ChangeRecord {
            seq: ch.seq,
            id: ch.entity_id,
            change,
        }
    };
    if ch.audience.reaches(v) {
        return Some(upsert());
    }
    match &ch.audience {
        // It left `v`'s view with this change: `v` drops it.
        Audience::Conversation {
            conversation_id,
            before: Some(before),
            ..
        } if visible(v, before) => Some(ChangeRecord {
            seq: ch.seq,
            id: *conversation_id,
            change: Change::Removed(Entity::Conversation),
        }),
        _ => None,
    }
}

/// Records after `after` visible to `v`, at most `limit` returned and [`MAX_EXAMINED`]
/// examined. Returns them with the last examined seq and whether more records follow.
pub fn read_after(
    conn: &Conn<'_>,
    company_id: Id,
    v: &Viewer,
    after: i64,
    limit: usize,
) -> ApiResult<(Vec<ChangeRecord>, i64, bool)> {
    let chunk = limit.clamp(200, 2000) as i64;
    let mut out = Vec::new();
    let mut pos = after;
    let mut examined = 0usize;
    loop {
        let rows = changes::list_after(conn, company_id, pos, chunk)?;
        let full_chunk = rows.len() as i64 == chunk;
        for row in &rows {
            pos = row.seq;
            examined += 1;
            if let Some(rec) = for_viewer(row, v) {
                out.push(rec);
            }
            if out.len() >= limit || examined >= MAX_EXAMINED {
                let more = changes::exists_after(conn, company_id, pos)?;
                return Ok((out, pos, more));
            }
        }
        if !full_chunk {
            return Ok((out, pos, false));
        }
    }
}

/// Whether records after `after` can be served as a delta. Not when the app has nothing yet
/// (0), when its position is ahead of us (its cache belongs to another database), or when
/// records it has not seen were pruned (`serve --keep-changes`): then it must rebuild.
pub fn position_usable(
    conn: &Conn<'_>,
    company_id: Id,
    after: i64,
    current: i64,
) -> ApiResult<bool> {
    Ok(after > 0 && after <= current && after >= retention::pruned_through(conn, company_id)?)
}

pub async fn sync_page(
    db: &Db,
    principal: Principal,
    after: i64,
    limit: usize,
) -> ApiResult<SyncPage> {
    db.read(move |conn| {
        let company_id = principal.company_id();
        let current = changes::current_seq(conn, company_id)?;
        if !position_usable(conn, company_id, after, current)? {
            return Ok(SyncPage {
                changes: Vec::new(),
                next: current,
                has_more: false,
                reset: true,
            });
        }
        let (changes, next, has_more) =
            read_after(conn, company_id, &principal.viewer(), after, limit)?;
        Ok(SyncPage {
            changes,
            next,
            has_more,
            reset: false,
        })
    })
    .await
}

pub async fn snapshot(
    db: &Db,
    principal: Principal,
    after_id: Id,
    limit: i64,
) -> ApiResult<SnapshotPage> {
    db.read(move |conn| {
        let company_id = principal.company_id();
        let viewer = principal.viewer();
        // Read first: records after this seq are replayed by /sync and are idempotent.
        let seq = changes::current_seq(conn, company_id)?;
        let total = conversations::count_visible(conn, company_id, &viewer)?;
        let mut convs =
            conversations::page_visible(conn, company_id, &viewer, after_id, limit + 1)?;
        let has_more = convs.len() as i64 > limit;
        convs.truncate(limit as usize);
        let (messages, read_states) = super::snapshot::threads(conn, viewer.operator_id, &convs)?;
        Ok(SnapshotPage {
            seq,
            total,
            next_after_id: if has_more {
                convs.last().map(|c| c.id)
            } else {
                None
            },
            conversations: convs,
            messages,
            read_states,
            next_cursor: None,
        })
    })
    .await
}

pub async fn directory(db: &Db, principal: Principal) -> ApiResult<Directory> {
    db.read(move |conn| {
        let company_id = principal.company_id();
        let company = companies::get(conn, company_id)?.ok_or_else(|| {
            ApiError::Unauthorized("The token's company no longer exists.".into())
        })?;
        Ok(Directory {
            company,
            operators: operators::list(conn, company_id)?,
            groups: groups::list(conn, company_id)?,
            channel_accounts: channels::list(conn, company_id)?,
            roles: roles::list(conn, company_id)?,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Scope;
    use switchboard_protocol::ConversationStatus;

    fn change(audience: Audience) -> StoredChange {
        StoredChange {
            seq: 7,
            company_id: 1,
            entity_id: 5,
            change: Change::Group(switchboard_protocol::Group {
                id: 5,
                name: "Sales".into(),
                color: "#f00".into(),
            }),
            audience,
        }
    }

    fn scope(group: Id) -> Scope {
        Scope {
            status: ConversationStatus::Unassigned,
            operator_id: None,
            group_id: Some(group),
            closed_by: None,
            blacklisted: false,
        }
    }

    fn viewer(id: Id, groups: &[Id]) -> Viewer {
        Viewer {
            operator_id: id,
            sees_everything: false,
            group_ids: groups.to_vec(),
            sees_all_tabs: false,
            hidden: switchboard_protocol::HiddenClientData::NONE,
        }
    }

    #[test]
    fn moved_to_other_group_is_a_remove_for_the_old_group() {
        let ch = change(Audience::Conversation {
            conversation_id: 5,
            before: Some(scope(10)),
            after: scope(20),
        });
        let old = for_viewer(&ch, &viewer(1, &[10])).expect("record");
        assert_eq!(old.change, Change::Removed(Entity::Conversation));
        assert_eq!(old.id, 5);
        let new = for_viewer(&ch, &viewer(2, &[20])).expect("record");
        assert_eq!(new.change, ch.change);
        assert!(for_viewer(&ch, &viewer(3, &[30])).is_none());
    }

    #[test]
    fn read_state_only_for_its_operator() {
        let ch = change(Audience::Operator(1));
        assert!(for_viewer(&ch, &viewer(1, &[])).is_some());
        assert!(for_viewer(&ch, &viewer(2, &[])).is_none());
    }

    #[test]
    fn directory_records_for_everyone() {
        let ch = change(Audience::Company);
        assert!(for_viewer(&ch, &viewer(9, &[30])).is_some());
    }
}
