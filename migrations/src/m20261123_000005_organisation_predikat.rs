//! The organisation predikat of a unit per period (PermenPANRB 6/2022: the unit's performance,
//! which is also its head's hasil kerja), and the start date of development plan items (the
//! SIASN record's `tanggalKursus`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000005_organisation_predikat"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("unit_predikat")
                .col(string_len("unit_code", 64))
                .col(string_len("period", 7))
                .col(string_len("predikat", 24))
                .col(timestamp_with_time_zone("recorded_at"))
                .col(string_len("recorded_by", 128))
                .primary_key(Index::create().col("unit_code").col("period"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_unit_predikat_unit")
                        .from("unit_predikat", "unit_code")
                        .to("units", "code"),
                )
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("plan_items")
                .add_column(date_null("started_on"))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("plan_items")
                .drop_column("started_on")
                .take(),
        )
        .await?;
        m.drop_table(Table::drop().table("unit_predikat").take())
            .await
    }
}
