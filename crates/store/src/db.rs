//! Connecting, migrating, and the small helpers every query module shares.

use crate::error::{Result, StoreError};
use jenjang_core::clock::{Clock, SystemClock};
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
    Value,
};
use serde::Serialize;
use std::time::Duration;

/// The database behind Jenjang. Cheap to clone (a pool handle).
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: DatabaseConnection,
    /// SQLite only: one connection for bulk writes (imports, seeding) that never checkpoints
    /// the write-ahead log on commit, so a large import answers once it is committed and the
    /// log is folded back afterwards ([`Store::checkpoint`]).
    bulk: Option<DatabaseConnection>,
    /// What "now" is for every timestamp the store writes.
    clock: std::sync::Arc<dyn Clock>,
    /// Notifications written through this store are also queued for mail (SMTP configured).
    mail: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// A page of a list, the shape of every list in API.md.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}

impl<T> Page<T> {
    /// A list answered whole, as one page.
    pub fn whole(items: Vec<T>) -> Self {
        let total = items.len() as u64;
        Page {
            items,
            total,
            limit: total.max(1),
            offset: 0,
        }
    }
}

impl Store {
    /// Connects to `sqlite://…` or `postgres://…`. SQLite runs in WAL mode with foreign keys on.
    pub async fn connect(url: &str) -> Result<Store> {
        let sqlite = url.starts_with("sqlite:");
        let options = |connections: u32, bulk: bool| {
            let mut opts = ConnectOptions::new(url.to_string());
            opts.sqlx_logging(false)
                .connect_timeout(Duration::from_secs(10))
                .acquire_timeout(Duration::from_secs(if bulk { 600 } else { 30 }))
                .max_connections(connections)
                .min_connections(1);
            if sqlite {
                opts.map_sqlx_sqlite_opts(move |o| {
                    let o = o
                        .journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                        .foreign_keys(true)
                        .busy_timeout(Duration::from_secs(30));
                    if bulk {
                        // A bulk write touches index pages all over a province's tables in one
                        // transaction: with SQLite's default 2 MB page cache it re-reads them
                        // through system calls and spills dirty ones to the log mid-transaction.
                        // Up to 512 MB, taken only as pages are used, given back by
                        // [`Store::checkpoint`].
                        o.pragma("wal_autocheckpoint", "0")
                            .pragma("cache_size", "-524288")
                    } else {
                        o
                    }
                });
            }
            opts
        };
        let db = Database::connect(options(if sqlite { 8 } else { 16 }, false)).await?;
        let bulk = if sqlite {
            Some(Database::connect(options(1, true)).await?)
        } else {
            None
        };
        Ok(Store {
            db,
            bulk,
            clock: std::sync::Arc::new(SystemClock),
            mail: Default::default(),
        })
    }

    /// The same database read and written on `clock` (tests, simulations).
    pub fn with_clock(mut self, clock: std::sync::Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Queue notifications for mail from now on (`serve` with SMTP configured), or not.
    pub fn set_mail_delivery(&self, on: bool) {
        self.mail.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether notifications written now are queued for mail.
    pub fn mail_delivery(&self) -> bool {
        self.mail.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The clock this store writes timestamps with; the use cases and the engine read it too.
    pub fn clock(&self) -> std::sync::Arc<dyn Clock> {
        self.clock.clone()
    }

    /// Now, by the store's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<()> {
        Migrator::up(&self.db, None).await?;
        Ok(())
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    pub fn is_postgres(&self) -> bool {
        self.backend() == DatabaseBackend::Postgres
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> Result<()> {
        self.db.ping().await?;
        Ok(())
    }

    pub async fn close(self) -> Result<()> {
        if let Some(bulk) = self.bulk {
            bulk.close().await?;
        }
        self.db.close().await?;
        Ok(())
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so concurrent writers queue on the busy timeout instead of failing
    /// when a read snapshot cannot be upgraded.
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction> {
        Ok(self
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?)
    }

    /// A write transaction for a bulk write: on SQLite on the bulk connection, whose commit
    /// leaves the write-ahead log to [`Store::checkpoint`] (the caller's to run, at once or on
    /// a background task).
    pub(crate) async fn begin_bulk_write(&self) -> Result<DatabaseTransaction> {
        match &self.bulk {
            Some(bulk) => Ok(bulk
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..Default::default()
                })
                .await?),
            None => self.begin_write().await,
        }
    }

    /// Writes a consistent copy of a SQLite database to `path` while others keep reading and
    /// writing (`VACUUM INTO`: one read transaction, so the copy is the database as it was
    /// committed when the backup began). PostgreSQL is backed up with its own tools.
    pub async fn backup_into(&self, path: &str) -> Result<()> {
        if self.backend() != DatabaseBackend::Sqlite {
            return Err(StoreError::Conflict(
                "jenjang backup copies the embedded SQLite database; back up PostgreSQL with pg_dump (see README)".into(),
            ));
        }
        self.db
            .execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Sqlite,
                "VACUUM INTO ?",
                [path.into()],
            ))
            .await?;
        Ok(())
    }

    /// SQLite's own check of every page and index: empty when the file is sound, else what is
    /// wrong.
    pub async fn integrity_problems(&self) -> Result<Vec<String>> {
        let rows = self
            .db
            .query_all_raw(Statement::from_string(
                DatabaseBackend::Sqlite,
                "PRAGMA integrity_check",
            ))
            .await?;
        let mut problems = Vec::new();
        for row in rows {
            let line: String = row.try_get_by_index(0)?;
            if line != "ok" {
                problems.push(line);
            }
        }
        Ok(problems)
    }

    /// The migrations applied to this database, by name.
    pub async fn applied_migrations(&self) -> Result<Vec<String>> {
        let rows = self
            .db
            .query_all_raw(Statement::from_string(
                self.backend(),
                "SELECT version FROM seaql_migrations ORDER BY version",
            ))
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String>("", "version")?))
            .collect()
    }

    /// The migrations this build knows, by name.
    pub fn known_migrations() -> Vec<String> {
        Migrator::migrations()
            .iter()
            .map(|m| m.name().to_string())
            .collect()
    }

    /// After a large write: on SQLite, folds the write-ahead log back into the database file and
    /// empties it (reads through a log of hundreds of megabytes are markedly slower) and gives
    /// back the bulk connection's page cache; on PostgreSQL, refreshes the planner's statistics,
    /// which autovacuum updates only later (with stale ones the planner hashes whole tables
    /// where an index lookup is right).
    /// `tables` are the ones written (all when empty).
    pub async fn checkpoint(&self, tables: &[&str]) -> Result<()> {
        if self.backend() == DatabaseBackend::Sqlite {
            self.db
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?;
            if let Some(bulk) = &self.bulk {
                bulk.execute_unprepared("PRAGMA shrink_memory").await?;
            }
        } else {
            self.db
                .execute_unprepared(&format!("ANALYZE {}", tables.join(", ")))
                .await?;
        }
        Ok(())
    }

    /// Whether the database holds any organisation data yet.
    pub async fn has_organisation_data(&self) -> Result<bool> {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.backend(),
                "SELECT EXISTS(SELECT 1 FROM units) AS present",
            ))
            .await?;
        Ok(row
            .map(|r| r.try_get::<bool>("", "present"))
            .transpose()?
            .unwrap_or(false))
    }
}

/// How many text pairs one statement of [`pair_list`] takes.
pub(crate) fn pairs_per_statement(backend: DatabaseBackend) -> usize {
    if backend == DatabaseBackend::Postgres {
        20_000
    } else {
        rows_per_statement(2)
    }
}

/// A list of text pairs `(a, b)` for `(x, y) IN (…)`, with its values: one JSON document on
/// PostgreSQL (`json_to_recordset`, parsed far faster than bound placeholders), a `VALUES`
/// list on SQLite.
pub(crate) fn pair_list(backend: DatabaseBackend, pairs: &[(&str, &str)]) -> (String, Vec<Value>) {
    if backend == DatabaseBackend::Postgres {
        let doc: Vec<serde_json::Value> = pairs
            .iter()
            .map(|(a, b)| serde_json::json!({"a": a, "b": b}))
            .collect();
        (
            "SELECT x.a, x.b FROM json_to_recordset($1::json) AS x(a text, b text)".to_string(),
            vec![serde_json::Value::Array(doc).to_string().into()],
        )
    } else {
        (
            format!(
                "VALUES {}",
                (0..pairs.len())
                    .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            pairs
                .iter()
                .flat_map(|(a, b)| [Value::from(*a), Value::from(*b)])
                .collect(),
        )
    }
}

/// How many ids one statement of [`id_list`] takes, `lead` placeholders coming before them.
pub(crate) fn ids_per_statement(backend: DatabaseBackend, lead: usize) -> usize {
    if backend == DatabaseBackend::Postgres {
        PG_ROWS_PER_STATEMENT
    } else {
        rows_per_statement(1).saturating_sub(lead).max(1)
    }
}

/// The contents of `id IN (…)` for `ids`, placeholders from `$from`, with its values: one
/// bound `bigint[]` on PostgreSQL, a placeholder per id on SQLite.
pub(crate) fn id_list(backend: DatabaseBackend, ids: &[i64], from: usize) -> (String, Vec<Value>) {
    if backend == DatabaseBackend::Postgres {
        (
            format!("SELECT unnest(CAST(${from} AS bigint[]))"),
            vec![Value::Array(
                sea_orm::sea_query::ArrayType::BigInt,
                Some(Box::new(ids.iter().map(|&i| Value::from(i)).collect())),
            )],
        )
    } else {
        (
            placeholders(from, ids.len()),
            ids.iter().map(|&i| Value::from(i)).collect(),
        )
    }
}

/// `$from, $from+1, …` for `n` values (an `IN (…)` list).
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A raw statement written with PostgreSQL placeholders (`$1`, `$2`, …), rewritten for SQLite's
/// numbered `?1` form, so each hand-written query is spelled once for both databases.
///
/// When the placeholders run `$1, $2, …` in order, each once (the multi-row inserts), SQLite
/// gets plain `?`: it binds those measurably faster than numbered ones.
pub(crate) fn stmt(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DatabaseBackend::Sqlite if sequential_placeholders(sql) => {
            let mut out = String::with_capacity(sql.len());
            let mut chars = sql.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '$' {
                    out.push('?');
                    while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                        chars.next();
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }
        DatabaseBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_string(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Whether the `$n` placeholders of `sql` are exactly 1, 2, 3, … in order.
fn sequential_placeholders(sql: &str) -> bool {
    let mut expected = 1u32;
    let bytes = sql.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let start = i + 1;
            let mut end = start;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            match sql[start..end].parse::<u32>() {
                Ok(n) if n == expected => expected += 1,
                _ => return false,
            }
            i = end;
        } else {
            i += 1;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_rows_travel_as_one_document_a_statement() {
        let values: Vec<Value> = (0..20_001)
            .flat_map(|i| [Value::from(i as i64), Value::from(None::<String>)])
            .collect();
        let statements = row_statements(
            DatabaseBackend::Postgres,
            "INSERT INTO t (a, b)",
            "ON CONFLICT DO NOTHING",
            2,
            values,
        );
        assert_eq!(statements.len(), 2);
        assert_eq!(
            statements[0].sql,
            "INSERT INTO t (a, b) SELECT a, b FROM json_populate_recordset(NULL::t, $1::json) ON CONFLICT DO NOTHING"
        );
        let Some(values) = &statements[1].values else {
            panic!("bound")
        };
        assert_eq!(
            values.0,
            vec![Value::from(r#"[{"a":20000,"b":null}]"#.to_string())]
        );
        // What the path cannot carry binds as usual.
        let odd = row_statements(
            DatabaseBackend::Postgres,
            "INSERT INTO t (a)",
            "",
            1,
            vec![Value::from(f64::NAN)],
        );
        assert!(odd[0].sql.ends_with("VALUES ($1)"), "{}", odd[0].sql);
    }

    #[test]
    fn postgres_rows_travel_as_one_typed_array_a_column() {
        use sea_orm::sea_query::ArrayType;
        let types: std::collections::HashMap<String, String> =
            [("a", "bigint"), ("b", "character varying"), ("c", "date")]
                .into_iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect();
        let values: Vec<Value> = (0..20_001i64)
            .flat_map(|i| {
                [
                    Value::from(i),
                    Value::from((i % 2 == 0).then(|| format!("n{i}"))),
                    Value::from(None::<chrono::NaiveDate>),
                ]
            })
            .collect();
        let statements = array_statements(
            "INSERT INTO t (a, b, c)",
            "ON CONFLICT DO NOTHING",
            &["a", "b", "c"],
            values,
            &types,
            PG_ROWS_PER_STATEMENT,
        )
        .unwrap();
        assert_eq!(statements.len(), 2);
        assert_eq!(
            statements[0].sql,
            "INSERT INTO t (a, b, c) SELECT CAST(u.c0 AS bigint), \
             CASE WHEN u.n1 THEN NULL ELSE CAST(u.c1 AS character varying) END, CAST(NULL AS date) \
             FROM unnest($1, $2, $3) AS u(c0, c1, n1) ON CONFLICT DO NOTHING"
        );
        let Some(bound) = &statements[1].values else {
            panic!("bound")
        };
        assert_eq!(
            bound.0,
            vec![
                Value::Array(
                    ArrayType::BigInt,
                    Some(Box::new(vec![Value::from(20_000i64)]))
                ),
                Value::Array(
                    ArrayType::String,
                    Some(Box::new(vec![Value::from("n20000".to_string())]))
                ),
                Value::Array(ArrayType::Bool, Some(Box::new(vec![Value::from(false)]))),
            ]
        );
        let Some(first) = &statements[0].values else {
            panic!("bound")
        };
        // The second row's text is null: a placeholder in the array, true in the mask.
        let Value::Array(_, Some(mask)) = &first.0[2] else {
            panic!("a mask")
        };
        assert_eq!(mask[..2], [Value::from(false), Value::from(true)]);
        // A column mixing kinds, or a column of unknown type, gives the values back.
        let mixed = vec![Value::from(1i64), Value::from("x".to_string())];
        assert_eq!(
            array_statements("INSERT INTO t (a)", "", &["a"], mixed.clone(), &types, 10)
                .unwrap_err(),
            mixed
        );
        let unknown = vec![Value::from(1i64)];
        assert!(array_statements("INSERT INTO t (z)", "", &["z"], unknown, &types, 10).is_err());
    }

    #[test]
    fn rows_are_split_into_multi_row_statements() {
        // Values the JSON path does not carry (f32) bind on PostgreSQL as on SQLite.
        let values: Vec<Value> = (0..4_001).map(|i| Value::from(i as f32)).collect();
        let statements = row_statements(
            DatabaseBackend::Postgres,
            "INSERT INTO t (a)",
            "",
            1,
            values,
        );
        assert_eq!(statements.len(), 2);
        assert!(
            statements[0]
                .sql
                .starts_with("INSERT INTO t (a) VALUES ($1), ($2), ")
        );
        assert!(statements[1].sql.ends_with("VALUES ($1)"));
        let pairs: Vec<Value> = (0..4).map(|i| Value::from(i as i64)).collect();
        let sqlite = row_statements(
            DatabaseBackend::Sqlite,
            "INSERT INTO t (a, b)",
            "ON CONFLICT DO NOTHING",
            2,
            pairs,
        );
        assert_eq!(
            sqlite[0].sql,
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?) ON CONFLICT DO NOTHING"
        );
        assert_eq!(sqlite[0].values.as_ref().map(|v| v.0.len()), Some(4));
    }

    /// Dates and times a bulk write binds as text on SQLite are the text the driver writes for
    /// them: a row written each way compares equal, and reads back as the same values.
    #[tokio::test]
    async fn sqlite_dates_are_written_as_the_driver_writes_them() {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        db.execute_unprepared(
            "CREATE TABLE t (n integer, d date_text, at timestamp_with_timezone_text)",
        )
        .await
        .unwrap();
        let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        let whole = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let fraction = chrono::DateTime::from_timestamp(1_790_000_000, 123_456_000).unwrap();
        for (n, at) in [(1i64, whole), (2, fraction)] {
            db.execute_raw(stmt(
                DatabaseBackend::Sqlite,
                "INSERT INTO t (n, d, at) VALUES ($1, $2, $3)",
                vec![n.into(), d.into(), at.into()],
            ))
            .await
            .unwrap();
            let bulk: Vec<Value> = vec![
                (n + 10).into(),
                d.into(),
                at.into(),
                (n + 20).into(),
                d.into(),
                at.into(),
            ];
            for s in row_statements(
                DatabaseBackend::Sqlite,
                "INSERT INTO t (n, d, at)",
                "",
                3,
                bulk,
            ) {
                db.execute_raw(s).await.unwrap();
            }
            let rows = db
                .query_all_raw(stmt(
                    DatabaseBackend::Sqlite,
                    "SELECT b.d AS d, b.at AS at FROM t a JOIN t b ON b.d = a.d AND b.at = a.at \
                     WHERE a.n = $1 AND b.n IN ($2, $3)",
                    vec![n.into(), (n + 10).into(), (n + 20).into()],
                ))
                .await
                .unwrap();
            assert_eq!(rows.len(), 2, "{at}");
            for r in rows {
                assert_eq!(r.try_get::<chrono::NaiveDate>("", "d").unwrap(), d);
                assert_eq!(
                    r.try_get::<chrono::DateTime<chrono::Utc>>("", "at")
                        .unwrap(),
                    at
                );
            }
        }
    }

    #[test]
    fn placeholders_are_rewritten_for_sqlite() {
        let sequential = stmt(DatabaseBackend::Sqlite, "VALUES ($1, $2), ($3, $4)", vec![]);
        assert_eq!(sequential.sql, "VALUES (?, ?), (?, ?)");
        let reused = stmt(
            DatabaseBackend::Sqlite,
            "a = $1 OR b = $1 AND c = $2",
            vec![],
        );
        assert_eq!(reused.sql, "a = ?1 OR b = ?1 AND c = ?2");
        let pg = stmt(DatabaseBackend::Postgres, "a = $1", vec![]);
        assert_eq!(pg.sql, "a = $1");
    }
}

/// Multi-row statements `{head} VALUES ($1, …), (…) {tail}` for rows of `columns` values each,
/// given row after row in `values`, [`rows_per_statement`] rows a statement. On PostgreSQL the
/// rows travel as one JSON document a statement instead (`{head} SELECT … FROM
/// json_populate_recordset(NULL::table, $1)`): the server parses a document far faster than it
/// binds and plans thousands of placeholders. (On SQLite the same document read with `json_each`
/// measured twice as slow as bound values.)
pub(crate) fn row_statements(
    backend: DatabaseBackend,
    head: &str,
    tail: &str,
    columns: usize,
    values: Vec<Value>,
) -> Vec<Statement> {
    debug_assert!(columns > 0 && values.len().is_multiple_of(columns));
    if backend == DatabaseBackend::Postgres
        && let Some(statements) = json_row_statements(head, tail, columns, &values)
    {
        return statements;
    }
    let per_statement = rows_per_statement(columns) * columns;
    let mut out = Vec::with_capacity(values.len().div_ceil(per_statement.max(1)));
    let mut values = values.into_iter().peekable();
    let mut texts = SqliteTexts::default();
    while values.peek().is_some() {
        let chunk: Vec<Value> = values
            .by_ref()
            .take(per_statement)
            .map(|v| {
                if backend == DatabaseBackend::Sqlite {
                    texts.text(v)
                } else {
                    v
                }
            })
            .collect();
        let mut sql = String::with_capacity(head.len() + tail.len() + chunk.len() * 7 + 16);
        sql.push_str(head);
        sql.push_str(" VALUES ");
        for row in 0..chunk.len() / columns {
            sql.push_str(if row == 0 { "(" } else { ", (" });
            for col in 0..columns {
                if col > 0 {
                    sql.push_str(", ");
                }
                sql.push('$');
                sql.push_str(&(row * columns + col + 1).to_string());
            }
            sql.push(')');
        }
        if !tail.is_empty() {
            sql.push(' ');
            sql.push_str(tail);
        }
        out.push(stmt(backend, &sql, chunk));
    }
    out
}

/// Dates and times bound on SQLite, which stores them as text: written as the driver writes
/// them (`%F`; RFC 3339 with the sub-second digits it needs), but once per run of the same value.
/// The driver formats each bound date anew through a format string, and a bulk write binds the
/// same few dates (the assessment date, the write's own time) a million times.
#[derive(Default)]
struct SqliteTexts {
    date: Option<(chrono::NaiveDate, String)>,
    time: Option<(chrono::DateTime<chrono::Utc>, String)>,
}

impl SqliteTexts {
    fn text(&mut self, v: Value) -> Value {
        match v {
            Value::ChronoDate(Some(d)) => match &self.date {
                Some((last, text)) if *last == d => text.clone().into(),
                _ => {
                    let text = d.format("%F").to_string();
                    self.date = Some((d, text.clone()));
                    text.into()
                }
            },
            Value::ChronoDateTimeUtc(Some(t)) => match &self.time {
                Some((last, text)) if *last == t => text.clone().into(),
                _ => {
                    let text = t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
                    self.time = Some((t, text.clone()));
                    text.into()
                }
            },
            v => v,
        }
    }
}

/// Rows a statement on PostgreSQL, as typed arrays or as a JSON document (a few megabytes each).
const PG_ROWS_PER_STATEMENT: usize = 20_000;

/// Rows an update statement on PostgreSQL ([`update_rows`]). The planner joins the rows to
/// the table by hashing the whole table once a statement (it estimates the rows' array right,
/// and probing the key's index per row costs it more): 130 ms for the 342,000 participants of a
/// province's training year, paid by each statement of 20,000 of 50,000 results.
const PG_ROWS_PER_UPDATE: usize = 200_000;

/// The table and columns of `INSERT INTO table (a, b, …)`.
fn insert_target(head: &str) -> Option<(&str, Vec<&str>)> {
    let rest = head.trim().strip_prefix("INSERT INTO ")?;
    let open = rest.find('(')?;
    let table = rest[..open].trim();
    let close = rest.rfind(')')?;
    let columns: Vec<&str> = rest[open + 1..close].split(',').map(str::trim).collect();
    let plain = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (plain(table) && columns.iter().all(|c| plain(c))).then_some((table, columns))
}

/// Writes a bound value as JSON that `json_populate_recordset` reads back into the column's
/// type; `false` for a kind this path does not carry (the statement then binds as usual).
fn write_json(out: &mut String, v: &Value) -> bool {
    use std::fmt::Write;
    fn text(out: &mut String, s: &str) {
        // serde_json's escaping of a string never fails.
        out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "null".into()));
    }
    match v {
        Value::Bool(b) => out.push_str(match b {
            None => "null",
            Some(true) => "true",
            Some(false) => "false",
        }),
        Value::SmallInt(n) => write_num(out, n.map(i64::from)),
        Value::Int(n) => write_num(out, n.map(i64::from)),
        Value::BigInt(n) => write_num(out, *n),
        Value::Double(n) => match n {
            None => out.push_str("null"),
            Some(x) if x.is_finite() => {
                let _ = write!(out, "{x}");
            }
            Some(_) => return false,
        },
        Value::String(s) => match s {
            None => out.push_str("null"),
            Some(s) => text(out, s),
        },
        Value::Json(j) => match j {
            None => out.push_str("null"),
            Some(j) => out.push_str(&j.to_string()),
        },
        Value::ChronoDate(d) => match d {
            None => out.push_str("null"),
            Some(d) => {
                let _ = write!(out, "\"{d}\"");
            }
        },
        Value::ChronoDateTimeUtc(t) => match t {
            None => out.push_str("null"),
            Some(t) => {
                let _ = write!(out, "\"{}\"", t.to_rfc3339());
            }
        },
        _ => return false,
    }
    true
}

fn write_num(out: &mut String, n: Option<i64>) {
    use std::fmt::Write;
    match n {
        None => out.push_str("null"),
        Some(n) => {
            let _ = write!(out, "{n}");
        }
    }
}

fn json_row_statements(
    head: &str,
    tail: &str,
    columns: usize,
    values: &[Value],
) -> Option<Vec<Statement>> {
    let (table, names) = insert_target(head)?;
    if names.len() != columns {
        return None;
    }
    let list = names.join(", ");
    let sql = format!(
        "{head} SELECT {list} FROM json_populate_recordset(NULL::{table}, $1::json){}{tail}",
        if tail.is_empty() { "" } else { " " }
    );
    // `"name":` of each column, written before its value.
    let keys: Vec<String> = names.iter().map(|n| format!("\"{n}\":")).collect();
    let mut out = Vec::new();
    for chunk in values.chunks(PG_ROWS_PER_STATEMENT * columns) {
        let mut document = String::with_capacity(chunk.len() * 24 + 2);
        document.push('[');
        for (r, row) in chunk.chunks(columns).enumerate() {
            document.push_str(if r == 0 { "{" } else { ",{" });
            for (c, (key, v)) in keys.iter().zip(row).enumerate() {
                if c > 0 {
                    document.push(',');
                }
                document.push_str(key);
                if !write_json(&mut document, v) {
                    return None;
                }
            }
            document.push('}');
        }
        document.push(']');
        out.push(stmt(DatabaseBackend::Postgres, &sql, vec![document.into()]));
    }
    Some(out)
}

/// Inserts rows with [`statements_for`].
pub(crate) async fn insert_rows<C: ConnectionTrait>(
    conn: &C,
    head: &str,
    tail: &str,
    columns: usize,
    values: Vec<Value>,
) -> Result<()> {
    for statement in statements_for(conn, head, tail, columns, values).await? {
        conn.execute_raw(statement).await?;
    }
    Ok(())
}

/// Inserts rows most of which are new to a table with a unique key: `conflict` (`ON CONFLICT …
/// DO NOTHING`) says what a row whose key is stored already does. See [`new_first`].
pub(crate) async fn insert_new_rows(
    txn: &DatabaseTransaction,
    head: &str,
    conflict: &str,
    columns: usize,
    values: Vec<Value>,
) -> Result<()> {
    new_first(
        txn,
        values.len() >= FIRST_TRY_ROWS * columns,
        values,
        async |attempt, values| {
            for statement in statements_for(attempt, head, "", columns, values).await? {
                if refused_key(attempt.execute_raw(statement).await)?.is_none() {
                    return Ok(None);
                }
            }
            Ok(Some(()))
        },
        async |txn, values| insert_rows(txn, head, conflict, columns, values).await,
    )
    .await
}

/// A write of rows most of which are new to a table with a unique key. PostgreSQL meets a
/// conflict clause (`ON CONFLICT …`) with a search of the unique index before each row's insert,
/// on top of the insert's own: a fifth more time for 90,000 outbox events, and with the current
/// levels' upsert 31 % of the server's time in a province's assessment import. So on PostgreSQL a
/// `large` write first runs `fresh` (the write without the clause, answering `None` when the
/// database refused a key stored already or repeated: see [`refused_key`]) inside a savepoint;
/// only if it answers `None` is that rolled back and `again` (the write with the clause) run.
/// Otherwise `again` runs at once. `input` is cloned for the first try only.
pub(crate) async fn new_first<T, I: Clone>(
    txn: &DatabaseTransaction,
    large: bool,
    input: I,
    fresh: impl AsyncFnOnce(&DatabaseTransaction, I) -> Result<Option<T>>,
    again: impl AsyncFnOnce(&DatabaseTransaction, I) -> Result<T>,
) -> Result<T> {
    use sea_orm::TransactionTrait;
    if large && txn.get_database_backend() == DatabaseBackend::Postgres {
        let attempt = txn.begin().await?;
        if let Some(done) = fresh(&attempt, input.clone()).await? {
            attempt.commit().await?;
            return Ok(done);
        }
        attempt.rollback().await?;
    }
    again(txn, input).await
}

/// A statement's outcome, `None` when the database refused it for a key stored already.
pub(crate) fn refused_key<T>(outcome: std::result::Result<T, sea_orm::DbErr>) -> Result<Option<T>> {
    match outcome {
        Ok(done) => Ok(Some(done)),
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// The batch size from which a write of new rows tries them as new first ([`new_first`]).
pub(crate) const FIRST_TRY_ROWS: usize = 1_000;

/// Inserts rows with [`statements_for`] whose `tail` says `RETURNING …`, answering the rows
/// returned (so that fresh rows need no second read, which a planner without statistics for
/// them would plan badly).
pub(crate) async fn insert_rows_returning<C: ConnectionTrait>(
    conn: &C,
    head: &str,
    tail: &str,
    columns: usize,
    values: Vec<Value>,
) -> Result<Vec<sea_orm::QueryResult>> {
    let mut out = Vec::new();
    for statement in statements_for(conn, head, tail, columns, values).await? {
        out.extend(conn.query_all_raw(statement).await?);
    }
    Ok(out)
}

/// Updates rows of `table` that exist, each named by its `keys` columns, setting its `sets`
/// columns; `values` holds whole rows, keys first. On PostgreSQL the rows travel as one typed
/// array a column, as [`insert_rows`] sends them, and join the table by its key; on SQLite as a
/// `VALUES` list the table joins. A row not there is not written (none is inserted).
pub(crate) async fn update_rows<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    keys: &[&str],
    sets: &[&str],
    values: Vec<Value>,
) -> Result<()> {
    if values.is_empty() {
        return Ok(());
    }
    let backend = conn.get_database_backend();
    let names: Vec<&str> = keys.iter().chain(sets).copied().collect();
    let assign = sets
        .iter()
        .map(|c| format!("{c} = v.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let matched = keys
        .iter()
        .map(|k| format!("{table}.{k} = v.{k}"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let list = names.join(", ");
    let mut values = Some(values);
    let mut statements = Vec::new();
    if backend == DatabaseBackend::Postgres {
        let types = column_types(conn, table).await?;
        match array_statements(
            &format!("UPDATE {table} SET {assign} FROM ("),
            &format!(") AS v({list}) WHERE {matched}"),
            &names,
            values.take().unwrap_or_default(),
            &types,
            PG_ROWS_PER_UPDATE,
        ) {
            Ok(s) => statements = s,
            Err(given) => values = Some(given),
        }
    }
    if let Some(values) = values {
        statements = row_statements(
            backend,
            &format!("WITH v({list}) AS ("),
            &format!(") UPDATE {table} SET {assign} FROM v WHERE {matched}"),
            names.len(),
            values,
        );
    }
    for statement in statements {
        conn.execute_raw(statement).await?;
    }
    Ok(())
}

/// The statements that insert `values`: on PostgreSQL one typed array a column
/// ([`array_statements`]) where every column's values are of one kind it carries, otherwise
/// [`row_statements`].
pub(crate) async fn statements_for<C: ConnectionTrait>(
    conn: &C,
    head: &str,
    tail: &str,
    columns: usize,
    values: Vec<Value>,
) -> Result<Vec<Statement>> {
    let backend = conn.get_database_backend();
    if backend == DatabaseBackend::Postgres
        && !values.is_empty()
        && let Some((table, names)) = insert_target(head)
        && names.len() == columns
    {
        let types = column_types(conn, table).await?;
        return Ok(
            match array_statements(head, tail, &names, values, &types, PG_ROWS_PER_STATEMENT) {
                Ok(statements) => statements,
                Err(values) => row_statements(backend, head, tail, columns, values),
            },
        );
    }
    Ok(row_statements(backend, head, tail, columns, values))
}

/// The type of each column of `table` on PostgreSQL, without its length (a cast to it never
/// truncates; the column's own check still refuses what is too long). Read once per table: the
/// schema is this binary's.
async fn column_types<C: ConnectionTrait>(
    conn: &C,
    table: &str,
) -> Result<std::sync::Arc<std::collections::HashMap<String, String>>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    type Types = HashMap<String, Arc<HashMap<String, String>>>;
    static TYPES: OnceLock<Mutex<Types>> = OnceLock::new();
    let cache = TYPES.get_or_init(Default::default);
    if let Some(types) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(table) {
        return Ok(types.clone());
    }
    let mut types = HashMap::new();
    for r in conn
        .query_all_raw(stmt(
            DatabaseBackend::Postgres,
            "SELECT attname::text AS name, format_type(atttypid, NULL) AS ty FROM pg_attribute \
             WHERE attrelid = CAST($1 AS regclass) AND attnum > 0 AND NOT attisdropped",
            vec![table.into()],
        ))
        .await?
    {
        types.insert(
            r.try_get::<String>("", "name")?,
            r.try_get::<String>("", "ty")?,
        );
    }
    let types = Arc::new(types);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(table.to_string(), types.clone());
    Ok(types)
}

/// The kinds of value the array path carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    SmallInt,
    Int,
    BigInt,
    Double,
    Text,
    Date,
    Timestamp,
}

impl Kind {
    /// `Some(None)` for a null, `None` for a value the path does not carry.
    fn of(v: &Value) -> Option<Option<Kind>> {
        Some(match v {
            Value::Bool(b) => b.map(|_| Kind::Bool),
            Value::SmallInt(n) => n.map(|_| Kind::SmallInt),
            Value::Int(n) => n.map(|_| Kind::Int),
            Value::BigInt(n) => n.map(|_| Kind::BigInt),
            Value::Double(n) => n.map(|_| Kind::Double),
            Value::String(s) => s.as_ref().map(|_| Kind::Text),
            Value::Json(j) => j.as_ref().map(|_| Kind::Text),
            Value::ChronoDate(d) => d.map(|_| Kind::Date),
            Value::ChronoDateTimeUtc(t) => t.map(|_| Kind::Timestamp),
            _ => return None,
        })
    }

    fn array(self) -> sea_orm::sea_query::ArrayType {
        use sea_orm::sea_query::ArrayType;
        match self {
            Kind::Bool => ArrayType::Bool,
            Kind::SmallInt => ArrayType::SmallInt,
            Kind::Int => ArrayType::Int,
            Kind::BigInt => ArrayType::BigInt,
            Kind::Double => ArrayType::Double,
            Kind::Text => ArrayType::String,
            Kind::Date => ArrayType::ChronoDate,
            Kind::Timestamp => ArrayType::ChronoDateTimeUtc,
        }
    }

    /// The array element standing for a null (which the array cannot hold: the column's null
    /// mask says it is one).
    fn placeholder(self) -> Value {
        match self {
            Kind::Bool => Value::Bool(Some(false)),
            Kind::SmallInt => Value::SmallInt(Some(0)),
            Kind::Int => Value::Int(Some(0)),
            Kind::BigInt => Value::BigInt(Some(0)),
            Kind::Double => Value::Double(Some(0.0)),
            Kind::Text => Value::String(Some(String::new())),
            Kind::Date => Value::ChronoDate(Some(chrono::NaiveDate::default())),
            Kind::Timestamp => Value::ChronoDateTimeUtc(Some(chrono::DateTime::UNIX_EPOCH)),
        }
    }

    /// `v` as an element of this kind's array.
    fn element(self, v: Value) -> Value {
        match v {
            Value::Json(Some(j)) => Value::String(Some(j.to_string())),
            v if Kind::of(&v) == Some(None) => self.placeholder(),
            v => v,
        }
    }
}

/// PostgreSQL: `{head} SELECT CAST(u.c0 AS type), … FROM unnest($1, $2, …) AS u(c0, …) {tail}`,
/// each column's values bound as one typed array (binary on the wire), a column holding nulls
/// with a boolean array saying which, [`PG_ROWS_PER_STATEMENT`] rows a statement. The server
/// reads arrays without parsing text: inserting from them measured as fast as from a table, the
/// JSON document of [`row_statements`] a second slower per 300,000 rows. The values are given
/// back when a column mixes kinds or holds one the path does not carry, or a column's type is
/// unknown.
fn array_statements(
    head: &str,
    tail: &str,
    names: &[&str],
    values: Vec<Value>,
    types: &std::collections::HashMap<String, String>,
    per_statement: usize,
) -> std::result::Result<Vec<Statement>, Vec<Value>> {
    let columns = names.len();
    // Per column: its kind (None: every value null) and whether it holds a null.
    let mut kinds: Vec<(Option<Kind>, bool)> = vec![(None, false); columns];
    for (i, v) in values.iter().enumerate() {
        let (kind, nulls) = &mut kinds[i % columns];
        match Kind::of(v) {
            None => return Err(values),
            Some(None) => *nulls = true,
            Some(Some(k)) => match kind {
                None => *kind = Some(k),
                Some(known) if *known == k => {}
                Some(_) => return Err(values),
            },
        }
    }
    if kinds.iter().all(|(k, _)| k.is_none()) || names.iter().any(|n| !types.contains_key(*n)) {
        return Err(values);
    }
    let mut select = Vec::with_capacity(columns);
    let mut aliases = Vec::new();
    for (c, ((kind, nulls), name)) in kinds.iter().zip(names).enumerate() {
        let ty = &types[*name];
        select.push(match (kind, nulls) {
            // Typed: a bare NULL in a subquery is text, which an `UPDATE … FROM` cannot set.
            (None, _) => format!("CAST(NULL AS {ty})"),
            (Some(_), false) => format!("CAST(u.c{c} AS {ty})"),
            (Some(_), true) => format!("CASE WHEN u.n{c} THEN NULL ELSE CAST(u.c{c} AS {ty}) END"),
        });
        if kind.is_some() {
            aliases.push(format!("c{c}"));
            if *nulls {
                aliases.push(format!("n{c}"));
            }
        }
    }
    let marks: Vec<String> = (1..=aliases.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "{head} SELECT {} FROM unnest({}) AS u({}){}{tail}",
        select.join(", "),
        marks.join(", "),
        aliases.join(", "),
        if tail.is_empty() { "" } else { " " }
    );
    let rows = values.len() / columns;
    let mut values = values.into_iter();
    let mut out = Vec::with_capacity(rows.div_ceil(per_statement));
    for start in (0..rows).step_by(per_statement) {
        let n = per_statement.min(rows - start);
        let mut arrays: Vec<Vec<Value>> = (0..columns).map(|_| Vec::with_capacity(n)).collect();
        let mut masks: Vec<Vec<Value>> = kinds
            .iter()
            .map(|(k, nulls)| Vec::with_capacity(if k.is_some() && *nulls { n } else { 0 }))
            .collect();
        for _ in 0..n {
            for (c, (kind, nulls)) in kinds.iter().enumerate() {
                let v = values.next().expect("whole rows");
                let Some(kind) = kind else { continue };
                if *nulls {
                    masks[c].push(Value::Bool(Some(Kind::of(&v) == Some(None))));
                }
                arrays[c].push(kind.element(v));
            }
        }
        let mut bound = Vec::with_capacity(aliases.len());
        for ((kind, nulls), (array, mask)) in kinds.iter().zip(arrays.into_iter().zip(masks)) {
            let Some(kind) = kind else { continue };
            bound.push(Value::Array(kind.array(), Some(Box::new(array))));
            if *nulls {
                bound.push(Value::Array(
                    sea_orm::sea_query::ArrayType::Bool,
                    Some(Box::new(mask)),
                ));
            }
        }
        out.push(stmt(DatabaseBackend::Postgres, &sql, bound));
    }
    Ok(out)
}

/// Rows per multi-row statement for `columns` bound values a row. About 4,000 values a statement
/// measured fastest through sqlx on SQLite (binding slows down per value as statements grow) and
/// stays far below both databases' limits (SQLite 32,766, PostgreSQL 65,535).
pub(crate) fn rows_per_statement(columns: usize) -> usize {
    (4_000 / columns.max(1)).max(1)
}

/// Rows a caller hands to one [`insert_rows`] round (its progress step): on PostgreSQL one
/// array statement's worth, on SQLite one multi-row statement's ([`rows_per_statement`]).
/// Statements of 400 rows cost PostgreSQL a round trip and a trigger run each, a third of an
/// evaluations import.
pub(crate) fn rows_per_write(backend: DatabaseBackend, columns: usize) -> usize {
    if backend == DatabaseBackend::Postgres {
        PG_ROWS_PER_STATEMENT
    } else {
        rows_per_statement(columns)
    }
}

/// Work run on a thread of the blocking pool while the caller awaits the database: building
/// the rows of a bulk write's later statements (client CPU) overlaps the server executing the
/// earlier ones (its own CPU), where one after the other left each side idle half the time.
pub(crate) struct Background<T>(tokio::task::JoinHandle<T>);

impl<T: Send + 'static> Background<T> {
    pub(crate) fn start(work: impl FnOnce() -> T + Send + 'static) -> Self {
        Background(tokio::task::spawn_blocking(work))
    }

    /// The work's result; a panic in it is resumed here, on the caller's task.
    pub(crate) async fn finish(self) -> T {
        match self.0.await {
            Ok(v) => v,
            Err(e) => match e.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                // Only a runtime shutting down cancels blocking work.
                Err(e) => panic!("background work was cancelled: {e}"),
            },
        }
    }
}

/// Milliseconds of the phases of a bulk write, for its debug log: each `ms()` is the time since
/// the previous one (or since the start).
pub(crate) struct Lap(std::time::Instant);

impl Lap {
    pub(crate) fn start() -> Self {
        Lap(std::time::Instant::now())
    }

    pub(crate) fn ms(&mut self) -> u128 {
        let ms = self.0.elapsed().as_millis();
        self.0 = std::time::Instant::now();
        ms
    }
}

/// Reports how far a bulk write is: (rows written, rows to write).
pub type Progress<'a> = Option<&'a (dyn Fn(u64, u64) + Send + Sync)>;

/// `limit` (default 100, at most 1000) and `offset` of a list request.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub limit: u64,
    pub offset: u64,
}

impl Paging {
    pub const DEFAULT_LIMIT: u64 = 100;
    pub const MAX_LIMIT: u64 = 1000;

    pub fn new(limit: Option<u64>, offset: Option<u64>) -> Self {
        Paging {
            limit: limit
                .unwrap_or(Self::DEFAULT_LIMIT)
                .clamp(1, Self::MAX_LIMIT),
            offset: offset.unwrap_or(0),
        }
    }

    pub fn page<T>(self, items: Vec<T>, total: u64) -> Page<T> {
        Page {
            items,
            total,
            limit: self.limit,
            offset: self.offset,
        }
    }
}
