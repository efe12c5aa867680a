//! Unit indicators (IKU, PermenPANRB 6/2022) per unit and year with their targets, and their
//! realisations per period (entered, imported, or fed by the unit's IKM).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000011_indicators"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("indicators")
                .col(big_pk_auto("id"))
                .col(string_len("code", 64))
                .col(integer("year"))
                .col(string_len("unit_code", 64))
                .col(string_len("name", 300))
                .col(string_len("kind", 16))
                .col(string_len("unit_of_measure", 64))
                .col(string_len("direction", 24))
                .col(double("target"))
                // {"2026-Q1": 25.0, ...}: periods with their own target.
                .col(text("period_targets"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(string_len("updated_by", 128))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_indicators_unit")
                        .from("indicators", "unit_code")
                        .to("units", "code"),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_indicators_code_year")
                .table("indicators")
                .col("code")
                .col("year")
                .unique()
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_indicators_unit_year")
                .table("indicators")
                .col("unit_code")
                .col("year")
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("indicator_realisations")
                .col(big_integer("indicator_id"))
                .col(string_len("period", 7))
                .col(double("value"))
                .col(string_len("source", 16))
                .col(text_null("evidence_url"))
                .col(text_null("note"))
                .col(timestamp_with_time_zone("recorded_at"))
                .col(string_len("recorded_by", 128))
                .primary_key(Index::create().col("indicator_id").col("period"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_indicator_realisations_indicator")
                        .from("indicator_realisations", "indicator_id")
                        .to("indicators", "id"),
                )
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("indicator_realisations").take())
            .await?;
        m.drop_table(Table::drop().table("indicators").take()).await
    }
}
