//! PostgreSQL: the statement-level reference check of an insert (see
//! `m20261201_000021_set_based_references`) picks its plan by the size of the insert.
//!
//! The planner knows neither how many distinct keys a statement's transition table holds nor
//! anything else about it, so the check of `m20261202_000023_distinct_reference_checks` always
//! ran as one index probe per distinct key: right for the few employees of 20,000 competency
//! records, but for 100,000 evaluations of 100,000 employees it cost 450 ms of a 1.1 s insert.
//! An insert at least a quarter the size of the table it refers to (and of 1,000 rows or more)
//! now compares the two key sets in one pass (`EXCEPT`, hashed or sorted): 230 ms there. A
//! smaller one, or one into a table never analysed, is checked as before. The rule and the
//! error are the same.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000024_reference_checks_by_size"
    }
}

/// Each distinct key once, looked up in the referenced table's index (`%1$I` the column,
/// `%2$I` the referenced table, `%3$I` its key): as migration 23 left it.
const DISTINCT: &str = "'SELECT n.k::text FROM (SELECT DISTINCT i.%1$I AS k FROM inserted i WHERE i.%1$I IS NOT NULL) n '
    'WHERE NOT EXISTS (SELECT 1 FROM %2$I p WHERE p.%3$I = n.k) LIMIT 1'";

/// The inserted keys less the stored ones, in one pass over each.
const SET_DIFFERENCE: &str =
    "'SELECT n.k::text FROM (SELECT i.%1$I AS k FROM inserted i WHERE i.%1$I IS NOT NULL '
    'EXCEPT SELECT p.%3$I FROM %2$I p) n LIMIT 1'";

/// The function raising the violation for the key `find` (an expression of the arguments)
/// answers.
fn check(declare: &str, find: &str) -> String {
    format!(
        r#"
CREATE OR REPLACE FUNCTION jenjang_references_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing text;{declare}
BEGIN
  {find}
  IF missing IS NOT NULL THEN
    RAISE foreign_key_violation USING MESSAGE = format(
      'insert on table "%s" violates its reference to "%s": key (%s)=(%s) is not present',
      TG_TABLE_NAME, TG_ARGV[1], TG_ARGV[0], missing);
  END IF;
  RETURN NULL;
END $$;
"#
    )
}

fn by_size() -> String {
    check(
        "\n  written bigint;\n  stored real;",
        &format!(
            "EXECUTE 'SELECT count(*) FROM inserted' INTO written;
  SELECT c.reltuples INTO stored FROM pg_class c WHERE c.oid = format('%I', TG_ARGV[1])::regclass;
  IF written >= 1000 AND stored >= 0 AND written * 4 >= stored THEN
    EXECUTE format({SET_DIFFERENCE}, TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]) INTO missing;
  ELSE
    EXECUTE format({DISTINCT}, TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]) INTO missing;
  END IF;"
        ),
    )
}

fn distinct_only() -> String {
    check(
        "",
        &format!(
            "EXECUTE format({DISTINCT},\n    TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]) INTO missing;"
        ),
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        m.get_connection().execute_unprepared(&by_size()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        m.get_connection()
            .execute_unprepared(&distinct_only())
            .await?;
        Ok(())
    }
}
