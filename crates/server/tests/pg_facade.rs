//! The storage layer's SQL facade (`storage::sql`) on a real PostgreSQL started by the test:
//! the same statement text (`?N` placeholders, `TRUE`) binds and decodes as on SQLite.

#[path = "common/postgres.rs"]
mod postgres_server;

use std::cell::RefCell;
use std::collections::HashMap;

use postgres_server::TestPg;
use switchboard_server::storage::sql::{Conn, PgTx};

#[test]
fn the_same_statements_run_on_postgres() {
    let pg = TestPg::start();
    let mut client = postgres::Client::connect(&pg.url(), postgres::NoTls).expect("connect");
    client
        .batch_execute("CREATE TABLE t (id BIGSERIAL PRIMARY KEY, name TEXT, flag BOOLEAN)")
        .expect("schema");
    let mut statements = HashMap::new();
    let tx = RefCell::new(PgTx::new(
        client.transaction().expect("tx"),
        &mut statements,
    ));
    {
        let conn = Conn::Postgres(&tx);
        let (name, flag) = ("Ada".to_string(), true);
        for _ in 0..2 {
            conn.exec(
                "INSERT INTO t (name, flag) VALUES (?1, ?2)",
                &[&name, &flag],
            )
            .expect("insert");
        }
        let got = conn
            .row(
                "SELECT id, name, flag FROM t WHERE flag = TRUE ORDER BY id",
                &[],
                |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?, r.get::<bool>(2)?)),
            )
            .expect("select");
        assert_eq!(got, Some((1, "Ada".to_string(), true)));
        let n = conn
            .rows("SELECT id FROM t WHERE name = ?1", &[&name], |r| {
                r.get::<i64>(0)
            })
            .expect("rows");
        assert_eq!(n, vec![1, 2]);
    }
    tx.into_inner().commit().expect("commit");
    assert_eq!(statements.len(), 3, "each statement prepared once");
}
