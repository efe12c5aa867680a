//! PostgreSQL: the tables whose rows bulk writes update in place keep room on each page for the
//! new versions (`fillfactor`), so that an update is a heap-only tuple (HOT) update: the new
//! version goes on the same page and no index is touched.
//!
//! With full pages every update of a current level wrote its new version to another page and an
//! entry in each of the table's two indexes: an assessment round updating 300,000 current levels
//! took 7.7 s; with half of each page free, 3.2 s (70%: 4.4 s). A province's round updates every
//! current level and profile once, so those keep half of each page free; a cohort's results and
//! a plan's progress update some participants and items at a time, which a fifth covers.
//!
//! The setting applies to pages written from now on (a new database, a table's new pages);
//! `VACUUM FULL <table>` applies it to a table's existing pages at once, at the cost of a lock
//! while the table is rewritten. The price is space: those tables' heaps grow by the free room
//! (the current levels of 100,000 employees: 90 MB to 180 MB). SQLite has no such setting.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000022_room_for_updates"
    }
}

/// The tables and the percentage of each page filled by inserts.
const FILL: [(&str, u8); 4] = [
    ("current_competency_levels", 50),
    ("employee_level_profiles", 50),
    ("cohort_participants", 80),
    ("plan_items", 80),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let sql: String = FILL
            .iter()
            .map(|(table, fill)| format!("ALTER TABLE {table} SET (fillfactor = {fill});\n"))
            .collect();
        m.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let sql: String = FILL
            .iter()
            .map(|(table, _)| format!("ALTER TABLE {table} RESET (fillfactor);\n"))
            .collect();
        m.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }
}
