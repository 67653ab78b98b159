//! The conversation tabs of the seed, answered from the cache with the operator's rules: which
//! rows each tab holds, their order, the time each shows, the unread mark and the counters.
//! The server already sends only what this operator may see, so visibility by group is not
//! decided again here; the tabs only split what is cached. The split is the protocol's
//! [`switchboard_protocol::tabs::in_tab`] in SQL, and a test checks that both agree.

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, Row};
use switchboard_protocol::{ChannelKind, ConversationStatus, Id};

use crate::cache::search;
use crate::error::Result;
use crate::view::{ConversationRow, IncomingMessage, ListPage, ListQuery, Tab, TabCounts};

/// A list never returns more rows than this; narrower tabs, filters or search find the rest.
pub const MAX_ROWS: i64 = 10_000;
/// A search answers with the newest this many matching conversations; more words find older
/// ones. Searching is for finding a conversation, and a short answer keeps it instant.
pub const SEARCH_MAX_ROWS: i64 = 200;

/// Who is looking: decides "mine", whether All and Blacklist exist and which groups they cover.
pub use switchboard_protocol::tabs::Viewer;

const UNREAD: &str = "(c.last_client_message_id IS NOT NULL \
     AND c.last_client_message_id > COALESCE(r.last_read_message_id, 0))";

const SELECT: &str = "SELECT c.id, c.client_name, ca.kind, ca.name, c.last_message_from_operator, \
        op.name, {UNREAD}, g.name, g.color, c.status, c.status_changed_at, c.last_message_at, \
        c.last_message_preview, \
        (SELECT count(*) FROM outbox o WHERE o.conversation_id = c.id), c.blacklisted \
     FROM conversations c \
     LEFT JOIN channel_accounts ca ON ca.id = c.channel_account_id \
     LEFT JOIN operators op ON op.id = c.operator_id \
     LEFT JOIN groups g ON g.id = c.group_id \
     LEFT JOIN read_states r ON r.conversation_id = c.id";

fn select() -> String {
    SELECT.replace("{UNREAD}", UNREAD)
}

/// Which time a row shows (seed element #8).
#[derive(Debug, Clone, Copy)]
enum TimeRule {
    StatusChanged,
    LastMessage,
    /// By the row's own status (an open conversation, not in a list).
    ByStatus,
}

fn row_from(r: &Row<'_>, rule: TimeRule) -> rusqlite::Result<ConversationRow> {
    let kind: Option<String> = r.get(2)?;
    let status: String = r.get(9)?;
    let status = ConversationStatus::parse(&status).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            9,
            rusqlite::types::Type::Text,
            format!("unknown status {status}").into(),
        )
    })?;
    let status_changed_at: i64 = r.get(10)?;
    let last_message_at: i64 = r.get(11)?;
    let time = match rule {
        TimeRule::StatusChanged => status_changed_at,
        TimeRule::LastMessage => last_message_at,
        TimeRule::ByStatus => match status {
            ConversationStatus::Unassigned | ConversationStatus::Closed => status_changed_at,
            ConversationStatus::Inbox => last_message_at,
        },
    };
    Ok(ConversationRow {
        id: r.get(0)?,
        client_name: r.get(1)?,
        // A channel account missing from the directory (not fetched yet) shows as Custom
        // rather than hiding the conversation.
        channel_kind: kind
            .as_deref()
            .and_then(ChannelKind::parse)
            .unwrap_or(ChannelKind::Custom),
        channel_name: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
        last_message_from_operator: r.get(4)?,
        operator_name: r.get(5)?,
        unread: r.get(6)?,
        group_name: r.get(7)?,
        group_color: r.get(8)?,
        status,
        time,
        preview: r.get(12)?,
        pending: r.get(13)?,
        blacklisted: r.get(14)?,
    })
}

/// The WHERE condition of a tab, or `None` when the viewer does not have the tab.
fn tab_condition(tab: Option<Tab>, v: &Viewer) -> Option<String> {
    let me = v.operator_id;
    let extra = v.tabs().contains(&Tab::All);
    // All and Blacklist cover the viewer's groups (all of them for a super-admin or an operator
    // in no group); Inbox and Closed are this operator's whatever the group.
    let in_groups = if v.sees_everything || v.group_ids.is_empty() {
        "1".to_owned()
    } else {
        let ids: Vec<String> = v.group_ids.iter().map(Id::to_string).collect();
        format!("c.group_id IN ({})", ids.join(","))
    };
    Some(match tab {
        Some(Tab::Unassigned) => "c.status = 'unassigned' AND NOT c.blacklisted".to_owned(),
        Some(Tab::Inbox) => {
            format!("c.status = 'inbox' AND c.operator_id = {me} AND NOT c.blacklisted")
        }
        Some(Tab::Closed) => {
            format!("c.status = 'closed' AND c.closed_by = {me} AND NOT c.blacklisted")
        }
        Some(Tab::All) if extra => format!("NOT c.blacklisted AND {in_groups}"),
        Some(Tab::Blacklist) if extra => format!("c.blacklisted AND {in_groups}"),
        Some(Tab::All) | Some(Tab::Blacklist) => return None,
        // No tab: everything cached that is not blacklisted (e.g. a search across tabs).
        None => "NOT c.blacklisted".to_owned(),
    })
}

/// Rows of one tab, filtered and searched, newest first by the tab's rule: the first `limit`
/// of them (all without a limit), how many the list holds (at most [`MAX_ROWS`]) and how many
/// match. A start paints the rows in view at once instead of waiting for a whole 10,000-row
/// tab. A search answers whole (it is capped at [`SEARCH_MAX_ROWS`], and says when more match).
pub fn page(conn: &Connection, v: &Viewer, q: &ListQuery, limit: Option<u32>) -> Result<ListPage> {
    capped_page(conn, v, q, limit, MAX_ROWS)
}

/// [`page`] with the list's cap given (the tests' lists are short).
fn capped_page(
    conn: &Connection,
    v: &Viewer,
    q: &ListQuery,
    limit: Option<u32>,
    cap: i64,
) -> Result<ListPage> {
    let Some(cond) = tab_condition(q.tab, v) else {
        return Ok(ListPage::default());
    };
    let mut filter = cond;
    let mut args: Vec<Value> = Vec::new();
    if let Some(g) = q.group_id {
        args.push(Value::Integer(g));
        filter.push_str(&format!(" AND c.group_id = ?{}", args.len()));
    }
    if let Some(s) = q.status {
        args.push(Value::Text(s.as_str().to_owned()));
        filter.push_str(&format!(" AND c.status = ?{}", args.len()));
    }
    if let Some(o) = q.operator_id {
        args.push(Value::Integer(o));
        filter.push_str(&format!(" AND c.operator_id = ?{}", args.len()));
    }
    let rule = match q.tab {
        Some(Tab::Unassigned) | Some(Tab::Closed) => TimeRule::StatusChanged,
        _ => TimeRule::LastMessage,
    };
    let order = match rule {
        TimeRule::StatusChanged => "c.status_changed_at DESC, c.id DESC",
        _ => "c.last_message_at DESC, c.id DESC",
    };
    let (sql, args, more) = match q.search.as_deref().and_then(search::fts_query) {
        Some(fts) => {
            // One past the cap: whether more match than the list shows.
            let page = search::Page {
                filter: &filter,
                args: &args,
                order,
                limit: SEARCH_MAX_ROWS + 1,
            };
            // The page's ids first; rows (joins, outbox count) are built only for those.
            let mut ids = page.ids(conn, &fts)?;
            let more = ids.len() as i64 > SEARCH_MAX_ROWS;
            ids.truncate(SEARCH_MAX_ROWS as usize);
            let sql = format!(
                "{} WHERE c.id IN (SELECT value FROM json_each(?1)) ORDER BY {order}",
                select()
            );
            (sql, vec![Value::Text(search::json_array(&ids))], more)
        }
        None => {
            let limit = limit.map_or(cap, |l| i64::from(l).min(cap));
            let sql = format!("{} WHERE {filter} ORDER BY {order} LIMIT {limit}", select());
            let rows = query_rows(conn, &sql, &args, rule)?;
            let matching = if (rows.len() as i64) < limit {
                rows.len() as i64
            } else {
                // Only the filter's own columns: no joins, no row building.
                let sql = format!("SELECT count(*) FROM conversations c WHERE {filter}");
                conn.prepare_cached(&sql)?
                    .query_row(params_from_iter(&args), |r| r.get(0))?
            };
            return Ok(ListPage {
                rows,
                total: matching.min(cap),
                matching: Some(matching),
            });
        }
    };
    let rows = query_rows(conn, &sql, &args, rule)?;
    let total = rows.len() as i64;
    Ok(ListPage {
        rows,
        total,
        matching: (!more).then_some(total),
    })
}

fn query_rows(
    conn: &Connection,
    sql: &str,
    args: &[Value],
    rule: TimeRule,
) -> Result<Vec<ConversationRow>> {
    Ok(conn
        .prepare_cached(sql)?
        .query_map(params_from_iter(args), |r| row_from(r, rule))?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// One conversation's row, its time by its own status.
pub fn row(conn: &Connection, id: Id) -> Result<Option<ConversationRow>> {
    let sql = format!("{} WHERE c.id = ?1", select());
    Ok(rusqlite::OptionalExtension::optional(
        conn.prepare_cached(&sql)?
            .query_row([id], |r| row_from(r, TimeRule::ByStatus)),
    )?)
}

/// A notification for a new client message, if the conversation is still unread for the
/// viewer (they may have opened it meanwhile).
pub fn incoming(
    conn: &Connection,
    v: &Viewer,
    conversation_id: Id,
    message_id: Id,
) -> Result<Option<IncomingMessage>> {
    let Some(row) = row(conn, conversation_id)? else {
        return Ok(None);
    };
    if !row.unread || row.blacklisted {
        return Ok(None);
    }
    let operator_id: Option<Id> = conn
        .prepare_cached("SELECT operator_id FROM conversations WHERE id = ?1")?
        .query_row([conversation_id], |r| r.get(0))?;
    Ok(Some(IncomingMessage {
        conversation_id,
        message_id,
        mine: row.status == ConversationStatus::Inbox && operator_id == Some(v.operator_id),
        client_name: row.client_name,
        channel_kind: row.channel_kind,
        channel_name: row.channel_name,
        preview: row.preview,
        status: row.status,
    }))
}

/// Tab bar counters (#9, #10).
pub fn counts(conn: &Connection, v: &Viewer) -> Result<TabCounts> {
    let un = tab_condition(Some(Tab::Unassigned), v).unwrap_or_else(|| "0".into());
    let inbox = tab_condition(Some(Tab::Inbox), v).unwrap_or_else(|| "0".into());
    let closed = tab_condition(Some(Tab::Closed), v).unwrap_or_else(|| "0".into());
    // Unread over every tab the operator has; blacklisted clients notify no one, so the
    // Blacklist tab does not count.
    let any = tab_condition(Some(Tab::All), v)
        .unwrap_or_else(|| format!("({un}) OR ({inbox}) OR ({closed})"));
    let sql = format!(
        "SELECT
            COALESCE(sum({un}), 0),
            COALESCE(sum({inbox}), 0),
            COALESCE(sum(({inbox}) AND {UNREAD}), 0),
            COALESCE(sum({closed}), 0),
            COALESCE(sum(({any}) AND {UNREAD}), 0)
         FROM conversations c LEFT JOIN read_states r ON r.conversation_id = c.id"
    );
    Ok(conn.prepare_cached(&sql)?.query_row([], |r| {
        Ok(TabCounts {
            unassigned: r.get(0)?,
            inbox: r.get(1)?,
            inbox_unread: r.get(2)?,
            closed: r.get(3)?,
            unread_total: r.get(4)?,
        })
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::conversations::tests::sample as conv;
    use crate::cache::messages::tests::sample as msg;
    use crate::cache::{conversations, directory, messages, read_states, Cache};
    use switchboard_protocol::{ChannelAccount, Conversation, Group, MessageKind, Operator};

    const ME: Id = 7;
    const OTHER: Id = 8;

    fn put(c: &Connection, mut cv: Conversation, f: impl FnOnce(&mut Conversation)) {
        f(&mut cv);
        conversations::upsert(c, &cv, 0).expect("upsert");
    }

    /// 1 unassigned (t=100), 2 unassigned (t=300), 3 mine inbox, 4 other's inbox,
    /// 5 closed by me, 6 closed by other, 7 blacklisted unassigned, 8 mine inbox blacklisted.
    fn fixture() -> Cache {
        let cache = Cache::open_in_memory().expect("cache");
        {
            let c = cache.writer();
            directory::upsert_operator(
                &c,
                &Operator {
                    id: ME,
                    name: "Me".into(),
                    email: "me@x".into(),
                    super_admin: false,
                    role_id: None,
                    group_ids: vec![],
                    active: true,
                },
            )
            .expect("op");
            directory::upsert_group(
                &c,
                &Group {
                    id: 3,
                    name: "Sales".into(),
                    color: "#f00".into(),
                },
            )
            .expect("group");
            directory::upsert_channel_account(
                &c,
                &ChannelAccount {
                    id: 1,
                    kind: ChannelKind::Telegram,
                    name: "TG".into(),
                    group_id: None,
                    disabled: false,
                    tags: Vec::new(),
                },
            )
            .expect("channel");
            put(&c, conv(1, "Alice Hello"), |x| {
                x.status_changed_at = 100;
                x.last_message_at = 900;
                x.group_id = Some(3);
            });
            put(&c, conv(2, "Bob"), |x| {
                x.status_changed_at = 300;
                x.last_message_at = 200;
                x.last_client_message_id = Some(21);
            });
            put(&c, conv(3, "Carol"), |x| {
                x.status = ConversationStatus::Inbox;
                x.operator_id = Some(ME);
                x.last_message_at = 500;
                x.last_client_message_id = Some(31);
            });
            put(&c, conv(4, "Dan"), |x| {
                x.status = ConversationStatus::Inbox;
                x.operator_id = Some(OTHER);
                x.last_client_message_id = Some(41);
            });
            put(&c, conv(5, "Eve"), |x| {
                x.status = ConversationStatus::Closed;
                x.closed_by = Some(ME);
                x.operator_id = Some(ME);
            });
            put(&c, conv(6, "Fay"), |x| {
                x.status = ConversationStatus::Closed;
                x.closed_by = Some(OTHER);
            });
            put(&c, conv(7, "Gus"), |x| x.client.blacklisted = true);
            put(&c, conv(8, "Hal"), |x| {
                x.status = ConversationStatus::Inbox;
                x.operator_id = Some(ME);
                x.client.blacklisted = true;
            });
            messages::upsert(&c, &msg(21, 2, MessageKind::Client, "Héllo there")).expect("m");
            messages::upsert(&c, &msg(31, 3, MessageKind::Client, "my parcel is late")).expect("m");
            read_states::advance(&c, 3, 31).expect("read");
        }
        cache
    }

    /// Every row of a list.
    fn whole(conn: &Connection, v: &Viewer, q: &ListQuery) -> Result<Vec<ConversationRow>> {
        Ok(page(conn, v, q, None)?.rows)
    }

    fn ids(cache: &Cache, v: &Viewer, q: ListQuery) -> Vec<Id> {
        whole(&cache.reader(), v, &q)
            .expect("list")
            .iter()
            .map(|r| r.id)
            .collect()
    }

    fn tab(t: Tab) -> ListQuery {
        ListQuery {
            tab: Some(t),
            ..Default::default()
        }
    }

    const OPERATOR: &Viewer = &Viewer {
        operator_id: ME,
        sees_everything: false,
        group_ids: Vec::new(),
        sees_all_tabs: false,
        hidden: switchboard_protocol::HiddenClientData::NONE,
    };
    const MANAGER: &Viewer = &Viewer {
        operator_id: ME,
        sees_everything: false,
        group_ids: Vec::new(),
        sees_all_tabs: true,
        hidden: switchboard_protocol::HiddenClientData::NONE,
    };

    #[test]
    fn tabs_hold_the_right_conversations_in_order() {
        let cache = fixture();
        assert_eq!(ids(&cache, OPERATOR, tab(Tab::Unassigned)), vec![2, 1]);
        assert_eq!(ids(&cache, OPERATOR, tab(Tab::Inbox)), vec![3]);
        assert_eq!(ids(&cache, OPERATOR, tab(Tab::Closed)), vec![5]);
        assert!(ids(&cache, OPERATOR, tab(Tab::All)).is_empty());
        assert!(ids(&cache, OPERATOR, tab(Tab::Blacklist)).is_empty());
        assert_eq!(ids(&cache, MANAGER, tab(Tab::All)), vec![1, 3, 2, 6, 5, 4]);
        assert_eq!(ids(&cache, MANAGER, tab(Tab::Blacklist)), vec![8, 7]);
    }

    #[test]
    fn row_time_follows_the_tab_rule_and_names_are_joined() {
        let cache = fixture();
        let un = whole(&cache.reader(), OPERATOR, &tab(Tab::Unassigned)).expect("list");
        let alice = un.iter().find(|r| r.id == 1).expect("alice");
        assert_eq!(alice.time, 100, "unassigned shows when the status was set");
        assert_eq!(alice.group_name.as_deref(), Some("Sales"));
        assert_eq!(alice.channel_kind, ChannelKind::Telegram);
        let all = whole(&cache.reader(), MANAGER, &tab(Tab::All)).expect("list");
        assert_eq!(all.iter().find(|r| r.id == 1).map(|r| r.time), Some(900));
        let inbox = whole(&cache.reader(), OPERATOR, &tab(Tab::Inbox)).expect("list");
        assert_eq!(inbox[0].operator_name.as_deref(), Some("Me"));
    }

    #[test]
    fn unread_compares_last_client_message_with_read_state() {
        let cache = fixture();
        let all = whole(&cache.reader(), MANAGER, &tab(Tab::All)).expect("list");
        let unread: Vec<Id> = all.iter().filter(|r| r.unread).map(|r| r.id).collect();
        // 2: client message, no read state; 3: read up to it; 1: no client message.
        assert_eq!(unread, vec![2, 4]);
        read_states::advance(&cache.writer(), 2, 20).expect("older read");
        assert!(whole(&cache.reader(), OPERATOR, &tab(Tab::Unassigned))
            .expect("list")
            .iter()
            .any(|r| r.id == 2 && r.unread));
        read_states::advance(&cache.writer(), 2, 21).expect("read");
        assert!(whole(&cache.reader(), OPERATOR, &tab(Tab::Unassigned))
            .expect("list")
            .iter()
            .all(|r| !r.unread));
    }

    #[test]
    fn counts_per_tab() {
        let cache = fixture();
        let c = counts(&cache.reader(), OPERATOR).expect("counts");
        assert_eq!(
            c,
            TabCounts {
                unassigned: 2,
                inbox: 1,
                inbox_unread: 0,
                closed: 1,
                unread_total: 1
            }
        );
        let c = counts(&cache.reader(), MANAGER).expect("counts");
        assert_eq!(
            c.unread_total, 2,
            "the All tab counts other operators' unread too"
        );
    }

    #[test]
    fn filters_apply() {
        let cache = fixture();
        let q = ListQuery {
            group_id: Some(3),
            ..tab(Tab::Unassigned)
        };
        assert_eq!(ids(&cache, OPERATOR, q), vec![1]);
        let q = ListQuery {
            status: Some(ConversationStatus::Closed),
            ..tab(Tab::All)
        };
        assert_eq!(ids(&cache, MANAGER, q), vec![6, 5]);
        let q = ListQuery {
            operator_id: Some(OTHER),
            ..tab(Tab::All)
        };
        assert_eq!(ids(&cache, MANAGER, q), vec![4]);
    }

    /// A first page is the head of the whole list, in its order, and says how long the whole
    /// list is, filters included; a page as long as the list or longer is the whole list.
    #[test]
    fn a_first_page_is_the_head_of_the_list_with_its_length() {
        let cache = fixture();
        let whole = ids(&cache, MANAGER, tab(Tab::All));
        let first = page(&cache.reader(), MANAGER, &tab(Tab::All), Some(2)).expect("page");
        let first_ids: Vec<Id> = first.rows.iter().map(|r| r.id).collect();
        assert_eq!(first_ids, whole[..2]);
        assert_eq!(first.total, whole.len() as i64);
        assert_eq!(first.matching, Some(first.total));
        let closed = ListQuery {
            status: Some(ConversationStatus::Closed),
            ..tab(Tab::All)
        };
        let filtered = page(&cache.reader(), MANAGER, &closed, Some(1)).expect("page");
        assert_eq!((filtered.rows.len(), filtered.total), (1, 2));
        let all = page(&cache.reader(), MANAGER, &tab(Tab::All), Some(50)).expect("page");
        assert_eq!(all.rows.len() as i64, all.total);
        assert_eq!(all.total, whole.len() as i64);
        let none = page(&cache.reader(), OPERATOR, &tab(Tab::All), Some(2)).expect("page");
        assert_eq!(none, ListPage::default(), "a tab the viewer does not have");
    }

    /// A tab longer than the list's cap lists its newest rows up to the cap, and says how many
    /// match beyond it, for the first page as for the whole list.
    #[test]
    fn a_list_past_its_cap_says_how_many_match() {
        let cache = fixture();
        let whole = ids(&cache, MANAGER, tab(Tab::All));
        let cap = 3;
        assert!(whole.len() > 3, "the fixture needs more rows than the cap");
        let all = capped_page(&cache.reader(), MANAGER, &tab(Tab::All), None, cap).expect("page");
        let all_ids: Vec<Id> = all.rows.iter().map(|r| r.id).collect();
        assert_eq!(all_ids, whole[..3]);
        assert_eq!((all.total, all.matching), (cap, Some(whole.len() as i64)));
        let first =
            capped_page(&cache.reader(), MANAGER, &tab(Tab::All), Some(2), cap).expect("page");
        assert_eq!(
            (first.rows.len(), first.total, first.matching),
            (2, cap, Some(whole.len() as i64))
        );
        let under = capped_page(&cache.reader(), MANAGER, &tab(Tab::All), None, 100).expect("page");
        assert_eq!(Some(under.total), under.matching);
    }

    #[test]
    fn search_answers_the_newest_matches_up_to_the_cap() {
        let cache = fixture();
        {
            let c = cache.writer();
            for i in 0..(SEARCH_MAX_ROWS + 50) {
                put(&c, conv(100 + i, &format!("Zed {i}")), |x| {
                    x.last_message_at = 1_000 + i;
                });
            }
        }
        let q = ListQuery {
            search: Some("zed".into()),
            ..tab(Tab::All)
        };
        let found = ids(&cache, MANAGER, q.clone());
        assert_eq!(found.len() as i64, SEARCH_MAX_ROWS);
        assert_eq!(found[0], 100 + SEARCH_MAX_ROWS + 49, "newest first");
        assert!(found.windows(2).all(|w| w[0] > w[1]));
        // It says that more match, without counting them.
        let listed = page(&cache.reader(), MANAGER, &q, None).expect("page");
        assert_eq!((listed.total, listed.matching), (SEARCH_MAX_ROWS, None));
        // Exactly the cap: nothing more to say.
        let exact = ListQuery {
            search: Some("zed 1".into()),
            ..tab(Tab::All)
        };
        let matched = page(&cache.reader(), MANAGER, &exact, None).expect("page");
        assert!(matched.total > 0 && matched.total < SEARCH_MAX_ROWS);
        assert_eq!(matched.matching, Some(matched.total));
    }

    /// More hits than a page: the search walks the list from the top. Hits crowded into one
    /// old conversation make the walk give up and map the hits instead; hits in a tab's few
    /// conversations end the walk with the tab. Either way the answer is every match, in order.
    #[test]
    fn search_with_many_hits_finds_every_match_in_list_order() {
        let cache = fixture();
        {
            let c = cache.writer();
            for i in 0..(SEARCH_MAX_ROWS + 100) {
                put(&c, conv(100 + i, "Newer"), |x| {
                    x.last_message_at = 10_000 + i;
                });
            }
            for i in 0..(SEARCH_MAX_ROWS + 50) {
                let text = format!("crowded {i}");
                messages::upsert(&c, &msg(1_000 + i, 5, MessageKind::Client, &text)).expect("m");
            }
            // A second match near the top of the list, found by the walk itself.
            messages::upsert(&c, &msg(5_000, 150, MessageKind::Note, "crowded too")).expect("m");
        }
        let s = |text: &str, t: Option<Tab>| ListQuery {
            search: Some(text.into()),
            tab: t,
            ..Default::default()
        };
        assert_eq!(
            ids(&cache, MANAGER, s("crowd", Some(Tab::All))),
            vec![150, 5]
        );
        assert_eq!(
            ids(&cache, OPERATOR, s("crowd", Some(Tab::Closed))),
            vec![5]
        );
        assert!(ids(&cache, OPERATOR, s("crowd", Some(Tab::Inbox))).is_empty());
        assert_eq!(
            ids(&cache, MANAGER, s("crowded 7", None)),
            vec![5],
            "every word of the search in one message"
        );
        assert_eq!(ids(&cache, MANAGER, s("newer", Some(Tab::All))).len(), 200);
    }

    #[test]
    fn search_matches_word_prefixes_of_names_and_messages() {
        let cache = fixture();
        let s = |text: &str| ListQuery {
            search: Some(text.into()),
            ..tab(Tab::All)
        };
        assert_eq!(
            ids(&cache, MANAGER, s("hel")),
            vec![1, 2],
            "name and diacritic text"
        );
        assert!(
            ids(&cache, MANAGER, s("llo")).is_empty(),
            "not from the middle of a word"
        );
        assert_eq!(ids(&cache, MANAGER, s("PARC")), vec![3]);
        assert_eq!(ids(&cache, MANAGER, s("parcel lat")), vec![3]);
        assert!(ids(&cache, MANAGER, s("parcel xyz")).is_empty());
        assert_eq!(
            ids(&cache, MANAGER, s("he")).len(),
            6,
            "< 3 chars: no search"
        );
        assert!(
            ids(&cache, MANAGER, s("\"OR* NEAR(")).is_empty(),
            "syntax is neutral"
        );
        // Renamed clients are found by their new name; removed ones no longer.
        let c = cache.writer();
        put(&c, conv(2, "Roberto"), |x| {
            x.status_changed_at = 300;
            x.client.original_name = "Bob".into();
        });
        conversations::remove(&c, 3).expect("rm");
        drop(c);
        assert_eq!(ids(&cache, MANAGER, s("rob")), vec![2]);
        assert_eq!(ids(&cache, MANAGER, s("bob")), vec![2], "original name too");
        assert!(ids(&cache, MANAGER, s("parc")).is_empty());
    }

    #[test]
    fn search_finds_a_client_by_the_contact_the_server_sent() {
        let cache = fixture();
        let s = |text: &str| ListQuery {
            search: Some(text.into()),
            ..tab(Tab::All)
        };
        let c = cache.writer();
        put(&c, conv(40, "Marta"), |x| {
            x.client.contact.phone = Some("+44 20 7946 0412".into());
            x.client.contact.email = Some("marta.k@mail.example".into());
            x.client.contact.username = Some("@martak".into());
        });
        // The company hides contacts from this operator: the server sent none.
        put(&c, conv(41, "Hanna"), |x| x.client.contact_hidden = true);
        drop(c);
        assert_eq!(ids(&cache, MANAGER, s("7946")), vec![40]);
        assert_eq!(ids(&cache, MANAGER, s("44207946")), vec![40], "digits run");
        assert_eq!(ids(&cache, MANAGER, s("marta.k@mail")), vec![40]);
        assert_eq!(ids(&cache, MANAGER, s("martak")), vec![40]);
        assert_eq!(ids(&cache, MANAGER, s("0412")), vec![40]);
    }

    /// The cache's tab SQL and the protocol's `in_tab` (the server's rule) agree on every
    /// conversation the server would send, for every kind of viewer: one rule everywhere.
    #[test]
    fn tab_sql_agrees_with_the_protocol_rule() {
        use switchboard_protocol::tabs::{in_tab, visible, Scope};
        use ConversationStatus::*;
        let viewers = [
            (vec![], false, false),
            (vec![3], false, false),
            (vec![3], true, false),
            (vec![], true, false),
            (vec![3], false, true),
        ]
        .map(|(group_ids, sees_all_tabs, sees_everything)| Viewer {
            operator_id: ME,
            sees_everything,
            group_ids,
            sees_all_tabs,
            hidden: switchboard_protocol::HiddenClientData::NONE,
        });
        let mut scopes = Vec::new();
        for status in [Unassigned, Inbox, Closed] {
            for operator_id in [None, Some(ME), Some(OTHER)] {
                for closed_by in [None, Some(ME), Some(OTHER)] {
                    for group_id in [None, Some(3), Some(4)] {
                        for blacklisted in [false, true] {
                            scopes.push(Scope {
                                status,
                                operator_id,
                                group_id,
                                closed_by,
                                blacklisted,
                            });
                        }
                    }
                }
            }
        }
        for tv in &viewers {
            let cache = Cache::open_in_memory().expect("cache");
            let sent: Vec<(Id, &Scope)> =
                (1..).zip(&scopes).filter(|(_, s)| visible(tv, s)).collect();
            {
                let c = cache.writer();
                for (id, s) in &sent {
                    put(&c, conv(*id, "Client"), |x| {
                        x.status = s.status;
                        x.operator_id = s.operator_id;
                        x.group_id = s.group_id;
                        x.closed_by = s.closed_by;
                        x.client.blacklisted = s.blacklisted;
                    });
                }
            }
            for t in Tab::ALL {
                let mut got = ids(&cache, tv, tab(t));
                got.sort_unstable();
                let want: Vec<Id> = sent
                    .iter()
                    .filter(|(_, s)| in_tab(tv, s, t))
                    .map(|(id, _)| *id)
                    .collect();
                assert_eq!(got, want, "{t:?} for {tv:?}");
            }
        }
    }
}
