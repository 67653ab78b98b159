//! Writes what the server sends into the cache, one transaction per batch (a `/sync` page, a
//! burst of live events, a snapshot page), with the sync position saved in that same
//! transaction so a crash can never leave the cache ahead of or behind its `last_seq`.

use std::collections::BTreeSet;

use rusqlite::Connection;
use switchboard_protocol::{
    Change, ChangeRecord, Conversation, Directory, Entity, Id, Message, SnapshotPage,
};

use crate::cache::{
    canned, conversations, directory, fts_deferred, messages, meta, outbox, profile, read_states,
};
use crate::error::Result;

/// What a batch changed, for the UI events and the follow-up work of sync.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Conversations whose row or thread changed (including removed ones).
    pub conversations: BTreeSet<Id>,
    /// Operators, groups or channel accounts changed: many rows may show other names.
    pub directory: bool,
    /// Conversations whose history is missing from the cache and must be fetched.
    pub backfill: Vec<Id>,
    /// Outbox sends the server acknowledged through the stream.
    pub outbox_acked: bool,
    /// (conversation, message) pairs whose conversation got a newer client message in this
    /// batch, for notifications. Blacklisted clients notify no one and are left out.
    pub new_client_messages: Vec<(Id, Id)>,
}

impl Applied {
    pub fn is_empty(&self) -> bool {
        self.conversations.is_empty() && !self.directory
    }

    pub fn ids(&self) -> Vec<Id> {
        self.conversations.iter().copied().collect()
    }
}

/// Applies change records in order and moves `last_seq` to `new_last_seq` (the page's `next`,
/// or the highest applied seq for live events), all in one transaction. Records at or below
/// the stored `last_seq` were applied before and are skipped.
pub fn apply_changes(
    conn: &mut Connection,
    records: &[ChangeRecord],
    new_last_seq: i64,
) -> Result<Applied> {
    let tx = conn.transaction()?;
    let last = meta::last_seq(&tx)?;
    let gen = meta::generation(&tx)?;
    let mut out = Applied::default();
    let mut upserted = BTreeSet::new();
    for rec in records.iter().filter(|r| r.seq > last) {
        apply_one(&tx, rec, gen, &mut out, &mut upserted)?;
    }
    let upserted: Vec<Id> = upserted.into_iter().collect();
    out.backfill = conversations::needing_backfill(&tx, &upserted)?;
    if new_last_seq > last {
        meta::set_i64(&tx, meta::LAST_SEQ, new_last_seq)?;
    }
    tx.commit()?;
    Ok(out)
}

fn apply_one(
    tx: &Connection,
    rec: &ChangeRecord,
    gen: i64,
    out: &mut Applied,
    upserted: &mut BTreeSet<Id>,
) -> Result<()> {
    match &rec.change {
        Change::Conversation(c) => {
            // Judged on the conversation rather than on message records: its upsert comes
            // whether or not the message itself could be stored yet.
            let before = conversations::last_client_message_id(tx, c.id)?;
            if c.last_client_message_id > before && !c.client.blacklisted {
                if let Some(m) = c.last_client_message_id {
                    out.new_client_messages.retain(|(conv, _)| *conv != c.id);
                    out.new_client_messages.push((c.id, m));
                }
            }
            conversations::upsert(tx, c, gen)?;
            upserted.insert(c.id);
            out.conversations.insert(c.id);
        }
        Change::Removed(Entity::Conversation) => {
            conversations::remove(tx, rec.id)?;
            out.new_client_messages.retain(|(conv, _)| *conv != rec.id);
            upserted.remove(&rec.id);
            out.conversations.insert(rec.id);
        }
        Change::Message(m) => {
            if store_message(tx, m)? {
                out.outbox_acked = true;
            }
            out.conversations.insert(m.conversation_id);
        }
        Change::Removed(Entity::Message) => {
            if let Some(conv) = messages::remove(tx, rec.id)? {
                out.conversations.insert(conv);
            }
        }
        Change::ReadState(r) => {
            read_states::advance(tx, r.conversation_id, r.last_read_message_id)?;
            out.conversations.insert(r.conversation_id);
        }
        Change::Removed(Entity::ReadState) => {
            read_states::remove(tx, rec.id)?;
            out.conversations.insert(rec.id);
        }
        Change::Operator(o) => {
            directory::upsert_operator(tx, o)?;
            out.directory = true;
        }
        Change::Removed(Entity::Operator) => {
            directory::remove_operator(tx, rec.id)?;
            out.directory = true;
        }
        Change::Group(g) => {
            directory::upsert_group(tx, g)?;
            out.directory = true;
        }
        Change::Removed(Entity::Group) => {
            directory::remove_group(tx, rec.id)?;
            out.directory = true;
        }
        Change::ChannelAccount(a) => {
            directory::upsert_channel_account(tx, a)?;
            out.directory = true;
        }
        Change::Removed(Entity::ChannelAccount) => {
            directory::remove_channel_account(tx, rec.id)?;
            out.directory = true;
        }
        // No UI event: the picker reads the cache each time it opens.
        Change::CannedResponse(c) => canned::upsert(tx, c)?,
        Change::Removed(Entity::CannedResponse) => canned::remove(tx, rec.id)?,
        Change::ClientNote(n) => {
            profile::upsert_note(tx, n)?;
            out.conversations.insert(n.conversation_id);
        }
        Change::Removed(Entity::ClientNote) => profile::remove_note(tx, rec.id)?,
        Change::Tag(t) => profile::upsert_tag(tx, t)?,
        Change::Removed(Entity::Tag) => profile::remove_tag(tx, rec.id)?,
        Change::MessageTags(t) => {
            profile::set_message_tags(tx, t)?;
            out.conversations.insert(t.conversation_id);
        }
        Change::Removed(Entity::MessageTags) => profile::remove_message_tags(tx, rec.id)?,
        // One record this version cannot read must not stall sync; the next upsert of the
        // same row repairs it, and the log says what was passed over.
        Change::Unknown { entity, reason } => {
            tracing::warn!(seq = rec.seq, id = rec.id, %entity, %reason, "passing over a change record this version cannot read");
        }
    }
    Ok(())
}

/// Stores a message; if it is one of ours still in the outbox, the server has it, so the
/// outbox item is done. Returns whether an outbox item was acknowledged that way.
pub fn store_message(tx: &Connection, m: &Message) -> Result<bool> {
    messages::upsert(tx, m)?;
    acknowledge(tx, m)
}

/// Drops the outbox item the stored message `m` answers, if any; whether there was one.
fn acknowledge(tx: &Connection, m: &Message) -> Result<bool> {
    if let Some(key) = &m.client_msg_id {
        return Ok(outbox::delete(tx, key)?.is_some());
    }
    Ok(false)
}

/// The server's reply to a retry of a failed delivery (see `messages::store_retry_reply`).
pub fn apply_retry_reply(conn: &mut Connection, m: &Message) -> Result<Applied> {
    let tx = conn.transaction()?;
    let mut out = Applied::default();
    if messages::store_retry_reply(&tx, m)? {
        out.conversations.insert(m.conversation_id);
    }
    tx.commit()?;
    Ok(out)
}

/// Stores messages fetched for a conversation's history.
pub fn apply_messages(conn: &mut Connection, msgs: &[Message]) -> Result<Applied> {
    let tx = conn.transaction()?;
    let mut out = Applied::default();
    for m in msgs {
        if store_message(&tx, m)? {
            out.outbox_acked = true;
        }
        out.conversations.insert(m.conversation_id);
    }
    tx.commit()?;
    Ok(out)
}

/// Progress of a snapshot after one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotProgress {
    pub applied: Applied,
    /// Conversations received so far in this snapshot.
    pub done: i64,
    pub total: i64,
    /// The snapshot is complete (last page applied, stale rows swept, `last_seq` set).
    pub finished: bool,
}

/// Applies one page of the snapshot in progress (see [`meta::begin_snapshot`]); the page's
/// `next_cursor` is kept so an interrupted snapshot resumes there.
pub fn apply_snapshot_page(conn: &mut Connection, page: &SnapshotPage) -> Result<SnapshotProgress> {
    let tx = conn.transaction()?;
    let gen = meta::generation(&tx)?;
    let mut out = Applied::default();
    // The first page's seq is where /sync resumes: records after it may touch rows of pages
    // read earlier, and replaying them is harmless (upserts).
    if meta::get_i64(&tx, meta::SNAPSHOT_SEQ)?.is_none() {
        meta::set_i64(&tx, meta::SNAPSHOT_SEQ, page.seq)?;
    }
    let before = meta::get_i64(&tx, meta::SNAPSHOT_COUNT)?.unwrap_or(0);
    // Into an empty cache the search triggers are set aside and the indexes built from the
    // tables; otherwise new rows are queued for indexing. Either way the index is filled
    // after the first page (the newest conversations are found at once) and after the last:
    // one pass over many pages costs far less than one per page (see `fts_deferred`).
    let bulk = fts_deferred::in_bulk(&tx)? || (before == 0 && !conversations::any(&tx)?);
    if bulk {
        fts_deferred::begin_bulk(&tx)?;
    } else {
        fts_deferred::defer(&tx)?;
    }
    for c in &page.conversations {
        conversations::upsert(&tx, c, gen)?;
        out.conversations.insert(c.id);
    }
    // In id order: the rows of a page then land in a few runs of the messages table rather
    // than hopping between them.
    let mut msgs: Vec<&Message> = page.messages.iter().collect();
    msgs.sort_unstable_by_key(|m| m.id);
    for m in msgs {
        // A page's messages belong to its conversations, just written; any other one goes
        // through the guarded upsert.
        if out.conversations.contains(&m.conversation_id) {
            messages::upsert_in_cached(&tx, m)?;
        } else {
            messages::upsert(&tx, m)?;
        }
        if acknowledge(&tx, m)? {
            out.outbox_acked = true;
        }
    }
    for r in &page.read_states {
        read_states::advance(&tx, r.conversation_id, r.last_read_message_id)?;
    }
    let done = before + page.conversations.len() as i64;
    meta::set_i64(&tx, meta::SNAPSHOT_COUNT, done)?;
    let finished = match &page.next_cursor {
        Some(cursor) => {
            if before == 0 {
                if bulk {
                    fts_deferred::rebuild(&tx)?;
                } else {
                    fts_deferred::index_pending(&tx)?;
                }
            }
            meta::set_text(&tx, meta::SNAPSHOT_CURSOR, cursor)?;
            false
        }
        None => {
            if !bulk {
                fts_deferred::index_pending(&tx)?;
            }
            let swept = conversations::sweep_older_than(&tx, gen)?;
            if swept > 0 {
                out.directory = true; // many rows vanished: tell the UI to reload lists
            }
            // After the sweep: the rebuilt index has none of what it removed.
            fts_deferred::end_bulk(&tx)?;
            let seq = meta::get_i64(&tx, meta::SNAPSHOT_SEQ)?.unwrap_or(page.seq);
            meta::set_i64(&tx, meta::LAST_SEQ, seq)?;
            meta::set_i64(&tx, meta::SNAPSHOT_DONE, 1)?;
            meta::clear(&tx, meta::SNAPSHOT_AFTER_ID)?;
            meta::clear(&tx, meta::SNAPSHOT_CURSOR)?;
            meta::clear(&tx, meta::SNAPSHOT_SEQ)?;
            true
        }
    };
    tx.commit()?;
    Ok(SnapshotProgress {
        applied: out,
        // The recent-first snapshot may send a conversation twice (see the server's
        // `service::snapshot`): the bar stops at full.
        done: done.min(page.total),
        total: page.total,
        finished,
    })
}

/// Replaces the directory (fetched on every connect).
pub fn apply_directory(conn: &mut Connection, d: &Directory) -> Result<()> {
    let tx = conn.transaction()?;
    directory::replace(&tx, d)?;
    tx.commit()?;
    Ok(())
}

/// Applies an acknowledged send or action reply and drops its outbox item, atomically, so a
/// crash in between only means sending it again (which the server dedups).
pub fn outbox_done_message(conn: &mut Connection, item_id: &str, m: &Message) -> Result<()> {
    let tx = conn.transaction()?;
    messages::store_reply(&tx, m)?;
    outbox::delete(&tx, item_id)?;
    tx.commit()?;
    Ok(())
}

pub fn outbox_done_conversation(
    conn: &mut Connection,
    item_id: &str,
    c: &Conversation,
) -> Result<()> {
    let tx = conn.transaction()?;
    // Only update a conversation still cached and not already newer: if the action moved it
    // out of this operator's view, the stream's `remove` may already have dropped it, and
    // writing the reply would bring back a row the operator no longer sees.
    if let Some(cached_updated) = conversations::updated_at(&tx, c.id)? {
        if c.updated_at >= cached_updated {
            let gen = meta::generation(&tx)?;
            conversations::upsert(&tx, c, gen)?;
        }
    }
    outbox::delete(&tx, item_id)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::conversations::tests::sample as conv;
    use crate::cache::messages::tests::sample as msg;
    use crate::cache::outbox::Payload;
    use crate::cache::Cache;
    use switchboard_protocol::{ChangeOp, MessageKind};

    fn rec<T: serde::Serialize>(
        seq: i64,
        entity: Entity,
        id: Id,
        data: Option<&T>,
    ) -> ChangeRecord {
        let (op, data) = match data {
            Some(d) => (
                ChangeOp::Upsert,
                Some(serde_json::to_value(d).expect("json")),
            ),
            None => (ChangeOp::Remove, None),
        };
        ChangeRecord {
            seq,
            id,
            change: Change::decode(entity.as_str(), op, data),
        }
    }

    #[test]
    fn changes_apply_in_one_batch_and_skip_old_seqs() {
        let cache = Cache::open_in_memory().expect("cache");
        let mut c = cache.writer();
        let mut cv = conv(1, "Ann");
        cv.last_message_at = 20;
        let m = msg(2, 1, MessageKind::Client, "hi"); // created_at 20
        let recs = vec![
            rec(5, Entity::Conversation, 1, Some(&cv)),
            rec(6, Entity::Message, 2, Some(&m)),
        ];
        let out = apply_changes(&mut c, &recs, 9).expect("apply");
        assert_eq!(out.ids(), vec![1]);
        assert!(out.backfill.is_empty(), "history is complete");
        assert_eq!(meta::last_seq(&c).expect("seq"), 9);

        // Replayed records (seq ≤ 9) are ignored: the removal below is at seq 8.
        let out = apply_changes(&mut c, &[rec::<()>(8, Entity::Conversation, 1, None)], 9)
            .expect("replay");
        assert!(out.is_empty());
        assert!(conversations::exists(&c, 1).expect("exists"));

        // A removal takes messages with it.
        apply_changes(&mut c, &[rec::<()>(10, Entity::Conversation, 1, None)], 10).expect("rm");
        assert!(!conversations::exists(&c, 1).expect("exists"));
        assert_eq!(messages::count(&c, 1).expect("count"), 0);
    }

    #[test]
    fn a_record_this_version_cannot_read_is_passed_over_without_stalling_the_batch() {
        let cache = Cache::open_in_memory().expect("cache");
        let mut c = cache.writer();
        let page: Vec<ChangeRecord> = serde_json::from_value(serde_json::json!([
            {"seq": 1, "entity": "widget_setting", "id": 1, "op": "upsert", "data": {"x": 1}},
            {"seq": 2, "entity": "conversation", "id": 2, "op": "upsert", "data": {"id": "?"}},
        ]))
        .expect("a page with unknown records still reads");
        let mut recs = page;
        recs.push(rec(3, Entity::Conversation, 1, Some(&conv(1, "Ann"))));
        let out = apply_changes(&mut c, &recs, 3).expect("apply");
        assert_eq!(out.ids(), vec![1], "the readable record is applied");
        assert_eq!(meta::last_seq(&c).expect("seq"), 3, "sync moves past them");
    }

    #[test]
    fn a_conversation_arriving_without_history_needs_backfill() {
        let cache = Cache::open_in_memory().expect("cache");
        let mut c = cache.writer();
        let mut cv = conv(1, "Ann");
        cv.last_message_at = 500;
        // The message came first (its conversation was not cached yet) and is dropped.
        let m = msg(50, 1, MessageKind::Client, "hi");
        let recs = vec![
            rec(1, Entity::Message, 50, Some(&m)),
            rec(2, Entity::Conversation, 1, Some(&cv)),
        ];
        let out = apply_changes(&mut c, &recs, 2).expect("apply");
        assert_eq!(out.backfill, vec![1]);
        let out = apply_messages(&mut c, &[m]).expect("backfill");
        assert_eq!(out.ids(), vec![1]);
        assert!(conversations::needing_backfill(&c, &[1])
            .expect("check")
            .is_empty());
    }

    #[test]
    fn newer_client_messages_are_reported_once_per_conversation() {
        let cache = Cache::open_in_memory().expect("cache");
        let mut c = cache.writer();
        let mut a = conv(1, "Ann");
        a.last_client_message_id = Some(5);
        let mut b = conv(2, "Blacklisted");
        b.last_client_message_id = Some(6);
        b.client.blacklisted = true;
        let recs = vec![
            rec(1, Entity::Conversation, 1, Some(&a)),
            rec(2, Entity::Conversation, 2, Some(&b)),
        ];
        let out = apply_changes(&mut c, &recs, 2).expect("apply");
        assert_eq!(out.new_client_messages, vec![(1, 5)]);
        // An update without a newer client message (e.g. a status change) is no news.
        a.status = switchboard_protocol::ConversationStatus::Inbox;
        let out =
            apply_changes(&mut c, &[rec(3, Entity::Conversation, 1, Some(&a))], 3).expect("apply");
        assert!(out.new_client_messages.is_empty());
        let mut a7 = a.clone();
        a7.last_client_message_id = Some(7);
        let mut a8 = a.clone();
        a8.last_client_message_id = Some(8);
        let recs = vec![
            rec(4, Entity::Conversation, 1, Some(&a7)),
            rec(5, Entity::Conversation, 1, Some(&a8)),
        ];
        let out = apply_changes(&mut c, &recs, 5).expect("apply");
        assert_eq!(out.new_client_messages, vec![(1, 8)]);
    }

    #[test]
    fn a_streamed_message_acknowledges_its_outbox_send() {
        let cache = Cache::open_in_memory().expect("cache");
        let mut c = cache.writer();
        conversations::upsert(&c, &conv(1, "Ann"), 0).expect("conv");
        let payload = Payload::Send {
            text: "hi".into(),
            kind: MessageKind::Operator,
        };
        outbox::push(&c, "key-1", 1, &payload, 1).expect("push");
        let mut m = msg(3, 1, MessageKind::Operator, "hi");
        m.client_msg_id = Some("key-1".into());
        let out = apply_changes(&mut c, &[rec(1, Entity::Message, 3, Some(&m))], 1).expect("apply");
        assert!(out.outbox_acked);
        assert!(outbox::all(&c).expect("all").is_empty());
    }

    fn found(c: &Connection, word: &str) -> Vec<Id> {
        c.prepare("SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY rowid")
            .expect("prepare")
            .query_map([word], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }

    #[test]
    fn a_snapshot_into_an_empty_cache_is_searchable_after_its_first_and_last_page() {
        let cache = Cache::open_in_memory().expect("cache");
        let mut c = cache.writer();
        meta::begin_snapshot(&c).expect("begin");
        let page =
            |convs: Vec<Conversation>, msgs: Vec<Message>, next: Option<&str>| SnapshotPage {
                seq: 3,
                total: 3,
                conversations: convs,
                messages: msgs,
                read_states: vec![],
                next_after_id: None,
                next_cursor: next.map(str::to_owned),
            };
        let m = |id, conv| msg(id, conv, MessageKind::Client, "parcel");
        apply_snapshot_page(
            &mut c,
            &page(vec![conv(1, "a")], vec![m(5, 1)], Some("r.1")),
        )
        .expect("p1");
        assert_eq!(found(&c, "parcel"), vec![5], "the first page at once");
        apply_snapshot_page(
            &mut c,
            &page(vec![conv(2, "b")], vec![m(2, 2)], Some("r.2")),
        )
        .expect("p2");
        assert_eq!(found(&c, "parcel"), vec![5], "later pages at the end");
        let p = apply_snapshot_page(&mut c, &page(vec![conv(3, "c")], vec![m(9, 3)], None))
            .expect("p3");
        assert!(p.finished);
        assert_eq!(found(&c, "parcel"), vec![2, 5, 9]);
        // Live records are indexed per row again.
        let m10 = msg(10, 2, MessageKind::Client, "parcel");
        apply_changes(&mut c, &[rec(4, Entity::Message, 10, Some(&m10))], 4).expect("live");
        assert_eq!(found(&c, "parcel"), vec![2, 5, 9, 10]);
    }

    #[test]
    fn snapshot_pages_resume_and_sweep() {
        let cache = Cache::open_in_memory().expect("cache");
        let mut c = cache.writer();
        conversations::upsert(&c, &conv(99, "stale"), 0).expect("stale");
        outbox::push(
            &c,
            "keep",
            99,
            &Payload::Action(switchboard_protocol::ConversationAction::Close),
            1,
        )
        .expect("outbox");
        meta::begin_snapshot(&c).expect("begin");
        let page = |seq, convs: Vec<Conversation>, next: Option<&str>| SnapshotPage {
            seq,
            total: 2,
            conversations: convs,
            messages: vec![],
            read_states: vec![],
            next_after_id: None,
            next_cursor: next.map(str::to_owned),
        };
        let p = apply_snapshot_page(&mut c, &page(40, vec![conv(1, "a")], Some("r.1.2.3")))
            .expect("p1");
        assert_eq!(
            meta::get_text(&c, meta::SNAPSHOT_CURSOR)
                .expect("cursor")
                .as_deref(),
            Some("r.1.2.3"),
            "kept for resuming"
        );
        assert_eq!((p.done, p.total, p.finished), (1, 2, false));
        assert!(conversations::exists(&c, 99).expect("still readable mid-snapshot"));
        let p = apply_snapshot_page(&mut c, &page(45, vec![conv(2, "b")], None)).expect("p2");
        assert!(p.finished);
        assert!(!conversations::exists(&c, 99).expect("swept"));
        assert_eq!(
            meta::last_seq(&c).expect("seq"),
            40,
            "resume from the first page"
        );
        assert!(meta::snapshot_done(&c).expect("done"));
        assert_eq!(
            outbox::all(&c).expect("outbox").len(),
            1,
            "outbox untouched"
        );
    }

    #[test]
    fn action_reply_does_not_resurrect_a_removed_conversation() {
        let cache = Cache::open_in_memory().expect("cache");
        let mut c = cache.writer();
        outbox::push(
            &c,
            "a1",
            1,
            &Payload::Action(switchboard_protocol::ConversationAction::Close),
            1,
        )
        .expect("push");
        outbox_done_conversation(&mut c, "a1", &conv(1, "gone")).expect("done");
        assert!(!conversations::exists(&c, 1).expect("exists"));
        assert!(outbox::all(&c).expect("all").is_empty());
    }
}
