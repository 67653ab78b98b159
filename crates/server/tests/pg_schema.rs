//! The PostgreSQL schema (migrations/postgres/*.sql) against the SQLite schema the
//! server's own migrations build (`Db::open`), on a throwaway PostgreSQL started by the test:
//! the same tables (FTS5 and SQLite's own tables aside), the same columns in the same order
//! (generated tsvector columns may follow), the same NOT NULL-ness and defaults, types that the
//! `postgres` driver reads as the Rust code reads SQLite's, the same primary and foreign keys
//! (ON DELETE too), and an index for every SQLite index (unique and partial alike). A second test runs the same word searches through FTS5 and
//! through the tsvector columns and expects the same hits.

#[path = "common/postgres.rs"]
mod postgres_server;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use postgres_server::TestPg;
use switchboard_server::storage::Db;

/// Every PostgreSQL migration, in order (the server applies the same list).
const PG_SCHEMA: &[&str] = &[
    include_str!("../migrations/postgres/0001_init.sql"),
    include_str!("../migrations/postgres/0002_delivery_claims.sql"),
    include_str!("../migrations/postgres/0003_login_attempts.sql"),
];

#[derive(Debug)]
struct Column {
    name: String,
    ty: String,
    not_null: bool,
    /// The DEFAULT expression as the database prints it.
    default: Option<String>,
}

#[derive(Debug)]
struct Index {
    name: String,
    /// Key columns in order; a COLLATE NOCASE column `x` of SQLite is `lower(x)`, the
    /// expression PostgreSQL's index uses for it.
    columns: Vec<String>,
    unique: bool,
    partial: bool,
}

/// (column, referenced table, referenced column, ON DELETE action)
type ForeignKey = (String, String, String, String);

#[derive(Debug, Default)]
struct Table {
    columns: Vec<Column>,
    primary_key: Vec<String>,
    indexes: Vec<Index>,
    foreign_keys: BTreeSet<ForeignKey>,
}

type Schema = BTreeMap<String, Table>;

fn sqlite_schema(path: &Path) -> Schema {
    Db::open(path).expect("the server's migrations");
    let conn = rusqlite::Connection::open(path).expect("open");
    let strings = |sql: &str, arg: &str| -> Vec<String> {
        let mut st = conn.prepare(sql).expect("prepare");
        st.query_map([arg], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    // FTS5 tables are replaced by tsvector columns; their shadow tables carry their name.
    let virtuals = strings(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE ?1",
        "CREATE VIRTUAL TABLE%",
    );
    let names = strings("SELECT name FROM sqlite_master WHERE type = ?1", "table");
    let mut schema = Schema::new();
    for name in names {
        if name.starts_with("sqlite_")
            || virtuals
                .iter()
                .any(|v| name == *v || name.starts_with(&format!("{v}_")))
        {
            continue;
        }
        let mut table = Table::default();
        let mut st = conn
            .prepare(
                "SELECT name, type, \"notnull\", pk, dflt_value FROM pragma_table_info(?1)
                 ORDER BY cid",
            )
            .expect("prepare");
        let cols: Vec<(String, String, bool, i64, Option<String>)> = st
            .query_map([&name], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .expect("columns")
            .collect::<Result<_, _>>()
            .expect("columns");
        let mut pk: Vec<(i64, String)> = Vec::new();
        for (col, ty, not_null, pk_pos, default) in cols {
            if pk_pos > 0 {
                pk.push((pk_pos, col.clone()));
            }
            // A primary key column never holds NULL (SQLite reports notnull = 0 for a rowid
            // alias or a bare `TEXT PRIMARY KEY`).
            table.columns.push(Column {
                name: col,
                ty: ty.to_uppercase(),
                not_null: not_null || pk_pos > 0,
                default,
            });
        }
        pk.sort();
        table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
        let mut st = conn
            .prepare("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1)")
            .expect("prepare");
        let indexes: Vec<(String, bool, String, bool)> = st
            .query_map([&name], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .expect("indexes")
            .collect::<Result<_, _>>()
            .expect("indexes");
        for (index, unique, _origin, partial) in indexes {
            let mut st = conn
                .prepare(
                    "SELECT name, coll FROM pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno",
                )
                .expect("prepare");
            let columns = st
                .query_map([&index], |r| {
                    let (name, coll): (String, String) = (r.get(0)?, r.get(1)?);
                    Ok(if coll.eq_ignore_ascii_case("NOCASE") {
                        format!("lower({name})")
                    } else {
                        name
                    })
                })
                .expect("index columns")
                .collect::<Result<_, _>>()
                .expect("index columns");
            table.indexes.push(Index {
                name: index,
                columns,
                unique,
                partial,
            });
        }
        let mut st = conn
            .prepare(
                "SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list(?1)",
            )
            .expect("prepare");
        table.foreign_keys = st
            .query_map([&name], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    r.get(3)?,
                ))
            })
            .expect("foreign keys")
            .collect::<Result<_, _>>()
            .expect("foreign keys");
        schema.insert(name, table);
    }
    schema
}

fn pg_schema(client: &mut postgres::Client) -> Schema {
    let mut schema = Schema::new();
    for r in client
        .query(
            "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod),
                    a.attnotnull,
                    CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
               AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY c.relname, a.attnum",
            &[],
        )
        .expect("columns")
    {
        schema.entry(r.get(0)).or_default().columns.push(Column {
            name: r.get(1),
            ty: r.get(2),
            not_null: r.get(3),
            default: r.get(4),
        });
    }
    for r in client
        .query(
            "SELECT c.relname::text, i.relname::text, x.indisunique, x.indpred IS NOT NULL,
                    x.indisprimary,
                    ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)
                          FROM generate_series(1, x.indnkeyatts::int) AS k ORDER BY k)
             FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid
                  JOIN pg_class i ON i.oid = x.indexrelid
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'",
            &[],
        )
        .expect("indexes")
    {
        let table = schema.entry(r.get(0)).or_default();
        let columns: Vec<String> = r.get(5);
        if r.get::<_, bool>(4) {
            table.primary_key.clone_from(&columns);
        }
        table.indexes.push(Index {
            name: r.get(1),
            columns,
            unique: r.get(2),
            partial: r.get(3),
        });
    }
    for r in client
        .query(
            "SELECT c.conrelid::regclass::text, a.attname::text, c.confrelid::regclass::text,
                    af.attname::text, c.confdeltype::text
             FROM pg_constraint c
             CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(src, dst)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.src
             JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = k.dst
             WHERE c.contype = 'f'",
            &[],
        )
        .expect("foreign keys")
    {
        let on_delete = match r.get::<_, String>(4).as_str() {
            "a" => "NO ACTION",
            "r" => "RESTRICT",
            "c" => "CASCADE",
            "n" => "SET NULL",
            "d" => "SET DEFAULT",
            other => panic!("unknown confdeltype {other}"),
        };
        schema.entry(r.get(0)).or_default().foreign_keys.insert((
            r.get(1),
            r.get(2),
            r.get(3),
            on_delete.to_string(),
        ));
    }
    schema
}

/// The PostgreSQL types a SQLite column may become: what the driver decodes as the Rust type
/// the code reads from SQLite (i64 or, for 0/1 flags, bool; String; f64; `Vec<u8>`).
fn pg_types_for(sqlite: &str) -> &'static [&'static str] {
    match sqlite {
        "INTEGER" => &["bigint", "boolean"],
        "TEXT" => &["text"],
        "REAL" => &["double precision"],
        "BLOB" => &["bytea"],
        _ => &[],
    }
}

/// SQLite's DEFAULT as PostgreSQL prints the same default of a column of type `pg_ty`.
fn pg_default(sqlite: Option<&str>, pg_ty: &str) -> Option<String> {
    let d = sqlite?;
    Some(match (pg_ty, d) {
        ("boolean", "0") => "false".to_string(),
        ("boolean", "1") => "true".to_string(),
        ("text", _) => format!("{d}::text"),
        _ => d.to_string(),
    })
}

fn compare_table(name: &str, lite: &Table, pg: &Table, problems: &mut Vec<String>) {
    for (i, l) in lite.columns.iter().enumerate() {
        let Some(p) = pg.columns.get(i) else {
            problems.push(format!(
                "{name}: column {} ({}) missing (PostgreSQL has {} columns)",
                l.name,
                i + 1,
                pg.columns.len()
            ));
            continue;
        };
        if p.name != l.name {
            problems.push(format!(
                "{name}: column {} is {} in SQLite, {} in PostgreSQL",
                i + 1,
                l.name,
                p.name
            ));
        }
        if !pg_types_for(&l.ty).contains(&p.ty.as_str()) {
            problems.push(format!(
                "{name}.{}: {} in SQLite, {} in PostgreSQL (expected one of {:?})",
                l.name,
                l.ty,
                p.ty,
                pg_types_for(&l.ty)
            ));
        }
        let default = pg_default(l.default.as_deref(), &p.ty);
        if p.default != default {
            problems.push(format!(
                "{name}.{}: DEFAULT {:?} in SQLite, so {default:?} expected; PostgreSQL has {:?}",
                l.name, l.default, p.default
            ));
        }
        if p.not_null != l.not_null {
            problems.push(format!(
                "{name}.{}: NOT NULL is {} in SQLite, {} in PostgreSQL",
                l.name, l.not_null, p.not_null
            ));
        }
    }
    for p in pg.columns.iter().skip(lite.columns.len()) {
        if p.ty != "tsvector" {
            problems.push(format!(
                "{name}.{}: extra {} column in PostgreSQL (only tsvector columns may follow)",
                p.name, p.ty
            ));
        }
    }
    if lite.primary_key != pg.primary_key {
        problems.push(format!(
            "{name}: primary key {:?} in SQLite, {:?} in PostgreSQL",
            lite.primary_key, pg.primary_key
        ));
    }
    for l in &lite.indexes {
        let found = pg
            .indexes
            .iter()
            .any(|p| p.columns == l.columns && (p.unique || !l.unique) && p.partial == l.partial);
        if !found {
            problems.push(format!(
                "{name}: no PostgreSQL index like SQLite's {} on {:?} (unique: {}, partial: {}); \
                 PostgreSQL has {:?}",
                l.name,
                l.columns,
                l.unique,
                l.partial,
                pg.indexes
                    .iter()
                    .map(|p| format!("{} {:?} unique={}", p.name, p.columns, p.unique))
                    .collect::<Vec<_>>()
            ));
        }
    }
    for fk in lite.foreign_keys.difference(&pg.foreign_keys) {
        problems.push(format!(
            "{name}: foreign key {fk:?} of SQLite missing in PostgreSQL"
        ));
    }
    for fk in pg.foreign_keys.difference(&lite.foreign_keys) {
        problems.push(format!("{name}: foreign key {fk:?} in PostgreSQL only"));
    }
}

/// A connection to `url` with the schema applied.
fn pg_with_schema(url: &str) -> postgres::Client {
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    for migration in PG_SCHEMA {
        client
            .batch_execute(migration)
            .expect("the migrations/postgres files apply");
    }
    client
}

#[test]
fn postgres_schema_matches_the_sqlite_migrations() {
    let pg = TestPg::start();
    let mut client = pg_with_schema(&pg.url());
    let dir = tempfile::tempdir().expect("tmp");
    let lite = sqlite_schema(&dir.path().join("switchboard.db"));
    let pg = pg_schema(&mut client);
    assert!(lite.len() > 30, "SQLite tables: {:?}", lite.keys());

    let mut problems = Vec::new();
    for name in lite.keys().filter(|t| !pg.contains_key(*t)) {
        problems.push(format!("table {name} missing in PostgreSQL"));
    }
    for name in pg.keys().filter(|t| !lite.contains_key(*t)) {
        problems.push(format!("table {name} in PostgreSQL only"));
    }
    for (name, l) in &lite {
        if let Some(p) = pg.get(name) {
            compare_table(name, l, p, &mut problems);
        }
    }
    assert!(
        problems.is_empty(),
        "the PostgreSQL schema differs from the SQLite migrations:\n  {}",
        problems.join("\n  ")
    );
}

/// Rows the searches run over: (client display name, original name), message texts.
const CLIENTS: &[(&str, &str)] = &[
    ("Gertrude Ölund", "gertrude_o"),
    ("Café Zoé", "Зоя Петрова"),
    ("Bob", "bob@example.com"),
];
const MESSAGES: &[&str] = &[
    "Where is my parcel? Ordered on 12.03",
    "Please write to ada.lovelace@example.com or call +1-555-0100",
    "Naïve question: is the café open",
    "Привет, где мой заказ?",
    "see https://shop.example.org/orders/777 for details",
];
/// Searches with the same answer in FTS5 and PostgreSQL, among them misses: mid-word
/// ("rtrud", "arcel"), a word not in the row ("parcels"), both words required.
const QUERIES: &[&str] = &[
    "gert",
    "GERTRUDE",
    "rtrud",
    "olund",
    "cafe",
    "CAFÉ",
    "zoe",
    "зоя",
    "пет",
    "bob",
    "exam",
    "parc",
    "arcel",
    "parcels",
    "parcel where",
    "parcel nowhere",
    "ada",
    "lovelace",
    "ada.love",
    "555",
    "naive",
    "заказ",
    "orders 777",
    "shop",
    "tails",
];

/// Every query's hits in FTS5 (the server's own index) and through the tsvector columns, in a
/// database whose locale is "C" (common on servers; its own lowercasing knows only A-Z).
#[test]
fn tsvector_search_finds_what_fts5_finds() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("switchboard.db");
    Db::open(&path).expect("the server's migrations");
    let lite = rusqlite::Connection::open(&path).expect("open");
    let pg = TestPg::start();
    postgres::Client::connect(&pg.url(), postgres::NoTls)
        .and_then(|mut c| {
            c.batch_execute(
                "CREATE DATABASE c_locale TEMPLATE template0 ENCODING 'UTF8'
                 LC_COLLATE 'C' LC_CTYPE 'C'",
            )
        })
        .expect("a C-locale database");
    let url = pg.url();
    let mut client = pg_with_schema(&format!(
        "{}/c_locale",
        url.strip_suffix("/postgres").expect("url names a database")
    ));

    let company = "INSERT INTO companies (id, name, created_at) VALUES (1, 'Acme', 0)";
    let channel = "INSERT INTO channel_accounts (id, company_id, kind, name, created_at)
                   VALUES (1, 1, 'custom', 'App', 0)";
    lite.execute_batch(&format!("{company}; {channel}"))
        .expect("sqlite rows");
    client
        .batch_execute(&format!("{company}; {channel}"))
        .expect("pg rows");
    for (i, (display, original)) in CLIENTS.iter().enumerate() {
        let id = i64::try_from(i).expect("id") + 1;
        let sql = "INSERT INTO clients (id, company_id, channel_account_id, external_id,
                       original_name, display_name, created_at) VALUES (?1, 1, 1, ?2, ?3, ?4, 0)";
        lite.execute(
            sql,
            rusqlite::params![id, id.to_string(), original, display],
        )
        .expect("sqlite client");
        client
            .execute(
                &sql.replace('?', "$"),
                &[&id, &id.to_string(), original, display],
            )
            .expect("pg client");
    }
    let conversation = "INSERT INTO conversations (id, company_id, channel_account_id, client_id,
            status, status_changed_at, last_message_at, created_at, updated_at)
        VALUES (1, 1, 1, 1, 'unassigned', 0, 0, 0, 0)";
    lite.execute_batch(conversation)
        .expect("sqlite conversation");
    client.batch_execute(conversation).expect("pg conversation");
    for (i, text) in MESSAGES.iter().enumerate() {
        let id = i64::try_from(i).expect("id") + 1;
        let sql = "INSERT INTO messages (id, conversation_id, kind, text, created_at, delivery)
                   VALUES (?1, 1, 'client', ?2, 0, 'delivered')";
        lite.execute(sql, rusqlite::params![id, text])
            .expect("sqlite message");
        client
            .execute(&sql.replace('?', "$"), &[&id, text])
            .expect("pg message");
    }

    let mut differences = Vec::new();
    for q in QUERIES {
        let fts = switchboard_protocol::search::fts_query(q).expect("3+ characters");
        let ids = |table: &str| -> Vec<i64> {
            let mut st = lite
                .prepare(&format!(
                    "SELECT rowid FROM {table} WHERE {table} MATCH ?1 ORDER BY rowid"
                ))
                .expect("prepare");
            st.query_map([&fts], |r| r.get(0))
                .expect("match")
                .collect::<Result<_, _>>()
                .expect("rows")
        };
        let (lite_clients, lite_messages) = (ids("clients_fts"), ids("messages_fts"));
        let mut pg_ids = |table: &str| -> Vec<i64> {
            client
                .query(
                    &format!(
                        "SELECT id FROM {table} WHERE search_vector @@ search_query($1) ORDER BY id"
                    ),
                    &[q],
                )
                .expect("search")
                .iter()
                .map(|r| r.get(0))
                .collect()
        };
        let (pg_clients, pg_messages) = (pg_ids("clients"), pg_ids("messages"));
        if (&lite_clients, &lite_messages) != (&pg_clients, &pg_messages) {
            differences.push(format!(
                "{q:?}: FTS5 clients {lite_clients:?} messages {lite_messages:?}, \
                 PostgreSQL clients {pg_clients:?} messages {pg_messages:?}"
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "searches that differ:\n  {}",
        differences.join("\n  ")
    );
    // The queries are not vacuous: some find, some miss.
    let found = client
        .query_one(
            "SELECT count(*) FROM messages WHERE search_vector @@ search_query('parc')",
            &[],
        )
        .expect("count")
        .get::<_, i64>(0);
    assert_eq!(found, 1);
}
