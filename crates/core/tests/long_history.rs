//! Long histories: a cached conversation of 100,000 messages opens with only its newest page
//! and pages older ones from the cache, offline. Times are printed for the report; the
//! assertions are on what is read (page sizes, contiguity) and on the query plan, not on time.

use std::sync::Arc;
use std::time::Instant;

use switchboard_core::cache::{self, conversations, messages, Cache};
use switchboard_core::desk::OPEN_PAGE;
use switchboard_core::{ConnState, Desk, DeskConfig, DeskEvents};
use switchboard_protocol::{
    Client, Company, Conversation, ConversationStatus, Id, Me, Operator, Permissions,
};

const MESSAGES: i64 = 100_000;
const CONVERSATION: Id = 1;

struct Quiet;
impl DeskEvents for Quiet {
    fn conversations_changed(&self, _ids: &[Id]) {}
    fn conn_state(&self, _state: &ConnState) {}
}

fn me() -> Me {
    Me {
        operator: Operator {
            id: 7,
            name: "Anna".into(),
            email: "anna@demo.test".into(),
            super_admin: true,
            role_id: None,
            group_ids: vec![],
            active: true,
        },
        company: Company {
            id: 1,
            name: "Demo".into(),
        },
        permissions: Permissions::default(),
        hidden_client_data: switchboard_protocol::HiddenClientData::NONE,
    }
}

fn conversation() -> Conversation {
    Conversation {
        id: CONVERSATION,
        client: Client {
            id: 1,
            channel_account_id: 1,
            external_id: "long".into(),
            original_name: "Long Talker".into(),
            display_name: "Long Talker".into(),
            blacklisted: false,
            pinned_operator_id: None,
            created_at: 0,
            contact: switchboard_protocol::ClientContact::default(),
            contact_hidden: false,
        },
        channel_account_id: 1,
        status: ConversationStatus::Inbox,
        operator_id: Some(7),
        group_id: None,
        status_changed_at: 0,
        closed_by: None,
        last_message_at: MESSAGES * 10,
        last_message_from_operator: false,
        last_message_preview: format!("message number {MESSAGES} about the order"),
        last_client_message_id: Some(MESSAGES),
        created_at: 0,
        updated_at: MESSAGES * 10,
    }
}

/// Fills the cache file with one conversation of [`MESSAGES`] messages in one statement (a
/// recursive CTE runs inside SQLite, FTS triggers included, so the fill takes seconds, not a
/// minute of per-row calls in a debug build).
fn fill(path: &std::path::Path) -> anyhow::Result<()> {
    let cache = Cache::open(path)?;
    let mut w = cache.writer();
    let tx = w.transaction()?;
    conversations::upsert(&tx, &conversation(), 0)?;
    tx.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
         INSERT INTO messages (id, conversation_id, kind, text, operator_id, created_at,
                               delivery, client_msg_id)
         SELECT i, ?1, CASE WHEN i % 3 = 0 THEN 'operator' ELSE 'client' END,
                'message number ' || i || ' about the order',
                CASE WHEN i % 3 = 0 THEN 7 END, i * 10, 'sent', NULL
         FROM n",
        rusqlite::params![CONVERSATION, MESSAGES],
    )?;
    tx.commit()?;
    assert_eq!(messages::count(&cache.reader(), CONVERSATION)?, MESSAGES);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100k_message_conversation_opens_and_pages_from_the_cache() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    // Nothing listens on port 9: the desk works offline from the cache.
    let server_url = "http://127.0.0.1:9";
    let path = cache::account_dir(dir.path(), server_url, 7).join(cache::CACHE_FILE);
    let started = Instant::now();
    fill(&path)?;
    eprintln!("filled {MESSAGES} messages in {:?}", started.elapsed());

    let desk = Desk::start(
        DeskConfig {
            data_dir: dir.path().to_owned(),
            server_url: server_url.into(),
            token: "t".into(),
            me: me(),
        },
        Arc::new(Quiet),
    )
    .await?;
    let t = Instant::now();
    let view = desk.open(CONVERSATION).await?;
    eprintln!("opened in {:?}", t.elapsed());
    assert_eq!(
        view.messages.len(),
        OPEN_PAGE as usize,
        "only the newest page"
    );
    assert!(view.has_older);
    assert_eq!(view.messages.last().and_then(|m| m.id), Some(MESSAGES));

    let mut oldest = view.messages[0].id.expect("stored");
    for page in 1..=3 {
        let t = Instant::now();
        let older = desk.older(CONVERSATION, oldest, OPEN_PAGE).await?;
        eprintln!("older page {page} in {:?}", t.elapsed());
        let ids: Vec<Id> = older.iter().filter_map(|m| m.id).collect();
        let expected: Vec<Id> = (oldest - OPEN_PAGE as i64..oldest).collect();
        assert_eq!(ids, expected, "page {page} is the {OPEN_PAGE} just before");
        oldest = ids[0];
    }
    // The page query walks the (conversation_id, id) index backwards from the position: no
    // scan of the conversation's history and no sort.
    let plan: Vec<String> = {
        let conn = desk.cache().reader();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", messages::PAGE_SQL))?;
        let rows = stmt.query_map(rusqlite::params![CONVERSATION, i64::MAX, OPEN_PAGE], |r| {
            r.get::<_, String>(3)
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    assert!(
        plan.iter()
            .all(|d| !d.starts_with("SCAN") && !d.contains("TEMP B-TREE")),
        "{plan:?}"
    );
    assert!(
        plan.iter().any(|d| d.starts_with("SEARCH messages")),
        "{plan:?}"
    );
    desk.shutdown().await;
    Ok(())
}
