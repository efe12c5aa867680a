//! Streaming reads straight through sqlx for queries that read millions of rows (the bench's
//! bare read of every current level): each row is decoded as borrowed values and handed to a
//! closure, never materialised.

use crate::db::Store;
use crate::error::{Result, StoreError};
use futures_util::TryStreamExt;
use sea_orm::sqlx::{self, Row};
use sea_orm::{DatabaseBackend, DbErr};

fn db_err(e: sqlx::Error) -> StoreError {
    StoreError::Db(DbErr::Custom(format!("streaming query: {e}")))
}

/// One streamed row, for either database.
pub(crate) enum StreamRow<'r> {
    Sqlite(&'r sqlx::sqlite::SqliteRow),
    Postgres(&'r sqlx::postgres::PgRow),
}

impl<'r> StreamRow<'r> {
    pub fn text(&self, i: usize) -> Result<&'r str> {
        match self {
            StreamRow::Sqlite(r) => r.try_get::<&str, _>(i),
            StreamRow::Postgres(r) => r.try_get::<&str, _>(i),
        }
        .map_err(db_err)
    }

    pub fn small(&self, i: usize) -> Result<i16> {
        match self {
            StreamRow::Sqlite(r) => r.try_get::<i16, _>(i),
            StreamRow::Postgres(r) => r.try_get::<i16, _>(i),
        }
        .map_err(db_err)
    }
}

impl Store {
    /// Runs `sql` (with `$n` placeholders bound to `binds`) and calls `each` per row. The SQL
    /// text is always assembled from constants in this crate; values travel as binds only.
    pub(crate) async fn stream(
        &self,
        sql: &str,
        binds: &[String],
        mut each: impl FnMut(StreamRow<'_>) -> Result<()>,
    ) -> Result<()> {
        match self.backend() {
            DatabaseBackend::Sqlite => {
                let sql = sql.replace('$', "?");
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for b in binds {
                    q = q.bind(b.as_str());
                }
                let mut rows = q.fetch(self.db.get_sqlite_connection_pool());
                while let Some(row) = rows.try_next().await.map_err(db_err)? {
                    each(StreamRow::Sqlite(&row))?;
                }
            }
            _ => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
                for b in binds {
                    q = q.bind(b.as_str());
                }
                let mut rows = q.fetch(self.db.get_postgres_connection_pool());
                while let Some(row) = rows.try_next().await.map_err(db_err)? {
                    each(StreamRow::Postgres(&row))?;
                }
            }
        }
        Ok(())
    }
}
