//! The reference model: organisation units, the competency dictionary with levels and
//! prerequisites, development programs, positions with their competency standard (SKJ),
//! employees, the dated history of competency levels, logins and the append-only audit log.
//!
//! Natural keys (`code`, `nip`) are the primary keys: they are what users and the API name,
//! they never change once created, and using them as foreign keys keeps every lookup a
//! single indexed probe.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000001_reference_model"
    }
}

fn code_pk(name: &'static str) -> ColumnDef {
    string_len(name, 64).primary_key().take()
}

fn fk(
    from_table: &'static str,
    from_col: &'static str,
    to_table: &'static str,
    to_col: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from_table}_{from_col}"))
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::Restrict)
        .take()
}

fn index(table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(format!("ix_{table}_{}", cols.join("_")))
        .table(table);
    for c in cols {
        stmt.col(*c);
    }
    stmt.take()
}

fn timestamps(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict};

        let mut t = Table::create();
        t.table("units")
            .col(code_pk("code"))
            .col(string("name"))
            .col(string_len_null("parent_code", 64))
            .col(string_len_null("head_nip", 18))
            .foreign_key(&mut fk("units", "parent_code", "units", "code", Restrict));
        m.create_table(timestamps(&mut t).take()).await?;
        m.create_index(index("units", &["parent_code"])).await?;

        let mut t = Table::create();
        t.table("competencies")
            .col(code_pk("code"))
            .col(string("name"))
            .col(string_len("kind", 32))
            .col(text_null("description"));
        m.create_table(timestamps(&mut t).take()).await?;

        m.create_table(
            Table::create()
                .table("competency_levels")
                .col(string_len("competency_code", 64))
                .col(small_integer("level"))
                .col(text("description"))
                .primary_key(Index::create().col("competency_code").col("level"))
                .foreign_key(&mut fk(
                    "competency_levels",
                    "competency_code",
                    "competencies",
                    "code",
                    Cascade,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("competency_prerequisites")
                .col(string_len("competency_code", 64))
                .col(small_integer("for_level"))
                .col(string_len("requires_code", 64))
                .col(small_integer("requires_level"))
                .primary_key(
                    Index::create()
                        .col("competency_code")
                        .col("for_level")
                        .col("requires_code"),
                )
                .foreign_key(&mut fk(
                    "competency_prerequisites",
                    "competency_code",
                    "competencies",
                    "code",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "competency_prerequisites",
                    "requires_code",
                    "competencies",
                    "code",
                    Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(index("competency_prerequisites", &["requires_code"]))
            .await?;

        let mut t = Table::create();
        t.table("programs")
            .col(code_pk("code"))
            .col(string("title"))
            .col(string_len("form", 40))
            .col(integer("jp"))
            .col(big_integer("cost_idr"))
            .col(string("provider"))
            .col(integer_null("capacity"))
            .col(integer_null("duration_days"));
        m.create_table(timestamps(&mut t).take()).await?;

        m.create_table(
            Table::create()
                .table("program_develops")
                .col(string_len("program_code", 64))
                .col(string_len("competency_code", 64))
                .col(small_integer("to_level"))
                .primary_key(Index::create().col("program_code").col("competency_code"))
                .foreign_key(&mut fk(
                    "program_develops",
                    "program_code",
                    "programs",
                    "code",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "program_develops",
                    "competency_code",
                    "competencies",
                    "code",
                    Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(index("program_develops", &["competency_code"]))
            .await?;

        m.create_table(
            Table::create()
                .table("program_requires")
                .col(string_len("program_code", 64))
                .col(string_len("competency_code", 64))
                .col(small_integer("level"))
                .primary_key(Index::create().col("program_code").col("competency_code"))
                .foreign_key(&mut fk(
                    "program_requires",
                    "program_code",
                    "programs",
                    "code",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "program_requires",
                    "competency_code",
                    "competencies",
                    "code",
                    Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(index("program_requires", &["competency_code"]))
            .await?;

        let mut t = Table::create();
        t.table("positions")
            .col(code_pk("code"))
            .col(string("name"))
            .col(string_len("kind", 32))
            .col(string_len_null("unit_code", 64))
            .foreign_key(&mut fk("positions", "unit_code", "units", "code", Restrict));
        m.create_table(timestamps(&mut t).take()).await?;
        m.create_index(index("positions", &["unit_code"])).await?;

        m.create_table(
            Table::create()
                .table("position_requirements")
                .col(string_len("position_code", 64))
                .col(string_len("competency_code", 64))
                .col(small_integer("level"))
                .primary_key(Index::create().col("position_code").col("competency_code"))
                .foreign_key(&mut fk(
                    "position_requirements",
                    "position_code",
                    "positions",
                    "code",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "position_requirements",
                    "competency_code",
                    "competencies",
                    "code",
                    Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(index("position_requirements", &["competency_code"]))
            .await?;

        let mut t = Table::create();
        t.table("employees")
            .col(string_len("nip", 18).primary_key())
            .col(string("name"))
            .col(string_len_null("position_code", 64))
            .col(string_len("unit_code", 64))
            .col(string_len_null("supervisor_nip", 18))
            .col(string_len_null("potential", 16))
            .foreign_key(&mut fk(
                "employees",
                "position_code",
                "positions",
                "code",
                Restrict,
            ))
            .foreign_key(&mut fk("employees", "unit_code", "units", "code", Restrict))
            .foreign_key(&mut fk(
                "employees",
                "supervisor_nip",
                "employees",
                "nip",
                Restrict,
            ));
        m.create_table(timestamps(&mut t).take()).await?;
        m.create_index(index("employees", &["unit_code"])).await?;
        m.create_index(index("employees", &["supervisor_nip"]))
            .await?;
        m.create_index(index("employees", &["position_code"]))
            .await?;

        // History of competency levels: a change is a new dated row, never an update.
        m.create_table(
            Table::create()
                .table("competency_records")
                .col(big_pk_auto("id"))
                .col(string_len("nip", 18))
                .col(string_len("competency_code", 64))
                .col(small_integer("level"))
                .col(string_len("source", 128))
                .col(date("assessed_on"))
                .col(timestamp_with_time_zone("recorded_at"))
                .col(string_len_null("recorded_by", 128))
                .foreign_key(&mut fk(
                    "competency_records",
                    "nip",
                    "employees",
                    "nip",
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "competency_records",
                    "competency_code",
                    "competencies",
                    "code",
                    Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "competency_records",
                &["nip", "competency_code", "assessed_on", "source", "level"],
            )
            .unique()
            .take(),
        )
        .await?;
        m.create_index(index("competency_records", &["competency_code"]))
            .await?;

        m.create_table(
            Table::create()
                .table("users")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("username", 64))
                .col(string("password_hash"))
                .col(string_len("role", 16))
                .col(string_len_null("nip", 18))
                .col(boolean("active").default(true))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("users", "nip", "employees", "nip", Restrict))
                .take(),
        )
        .await?;
        m.create_index(index("users", &["nip"]).unique().take())
            .await?;

        // Append-only: the application only ever inserts here.
        m.create_table(
            Table::create()
                .table("audit_log")
                .col(big_pk_auto("id"))
                .col(timestamp_with_time_zone("at"))
                .col(string_len("actor", 64))
                .col(string_len("action", 32))
                .col(string_len("entity", 32))
                .col(string_len("entity_key", 128))
                .col(text("detail"))
                .take(),
        )
        .await?;
        m.create_index(index("audit_log", &["entity", "entity_key"]))
            .await?;

        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "audit_log",
            "users",
            "competency_records",
            "employees",
            "position_requirements",
            "positions",
            "program_requires",
            "program_develops",
            "programs",
            "competency_prerequisites",
            "competency_levels",
            "competencies",
            "units",
        ] {
            m.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
