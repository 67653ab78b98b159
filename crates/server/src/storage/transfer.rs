//! `switchboard-server migrate --from FILE --to postgres://…`: moving a server up from its
//! SQLite file to PostgreSQL (issue 13) with nothing lost, and proof of it.
//!
//! - Both databases are first brought to this version's schema by the server's own
//!   migrations; the PostgreSQL one must hold no company yet (nothing is merged or overwritten).
//! - Every table of the SQLite schema is copied column for column (the PostgreSQL schema keeps
//!   SQLite's columns and order; its generated search columns are computed by PostgreSQL),
//!   parents before the tables that reference them, in one transaction with binary `COPY`.
//!   SQLite's search indexes are not copied: PostgreSQL's are generated from the rows.
//! - Identities continue after the highest copied id.
//! - Then both sides are read back in primary-key order, and every table's row count and
//!   SHA-256 digest over the values must be equal, or the command fails (and says which).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};

use super::{postgres as pg, Db, StorageError};

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    #[error(
        "the PostgreSQL database already holds {0} company(ies): migrate into an empty database"
    )]
    NotEmpty(i64),
    #[error("table {table}: {why}")]
    Schema { table: String, why: String },
    #[error("table {table}, column {column}: {why}")]
    Value {
        table: String,
        column: String,
        why: String,
    },
    #[error("the copy differs from the original in table {table}: {why}")]
    Mismatch { table: String, why: String },
}

impl From<postgres::Error> for TransferError {
    fn from(e: postgres::Error) -> Self {
        Self::Postgres(super::sql::Error::from(e).to_string())
    }
}

/// What was copied of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub table: String,
    pub rows: u64,
    /// SHA-256 (hex) over the table's values in primary-key order, equal on both sides.
    pub digest: String,
}

/// A column of the PostgreSQL table and the type its values are copied as.
struct Column {
    name: String,
    ty: Type,
}

struct Table {
    name: String,
    columns: Vec<Column>,
    /// The primary key's columns (every column when there is none): the order both sides
    /// are read in for the digest.
    order: Vec<String>,
}

/// One value read from either side, in the form both are compared in.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Int(i64),
    Bool(bool),
    Real(f64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Value {
    fn digest_into(&self, h: &mut Sha256) {
        match self {
            Value::Null => h.update(b"N"),
            Value::Int(v) => h.update(format!("I{v};")),
            Value::Bool(v) => h.update(if *v { b"B1" } else { b"B0" }),
            Value::Real(v) => h.update(format!("R{};", v.to_bits())),
            Value::Text(v) => {
                h.update(format!("T{}:", v.len()));
                h.update(v.as_bytes());
            }
            Value::Bytes(v) => {
                h.update(format!("X{}:", v.len()));
                h.update(v);
            }
        }
    }

    /// As the driver binds it into a column of type `ty` (a NULL is typed too).
    fn to_sql(&self, ty: &Type) -> Box<dyn ToSql + Sync> {
        match self.clone() {
            Value::Null if *ty == Type::BOOL => Box::new(Option::<bool>::None),
            Value::Null if *ty == Type::FLOAT8 => Box::new(Option::<f64>::None),
            Value::Null if *ty == Type::TEXT => Box::new(Option::<String>::None),
            Value::Null if *ty == Type::BYTEA => Box::new(Option::<Vec<u8>>::None),
            Value::Null => Box::new(Option::<i64>::None),
            Value::Int(v) => Box::new(v),
            Value::Bool(v) => Box::new(v),
            Value::Real(v) => Box::new(v),
            Value::Text(v) => Box::new(v),
            Value::Bytes(v) => Box::new(v),
        }
    }
}

/// Copies the SQLite database `from` into the empty PostgreSQL database `to` and checks the
/// copy; the tables in the order they were copied.
pub fn sqlite_to_postgres(from: &Path, to: &str) -> Result<Vec<Copied>, TransferError> {
    if !from.is_file() {
        return Err(TransferError::Sqlite(rusqlite::Error::InvalidPath(
            from.to_path_buf(),
        )));
    }
    // Both schemas current, by the server's own migrations.
    drop(Db::open(from)?);
    drop(Db::connect(to)?);
    let source =
        rusqlite::Connection::open_with_flags(from, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut target = pg::Connector::new(to)?.connect()?;
    let companies: i64 = target
        .query_one("SELECT COUNT(*) FROM companies", &[])?
        .get(0);
    if companies > 0 {
        return Err(TransferError::NotEmpty(companies));
    }
    let tables = tables(&source, &mut target)?;
    let mut tx = target.transaction()?;
    for table in &tables {
        copy(&source, &mut tx, table)?;
    }
    continue_identities(&mut tx)?;
    tx.commit()?;
    tables
        .iter()
        .map(|t| {
            let (rows, digest) = digest_sqlite(&source, t)?;
            let (pg_rows, pg_digest) = digest_postgres(&mut target, t)?;
            if rows != pg_rows {
                return Err(TransferError::Mismatch {
                    table: t.name.clone(),
                    why: format!("{rows} rows in SQLite, {pg_rows} in PostgreSQL"),
                });
            }
            if digest != pg_digest {
                return Err(TransferError::Mismatch {
                    table: t.name.clone(),
                    why: "the values differ (SHA-256 digests)".into(),
                });
            }
            Ok(Copied {
                table: t.name.clone(),
                rows,
                digest,
            })
        })
        .collect()
}

/// The tables to copy, parents first, with their columns as PostgreSQL has them; checks that
/// SQLite has the same columns in the same order.
fn tables(
    source: &rusqlite::Connection,
    target: &mut postgres::Client,
) -> Result<Vec<Table>, TransferError> {
    let names: Vec<String> = target
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
               AND table_name <> 'schema_version'
             ORDER BY table_name",
            &[],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let sqlite_tables: HashSet<String> = source
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
               AND name NOT LIKE '%\\_fts%' ESCAPE '\\'",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if let Some(missing) = sqlite_tables.iter().find(|t| !names.contains(t)) {
        return Err(TransferError::Schema {
            table: missing.clone(),
            why: "PostgreSQL's schema has no such table".into(),
        });
    }
    let mut tables = Vec::new();
    for name in names.into_iter().filter(|n| sqlite_tables.contains(n)) {
        let columns = target
            .query(
                "SELECT column_name::text, udt_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = $1
                   AND is_generated = 'NEVER'
                 ORDER BY ordinal_position",
                &[&name],
            )?
            .iter()
            .map(|r| {
                let udt: String = r.get(1);
                let ty = match udt.as_str() {
                    "int8" => Type::INT8,
                    "bool" => Type::BOOL,
                    "float8" => Type::FLOAT8,
                    "text" => Type::TEXT,
                    "bytea" => Type::BYTEA,
                    other => {
                        return Err(TransferError::Schema {
                            table: name.clone(),
                            why: format!("column type {other} is not one the copy knows"),
                        })
                    }
                };
                Ok(Column { name: r.get(0), ty })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let in_sqlite: Vec<String> = source
            .prepare(&format!(
                "SELECT name FROM pragma_table_info('{name}') ORDER BY cid"
            ))?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let in_pg: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
        if in_sqlite != in_pg {
            return Err(TransferError::Schema {
                table: name,
                why: format!("columns differ: SQLite {in_sqlite:?}, PostgreSQL {in_pg:?}"),
            });
        }
        let mut order: Vec<String> = target
            .query(
                "SELECT a.attname::text FROM pg_index i
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                 WHERE i.indrelid = CAST($1::text AS regclass) AND i.indisprimary
                 ORDER BY array_position(i.indkey, a.attnum)",
                &[&name],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if order.is_empty() {
            order.clone_from(&in_pg);
        }
        tables.push(Table {
            name,
            columns,
            order,
        });
    }
    parents_first(target, tables)
}

/// Orders the tables so that every table comes after the tables its foreign keys name.
fn parents_first(
    target: &mut postgres::Client,
    tables: Vec<Table>,
) -> Result<Vec<Table>, TransferError> {
    let mut parents: HashMap<String, HashSet<String>> = HashMap::new();
    for r in target.query(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
         WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace",
        &[],
    )? {
        let (child, parent): (String, String) = (r.get(0), r.get(1));
        if child != parent {
            parents.entry(child).or_default().insert(parent);
        }
    }
    let mut left = tables;
    let mut done: HashSet<String> = HashSet::new();
    let mut ordered = Vec::new();
    while !left.is_empty() {
        let (ready, rest): (Vec<Table>, Vec<Table>) = left.into_iter().partition(|t| {
            parents
                .get(&t.name)
                .is_none_or(|ps| ps.iter().all(|p| done.contains(p) || p == &t.name))
        });
        if ready.is_empty() {
            return Err(TransferError::Schema {
                table: rest.first().map(|t| t.name.clone()).unwrap_or_default(),
                why: "its foreign keys form a cycle".into(),
            });
        }
        for t in ready {
            done.insert(t.name.clone());
            ordered.push(t);
        }
        left = rest;
    }
    Ok(ordered)
}

fn column_list(t: &Table) -> String {
    t.columns
        .iter()
        .map(|c| format!("\"{}\"", c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One SQLite value as the PostgreSQL column's type.
fn from_sqlite(t: &Table, c: &Column, v: ValueRef<'_>) -> Result<Value, TransferError> {
    let bad = |why: String| TransferError::Value {
        table: t.name.clone(),
        column: c.name.clone(),
        why,
    };
    Ok(match (v, &c.ty) {
        (ValueRef::Null, _) => Value::Null,
        (ValueRef::Integer(i), ty) if *ty == Type::INT8 => Value::Int(i),
        (ValueRef::Integer(i), ty) if *ty == Type::BOOL => Value::Bool(i != 0),
        (ValueRef::Integer(i), ty) if *ty == Type::FLOAT8 => {
            // An integral REAL that SQLite stored as an integer.
            #[allow(clippy::cast_precision_loss)]
            Value::Real(i as f64)
        }
        (ValueRef::Real(r), ty) if *ty == Type::FLOAT8 => Value::Real(r),
        (ValueRef::Text(s), ty) if *ty == Type::TEXT => Value::Text(
            String::from_utf8(s.to_vec()).map_err(|_| bad("text that is not UTF-8".into()))?,
        ),
        (ValueRef::Blob(b), ty) if *ty == Type::BYTEA => Value::Bytes(b.to_vec()),
        (v, ty) => {
            return Err(bad(format!(
                "a {:?} value where PostgreSQL has {ty}",
                v.data_type()
            )))
        }
    })
}

fn copy(
    source: &rusqlite::Connection,
    tx: &mut postgres::Transaction<'_>,
    t: &Table,
) -> Result<(), TransferError> {
    let sink = tx.copy_in(&format!(
        "COPY \"{}\" ({}) FROM STDIN (FORMAT binary)",
        t.name,
        column_list(t)
    ))?;
    let types: Vec<Type> = t.columns.iter().map(|c| c.ty.clone()).collect();
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    let mut stmt = source.prepare(&format!("SELECT {} FROM \"{}\"", column_list(t), t.name))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let values = t
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| from_sqlite(t, c, row.get_ref(i)?).map(|v| v.to_sql(&c.ty)))
            .collect::<Result<Vec<_>, TransferError>>()?;
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(AsRef::as_ref).collect();
        writer.write(&refs)?;
    }
    writer.finish()?;
    Ok(())
}

/// Moves every identity past the ids the copy wrote.
fn continue_identities(tx: &mut postgres::Transaction<'_>) -> Result<(), TransferError> {
    let identities: Vec<(String, String)> = tx
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND is_identity = 'YES'",
            &[],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (table, column) in identities {
        tx.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence($1, $2),
                               (SELECT COALESCE(MAX(\"{column}\"), 0) + 1 FROM \"{table}\"), false)"
            ),
            &[&table, &column],
        )?;
    }
    Ok(())
}

/// NULLS FIRST: SQLite's order, which PostgreSQL's default reverses.
fn order_by(t: &Table) -> String {
    t.order
        .iter()
        .map(|c| format!("\"{c}\" NULLS FIRST"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn digest_sqlite(source: &rusqlite::Connection, t: &Table) -> Result<(u64, String), TransferError> {
    let mut stmt = source.prepare(&format!(
        "SELECT {} FROM \"{}\" ORDER BY {}",
        column_list(t),
        t.name,
        order_by(t)
    ))?;
    let mut rows = stmt.query([])?;
    let (mut n, mut h) = (0_u64, Sha256::new());
    while let Some(row) = rows.next()? {
        for (i, c) in t.columns.iter().enumerate() {
            from_sqlite(t, c, row.get_ref(i)?)?.digest_into(&mut h);
        }
        n += 1;
    }
    Ok((n, hex::encode(h.finalize())))
}

fn digest_postgres(
    target: &mut postgres::Client,
    t: &Table,
) -> Result<(u64, String), TransferError> {
    let mut tx = target.build_transaction().read_only(true).start()?;
    let (mut n, mut h) = (0_u64, Sha256::new());
    let sql = format!(
        "SELECT {} FROM \"{}\" ORDER BY {}",
        column_list(t),
        t.name,
        order_by(t)
    );
    let portal = tx.bind(&sql, &[])?;
    loop {
        let rows = tx.query_portal(&portal, 10_000)?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            for (i, c) in t.columns.iter().enumerate() {
                let v = match &c.ty {
                    ty if *ty == Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Int),
                    ty if *ty == Type::BOOL => row.try_get::<_, Option<bool>>(i)?.map(Value::Bool),
                    ty if *ty == Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?.map(Value::Real),
                    ty if *ty == Type::TEXT => {
                        row.try_get::<_, Option<String>>(i)?.map(Value::Text)
                    }
                    _ => row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Bytes),
                };
                v.unwrap_or(Value::Null).digest_into(&mut h);
            }
            n += 1;
        }
    }
    tx.commit()?;
    Ok((n, hex::encode(h.finalize())))
}
