//! One SQL surface over both backends (issue 13): the storage modules write each statement
//! once, with `?N` placeholders, and run it through [`Conn`] on SQLite (rusqlite) or
//! PostgreSQL (the `postgres` driver), inside the same blocking closures on either.
//!
//! Why this shape:
//! - The surface is rusqlite's own (`execute`, `query_row`, `prepare_cached` + `query_map`,
//!   `optional`, and `insert` for the id an `INSERT` gave its row), so the storage code reads as
//!   it did on SQLite alone.
//! - Parameters are [`Param`]s and columns are read as [`Decode`]s: the types both drivers bind
//!   and decode the same way (i64, f64, bool, text, bytes and their `Option`s). The `postgres`
//!   driver is strict (an `i32` never binds to a BIGINT column), so a type outside that list is
//!   a compile error here rather than a runtime one on PostgreSQL only.
//! - Flags are BOOLEAN in PostgreSQL and 0/1 in SQLite; rusqlite reads those as `bool` as
//!   well, so statements compare with `TRUE`/`FALSE`, which SQLite knows too.
//! - `?N` is rewritten to `$N` for PostgreSQL once per statement text, and the prepared
//!   statement is kept per connection, like rusqlite's statement cache.
//! - Dialect differences stay in the few modules that have them (search: FTS5 against
//!   `tsvector`; the queues' claims; the write lock and the change notification), behind
//!   [`Conn::backend`].

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use postgres::fallible_iterator::FallibleIterator;

/// Statements a connection keeps prepared, on either backend (SQLite's LRU cache; on
/// PostgreSQL the cache starts over when full): SQL built at run time (`IN (…)` lists, a
/// viewer's visibility filter) must not pile up for the connection's whole life.
pub const STATEMENT_CACHE: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", pg_message(.0))]
    Postgres(#[from] postgres::Error),
    /// `query_row` found nothing (see [`optional`]).
    #[error("the query returned no row")]
    NoRow,
    /// A stored value this version cannot read (column index, why).
    #[error("column {0}: {1}")]
    Decode(usize, String),
    /// A value that cannot be stored.
    #[error("cannot store a value: {0}")]
    Encode(String),
}

impl Error {
    /// A value in a column that is not one the code knows.
    pub fn decode(idx: usize, why: impl std::fmt::Display) -> Self {
        Self::Decode(idx, why.to_string())
    }

    pub fn encode(why: impl std::fmt::Display) -> Self {
        Self::Encode(why.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// The server's own words (the driver's `Display` says only "db error").
fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({}): {detail}", db.message(), db.code().code()),
            None => format!("{} ({})", db.message(), db.code().code()),
        },
        // The driver's own failures ("error serializing parameter 0") say why in their source.
        None => match std::error::Error::source(e) {
            Some(why) => format!("{e}: {why}"),
            None => e.to_string(),
        },
    }
}

/// `query_row` that maps "no row" to `None`.
pub fn optional<T>(r: Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(Error::NoRow) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `.optional()` on a `query_row`, as rusqlite's `OptionalExtension` has it.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        optional(self)
    }
}

/// What the `postgres` driver's `to_sql` answers.
type PgOut = std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>;

/// A value both drivers bind the same way. Narrow integers are bound as BIGINT on
/// PostgreSQL, the type every integer column has there.
pub trait Param: Sync {
    fn sqlite(&self) -> &dyn rusqlite::ToSql;
    fn to_pg(&self, ty: &postgres::types::Type, out: &mut bytes::BytesMut) -> PgOut;
}

macro_rules! params_of {
    ($($t:ty),*) => {$(
        impl Param for $t {
            fn sqlite(&self) -> &dyn rusqlite::ToSql {
                self
            }
            fn to_pg(&self, ty: &postgres::types::Type, out: &mut bytes::BytesMut) -> PgOut {
                postgres::types::ToSql::to_sql_checked(self, ty, out)
            }
        }
    )*};
}

params_of!(
    i64,
    f64,
    bool,
    String,
    &str,
    Vec<u8>,
    &[u8],
    Option<i64>,
    Option<f64>,
    Option<bool>,
    Option<String>,
    Option<&str>,
    Option<Vec<u8>>,
    Option<&[u8]>
);

macro_rules! params_narrow {
    ($($t:ty),*) => {$(
        impl Param for $t {
            fn sqlite(&self) -> &dyn rusqlite::ToSql {
                self
            }
            fn to_pg(&self, ty: &postgres::types::Type, out: &mut bytes::BytesMut) -> PgOut {
                postgres::types::ToSql::to_sql_checked(&i64::try_from(*self)?, ty, out)
            }
        }
        impl Param for Option<$t> {
            fn sqlite(&self) -> &dyn rusqlite::ToSql {
                self
            }
            fn to_pg(&self, ty: &postgres::types::Type, out: &mut bytes::BytesMut) -> PgOut {
                let wide = self.map(i64::try_from).transpose()?;
                postgres::types::ToSql::to_sql_checked(&wide, ty, out)
            }
        }
    )*};
}

params_narrow!(u16, u32, i32);

impl<T: Param + ?Sized> Param for &T {
    fn sqlite(&self) -> &dyn rusqlite::ToSql {
        (**self).sqlite()
    }
    fn to_pg(&self, ty: &postgres::types::Type, out: &mut bytes::BytesMut) -> PgOut {
        (**self).to_pg(ty, out)
    }
}

/// A [`Param`] as the `postgres` driver takes it (the type checks are the param's own).
#[derive(Debug)]
struct PgArg<'p>(&'p dyn Param);

impl std::fmt::Debug for dyn Param + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Param")
    }
}

impl postgres::types::ToSql for PgArg<'_> {
    fn to_sql(&self, ty: &postgres::types::Type, out: &mut bytes::BytesMut) -> PgOut {
        self.0.to_pg(ty, out)
    }
    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }
    fn to_sql_checked(&self, ty: &postgres::types::Type, out: &mut bytes::BytesMut) -> PgOut {
        self.0.to_pg(ty, out)
    }
}

/// The parameters of one statement: `params![…]`, an array of one type, or `()` for none.
pub trait Params {
    fn list(&self) -> Vec<&dyn Param>;
}

impl<T: Param, const N: usize> Params for [T; N] {
    fn list(&self) -> Vec<&dyn Param> {
        self.iter().map(|p| p as &dyn Param).collect()
    }
}

impl Params for () {
    fn list(&self) -> Vec<&dyn Param> {
        Vec::new()
    }
}

/// Parameters of mixed types, like rusqlite's macro of the same name.
#[macro_export]
macro_rules! sql_params {
    () => { () };
    ($($p:expr),+ $(,)?) => {
        [$(&$p as &dyn $crate::storage::sql::Param),+]
    };
}
pub use crate::sql_params as params;

/// A column type both drivers decode the same way.
pub trait Decode: Sized {
    fn from_sqlite(row: &rusqlite::Row<'_>, idx: usize) -> Result<Self>;
    fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self>;
}

macro_rules! decode_of {
    ($($t:ty),*) => {$(
        impl Decode for $t {
            fn from_sqlite(row: &rusqlite::Row<'_>, idx: usize) -> Result<Self> {
                Ok(row.get(idx)?)
            }
            fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self> {
                Ok(row.try_get(idx)?)
            }
        }
    )*};
}

/// An integer column read as i64. PostgreSQL types an integer literal, a `CASE` of literals
/// or `CAST(… AS INTEGER)` as INT4 where SQLite has just integers, so the narrower widths
/// are taken too.
fn pg_int(row: &postgres::Row, idx: usize) -> Result<Option<i64>> {
    use postgres::types::Type;
    let ty = row.columns().get(idx).map(|c| c.type_().clone());
    Ok(match ty {
        Some(t) if t == Type::INT4 => row.try_get::<_, Option<i32>>(idx)?.map(i64::from),
        Some(t) if t == Type::INT2 => row.try_get::<_, Option<i16>>(idx)?.map(i64::from),
        _ => row.try_get::<_, Option<i64>>(idx)?,
    })
}

impl Decode for i64 {
    fn from_sqlite(row: &rusqlite::Row<'_>, idx: usize) -> Result<Self> {
        Ok(row.get(idx)?)
    }
    fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self> {
        pg_int(row, idx)?.ok_or_else(|| Error::decode(idx, "NULL where a number was expected"))
    }
}

impl Decode for Option<i64> {
    fn from_sqlite(row: &rusqlite::Row<'_>, idx: usize) -> Result<Self> {
        Ok(row.get(idx)?)
    }
    fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self> {
        pg_int(row, idx)
    }
}

decode_of!(
    f64,
    bool,
    String,
    Vec<u8>,
    Option<f64>,
    Option<bool>,
    Option<String>,
    Option<Vec<u8>>
);

/// Counters stored as integers (BIGINT in PostgreSQL) and held in narrower types.
macro_rules! decode_narrow {
    ($($t:ty),*) => {$(
        impl Decode for $t {
            fn from_sqlite(row: &rusqlite::Row<'_>, idx: usize) -> Result<Self> {
                narrow(idx, i64::from_sqlite(row, idx)?)
            }
            fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self> {
                narrow(idx, i64::from_pg(row, idx)?)
            }
        }
        impl Decode for Option<$t> {
            fn from_sqlite(row: &rusqlite::Row<'_>, idx: usize) -> Result<Self> {
                Option::<i64>::from_sqlite(row, idx)?.map(|v| narrow(idx, v)).transpose()
            }
            fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self> {
                Option::<i64>::from_pg(row, idx)?.map(|v| narrow(idx, v)).transpose()
            }
        }
    )*};
}

decode_narrow!(u16, u32, i32, usize);

fn narrow<T: TryFrom<i64>>(idx: usize, v: i64) -> Result<T> {
    T::try_from(v).map_err(|_| Error::decode(idx, format!("{v} is out of range")))
}

/// One result row.
pub enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r postgres::Row),
}

impl Row<'_> {
    pub fn get<T: Decode>(&self, idx: usize) -> Result<T> {
        match self {
            Row::Sqlite(r) => T::from_sqlite(r, idx),
            Row::Postgres(r) => T::from_pg(r, idx),
        }
    }
}

/// A PostgreSQL connection with the statements it has prepared (pooled together).
pub struct PgClient {
    pub client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl PgClient {
    pub fn new(client: postgres::Client) -> Self {
        Self {
            client,
            statements: HashMap::new(),
        }
    }

    /// Opens a transaction that statements run in through [`Conn::Postgres`].
    pub fn transaction(&mut self) -> Result<PgTx<'_>> {
        let tx = self.client.transaction()?;
        Ok(PgTx::new(tx, &mut self.statements))
    }

    /// A read-only transaction that sees one snapshot throughout, like a SQLite read.
    pub fn read_transaction(&mut self) -> Result<PgTx<'_>> {
        let tx = self
            .client
            .build_transaction()
            .read_only(true)
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .start()?;
        Ok(PgTx::new(tx, &mut self.statements))
    }
}

/// A PostgreSQL transaction and its connection's prepared statements.
pub struct PgTx<'c> {
    tx: RefCell<postgres::Transaction<'c>>,
    statements: RefCell<&'c mut HashMap<String, postgres::Statement>>,
    /// Statements this transaction ran through [`Conn::once_on_postgres`].
    once: RefCell<HashSet<&'static str>>,
}

impl<'c> PgTx<'c> {
    fn new(
        tx: postgres::Transaction<'c>,
        statements: &'c mut HashMap<String, postgres::Statement>,
    ) -> Self {
        Self {
            tx: RefCell::new(tx),
            statements: RefCell::new(statements),
            once: RefCell::new(HashSet::new()),
        }
    }
}

impl PgTx<'_> {
    pub fn commit(self) -> Result<()> {
        Ok(self.tx.into_inner().commit()?)
    }

    pub fn conn(&self) -> Conn<'_> {
        Conn::Postgres(self)
    }
}

/// What [`Conn`] runs on PostgreSQL; a trait object so that `Conn` needs one lifetime only
/// (a transaction's own lifetime is invariant).
/// `cached`: keep the prepared statement for the connection (see [`STATEMENT_CACHE`]).
pub trait PgExec {
    fn query(&self, sql: &str, cached: bool, params: &[&dyn Param]) -> Result<Vec<postgres::Row>>;
    fn execute(&self, sql: &str, cached: bool, params: &[&dyn Param]) -> Result<u64>;
    /// The first row, without reading the others (like SQLite's).
    fn first(
        &self,
        sql: &str,
        cached: bool,
        params: &[&dyn Param],
    ) -> Result<Option<postgres::Row>>;
    fn batch(&self, sql: &str) -> Result<()>;
    /// Runs `sql` the first time this transaction asks for it.
    fn once(&self, sql: &'static str) -> Result<()>;
}

impl PgTx<'_> {
    fn statement(&self, sql: &str, cached: bool) -> Result<postgres::Statement> {
        if cached {
            if let Some(s) = self.statements.borrow().get(sql) {
                return Ok(s.clone());
            }
        }
        let prepared = self.tx.borrow_mut().prepare(&dollar_placeholders(sql))?;
        if cached {
            let mut statements = self.statements.borrow_mut();
            if statements.len() >= STATEMENT_CACHE {
                statements.clear();
            }
            statements.insert(sql.to_owned(), prepared.clone());
        }
        Ok(prepared)
    }
}

impl PgExec for PgTx<'_> {
    fn query(&self, sql: &str, cached: bool, params: &[&dyn Param]) -> Result<Vec<postgres::Row>> {
        let st = self.statement(sql, cached)?;
        Ok(self
            .tx
            .borrow_mut()
            .query(&st, &pg_refs(&pg_params(params)))?)
    }

    fn execute(&self, sql: &str, cached: bool, params: &[&dyn Param]) -> Result<u64> {
        let st = self.statement(sql, cached)?;
        Ok(self
            .tx
            .borrow_mut()
            .execute(&st, &pg_refs(&pg_params(params)))?)
    }

    fn first(
        &self,
        sql: &str,
        cached: bool,
        params: &[&dyn Param],
    ) -> Result<Option<postgres::Row>> {
        let st = self.statement(sql, cached)?;
        let mut tx = self.tx.borrow_mut();
        let mut rows = tx.query_raw(&st, pg_params(params))?;
        Ok(rows.next()?)
    }

    fn batch(&self, sql: &str) -> Result<()> {
        Ok(self.tx.borrow_mut().batch_execute(sql)?)
    }

    fn once(&self, sql: &'static str) -> Result<()> {
        if self.once.borrow_mut().insert(sql) {
            self.query(sql, true, &[])?;
        }
        Ok(())
    }
}

fn sqlite_params<'p>(params: &[&'p dyn Param]) -> Vec<&'p dyn rusqlite::ToSql> {
    params.iter().map(|p| (*p).sqlite()).collect()
}

fn pg_params<'p>(params: &[&'p dyn Param]) -> Vec<PgArg<'p>> {
    params.iter().map(|p| PgArg(*p)).collect()
}

fn pg_refs<'a>(args: &'a [PgArg<'_>]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    args.iter()
        .map(|a| a as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

/// The connection (inside its transaction) a storage function runs its statements on.
#[derive(Clone, Copy)]
pub enum Conn<'a> {
    Sqlite(&'a rusqlite::Connection),
    Postgres(&'a dyn PgExec),
}

impl<'a> Conn<'a> {
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs a statement (kept prepared); the number of rows it changed.
    pub fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    /// Runs statements separated by `;` without parameters (set-up, tests).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres(tx) => tx.batch(sql),
        }
    }

    /// The first row of a query (kept prepared) mapped by `f`; [`Error::NoRow`] when there
    /// is none.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// Runs an `INSERT` (kept prepared) and returns the id it gave its row, the `id` column:
    /// on PostgreSQL through `RETURNING id`, on SQLite the connection's last rowid. SQLite
    /// runs `RETURNING` through a temporary table opened and closed for every run, and a
    /// statement with it takes a statement journal, where FTS5 writes out the terms still
    /// pending in the transaction as a new segment: on the ingest path that was the most
    /// expensive statement of a message.
    pub fn insert(&self, sql: &str, id: &str, params: impl Params) -> Result<i64> {
        match self {
            Conn::Sqlite(c) => {
                self.prepare_cached(sql)?.execute(params)?;
                Ok(c.last_insert_rowid())
            }
            Conn::Postgres(_) => self
                .prepare_cached(&format!("{sql} RETURNING {id}"))?
                .query_row(params, |r| r.get(0)),
        }
    }

    /// A statement kept in the connection's cache (hot paths).
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'a>> {
        self.statement(sql, true)
    }

    /// A statement prepared once (SQL built at run time, such as `IN (…)` lists), which would
    /// only push the hot ones out of the cache.
    pub fn prepare(&self, sql: &str) -> Result<Statement<'a>> {
        self.statement(sql, false)
    }

    fn statement(&self, sql: &str, cached: bool) -> Result<Statement<'a>> {
        Ok(match *self {
            Conn::Sqlite(c) if cached => Statement::SqliteCached(c.prepare_cached(sql)?),
            Conn::Sqlite(c) => Statement::Sqlite(c.prepare(sql)?),
            Conn::Postgres(tx) => Statement::Postgres {
                tx,
                sql: sql.to_owned(),
                cached,
            },
        })
    }

    /// Runs `sql` once per transaction on PostgreSQL (the change notification of a
    /// transaction that appends records); nothing on SQLite, whose one server publishes what
    /// it commits itself.
    pub fn once_on_postgres(&self, sql: &'static str) -> Result<()> {
        match self {
            Conn::Sqlite(_) => Ok(()),
            Conn::Postgres(tx) => tx.once(sql),
        }
    }
}

/// A prepared statement.
pub enum Statement<'a> {
    SqliteCached(rusqlite::CachedStatement<'a>),
    Sqlite(rusqlite::Statement<'a>),
    Postgres {
        tx: &'a dyn PgExec,
        sql: String,
        cached: bool,
    },
}

/// Where a [`Statement`] runs.
enum Target<'s, 'a> {
    Sqlite(&'s mut rusqlite::Statement<'a>),
    Postgres(&'a dyn PgExec, &'s str, bool),
}

impl<'a> Statement<'a> {
    fn target(&mut self) -> Target<'_, 'a> {
        match self {
            Statement::SqliteCached(s) => Target::Sqlite(s),
            Statement::Sqlite(s) => Target::Sqlite(s),
            Statement::Postgres { tx, sql, cached } => Target::Postgres(*tx, sql, *cached),
        }
    }

    /// Every row, each mapped by `f` (read whole: collect the result).
    pub fn query_map<T>(
        &mut self,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let params = params.list();
        let mapped: Vec<Result<T>> = match self.target() {
            Target::Postgres(tx, sql, cached) => tx
                .query(sql, cached, &params)?
                .iter()
                .map(|r| f(&Row::Postgres(r)))
                .collect(),
            Target::Sqlite(st) => {
                let mut rows = st.query(sqlite_params(&params).as_slice())?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(f(&Row::Sqlite(r)));
                }
                out
            }
        };
        Ok(mapped.into_iter())
    }

    /// The first row mapped by `f`; [`Error::NoRow`] when there is none.
    pub fn query_row<T>(
        &mut self,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        let params = params.list();
        match self.target() {
            Target::Postgres(tx, sql, cached) => match tx.first(sql, cached, &params)? {
                Some(r) => f(&Row::Postgres(&r)),
                None => Err(Error::NoRow),
            },
            Target::Sqlite(st) => {
                let mut rows = st.query(sqlite_params(&params).as_slice())?;
                match rows.next()? {
                    Some(r) => f(&Row::Sqlite(r)),
                    None => Err(Error::NoRow),
                }
            }
        }
    }

    /// Runs the statement; the number of rows it changed.
    pub fn execute(&mut self, params: impl Params) -> Result<usize> {
        let params = params.list();
        match self.target() {
            Target::Postgres(tx, sql, cached) => {
                Ok(usize::try_from(tx.execute(sql, cached, &params)?).unwrap_or(usize::MAX))
            }
            Target::Sqlite(st) => Ok(st.execute(sqlite_params(&params).as_slice())?),
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
        let conn = Conn::Sqlite(&c);
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, flag INTEGER);
             CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT);",
        )
        .expect("schema");
        let (name, flag) = ("Ada".to_string(), true);
        assert_eq!(
            conn.execute(
                "INSERT INTO t (name, flag) VALUES (?1, ?2)",
                params![name, flag]
            )
            .expect("insert"),
            1
        );
        for expected in 1..=2 {
            let id = conn
                .insert("INSERT INTO u (name) VALUES (?1)", "id", params![name])
                .expect("insert with its id");
            assert_eq!(id, expected);
        }
        let got = conn
            .query_row("SELECT id, name, flag FROM t WHERE flag = TRUE", (), |r| {
                Ok((r.get::<i64>(0)?, r.get::<String>(1)?, r.get::<bool>(2)?))
            })
            .expect("select");
        assert_eq!(got, (1, "Ada".to_string(), true));
        let none = optional(
            conn.query_row("SELECT id FROM t WHERE id = ?1", [2_i64], |r| {
                r.get::<i64>(0)
            }),
        )
        .expect("select");
        assert_eq!(none, None);
        let ids: Vec<i64> = conn
            .prepare_cached("SELECT id FROM t ORDER BY id")
            .expect("prepare")
            .query_map((), |r| r.get(0))
            .expect("query")
            .collect::<Result<_>>()
            .expect("rows");
        assert_eq!(ids, vec![1]);
    }
}
