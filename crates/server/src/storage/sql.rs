//! One SQL surface over both backends (issue 13): the storage modules write their statements
//! once, with `?N` placeholders, and run them through [`Conn`] on SQLite (rusqlite) or
//! PostgreSQL (the `postgres` driver), inside the same spawn_blocking closures as today.
//!
//! Why this shape:
//! - Parameters are `&dyn Param`, a value both drivers can bind; `&dyn Param` upcasts to each
//!   driver's own `ToSql` (trait upcasting), so binding costs nothing over the driver's own.
//! - Rows are read by column index through [`Row::get`], for any type both drivers decode
//!   ([`Decode`]): i64, f64, bool, String, `Vec<u8>`, and `Option`s of them. Flags are BOOLEAN
//!   in PostgreSQL and 0/1 in SQLite; rusqlite reads those as `bool` as well, so statements
//!   compare with `TRUE`/`FALSE` (SQLite knows both keywords) and bind `bool`s.
//! - `?N` is rewritten to `$N` for PostgreSQL once per statement text (cached), outside string
//!   literals; rusqlite takes `?N` as written.
//! - Dialect differences stay in the few modules that have them (search: FTS5 against
//!   `tsvector`; the seq counter; the queue's `FOR UPDATE SKIP LOCKED`), behind [`Conn::backend`].

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use postgres::fallible_iterator::FallibleIterator;

/// A value both drivers bind.
pub trait Param: rusqlite::ToSql + postgres::types::ToSql + Sync {}
impl<T: rusqlite::ToSql + postgres::types::ToSql + Sync> Param for T {}

/// A column type both drivers decode.
pub trait Decode: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a> {}
impl<T: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a>> Decode for T {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Postgres(#[from] postgres::Error),
}

pub type SqlResult<T> = Result<T, SqlError>;

/// A PostgreSQL transaction with the statements its connection has prepared.
pub struct PgTx<'c> {
    tx: postgres::Transaction<'c>,
    statements: &'c mut HashMap<String, postgres::Statement>,
}

impl<'c> PgTx<'c> {
    pub fn new(
        tx: postgres::Transaction<'c>,
        statements: &'c mut HashMap<String, postgres::Statement>,
    ) -> Self {
        Self { tx, statements }
    }

    pub fn commit(self) -> SqlResult<()> {
        Ok(self.tx.commit()?)
    }

    fn statement(&mut self, sql: &str) -> SqlResult<postgres::Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let prepared = self.tx.prepare(&dollar_placeholders(sql))?;
        self.statements.insert(sql.to_owned(), prepared.clone());
        Ok(prepared)
    }
}

/// The connection (inside its transaction) a storage function runs its statements on.
pub enum Conn<'a, 'c> {
    Sqlite(&'a rusqlite::Connection),
    Postgres(&'a RefCell<PgTx<'c>>),
}

/// One result row.
pub enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r postgres::Row),
}

impl Row<'_> {
    pub fn get<T: Decode>(&self, idx: usize) -> SqlResult<T> {
        match self {
            Row::Sqlite(r) => Ok(r.get(idx)?),
            Row::Postgres(r) => Ok(r.try_get(idx)?),
        }
    }
}

fn sqlite_params<'p>(params: &'p [&'p dyn Param]) -> Vec<&'p dyn rusqlite::ToSql> {
    params.iter().map(|p| *p as &dyn rusqlite::ToSql).collect()
}

fn pg_params<'p>(params: &'p [&'p dyn Param]) -> Vec<&'p (dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| *p as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

impl Conn<'_, '_> {
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs a statement; the number of rows it changed.
    pub fn exec(&self, sql: &str, params: &[&dyn Param]) -> SqlResult<u64> {
        match self {
            Conn::Sqlite(c) => {
                let n = c
                    .prepare_cached(sql)?
                    .execute(sqlite_params(params).as_slice())?;
                Ok(n as u64)
            }
            Conn::Postgres(tx) => {
                let mut tx = tx.borrow_mut();
                let st = tx.statement(sql)?;
                Ok(tx.tx.execute(&st, &pg_params(params))?)
            }
        }
    }

    /// Every row of a query, each mapped by `f`.
    pub fn rows<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        mut f: impl FnMut(&Row<'_>) -> SqlResult<T>,
    ) -> SqlResult<Vec<T>> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(sqlite_params(params).as_slice())?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(f(&Row::Sqlite(r))?);
                }
                Ok(out)
            }
            Conn::Postgres(tx) => {
                let mut tx = tx.borrow_mut();
                let st = tx.statement(sql)?;
                tx.tx
                    .query(&st, &pg_params(params))?
                    .iter()
                    .map(|r| f(&Row::Postgres(r)))
                    .collect()
            }
        }
    }

    /// The first row of a query, if any (the rest are not read).
    pub fn row<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row<'_>) -> SqlResult<T>,
    ) -> SqlResult<Option<T>> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(sqlite_params(params).as_slice())?;
                rows.next()?.map(|r| f(&Row::Sqlite(r))).transpose()
            }
            Conn::Postgres(tx) => {
                let mut tx = tx.borrow_mut();
                let st = tx.statement(sql)?;
                // Like SQLite's: the first row, without reading the others.
                let mut rows = tx.tx.query_raw(&st, pg_params(params))?;
                rows.next()?
                    .as_ref()
                    .map(|r| f(&Row::Postgres(r)))
                    .transpose()
            }
        }
    }
}

/// `?N` → `$N` outside string literals and quoted identifiers (PostgreSQL's placeholders).
pub fn dollar_placeholders(sql: &str) -> Cow<'_, str> {
    if !sql.contains('?') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '?') => {
                out.push('$');
                continue;
            }
            (None, _) => {}
        }
        out.push(c);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollars_outside_literals() {
        assert_eq!(
            dollar_placeholders("SELECT a FROM t WHERE b = ?2 AND c = '?1' AND d = ?1"),
            "SELECT a FROM t WHERE b = $2 AND c = '?1' AND d = $1"
        );
        assert!(matches!(dollar_placeholders("SELECT 1"), Cow::Borrowed(_)));
    }

    #[test]
    fn sqlite_binds_and_decodes_through_the_facade() {
        let c = rusqlite::Connection::open_in_memory().expect("db");
        c.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, flag INTEGER)")
            .expect("schema");
        let conn = Conn::Sqlite(&c);
        let (name, flag) = ("Ada".to_string(), true);
        assert_eq!(
            conn.exec(
                "INSERT INTO t (name, flag) VALUES (?1, ?2)",
                &[&name, &flag]
            )
            .expect("insert"),
            1
        );
        let got = conn
            .row("SELECT id, name, flag FROM t WHERE flag = TRUE", &[], |r| {
                Ok((r.get::<i64>(0)?, r.get::<String>(1)?, r.get::<bool>(2)?))
            })
            .expect("select");
        assert_eq!(got, Some((1, "Ada".to_string(), true)));
    }
}
