//! What the analyses need: organisational needs (a unit subtree must reach a competency level
//! by a date), and the current level per employee and competency kept beside the history, so
//! "current levels" is a plain indexed read rather than a latest-per-group search over history.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000002_analytics"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("org_needs")
                .col(big_pk_auto("id"))
                .col(string_len("unit_code", 64))
                .col(string_len("competency_code", 64))
                .col(small_integer("level"))
                .col(double("target_share"))
                .col(string_len_null("position_kind", 32))
                .col(date("due"))
                .col(small_integer("priority"))
                .col(timestamp_with_time_zone("created_at"))
                .col(string_len("created_by", 128))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_org_needs_unit_code")
                        .from("org_needs", "unit_code")
                        .to("units", "code"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_org_needs_competency_code")
                        .from("org_needs", "competency_code")
                        .to("competencies", "code"),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_org_needs_unit_code")
                .table("org_needs")
                .col("unit_code")
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("current_competency_levels")
                .col(string_len("nip", 18))
                .col(string_len("competency_code", 64))
                .col(small_integer("level"))
                .col(date("assessed_on"))
                .col(big_integer("record_id"))
                .primary_key(Index::create().col("nip").col("competency_code"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_current_levels_nip")
                        .from("current_competency_levels", "nip")
                        .to("employees", "nip"),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_current_competency_levels_competency_code")
                .table("current_competency_levels")
                .col("competency_code")
                .take(),
        )
        .await?;
        // Backfill from the history: the latest record per employee and competency.
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO current_competency_levels (nip, competency_code, level, assessed_on, record_id) \
                 SELECT r.nip, r.competency_code, r.level, r.assessed_on, r.id FROM competency_records r \
                 WHERE r.id = (SELECT r2.id FROM competency_records r2 \
                               WHERE r2.nip = r.nip AND r2.competency_code = r.competency_code \
                               ORDER BY r2.assessed_on DESC, r2.id DESC LIMIT 1)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("current_competency_levels").take())
            .await?;
        m.drop_table(Table::drop().table("org_needs").take())
            .await?;
        Ok(())
    }
}
